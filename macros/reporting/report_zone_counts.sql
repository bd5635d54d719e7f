{#
    The zone report: row counts of every landing, trusted and curated table and of the
    quarantine, printed as a table at the end of each `dbt build` / `dbt run` (a table that
    the run failed to build or skipped is reported as not built, never with stale rows). It also logs
    them as one JSON line prefixed `zone_counts=`, which stedi_lakehouse/build.py writes to
    target/zone_counts.json. It replaces screenshots of `select count(*)` in Athena.
#}
{% macro report_zone_counts() %}
    {% if not execute or flags.WHICH not in ['build', 'run'] %}{{ return('') }}{% endif %}
    {#- a table this run failed or skipped holds an earlier run's rows: report none, not those -#}
    {% set not_rebuilt = [] %}
    {% for result in results if result.node.resource_type == 'model' and result.status != 'success' %}
        {% do not_rebuilt.append(result.node.name) %}
    {% endfor %}
    {% set counts = {} %}
    {% for name, relation in zone_report_relations() %}
        {% set existing = adapter.get_relation(relation.database, relation.schema, relation.identifier) %}
        {% if existing is none or name in not_rebuilt %}
            {% do counts.update({name: none}) %}
        {% else %}
            {% set result = run_query('select count(*) as row_count from ' ~ relation) %}
            {#- no row: an engine stand-in that executes nothing (athena_local) -#}
            {% do counts.update({name: (result.rows[0][0] | int) if result.rows else none}) %}
        {% endif %}
    {% endfor %}

    {% set width = 26 %}
    {% set lines = ['', 'Zone report (' ~ target.name ~ ', '
        ~ ('rubric_compatible' if var('rubric_compatible') else 'strict') ~ ')'] %}
    {% do lines.append('-' * (width + 12)) %}
    {% for name in counts %}
        {% set value = counts[name] %}
        {% set shown = ('not built' if name in not_rebuilt else 'missing') if value is none
            else '{:,}'.format(value) %}
        {% do lines.append(name.ljust(width) ~ shown.rjust(12)) %}
    {% endfor %}
    {% do lines.append('-' * (width + 12)) %}
    {{ log(lines | join('\n'), info=true) }}
    {{ log('zone_counts=' ~ tojson(counts), info=false) }}
    {{ return('') }}
{% endmacro %}
