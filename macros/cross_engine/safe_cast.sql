{#
    dbt-spark's safe_cast is a plain cast, which raises on bad input under Spark 4's ANSI mode.
    The landing models rely on a cast that gives NULL, so that a bad value is quarantined, not fatal.
#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
