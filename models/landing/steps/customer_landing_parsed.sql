with

source as (
    select * from {{ source('stedi_landing', 'customer_landing') }}
),

tombstones as (
    -- customers erased on request (erase_customer.py): their lines never reach a zone, even
    -- from an old file delivered again
    select distinct email_sha256 from {{ ref('erased_customers') }}
),

new_lines as (
    -- an incremental build parses only the file versions it has not parsed yet
    {{ unparsed_landing_lines('source', 'customer_landing') }}
),

parsed as (
    select
        source_file,
        source_file_modified_at,
        raw_line,
        {{ landing_line_problem('raw_line', 'customer_landing') }} as line_problem,
        {{ landing_json_object('raw_line', 'customer_landing') }} as line_object
    from new_lines
),

keyed as (
    select
        *,
        {{ case_insensitive_keys('line_object', 'raw_line') }} as record
    from parsed
),

extracted as (
    select
        source_file,
        source_file_modified_at,
        raw_line,
        line_problem,
        line_object,
        record,
        {{ landing_json_value('record', 'email') }} as email_text,
        regexp_extract(raw_line, '(?i)"email" *: *"([^"]*)"', 1) as email_in_line,
        {{ landing_json_value('record', 'customerName') }} as customer_name,
        {{ landing_json_value('record', 'phone') }} as phone,
        {{ landing_json_value('record', 'birthDay') }} as birth_day,
        {{ landing_json_value('record', 'serialNumber') }} as serial_number,
        {{ landing_json_value('record', 'registrationDate') }} as registration_date_text,
        {{ landing_json_value('record', 'lastUpdateDate') }} as last_update_date_text,
        {{ landing_json_value('record', 'shareWithResearchAsOfDate') }} as share_with_research_text,
        {{ landing_json_value('record', 'shareWithPublicAsOfDate') }} as share_with_public_text,
        {{ landing_json_value('record', 'shareWithFriendsAsOfDate') }} as share_with_friends_text
    from keyed
),

typed as (
    select
        *,
        -- emails identify a customer in every dataset, matched case- and whitespace-insensitively;
        -- from a line that is not JSON it is read by pattern, so that the customer can be held back
        coalesce(
            {{ normalized_email('email_text') }},
            {{ normalized_email('email_in_line') }}
        ) as customer_email,
        {{ landing_value(
            'customer_landing', 'registrationDate', 'registration_date_text'
        ) }} as registration_date,
        {{ landing_value(
            'customer_landing', 'lastUpdateDate', 'last_update_date_text'
        ) }} as last_update_date,
        {{ landing_value(
            'customer_landing', 'shareWithResearchAsOfDate', 'share_with_research_text'
        ) }} as share_with_research_as_of_date,
        {{ landing_value(
            'customer_landing', 'shareWithPublicAsOfDate', 'share_with_public_text'
        ) }} as share_with_public_as_of_date,
        {{ landing_value(
            'customer_landing', 'shareWithFriendsAsOfDate', 'share_with_friends_text'
        ) }} as share_with_friends_as_of_date
    from extracted
),

validated as (
    select
        *,
        case
            when line_problem is not null then line_problem
            when line_object is null then 'not a JSON object'
            when record is null then 'a key appears twice (keys are case-insensitive)'
            -- required keys and types, as models/landing/_landing__sources.yml declares them
            {{ landing_rejection_checks('customer_landing', 'record') }}
        end as rejection_reason
    from typed
),

quarantine as (
    select
        *,
        -- the line is kept for quarantined lines only: a valid line lives on in the typed
        -- columns, and storing every line twice (personal data included) slowed the parse; a
        -- line too long to parse is kept up to the length the contract allows, bytes that are
        -- not UTF-8 as U+FFFD (a string column holds UTF-8 only)
        case
            when rejection_reason is not null
                then substring(
                    {{ valid_utf8('raw_line') }},
                    1,
                    {{ landing_contract('customer_landing')['max_line_bytes'] }}
                )
        end as quarantined_line
    from validated
),

erasure as (
    select
        quarantine.*,
        tombstones.email_sha256 is not null as is_erased
    from quarantine
    left join tombstones
        on {{ email_sha256('quarantine.customer_email') }} = tombstones.email_sha256
),

final as (
    select
        -- ids
        {{ unless_erased('customer_email') }} as customer_email,
        {{ unless_erased('serial_number') }} as serial_number,

        -- personal data
        {{ unless_erased('customer_name') }} as customer_name,
        {{ unless_erased('phone') }} as phone,
        {{ unless_erased('birth_day') }} as birth_day,

        -- epoch milliseconds
        {{ unless_erased('registration_date') }} as registration_date,
        {{ unless_erased('last_update_date') }} as last_update_date,
        {{ unless_erased('share_with_research_as_of_date') }} as share_with_research_as_of_date,
        {{ unless_erased('share_with_public_as_of_date') }} as share_with_public_as_of_date,
        {{ unless_erased('share_with_friends_as_of_date') }} as share_with_friends_as_of_date,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        {{ unless_erased('quarantined_line') }} as raw_line,
        case when is_erased then {{ erasure_reason() }} else rejection_reason end as rejection_reason
    from erasure
)

select * from final
