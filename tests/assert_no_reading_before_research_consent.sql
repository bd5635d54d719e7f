-- Strict mode: no reading taken before its owner agreed to research use.
{{ config(enabled=not var('rubric_compatible')) }}

with

customers as (
    select * from {{ ref('customer_curated') }}
),

accelerometer_readings as (
    select * from {{ ref('accelerometer_trusted') }}
),

step_trainer_readings as (
    select * from {{ ref('step_trainer_trusted') }}
),

machine_learning_readings as (
    select * from {{ ref('machine_learning_curated') }}
),

device_consent as (
    select
        serial_number,
        max(share_with_research_as_of_date) as research_consent_time
    from customers
    group by serial_number
),

violations as (
    select
        'accelerometer_trusted' as zone_table,
        accelerometer_readings.reading_time
    from accelerometer_readings
    inner join customers
        on accelerometer_readings.customer_email = customers.customer_email
    where accelerometer_readings.reading_time < customers.share_with_research_as_of_date

    union all

    select
        'step_trainer_trusted' as zone_table,
        step_trainer_readings.sensor_reading_time as reading_time
    from step_trainer_readings
    inner join device_consent
        on step_trainer_readings.serial_number = device_consent.serial_number
    where step_trainer_readings.sensor_reading_time < device_consent.research_consent_time

    union all

    select
        'machine_learning_curated' as zone_table,
        machine_learning_readings.sensor_reading_time as reading_time
    from machine_learning_readings
    inner join device_consent
        on machine_learning_readings.serial_number = device_consent.serial_number
    where machine_learning_readings.sensor_reading_time < device_consent.research_consent_time
)

select * from violations
