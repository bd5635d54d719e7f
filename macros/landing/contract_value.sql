{#
    The value of a key's text under the contract's type (docs/rules.md), NULL when it does not
    fit: an integer must be written as JSON writes one (`7`, not `7.0`, `1e3`, ` 7` or `+7`,
    also inside quotes) and fit its type; a number must be made of a JSON number's characters
    and be finite (`"1.5"` fits, `"NaN"`, `"7d"` and `1e400` do not); a string takes any value's
    text. Stricter than a cast, which reads ` 7 `, `7d` and `NaN` as numbers.
#}
{% macro contract_value(text_column, type) -%}
    {%- if type | lower in ['int', 'integer', 'bigint'] -%}
    case
        when {{ dbt.cast(dbt.safe_cast(text_column, type), dbt.type_string() | trim | lower) }} = {{ text_column }}
            then {{ dbt.safe_cast(text_column, type) }}
    end
    {%- elif type | lower == 'double' -%}
    case
        when
            translate({{ text_column }}, '0123456789.eE+-', '') = ''
            and {{ dbt.safe_cast(text_column, type) }} between -1.7976931348623157e308 and 1.7976931348623157e308
            then {{ dbt.safe_cast(text_column, type) }}
    end
    {%- elif type | lower in ['string', 'varchar'] -%}
    {{ text_column }}
    {%- else -%}
    {{ exceptions.raise_compiler_error("The landing contract has no rule for type '" ~ type ~ "'.") }}
    {%- endif -%}
{%- endmacro %}
