{#
    A column type of the model contracts (and of the landing contract), written as Spark names
    it in the models' YAML, in the engine's own SQL: the YAML holds each type once, and dbt
    renders no macro there, so the engine's name is made where the SQL is.
#}
{% macro contract_data_type(type) %}
    {{ return(adapter.dispatch('contract_data_type', 'stedi_lakehouse')(type)) }}
{% endmacro %}

{% macro spark__contract_data_type(type) %}
    {{ return(type) }}
{% endmacro %}

{#-
    Trino's DML names, as Athena's documentation asks: `integer`, not Hive's `int`, which
    dbt-athena's dml_data_type leaves as it is (its `\b` becomes a backspace inside Jinja).
-#}
{% macro athena__contract_data_type(type) %}
    {{ return('integer' if type | lower | trim == 'int' else dml_data_type(type)) }}
{% endmacro %}
