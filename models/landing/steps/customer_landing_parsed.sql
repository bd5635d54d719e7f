-- Every customer line of the new file versions, parsed and judged by the landing contract
-- (macros/landing/parse_landing_lines.sql), under this zone's column names. The e-mail of a line
-- that is not valid is read by pattern, so that its customer can be held back.

with

{{ parse_landing_lines('customer_landing', owner_key='email') }},

final as (
    select
        -- ids
        owner_email as customer_email,
        {{ adapter.quote('serialNumber') }} as serial_number,

        -- personal data
        {{ adapter.quote('customerName') }} as customer_name,
        phone,
        {{ adapter.quote('birthDay') }} as birth_day,

        -- epoch milliseconds
        {{ adapter.quote('registrationDate') }} as registration_date,
        {{ adapter.quote('lastUpdateDate') }} as last_update_date,
        {{ adapter.quote('shareWithResearchAsOfDate') }} as share_with_research_as_of_date,
        {{ adapter.quote('shareWithPublicAsOfDate') }} as share_with_public_as_of_date,
        {{ adapter.quote('shareWithFriendsAsOfDate') }} as share_with_friends_as_of_date,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        raw_line,
        rejection_reason
    from parsed_lines
)

select * from final
