{#-
    A column type of the model contracts, written as Spark names it in the models' YAML, in
    Trino's DML names, as Athena's documentation asks: `integer`, not Hive's `int`, which
    dbt-athena's dml_data_type leaves as it is (its `\b` becomes a backspace inside Jinja). The
    YAML holds each type once, and dbt renders no macro there, so Athena's name is made where its
    SQL is (macros/overrides/: safe_cast, get_empty_schema_sql).
-#}
{% macro athena_dml_type(type) %}
    {{ return('integer' if type | lower | trim == 'int' else dml_data_type(type)) }}
{% endmacro %}
