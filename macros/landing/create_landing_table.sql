{#- The external tables over one landing source; each engine's DDL is in its own file. -#}
{% macro create_landing_table(node) %}
    {{ return(adapter.dispatch('create_landing_table', 'stedi_lakehouse')(node)) }}
{% endmacro %}


{% macro default__create_landing_table(node) %}
    {{ unsupported_adapter('create_landing_table') }}
{% endmacro %}
