{#
    dbt's test filter (the `where` config of a generic test), with one addition: a `where` of
    `in_rebuild_days(<day column>)` becomes that macro's condition, the days this build
    rebuilt, which dbt cannot render from YAML itself (a config sees no project macro; dbt's
    docs suggest this override). So a test of an incremental zone table checks the rows the
    build wrote, and after a full build every row.
#}
{% macro default__get_where_subquery(relation) -%}
    {% set where = config.get('where') or '' %}
    {% if where.startswith('in_rebuild_days(') and where.endswith(')') %}
        {% set where = in_rebuild_days(where[16:-1] | trim) %}
    {% endif %}
    {% if where and where != 'true' %}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}
