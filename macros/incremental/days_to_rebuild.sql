{#
    Which days of readings an incremental build of a trusted or curated table rebuilds
    (docs/builds.md, "Incremental builds"). The model days_to_rebuild lists them: the days of
    readings in landing file versions added or retired since the zones were last built
    (built_file_versions), and every day of readings of a customer or device whose records
    changed. Three macros: the days of a dataset (none: every day), the filter of a model's
    readings by them, and the pre-hook that drops their partitions, so that a day left without a
    row keeps none (insert_overwrite overwrites only the partitions it writes).
#}

{#- The unix days of a dataset's readings to rebuild, sorted; none for every day. -#}
{% macro days_to_rebuild(dataset, relation=none) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set days = run_query(
        "select unix_day from " ~ (relation or ref('days_to_rebuild')) ~ " where dataset = '"
        ~ dataset ~ "' or dataset is null order by unix_day"
    ).columns[0].values() | list %}
    {{ return(none if none in days else days) }}
{% endmacro %}


{#-
    A condition on an epoch-millisecond column that holds on the days to rebuild, as ranges of
    the column itself, so Parquet's statistics skip the row groups of other days; true on a
    build that is not incremental.
-#}
{% macro in_days_to_rebuild(epoch_ms_column, datasets) %}
    {#- a unit test has no table of its own: no incremental build either -#}
    {% if this is none or not is_incremental() %}{{ return('true') }}{% endif %}
    {% set days = [] %}
    {% for dataset in datasets %}
        {% set found = days_to_rebuild(dataset) %}
        {% if found is none %}{{ return('true') }}{% endif %}
        {% do days.extend(found) %}
    {% endfor %}
    {% if not days %}{{ return('false') }}{% endif %}
    {% set ranges = [] %}
    {% for day in days | unique | sort %}
        {% do ranges.append(
            '(' ~ epoch_ms_column ~ ' >= ' ~ day * 86400000 ~ ' and ' ~ epoch_ms_column ~ ' < '
            ~ (day + 1) * 86400000 ~ ')'
        ) %}
    {% endfor %}
    {{ return('(' ~ ranges | join(' or ') ~ ')') }}
{% endmacro %}


{#- The pre-hook of an incremental zone table: drop the partitions of the days to rebuild. -#}
{% macro drop_days_to_rebuild(day_column, datasets) %}
    {% if not execute or this is none or not is_incremental() %}{{ return('') }}{% endif %}
    {% set days = [] %}
    {% for dataset in datasets %}
        {% set found = days_to_rebuild(dataset) %}
        {% if found is none %}
            {{ return('truncate table ' ~ this) }}
        {% endif %}
        {% do days.extend(found) %}
    {% endfor %}
    {% if not days %}{{ return('') }}{% endif %}
    {% set epoch = modules.datetime.date(1970, 1, 1) %}
    {% set partitions = [] %}
    {% for day in days | unique | sort %}
        {% set date = epoch + modules.datetime.timedelta(days=day | int) %}
        {% do partitions.append('partition (' ~ day_column ~ " = '" ~ date.isoformat() ~ "')") %}
    {% endfor %}
    {{ return('alter table ' ~ this ~ ' drop if exists ' ~ partitions | join(', ')) }}
{% endmacro %}


{#-
    A condition on a day column that holds on the days this build rebuilt, of either dataset,
    as date literals, so Spark reads only their partitions: what a data test checks after an
    incremental build (docs/builds.md). True when the build rebuilt every day, or before any.
-#}
{% macro in_rebuilt_days(day_column) %}
    {#- only Spark builds incrementally; Athena rebuilds every day -#}
    {% if not execute or target.type != 'spark' %}{{ return('true') }}{% endif %}
    {#- found by name, not ref(): a generic test's filter cannot declare the dependency -#}
    {% set model = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'days_to_rebuild') | first %}
    {% set relation = adapter.get_relation(model.database, model.schema, model.alias) %}
    {% if relation is none %}{{ return('true') }}{% endif %}
    {% set days = [] %}
    {% for dataset in ['accelerometer', 'step_trainer'] %}
        {% set found = days_to_rebuild(dataset, relation) %}
        {% if found is none %}{{ return('true') }}{% endif %}
        {% do days.extend(found) %}
    {% endfor %}
    {% if not days %}{{ return('false') }}{% endif %}
    {% set epoch = modules.datetime.date(1970, 1, 1) %}
    {% set dates = [] %}
    {% for day in days | unique | sort %}
        {% do dates.append("date '" ~ (epoch + modules.datetime.timedelta(days=day | int)).isoformat() ~ "'") %}
    {% endfor %}
    {{ return(day_column ~ ' in (' ~ dates | join(', ') ~ ')') }}
{% endmacro %}
