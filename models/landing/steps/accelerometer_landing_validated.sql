with

parsed as (
    select * from {{ ref('accelerometer_landing_parsed') }}
),

file_versions as (
    select * from {{ ref('landing_file_versions') }}
),

current_lines as (
    -- lines of file versions still in the landing zone
    {{ current_landing_lines('parsed', 'file_versions', 'accelerometer') }}
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
