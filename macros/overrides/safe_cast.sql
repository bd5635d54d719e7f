{#
    dbt's own safe_cast (its dispatcher and default__ are dbt's; dbt_project.yml puts this
    project first in dbt's search order). dbt-spark's is a plain cast, which raises on bad input
    under Spark 4's ANSI mode; the landing models rely on a cast that gives NULL, so that a bad
    value is quarantined, not fatal.
#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#-
    try_cast with the type names of Trino's DML (athena_dml_type). A number's text is trimmed
    first, as Spark's cast does (' 7 ' is 7 on both engines); a string type is never trimmed.
-#}
{% macro athena__safe_cast(field, type) -%}
    {%- set name = type | lower | trim -%}
    {%- set dml_type = athena_dml_type(type) -%}
    {%- if name.startswith(('string', 'varchar', 'char')) -%}
    try_cast({{ field }} as {{ dml_type }})
    {%- else -%}
    try_cast(trim(cast({{ field }} as varchar)) as {{ dml_type }})
    {%- endif -%}
{%- endmacro %}
