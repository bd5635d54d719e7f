{#- A key's value under the type the contract declares for it (contract_value), from its text. -#}
{% macro landing_value(table_name, key, text_column) -%}
    {%- set declared = landing_contract(table_name)['keys'] | selectattr('name', 'equalto', key) | list -%}
    {%- if execute and not declared -%}
        {{ exceptions.raise_compiler_error("The landing contract of " ~ table_name ~ " declares no key '" ~ key ~ "'.") }}
    {%- endif -%}
    {{ contract_value(text_column, declared[0].type if declared else 'string') }}
{%- endmacro %}
