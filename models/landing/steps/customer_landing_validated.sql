with

parsed as (
    select * from {{ ref('customer_landing_parsed') }}
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
            file_versions.dataset = 'customer'
            and parsed.source_file = file_versions.source_file
            and parsed.source_file_modified_at = file_versions.source_file_modified_at
),

final as (
    select
        -- ids
        customer_email,
        serial_number,

        -- personal data
        customer_name,
        phone,
        birth_day,

        -- epoch milliseconds
        registration_date,
        last_update_date,
        share_with_research_as_of_date,
        share_with_public_as_of_date,
        share_with_friends_as_of_date,

        -- lineage and quarantine
        source_file,
        raw_line,
        rejection_reason
    from current_lines
)

select * from final
