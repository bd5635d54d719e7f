{#- A timestamp from epoch milliseconds (the unit of every time in the STEDI data). -#}
{% macro epoch_ms_to_timestamp(epoch_ms) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'stedi_lakehouse')(epoch_ms)) }}
{% endmacro %}

{% macro default__epoch_ms_to_timestamp(epoch_ms) %}
    {{ unsupported_adapter('epoch_ms_to_timestamp') }}
{% endmacro %}

{% macro spark__epoch_ms_to_timestamp(epoch_ms) -%}
    timestamp_millis({{ epoch_ms }})
{%- endmacro %}

{#- Exact to the millisecond and without a time zone, which Parquet tables of Athena cannot hold. -#}
{% macro athena__epoch_ms_to_timestamp(epoch_ms) -%}
    date_add('millisecond', {{ epoch_ms }}, timestamp '1970-01-01 00:00:00.000')
{%- endmacro %}
