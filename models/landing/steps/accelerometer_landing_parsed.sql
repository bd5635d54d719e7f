-- Every accelerometer line of the new file versions, parsed and judged by the landing contract
-- (macros/landing/parse_landing_lines.sql), under this zone's column names.

with

{{ parse_landing_lines('accelerometer_landing', owner_key='user') }},

final as (
    select
        -- ids
        lower({{ blank_as_null(adapter.quote('user')) }}) as customer_email,
        {{ adapter.quote('timestamp') }} as reading_time,

        -- numerics
        x,
        y,
        z,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        raw_line,
        rejection_reason
    from parsed_lines
)

select * from final
