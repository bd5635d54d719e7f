{#
    The on-run-end "why rows left" of the zone report: the counts the model zone_exclusions
    keeps per day, summed, logged as one JSON line prefixed `zone_exclusions=`, which
    stedi_lakehouse/build.py draws with the zone counts in target/zone_report.html. Only after a
    run that built zone_exclusions.
#}
{% macro report_zone_exclusions() %}
    {% if not execute or flags.WHICH not in ['build', 'run'] %}{{ return('') }}{% endif %}
    {#- built in this run, so every table it counts was too (dbt skips what follows a failure) -#}
    {% set built = results | selectattr('node.name', 'equalto', 'zone_exclusions')
        | selectattr('status', 'equalto', 'success') | list %}
    {% if not built %}{{ return('') }}{% endif %}
    {% set relation = zone_report_relations(['zone_exclusions'])[0][1] %}
    {% set result = run_query(
        'select zone_table, reason, sum(row_count) from ' ~ relation ~ ' group by zone_table, reason'
    ) %}
    {#- no row: an engine stand-in that executes nothing (athena_local) -#}
    {% if not result.rows %}{{ return('') }}{% endif %}
    {% set report = {
        'mode': 'rubric_compatible' if var('rubric_compatible') else 'strict',
        'target': target.name,
        'rows': [],
    } %}
    {% for row in result.rows %}
        {% do report['rows'].append([row[0], row[1], row[2] | int]) %}
    {% endfor %}
    {{ log('zone_exclusions=' ~ tojson(report), info=false) }}
    {{ return('') }}
{% endmacro %}
