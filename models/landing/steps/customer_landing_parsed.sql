{% set files = landing_files_to_parse('customer_landing') %}

with

source as (
    select * from {{ source('stedi_landing', 'customer_landing') }}
),

records as (
    select * from {{ landing_records('customer_landing', files) }}
),

tombstones as (
    -- customers erased on request (erase_customer.py): their lines never reach a zone, even
    -- from an old file delivered again
    select distinct email_sha256 from {{ ref('erased_customers') }}
),

new_lines as (
    -- the lines of new file versions that are parsed here, strictly
    select * from source
    where {{ files.lines }}
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
            lower({{ blank_as_null('email_text') }}),
            lower({{ blank_as_null('email_in_line') }})
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

checked as (
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
        source_file_modified_at,
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
        end as raw_line,
        rejection_reason
    from validated
),

certified as (
    -- the lines of new file versions the loader certified, all valid and plain, which Spark's
    -- JSON source reads exactly as the parse above would (docs/loader.md)
    select
        -- ids
        lower({{ blank_as_null(adapter.quote('email')) }}) as customer_email,
        {{ adapter.quote('serialNumber') }} as serial_number,

        -- personal data
        {{ adapter.quote('customerName') }} as customer_name,
        {{ adapter.quote('phone') }} as phone,
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
        cast(null as {{ dbt.type_string() }}) as raw_line,
        cast(null as {{ dbt.type_string() }}) as rejection_reason
    from records
    where {{ files.records }}
),

all_lines as (
    select * from checked
    union all
    select * from certified
),

erasure as (
    select
        all_lines.*,
        tombstones.email_sha256 is not null as is_erased
    from all_lines
    left join tombstones
        on {{ email_sha256('all_lines.customer_email') }} = tombstones.email_sha256
),

final as (
    -- a line of a customer erased on request stays as lineage only, its file and the reason, so
    -- that landing_rejected_records accounts for it; columns grouped as in every model
    select  -- noqa: ST06
        -- ids
        if(is_erased, null, customer_email) as customer_email,
        if(is_erased, null, serial_number) as serial_number,

        -- personal data
        if(is_erased, null, customer_name) as customer_name,
        if(is_erased, null, phone) as phone,
        if(is_erased, null, birth_day) as birth_day,

        -- epoch milliseconds
        if(is_erased, null, registration_date) as registration_date,
        if(is_erased, null, last_update_date) as last_update_date,
        if(is_erased, null, share_with_research_as_of_date) as share_with_research_as_of_date,
        if(is_erased, null, share_with_public_as_of_date) as share_with_public_as_of_date,
        if(is_erased, null, share_with_friends_as_of_date) as share_with_friends_as_of_date,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        if(is_erased, null, raw_line) as raw_line,
        if(is_erased, 'customer erased on request', rejection_reason) as rejection_reason
    from erasure
)

select * from final
