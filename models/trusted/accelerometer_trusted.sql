{{ config(
    external_location=athena_zone_location('accelerometer', 'trusted'),
    pre_hook="{{ drop_rebuild_days('reading_day') }}",
) }}

with

readings as (
    select * from {{ ref('accelerometer_readings_judged') }}
    -- an incremental build rebuilds the days whose readings may have changed (days_to_rebuild)
    where {{ in_rebuild_days('reading_day') }}
),

consented as (
    -- the rules are accelerometer_readings_judged's: a reading without an exclusion reason
    -- belongs to a consenting customer; each distinct reading once, however often delivered
    -- (several readings per user and millisecond with different values are normal, all kept)
    select * from readings
    where exclusion_reason is null
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

        -- timestamps
        {{ epoch_ms_to('reading_time', 'timestamp') }} as reading_at,
        reading_day
    from consented
)

select * from final
