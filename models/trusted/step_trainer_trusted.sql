{{ config(
    external_location=athena_zone_location('step_trainer', 'trusted'),
    pre_hook="{{ drop_rebuild_days('sensor_reading_day') }}",
) }}

with

readings as (
    select * from {{ ref('step_trainer_readings_judged') }}
    -- an incremental build rebuilds the days whose readings may have changed (days_to_rebuild)
    where {{ in_rebuild_days('sensor_reading_day') }}
),

owned as (
    -- the rules are step_trainer_readings_judged's: a reading without an exclusion reason is
    -- one of a device of a curated customer; each distinct reading once, however often delivered
    select * from readings
    where exclusion_reason is null
),

final as (
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,

        -- timestamps
        {{ epoch_ms_to('sensor_reading_time', 'timestamp') }} as sensor_reading_at,
        sensor_reading_day
    from owned
)

select * from final
