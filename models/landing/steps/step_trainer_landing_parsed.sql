{% set files = landing_files_to_parse('step_trainer_landing') %}

with

source as (
    select * from {{ source('stedi_landing', 'step_trainer_landing') }}
),

records as (
    select * from {{ landing_records('step_trainer_landing', files) }}
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

certified as (
    -- the lines of new file versions the loader certified, all valid and plain, which Spark's
    -- JSON source reads exactly as the parse above would (docs/loader.md)
    select
        {{ adapter.quote('serialNumber') }} as serial_number,
        {{ adapter.quote('sensorReadingTime') }} as sensor_reading_time,
        {{ adapter.quote('distanceFromObject') }} as distance_from_object,
        source_file,
        source_file_modified_at,
        cast(null as {{ dbt.type_string() }}) as quarantined_line,
        cast(null as {{ dbt.type_string() }}) as rejection_reason
    from records
    where {{ files.records }}
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

    union all

    select * from certified
)

select * from final
