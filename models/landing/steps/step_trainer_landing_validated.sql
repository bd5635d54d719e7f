with

parsed as (
    select * from {{ ref('step_trainer_landing_parsed') }}
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
            file_versions.dataset = 'step_trainer'
            and parsed.source_file = file_versions.source_file
            and parsed.source_file_modified_at = file_versions.source_file_modified_at
),

final as (
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,

        -- lineage and quarantine
        source_file,
        raw_line,
        rejection_reason
    from current_lines
)

select * from final
