{#
    The body of a `*_landing_parsed` model's step that picks the lines to parse: on an
    incremental build only the lines of file versions (path and modification time) the model
    has not parsed yet, so a new delivery costs in proportion to its size; every line of the
    source otherwise. The parsed versions are listed distinct first: the anti-join then looks
    through a few hundred files, not millions of lines.
#}
{% macro unparsed_landing_lines(source_cte) -%}
    select * from {{ source_cte }}
    {%- if is_incremental() %}
        where not exists (
            select 1
            from (
                select distinct
                    source_file,
                    source_file_modified_at
                from {{ this }}
            ) as parsed_files
            where
                parsed_files.source_file = {{ source_cte }}.source_file
                and parsed_files.source_file_modified_at = {{ source_cte }}.source_file_modified_at
        )
    {%- endif %}
{%- endmacro %}
