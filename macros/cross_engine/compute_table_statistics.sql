{#-
    A post-hook of every model and seed: after a table is written, its row count and size become table
    statistics, which `dbt docs generate` reads into the catalog (Spark's tables carry none of
    their own, so the docs would show 0 rows). An incremental model is counted whole after each
    run, so its figures stay true. Views hold no rows of their own and get none.
-#}
{% macro compute_table_statistics(relation) %}
    {{ return(adapter.dispatch('compute_table_statistics', 'stedi_lakehouse')(relation)) }}
{% endmacro %}

{% macro default__compute_table_statistics(relation) %}
    {{ unsupported_adapter('compute_table_statistics') }}
{% endmacro %}

{% macro spark__compute_table_statistics(relation) %}
    {% if config.get('materialized') in ['table', 'incremental', 'seed'] %}
        {{ return('analyze table ' ~ relation ~ ' compute statistics') }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- dbt-athena's catalog reads no statistics from Glue: nothing to compute. -#}
{% macro athena__compute_table_statistics(relation) %}
    {{ return('') }}
{% endmacro %}
