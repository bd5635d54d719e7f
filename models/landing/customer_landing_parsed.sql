with

source as (
    select * from {{ source('stedi_landing', 'customer_landing') }}
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
        {{ landing_json_object('raw_line') }} as json_object
    from new_lines
),

keyed as (
    select
        *,
        {{ case_insensitive_keys('json_object') }} as record
    from parsed
),

extracted as (
    select
        source_file,
        source_file_modified_at,
        raw_line,
        json_object,
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
        {{ dbt.safe_cast('registration_date_text', 'bigint') }} as registration_date,
        {{ dbt.safe_cast('last_update_date_text', 'bigint') }} as last_update_date,
        {{ dbt.safe_cast('share_with_research_text', 'bigint') }} as share_with_research_as_of_date,
        {{ dbt.safe_cast('share_with_public_text', 'bigint') }} as share_with_public_as_of_date,
        {{ dbt.safe_cast('share_with_friends_text', 'bigint') }} as share_with_friends_as_of_date
    from extracted
),

validated as (
    select
        *,
        case
            when json_object is null then 'not a JSON object'
            when record is null then 'a key appears twice (keys are case-insensitive)'
            when {{ normalized_email('email_text') }} is null then 'missing required key email'
            {{ missing_key_check('lastUpdateDate', 'last_update_date_text') }}
            {{ wrong_type_check('registrationDate', 'registration_date_text', 'registration_date', 'an integer') }}
            {{ wrong_type_check('lastUpdateDate', 'last_update_date_text', 'last_update_date', 'an integer') }}
            {{ wrong_type_check(
                'shareWithResearchAsOfDate',
                'share_with_research_text',
                'share_with_research_as_of_date',
                'an integer'
            ) }}
            {{ wrong_type_check(
                'shareWithPublicAsOfDate',
                'share_with_public_text',
                'share_with_public_as_of_date',
                'an integer'
            ) }}
            {{ wrong_type_check(
                'shareWithFriendsAsOfDate',
                'share_with_friends_text',
                'share_with_friends_as_of_date',
                'an integer'
            ) }}
        end as rejection_reason
    from typed
),

quarantine as (
    select
        *,
        -- the line is kept for quarantined lines only: a valid line lives on in the typed
        -- columns, and storing every line twice (personal data included) slowed the parse
        case when rejection_reason is not null then raw_line end as quarantined_line
    from validated
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
        source_file_modified_at,
        quarantined_line as raw_line,
        rejection_reason
    from quarantine
)

select * from final
