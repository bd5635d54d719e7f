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
    -- belongs to a consenting customer
    select * from readings
    where exclusion_reason is null
),

deduplicated as (
    -- a file delivered twice under another name must count once; several readings per
    -- (user, timestamp) with different values are normal and all kept
    select distinct
        customer_email,
        reading_time,
        x,
        y,
        z,
        reading_day
    from consented
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
        {{ epoch_ms_to_timestamp('reading_time') }} as reading_at,
        reading_day
    from deduplicated
)

select * from final
