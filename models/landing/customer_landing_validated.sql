with

parsed as (
    select * from {{ ref('customer_landing_parsed') }}
),

current_files as (
    select * from {{ ref('landing_file_versions') }}
    where dataset = 'customer'
),

current_lines as (
    -- lines of file versions still in the landing zone: a file written again or deleted
    -- leaves its old lines in the parsed table until the next full refresh, never here
    select parsed.*
    from parsed
    inner join current_files
        on
            parsed.source_file = current_files.source_file
            and parsed.source_file_modified_at = current_files.source_file_modified_at
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
