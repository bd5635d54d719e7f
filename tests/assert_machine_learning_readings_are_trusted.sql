-- Every row of machine_learning_curated pairs a step_trainer_trusted reading with an
-- accelerometer_trusted reading of the same millisecond (relationships on composite keys). A
-- pair shares its day, so the check reads the days this build rewrote; a full build, every day.

with

machine_learning_readings as (
    select * from {{ ref('machine_learning_curated') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

step_trainer_readings as (
    select * from {{ ref('step_trainer_trusted') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

accelerometer_readings as (
    select * from {{ ref('accelerometer_trusted') }}
    where {{ in_rebuild_days('reading_day') }}
),

final as (
    select machine_learning_readings.*
    from machine_learning_readings
    left join step_trainer_readings
        on
            machine_learning_readings.serial_number = step_trainer_readings.serial_number
            and machine_learning_readings.sensor_reading_time = step_trainer_readings.sensor_reading_time
    left join accelerometer_readings
        on
            machine_learning_readings.sensor_reading_time = accelerometer_readings.reading_time
            and machine_learning_readings.x = accelerometer_readings.x
            and machine_learning_readings.y = accelerometer_readings.y
            and machine_learning_readings.z = accelerometer_readings.z
    where
        step_trainer_readings.serial_number is null
        or accelerometer_readings.reading_time is null
)

select * from final
