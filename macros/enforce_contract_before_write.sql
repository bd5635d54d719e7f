{#
    A pre-hook of every model with an enforced contract: checks the model's columns and types
    against its YAML before anything is written. dbt checks a contract while it creates the
    table, but dbt-spark (for Parquet tables) and dbt-athena (without `ha`) drop the old table
    first, so a model that broke its contract would leave the zone without its table. Renders
    no SQL: the check raises dbt's contract error or passes.
#}
{% macro enforce_contract_before_write() %}
    {% if execute and model.config.contract.enforced %}
        {% do get_assert_columns_equivalent(model.compiled_code) %}
    {% endif %}
{% endmacro %}
