{#
    The freshness query of a landing source (`dbt source freshness`): when its newest delivered
    file was written. Read from the file list, which costs no line of the landing data; the
    readings' own times say when a sensor measured, not whether deliveries still arrive.
#}
{% macro landing_newest_file_time(source_relation) %}
    select max({{ adapter.quote('modificationTime') }}) from {{ landing_file_list(source_relation) }}
{% endmacro %}
