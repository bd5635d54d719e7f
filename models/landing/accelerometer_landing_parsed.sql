with

source as (
    select * from {{ source('stedi_landing', 'accelerometer_landing') }}
),

new_lines as (
    -- an incremental build parses only the file versions it has not parsed yet
    {{ unparsed_landing_lines('source', 'accelerometer_landing') }}
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
        {{ normalized_email('user_text') }} as customer_email,
        {{ dbt.safe_cast('reading_time_text', 'bigint') }} as reading_time,
        {{ dbt.safe_cast('x_text', 'double') }} as x,
        {{ dbt.safe_cast('y_text', 'double') }} as y,
        {{ dbt.safe_cast('z_text', 'double') }} as z
    from extracted
),

validated as (
    select
        *,
        case
            when json_object is null then 'not a JSON object'
            when record is null then 'a key appears twice (keys are case-insensitive)'
            {{ missing_key_check('user', 'customer_email') }}
            {{ missing_key_check('timestamp', 'reading_time_text') }}
            {{ wrong_type_check('timestamp', 'reading_time_text', 'reading_time', 'an integer') }}
            {{ wrong_type_check('x', 'x_text', 'x', 'a number') }}
            {{ wrong_type_check('y', 'y_text', 'y', 'a number') }}
            {{ wrong_type_check('z', 'z_text', 'z', 'a number') }}
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
        reading_time,

        -- numerics
        x,
        y,
        z,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        quarantined_line as raw_line,
        rejection_reason
    from quarantine
)

select * from final
