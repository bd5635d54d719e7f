{#
    The zone report, the project's on-run-end hook after each `dbt build` / `dbt run`:

    - the row counts of every landing, trusted and curated table and of the quarantine, printed
      as a table and logged as one JSON line prefixed `zone_counts=`, which
      stedi_lakehouse/build/runner.py writes to target/zone_counts.json (it replaces screenshots of
      `select count(*)` in Athena). A table this run failed to build or skipped is reported as
      not built, never with an earlier run's rows. A landing table's lines are counted in its
      `*_landing_validated` model, the parsed lines of the files now delivered, which the
      accounting test holds equal to the landing table's, so no delivered line is read again;
    - why rows left each zone: the per-day counts of zone_exclusions summed, logged as one JSON
      line prefixed `zone_exclusions=`, which the build runner draws with the counts in
      target/zone_report.html. Only after a run that built zone_exclusions.

    Tables are looked up in the graph, not with ref(): a hook must not depend on nodes.
#}
{% macro report_zones() %}
    {% if not execute or flags.WHICH not in ['build', 'run'] %}{{ return('') }}{% endif %}
    {% set models = {} %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name %}
        {% do models.update({node.name: api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias)}) %}
    {% endfor %}
    {% set failed = [] %}
    {% for result in results if result.node.resource_type == 'model' and result.status != 'success' %}
        {% do failed.append(result.node.name) %}
    {% endfor %}

    {% set counts = {} %}
    {% for name in [
        'customer_landing', 'accelerometer_landing', 'step_trainer_landing',
        'customer_trusted', 'accelerometer_trusted', 'step_trainer_trusted',
        'customer_curated', 'machine_learning_curated', 'landing_rejected_records',
    ] %}
        {% set counted = name ~ '_validated' if name.endswith('_landing') else name %}
        {% set relation = models[counted] %}
        {% if counted in failed
            or adapter.get_relation(relation.database, relation.schema, relation.identifier) is none %}
            {% do counts.update({name: none}) %}
        {% else %}
            {% set result = run_query('select count(*) from ' ~ relation) %}
            {#- no row: an engine stand-in that executes nothing (athena_local) -#}
            {% do counts.update({name: (result.rows[0][0] | int) if result.rows else none}) %}
        {% endif %}
    {% endfor %}
    {% set mode = 'rubric_compatible' if var('rubric_compatible') else 'strict' %}
    {% set lines = ['', 'Zone report (' ~ target.name ~ ', ' ~ mode ~ ')', '-' * 38] %}
    {% for name, value in counts.items() %}
        {% set shown = '{:,}'.format(value) if value is not none
            else ('not built' if name ~ '_validated' in failed or name in failed else 'missing') %}
        {% do lines.append(name.ljust(26) ~ shown.rjust(12)) %}
    {% endfor %}
    {% do lines.append('-' * 38) %}
    {{ log(lines | join('\n'), info=true) }}
    {{ log('zone_counts=' ~ tojson(counts), info=false) }}

    {% set built = results | selectattr('node.name', 'equalto', 'zone_exclusions')
        | selectattr('status', 'equalto', 'success') | list %}
    {% if built %}
        {% set result = run_query(
            'select zone_table, reason, sum(row_total) from ' ~ models['zone_exclusions']
            ~ ' group by zone_table, reason'
        ) %}
        {% set report = {'mode': mode, 'target': target.name, 'rows': []} %}
        {% for row in result.rows %}
            {% do report['rows'].append([row[0], row[1], row[2] | int]) %}
        {% endfor %}
        {% if result.rows %}
            {{ log('zone_exclusions=' ~ tojson(report), info=false) }}
        {% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
