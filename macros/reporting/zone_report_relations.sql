{#- The relations of the zone report, in report order (see report_zone_counts.sql). -#}
{% macro zone_report_relations() %}
    {#- Looked up in the graph, not with ref(): a hook must not depend on nodes. -#}
    {% set sources = ['customer_landing', 'accelerometer_landing', 'step_trainer_landing'] %}
    {% set models = [
        'customer_trusted', 'accelerometer_trusted', 'step_trainer_trusted',
        'customer_curated', 'machine_learning_curated', 'landing_rejected_records',
    ] %}
    {% set relations = [] %}
    {% for name in sources %}
        {% for node in graph.sources.values() if node.package_name == project_name and node.name == name %}
            {% do relations.append((name, api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.identifier))) %}
        {% endfor %}
    {% endfor %}
    {% for name in models %}
        {% for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name %}
            {% do relations.append((name, api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias))) %}
        {% endfor %}
    {% endfor %}
    {{ return(relations) }}
{% endmacro %}
