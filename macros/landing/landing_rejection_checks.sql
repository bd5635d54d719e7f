{#
    The `when`s of a landing model's rejection_reason that the contract declares, in the
    loader's order: each required key absent, null or blank, then each key whose value does not
    fit its type (contract_value), then each time (a key with meta `time`) outside the
    contract's plausible_times (0 too, unless the key is `epoch_ms_or_zero`). The reasons are
    the loader's, word for word (stedi_lakehouse/shared/contract.py), so that both give the same
    verdict on every line.
#}
{% macro landing_rejection_checks(table_name, record_column) -%}
    {%- set contract = landing_contract(table_name) -%}
    {%- set times = contract['plausible_times'] -%}
    {%- set types = {} -%}
    {%- for key in contract['keys'] %}{% do types.update({key.name: key.type}) %}{% endfor -%}
    {%- for key in contract['required_keys'] %}
    {%- set value = landing_json_value(record_column, key) %}
            when {{ blank_as_null(value) if types[key] == 'string' else value }} is null
                then 'missing required key {{ key }}'
    {%- endfor %}
    {%- for key in contract['keys'] if key.type != 'string' %}
    {%- set value = landing_json_value(record_column, key.name) %}
            when {{ value }} is not null and {{ contract_value(value, key.type) }} is null
                then '{{ key.name }} is not {{ "a number" if key.type == "double" else "an integer" }}'
    {%- endfor %}
    {%- for key in contract['keys'] if key.time %}
    {%- set value = contract_value(landing_json_value(record_column, key.name), key.type) %}
            when
                not ({{ value }} >= {{ times['from'] }} and {{ value }} < {{ times['until'] }})
                {%- if key.time == 'epoch_ms_or_zero' %} and {{ value }} != 0{% endif %}
                then '{{ key.name }} is not a plausible time'
    {%- endfor %}
{%- endmacro %}
