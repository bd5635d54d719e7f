{#
    Which days of readings an incremental build rewrites (docs/builds.md, "Incremental
    builds"). The model days_to_rebuild lists them, one day a row, a row without a day for every
    day. Three macros: those days, the condition that selects them, and the pre-hook that drops
    their partitions, so that a day left without a row keeps none (insert_overwrite overwrites
    only the partitions it writes). Every day-partitioned table rebuilds the same days.
#}

{#- The days to rebuild as ISO dates, sorted; none for every day (or before any build). -#}
{% macro rebuild_days() %}
    {#- found by name, not ref(): a generic test's filter cannot declare the dependency -#}
    {% set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'days_to_rebuild') | first %}
    {% set relation = adapter.get_relation(node.database, node.schema, node.alias) %}
    {% if relation is none %}{{ return(none) }}{% endif %}
    {% set days = run_query('select distinct rebuild_day from ' ~ relation).columns[0].values() %}
    {% if none in days %}{{ return(none) }}{% endif %}
    {{ return(days | map('string') | sort) }}
{% endmacro %}


{#-
    A condition that holds on the days to rebuild: on a day column, as date literals, so Spark
    reads only those partitions; with epoch_ms, on an epoch-millisecond column, as ranges, so
    Parquet's statistics skip the row groups of other days. True when every day is rebuilt: a
    model built in full, a test after a full build, another engine than Spark.
-#}
{% macro in_rebuild_days(column, epoch_ms=false) %}
    {% if not execute or target.type != 'spark' %}{{ return('true') }}{% endif %}
    {#- a model built in full (a unit test too); a test reads what the last build wrote -#}
    {% if model.resource_type != 'test' and (this is none or not is_incremental()) %}
        {{ return('true') }}
    {% endif %}
    {% set days = rebuild_days() %}
    {% if days is none %}{{ return('true') }}{% endif %}
    {% if not days %}{{ return('false') }}{% endif %}
    {% if not epoch_ms %}
        {{ return(column ~ " in (date '" ~ days | join("', date '") ~ "')") }}
    {% endif %}
    {% set epoch = modules.datetime.date(1970, 1, 1) %}
    {% set ranges = [] %}
    {% for day in days %}
        {% set start = (modules.datetime.date.fromisoformat(day) - epoch).days * 86400000 %}
        {% do ranges.append(
            '(' ~ column ~ ' >= ' ~ start ~ ' and ' ~ column ~ ' < ' ~ (start + 86400000) ~ ')') %}
    {% endfor %}
    {{ return('(' ~ ranges | join(' or ') ~ ')') }}
{% endmacro %}


{#- The pre-hook of a day-partitioned table: drop the partitions of the days to rebuild. -#}
{% macro drop_rebuild_days(day_column) %}
    {% if not execute or this is none or not is_incremental() %}{{ return('') }}{% endif %}
    {% set days = rebuild_days() %}
    {% if days is none %}{{ return('truncate table ' ~ this) }}{% endif %}
    {% if not days %}{{ return('') }}{% endif %}
    {% set partitions = [] %}
    {% for day in days %}
        {% do partitions.append('partition (' ~ day_column ~ " = '" ~ day ~ "')") %}
    {% endfor %}
    {{ return('alter table ' ~ this ~ ' drop if exists ' ~ partitions | join(', ')) }}
{% endmacro %}
