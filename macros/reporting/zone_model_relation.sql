{#- A model of this project as a relation, looked up in the graph: a hook must not depend on nodes. -#}
{% macro zone_model_relation(name) %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name and node.name == name %}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}
