{#-
    Epoch milliseconds (the unit of every time in the STEDI data) as a `timestamp`, or as the
    UTC `date` that partitions the readings in the trusted and curated zones.
-#}
{% macro epoch_ms_to(epoch_ms, type) %}
    {% if type not in ['timestamp', 'date'] %}
        {{ exceptions.raise_compiler_error("epoch_ms_to makes a timestamp or a date, not " ~ type) }}
    {% endif %}
    {{ return(adapter.dispatch('epoch_ms_to', 'stedi_lakehouse')(epoch_ms, type)) }}
{% endmacro %}

{#- The day by arithmetic, not a conversion: no session time zone moves its boundaries. -#}
{% macro spark__epoch_ms_to(epoch_ms, type) -%}
    {%- if type == 'date' -%}
        date_from_unix_date(cast(floor({{ epoch_ms }} / 86400000) as int))
    {%- else -%}
        timestamp_millis({{ epoch_ms }})
    {%- endif -%}
{%- endmacro %}

{#-
    Exact to the millisecond and without a time zone, which Parquet tables of Athena cannot
    hold; the cast keeps a date where another engine's date_add gives a timestamp (the DuckDB
    replay).
-#}
{% macro athena__epoch_ms_to(epoch_ms, type) -%}
    {%- if type == 'date' -%}
        cast(date_add('day', cast(floor({{ epoch_ms }} / 86400000e0) as bigint), date '1970-01-01') as date)
    {%- else -%}
        date_add('millisecond', {{ epoch_ms }}, timestamp '1970-01-01 00:00:00.000')
    {%- endif -%}
{%- endmacro %}
