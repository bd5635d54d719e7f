{#-
    The SHA-256 of a normalised e-mail (lower, without surrounding white space) as 64 lower-case hex digits: how the
    erasure tombstone list (seed erased_customers) names a customer without holding the e-mail.
    erase_customer.py computes the same digest with Python's hashlib.
-#}
{% macro email_sha256(email_column) %}
    {{ return(adapter.dispatch('email_sha256', 'stedi_lakehouse')(email_column)) }}
{% endmacro %}

{% macro spark__email_sha256(email_column) -%}
    sha2({{ email_column }}, 256)
{%- endmacro %}

{#- Trino hashes bytes, and its to_hex writes upper case. -#}
{% macro athena__email_sha256(email_column) -%}
    lower(to_hex(sha256(to_utf8({{ email_column }}))))
{%- endmacro %}
