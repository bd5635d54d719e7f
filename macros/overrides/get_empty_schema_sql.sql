{#
    dbt's get_empty_schema_sql for Athena: the select of typed NULLs that dbt's model contracts
    compare with a model's own columns. It is dbt-athena's, with the types named by
    athena_dml_type, so that an `int` column of a contract is cast as Trino's `integer`.
    dbt_project.yml puts this project first in dbt's search order.
#}
{% macro athena__get_empty_schema_sql(columns) %}
    {%- set untyped = [] -%}
    select
    {%- for name in columns %}
        {%- set column = columns[name] %}
        {%- if column['data_type'] is none %}{% do untyped.append(column['name']) %}{% endif %}
        cast(null as {{ athena_dml_type(column['data_type'] or 'varchar') }})
            as {{ adapter.quote(column['name']) if column.get('quote') else column['name'] }}
        {{- "," if not loop.last }}
    {%- endfor %}
    {%- if untyped %}{{ exceptions.column_type_missing(column_names=untyped) }}{% endif %}
{% endmacro %}
