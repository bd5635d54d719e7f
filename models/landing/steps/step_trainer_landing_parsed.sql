-- Every step-trainer line of the new file versions, parsed and judged by the landing contract
-- (macros/landing/parse_landing_lines.sql), under this zone's column names. A reading names a
-- device, not a person: no erasure applies to it.

with

{{ parse_landing_lines('step_trainer_landing') }},

final as (
    select
        -- ids
        {{ adapter.quote('serialNumber') }} as serial_number,
        {{ adapter.quote('sensorReadingTime') }} as sensor_reading_time,

        -- numerics
        {{ adapter.quote('distanceFromObject') }} as distance_from_object,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        raw_line,
        rejection_reason
    from parsed_lines
)

select * from final
