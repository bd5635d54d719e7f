{% set files = landing_files_to_parse('accelerometer_landing') %}

with

source as (
    select * from {{ source('stedi_landing', 'accelerometer_landing') }}
),

records as (
    select * from {{ landing_records('accelerometer_landing', files) }}
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
        {{ landing_line_problem('raw_line', 'accelerometer_landing') }} as line_problem,
        {{ landing_json_object('raw_line', 'accelerometer_landing') }} as line_object
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
        {{ landing_json_value('record', 'user') }} as user_text,
        -- looked up case-insensitively: some deliveries spell it timeStamp
        {{ landing_json_value('record', 'timestamp') }} as reading_time_text,
        {{ landing_json_value('record', 'x') }} as x_text,
        {{ landing_json_value('record', 'y') }} as y_text,
        {{ landing_json_value('record', 'z') }} as z_text
    from keyed
),

typed as (
    select
        *,
        {{ landing_value('accelerometer_landing', 'timestamp', 'reading_time_text') }} as reading_time,
        {{ landing_value('accelerometer_landing', 'x', 'x_text') }} as x,
        {{ landing_value('accelerometer_landing', 'y', 'y_text') }} as y,
        {{ landing_value('accelerometer_landing', 'z', 'z_text') }} as z
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
            {{ landing_rejection_checks('accelerometer_landing', 'record') }}
        end as rejection_reason
    from typed
),

checked as (
    select
        source_file,
        source_file_modified_at,
        user_text,
        reading_time,
        x,
        y,
        z,
        rejection_reason,
        -- the line is kept for quarantined lines only: a valid line lives on in the typed
        -- columns, and storing every line twice (personal data included) slowed the parse; a
        -- line too long to parse is kept up to the length the contract allows, bytes that are
        -- not UTF-8 as U+FFFD (a string column holds UTF-8 only)
        case
            when rejection_reason is not null
                then substring(
                    {{ valid_utf8('raw_line') }},
                    1,
                    {{ landing_contract('accelerometer_landing')['max_line_bytes'] }}
                )
        end as quarantined_line,
        -- whose line it is, for an erasure: from a line that is not valid, the user is read by
        -- pattern (as customer_landing_parsed reads an e-mail), so that such a line is found too
        case
            when rejection_reason is not null
                then regexp_extract(raw_line, '(?i)"user" *: *"([^"]*)"', 1)
        end as user_in_quarantined_line
    from validated
),

certified as (
    -- the lines of new file versions the loader certified, all valid and plain, which Spark's
    -- JSON source reads exactly as the parse above would (docs/loader.md)
    select
        source_file,
        source_file_modified_at,
        {{ adapter.quote('user') }} as user_text,
        {{ adapter.quote('timestamp') }} as reading_time,
        x,
        y,
        z,
        cast(null as {{ dbt.type_string() }}) as rejection_reason,
        cast(null as {{ dbt.type_string() }}) as quarantined_line,
        cast(null as {{ dbt.type_string() }}) as user_in_quarantined_line
    from records
    where {{ files.records }}
),

all_lines as (
    select * from checked
    union all
    select * from certified
),

identified as (
    select
        *,
        -- e-mails identify a customer in every dataset, matched case- and whitespace-insensitively
        lower({{ blank_as_null('user_text') }}) as customer_email
    from all_lines
),

owned as (
    select
        *,
        coalesce(customer_email, lower({{ blank_as_null('user_in_quarantined_line') }})) as owner_email
    from identified
),

erasure as (
    select
        owned.*,
        tombstones.email_sha256 is not null as is_erased
    from owned
    left join tombstones
        on {{ email_sha256('owned.owner_email') }} = tombstones.email_sha256
),

final as (
    -- a line of a customer erased on request stays as lineage only, its file and the reason, so
    -- that landing_rejected_records accounts for it; columns grouped as in every model
    select  -- noqa: ST06
        -- ids
        if(is_erased, null, customer_email) as customer_email,
        if(is_erased, null, reading_time) as reading_time,

        -- numerics
        if(is_erased, null, x) as x,
        if(is_erased, null, y) as y,
        if(is_erased, null, z) as z,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        if(is_erased, null, quarantined_line) as raw_line,
        if(is_erased, 'customer erased on request', rejection_reason) as rejection_reason
    from erasure
)

select * from final
