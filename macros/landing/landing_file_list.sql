{#
    The list of delivered files of a landing source (`path`, `modificationTime`, `length`),
    which stage_landing_tables creates beside it as `<source>__files`. Read through source(),
    so the lineage shows which landing table the list belongs to.
#}
{% macro landing_file_list(source_table) %}
    {% set landing = source('stedi_landing', source_table) %}
    {{ return(landing.incorporate(path={'identifier': landing.identifier ~ '__files'})) }}
{% endmacro %}
