with

step_trainer_readings as (
    select * from {{ ref('step_trainer_trusted') }}
),

accelerometer_readings as (
    select * from {{ ref('accelerometer_trusted') }}
),

{% if var('rubric_compatible') %}
paired as (
    -- the course rubric: same millisecond only, which also pairs readings of different
    -- people whose devices happen to record the same millisecond
    select
        step_trainer_readings.serial_number,
        step_trainer_readings.sensor_reading_time,
        step_trainer_readings.sensor_reading_at,
        step_trainer_readings.distance_from_object,
        accelerometer_readings.x,
        accelerometer_readings.y,
        accelerometer_readings.z
    from step_trainer_readings
    inner join accelerometer_readings
        on step_trainer_readings.sensor_reading_time = accelerometer_readings.reading_time
),
{% else %}
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
    -- privacy-strict: same millisecond, and the phone's owner owns the device
    select
        step_trainer_readings.serial_number,
        step_trainer_readings.sensor_reading_time,
        step_trainer_readings.sensor_reading_at,
        step_trainer_readings.distance_from_object,
        accelerometer_readings.x,
        accelerometer_readings.y,
        accelerometer_readings.z
    from step_trainer_readings
    inner join device_owners
        on step_trainer_readings.serial_number = device_owners.serial_number
    inner join accelerometer_readings
        on
            device_owners.customer_email = accelerometer_readings.customer_email
            and step_trainer_readings.sensor_reading_time = accelerometer_readings.reading_time
),
{% endif %}

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
        sensor_reading_at
    from paired
)

select * from final
