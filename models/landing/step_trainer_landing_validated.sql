with

source as (
    select * from {{ source('stedi_landing', 'step_trainer_landing') }}
),

parsed as (
    select
        source_file,
        raw_line,
        {{ landing_json_object('raw_line') }} as record
    from source
),

extracted as (
    select
        source_file,
        raw_line,
        record,
        {{ landing_json_value('record', 'serialNumber') }} as serial_number,
        {{ landing_json_value('record', 'sensorReadingTime') }} as sensor_reading_time_text,
        {{ landing_json_value('record', 'distanceFromObject') }} as distance_from_object_text
    from parsed
),

typed as (
    select
        *,
        {{ dbt.safe_cast('sensor_reading_time_text', 'bigint') }} as sensor_reading_time,
        {{ dbt.safe_cast('distance_from_object_text', 'int') }} as distance_from_object
    from extracted
),

validated as (
    select
        *,
        case
            when record is null then 'not a JSON object'
            {{ missing_key_check('serialNumber', 'serial_number') }}
            {{ missing_key_check('sensorReadingTime', 'sensor_reading_time_text') }}
            {{ wrong_type_check('sensorReadingTime', 'sensor_reading_time_text', 'sensor_reading_time', 'an integer') }}
            {{ wrong_type_check(
                'distanceFromObject',
                'distance_from_object_text',
                'distance_from_object',
                'an integer'
            ) }}
        end as rejection_reason
    from typed
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
        raw_line,
        rejection_reason
    from validated
)

select * from final
