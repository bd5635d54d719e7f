with

parsed as (
    select * from {{ ref('step_trainer_landing_parsed') }}
),

file_versions as (
    select * from {{ ref('landing_file_versions') }}
),

current_lines as (
    -- lines of file versions still in the landing zone
    {{ current_landing_lines('parsed', 'file_versions', 'step_trainer') }}
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
