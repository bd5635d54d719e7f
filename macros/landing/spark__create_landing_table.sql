{#
    Spark: an external text table over the delivered files keeps every line as it is, and a
    view of the same name as the source exposes it with the typed columns of the contract.
    Spark's JSON reader is not used because, with a declared schema, it matches keys
    case-sensitively (`timeStamp` would read as NULL) and turns malformed lines into NULLs.
    Dropping an external table leaves its files alone.
#}
{% macro spark__create_landing_table(node) %}
    {% set location = landing_location(node) %}
    {% set schema = adapter.quote(node.schema) %}
    {% set lines_table = schema ~ '.' ~ adapter.quote(node.identifier ~ '__lines') %}
    {% set landing_view = schema ~ '.' ~ adapter.quote(node.identifier) %}
    {% set options = node.external.options or {} %}
    {% set typed_columns = node.columns.values()
        | rejectattr('name', 'in', ['source_file', 'raw_line']) | list %}

    {% do run_query('create schema if not exists ' ~ schema) %}
    {% do run_query('drop view if exists ' ~ landing_view) %}
    {% do run_query('drop table if exists ' ~ lines_table) %}
    {% call statement('create_lines_table') %}
        create table {{ lines_table }} (value string)
        using text
        {%- if options %}
        options (
            {%- for key, value in options.items() %}
            '{{ key }}' = '{{ value | replace("'", "\\'") }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
        {%- endif %}
        location '{{ location | replace("'", "\\'") }}'
    {% endcall %}
    {% call statement('create_landing_view') %}
        create view {{ landing_view }} as
        with
        lines as (
            select
                input_file_name() as source_file,
                value as raw_line,
                {{ landing_json_object('value') }} as record
            from {{ lines_table }}
            -- a line of white space only (e.g. after a final CRLF) is no record
            where value rlike '\\S'
        )
        select
            source_file,
            raw_line
            {%- for column in typed_columns %},
            {{ dbt.safe_cast(landing_json_value('record', column.name), column.data_type) }}
                as {{ adapter.quote(column.name) }}
            {%- endfor %}
        from lines
    {% endcall %}
{% endmacro %}
