{#
    The list of delivered files of a landing source (`path`, `modificationTime`, `length`),
    which stage_landing_tables creates beside it as `<source>__files`. Given the source's name
    it is read through source(), so the lineage shows which landing table the list belongs to;
    given the source's relation (`this` of a source freshness query), it is read from there.
#}
{% macro landing_file_list(source_table) %}
    {% set landing = source('stedi_landing', source_table) if source_table is string else source_table %}
    {{ return(landing.incorporate(path={'identifier': landing.identifier ~ '__files'})) }}
{% endmacro %}
