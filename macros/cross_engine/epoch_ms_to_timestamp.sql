{#- A timestamp from epoch milliseconds (the unit of every time in the STEDI data). -#}
{% macro epoch_ms_to_timestamp(epoch_ms) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'stedi_lakehouse')(epoch_ms)) }}
{% endmacro %}

{% macro spark__epoch_ms_to_timestamp(epoch_ms) -%}
    timestamp_millis({{ epoch_ms }})
{%- endmacro %}

{#- Exact to the millisecond and without a time zone, which Parquet tables of Athena cannot hold. -#}
{% macro athena__epoch_ms_to_timestamp(epoch_ms) -%}
    date_add('millisecond', {{ epoch_ms }}, timestamp '1970-01-01 00:00:00.000')
{%- endmacro %}

{#- The UTC day of epoch milliseconds: the partition of a reading in the trusted and curated zones. -#}
{% macro epoch_ms_to_date(epoch_ms) %}
    {{ return(adapter.dispatch('epoch_ms_to_date', 'stedi_lakehouse')(epoch_ms)) }}
{% endmacro %}

{#- Arithmetic, not a conversion: no session time zone moves a day's boundaries. -#}
{% macro spark__epoch_ms_to_date(epoch_ms) -%}
    date_from_unix_date(cast(floor({{ epoch_ms }} / 86400000) as int))
{%- endmacro %}

{#- The cast keeps a date where another engine's date_add gives a timestamp (the DuckDB replay). -#}
{% macro athena__epoch_ms_to_date(epoch_ms) -%}
    cast(date_add('day', cast(floor({{ epoch_ms }} / 86400000e0) as bigint), date '1970-01-01') as date)
{%- endmacro %}
