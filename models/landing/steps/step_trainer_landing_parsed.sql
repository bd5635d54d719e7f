with

source as (
    select * from {{ source('stedi_landing', 'step_trainer_landing') }}
),

new_lines as (
    -- an incremental build parses only the file versions it has not parsed yet
    {{ unparsed_landing_lines('source', 'step_trainer_landing') }}
),

parsed as (
    select
        source_file,
        source_file_modified_at,
        raw_line,
        {{ landing_line_problem('raw_line', 'step_trainer_landing') }} as line_problem,
        {{ landing_json_object('raw_line', 'step_trainer_landing') }} as line_object
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
        {{ landing_json_value('record', 'serialNumber') }} as serial_number,
        {{ landing_json_value('record', 'sensorReadingTime') }} as sensor_reading_time_text,
        {{ landing_json_value('record', 'distanceFromObject') }} as distance_from_object_text
    from keyed
),

typed as (
    select
        *,
        {{ landing_value(
            'step_trainer_landing', 'sensorReadingTime', 'sensor_reading_time_text'
        ) }} as sensor_reading_time,
        {{ landing_value(
            'step_trainer_landing', 'distanceFromObject', 'distance_from_object_text'
        ) }} as distance_from_object
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
            {{ landing_rejection_checks('step_trainer_landing', 'record') }}
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
                    {{ landing_contract('step_trainer_landing')['max_line_bytes'] }}
                )
        end as quarantined_line
    from validated
),

final as (
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,

        -- lineage and quarantine
        source_file,
        source_file_modified_at,
        quarantined_line as raw_line,
        rejection_reason
    from quarantine
)

select * from final
