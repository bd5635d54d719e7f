{#
    The on-run-end "why rows left" of the zone report (zone_exclusions_sql): logged as one JSON
    line prefixed `zone_exclusions=`, which stedi_lakehouse/build.py draws with the zone counts
    in target/zone_report.html. Only after a run that rebuilt every table it reads.
#}
{% macro report_zone_exclusions() %}
    {% if not execute or flags.WHICH not in ['build', 'run'] %}{{ return('') }}{% endif %}
    {% set names = [
        'customer_records_judged', 'accelerometer_readings_judged', 'step_trainer_readings_judged',
        'customer_trusted', 'accelerometer_trusted', 'step_trainer_trusted',
        'customer_curated', 'machine_learning_curated',
    ] %}
    {% for result in results if result.node.resource_type == 'model' and result.node.name in names and result.status != 'success' %}
        {{ return('') }}
    {% endfor %}
    {% set relations = {} %}
    {% for name, relation in zone_report_relations(names) %}
        {% if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none %}
            {{ return('') }}
        {% endif %}
        {% do relations.update({name: relation}) %}
    {% endfor %}
    {% if relations | length != names | length %}{{ return('') }}{% endif %}
    {% set result = run_query(zone_exclusions_sql(relations)) %}
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
