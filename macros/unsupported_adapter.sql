{#-
    The `default__` of every dispatched macro: a one-sentence error naming the macro and the
    adapter, instead of SQL that fails somewhere later on an engine nobody wrote it for.
-#}
{% macro unsupported_adapter(macro_name) %}
    {{ exceptions.raise_compiler_error(
        macro_name ~ " has no implementation for the '" ~ target.type
        ~ "' adapter: add " ~ target.type ~ "__" ~ macro_name ~ " beside the spark__ and athena__ ones."
    ) }}
{% endmacro %}
