-- The landing zone's files as they are now: the current version of every delivered file.
-- A file written again (same name, new content) has a new modification time, and a deleted
-- file is absent, so parsed lines of older versions drop out of the *_landing_validated views.
-- The file lists come from the file system's metadata: no line is read to make them.

{% set datasets = ['customer', 'accelerometer', 'step_trainer'] %}

with

{% for dataset in datasets %}
    {{ dataset }}_files as (
        select * from {{ landing_file_list(dataset ~ '_landing') }}
    ),

{% endfor %}
files as (
    {%- for dataset in datasets %}
        select
            '{{ dataset }}' as dataset,
            -- the columns of Spark's binaryFile source (quoted: they are keywords)
            {{ adapter.quote('path') }} as source_file,
            {{ adapter.quote('modificationTime') }} as source_file_modified_at,
            {{ adapter.quote('length') }} as file_bytes
        from {{ dataset }}_files
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        -- ids
        dataset,
        source_file,
        source_file_modified_at,

        -- numerics
        file_bytes
    from files
)

select * from final
