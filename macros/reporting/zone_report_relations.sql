{#-
    The relations of this project's sources and models of the given names, in that order, as
    (name, relation) pairs; a name without a node is left out. Looked up in the graph, not with
    ref() or source(): a hook must not depend on nodes. Without names: the zone report's tables.
-#}
{% macro zone_report_relations(names=none) %}
    {% set names = names or [
        'customer_landing', 'accelerometer_landing', 'step_trainer_landing',
        'customer_trusted', 'accelerometer_trusted', 'step_trainer_trusted',
        'customer_curated', 'machine_learning_curated', 'landing_rejected_records',
    ] %}
    {% set relations = [] %}
    {% for name in names %}
        {% for node in graph.sources.values() if node.package_name == project_name and node.name == name %}
            {% do relations.append((name, api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.identifier))) %}
        {% endfor %}
        {% for node in graph.nodes.values()
            if node.resource_type == 'model' and node.package_name == project_name and node.name == name %}
            {% do relations.append((name, api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias))) %}
        {% endfor %}
    {% endfor %}
    {{ return(relations) }}
{% endmacro %}
