{#
    The body of a `*_landing_validated` model's step that keeps the parsed lines of the file
    versions still in the landing zone, as landing_file_versions lists them: a file written
    again or deleted leaves its old lines in the parsed table until the next full refresh, never
    in the zones.
#}
{% macro current_landing_lines(parsed_cte, file_versions_cte, dataset) -%}
    select {{ parsed_cte }}.*
    from {{ parsed_cte }}
    inner join {{ file_versions_cte }}
        on
            {{ file_versions_cte }}.dataset = '{{ dataset }}'
            and {{ parsed_cte }}.source_file = {{ file_versions_cte }}.source_file
            and {{ parsed_cte }}.source_file_modified_at = {{ file_versions_cte }}.source_file_modified_at
{%- endmacro %}
