with

parsed as (
    select * from {{ ref('accelerometer_landing_parsed') }}
),

file_versions as (
    select * from {{ ref('landing_file_versions') }}
),

current_lines as (
    -- lines of file versions still in the landing zone
    select parsed.*
    from parsed
    inner join file_versions
        on
            file_versions.dataset = 'accelerometer'
            and parsed.source_file = file_versions.source_file
            and parsed.source_file_modified_at = file_versions.source_file_modified_at
),

final as (
    select
        -- ids
        customer_email,
        reading_time,

        -- numerics
        x,
        y,
        z,

        -- lineage and quarantine
        source_file,
        raw_line,
        rejection_reason
    from current_lines
)

select * from final
