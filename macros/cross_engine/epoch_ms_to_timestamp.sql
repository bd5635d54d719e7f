{#- A timestamp from epoch milliseconds (the unit of every time in the STEDI data). -#}
{% macro epoch_ms_to_timestamp(epoch_ms) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'stedi_lakehouse')(epoch_ms)) }}
{% endmacro %}

{% macro spark__epoch_ms_to_timestamp(epoch_ms) -%}
    timestamp_millis({{ epoch_ms }})
{%- endmacro %}
