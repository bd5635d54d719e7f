{{ config(
    external_location=athena_zone_location('step_trainer', 'curated'),
    pre_hook="{{ drop_rebuild_days('sensor_reading_day') }}",
) }}

with

step_trainer_readings as (
    select * from {{ ref('step_trainer_trusted') }}
    -- an incremental build rebuilds the days whose readings may have changed (days_to_rebuild)
    where {{ in_rebuild_days('sensor_reading_day') }}
),

accelerometer_readings as (
    select * from {{ ref('accelerometer_trusted') }}
    where {{ in_rebuild_days('reading_day') }}
),

customers as (
    select * from {{ ref('customer_curated') }}
),

device_owners as (
    select distinct
        serial_number,
        customer_email
    from customers
),

paired as (
    -- same millisecond: in rubric mode this alone, which also pairs readings of different
    -- people whose devices happen to record the same millisecond
    select
        step_trainer_readings.serial_number,
        step_trainer_readings.sensor_reading_time,
        step_trainer_readings.sensor_reading_at,
        step_trainer_readings.sensor_reading_day,
        step_trainer_readings.distance_from_object,
        accelerometer_readings.x,
        accelerometer_readings.y,
        accelerometer_readings.z
    from step_trainer_readings
    inner join accelerometer_readings
        on step_trainer_readings.sensor_reading_time = accelerometer_readings.reading_time
    -- one row at most: device_owners is distinct on both keys
    left join device_owners
        on
            step_trainer_readings.serial_number = device_owners.serial_number
            and accelerometer_readings.customer_email = device_owners.customer_email
    {% if not var('rubric_compatible') %}
        -- privacy-strict: and the phone's owner owns the device
        where device_owners.serial_number is not null
    {% endif %}
),

final as (
    -- no personal data: no email, name, phone or birthday
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,
        x,
        y,
        z,

        -- timestamps
        sensor_reading_at,
        sensor_reading_day
    from paired
)

select * from final
