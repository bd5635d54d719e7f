{#-
    `dbt run-operation compute_statistics`, which `make docs` runs before `dbt docs generate`:
    each table's row count and size become table statistics, which the docs' catalog reads
    (Spark's tables carry none of their own, so the docs would show 0 rows). Kept out of the
    build, where it cost a full scan of every table on every run. Athena: nothing to compute,
    as dbt-athena's catalog reads no statistics from Glue.
-#}
{% macro compute_statistics() %}
    {% if target.type != 'spark' %}
        {{ log('compute_statistics: nothing to compute on ' ~ target.type, info=true) }}
        {{ return('') }}
    {% endif %}
    {% for node in graph.nodes.values()
        if node.package_name == project_name
        and node.resource_type in ['model', 'seed']
        and node.config.materialized in ['table', 'incremental', 'seed'] %}
        {% set relation = adapter.get_relation(node.database, node.schema, node.alias) %}
        {% if relation is not none %}
            {% do run_query('analyze table ' ~ relation ~ ' compute statistics') %}
        {% endif %}
    {% endfor %}
{% endmacro %}
