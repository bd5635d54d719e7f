-- Why rows left each zone table, counted per day of reading: what the zone report shows
-- (macros/reporting/report_zone_exclusions.sql sums the days). The reasons are those the judged
-- models decided (each row under the first reason that applies, docs/rules.md); the rest is
-- counting: a zone's readings without a reason less its distinct ones were delivered twice, the
-- trusted customers without a trusted reading are customer_trusted's rows less
-- customer_curated's, and machine_learning_curated starts from the pairs of trusted readings of
-- the same millisecond, of which those it does not keep are cross-person pairs. Partitioned by
-- day on Spark, so an incremental build recounts only the days it rebuilt; the customers' counts,
-- rebuilt by every build, have no day. Only counts, never a row's values.
{{ config(pre_hook="{{ drop_rebuild_days('reading_day') }}") }}

with

customer_records as (
    select * from {{ ref('customer_records_judged') }}
),

customer_trusted as (
    select * from {{ ref('customer_trusted') }}
),

customer_curated as (
    select * from {{ ref('customer_curated') }}
),

accelerometer_readings as (
    select * from {{ ref('accelerometer_readings_judged') }}
    where {{ in_rebuild_days('reading_day') }}
),

accelerometer_trusted as (
    select * from {{ ref('accelerometer_trusted') }}
    where {{ in_rebuild_days('reading_day') }}
),

step_trainer_readings as (
    select * from {{ ref('step_trainer_readings_judged') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

step_trainer_trusted as (
    select * from {{ ref('step_trainer_trusted') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

machine_learning_curated as (
    select * from {{ ref('machine_learning_curated') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

customer_reasons as (
    select
        'customer_trusted' as zone_table,
        exclusion_reason as reason,
        count(*) as row_count
    from customer_records
    where exclusion_reason is not null
    group by exclusion_reason
    union all
    select
        'customer_curated' as zone_table,
        'no_trusted_reading' as reason,
        (select count(*) from customer_trusted) - (select count(*) from customer_curated) as row_count
),

reading_reasons as (
    select
        'accelerometer_trusted' as zone_table,
        coalesce(exclusion_reason, 'kept') as reason,
        reading_day,
        count(*) as row_count
    from accelerometer_readings
    group by exclusion_reason, reading_day
    union all
    select
        'step_trainer_trusted' as zone_table,
        coalesce(exclusion_reason, 'kept') as reason,
        sensor_reading_day as reading_day,
        count(*) as row_count
    from step_trainer_readings
    group by exclusion_reason, sensor_reading_day
),

zone_rows as (
    select
        'accelerometer_trusted' as zone_table,
        reading_day,
        count(*) as row_count
    from accelerometer_trusted
    group by reading_day
    union all
    select
        'step_trainer_trusted' as zone_table,
        sensor_reading_day as reading_day,
        count(*) as row_count
    from step_trainer_trusted
    group by sensor_reading_day
    union all
    select
        'machine_learning_curated' as zone_table,
        sensor_reading_day as reading_day,
        count(*) as row_count
    from machine_learning_curated
    group by sensor_reading_day
),

step_trainer_times as (
    select
        sensor_reading_day,
        sensor_reading_time,
        count(*) as readings
    from step_trainer_trusted
    group by sensor_reading_day, sensor_reading_time
),

accelerometer_times as (
    select
        reading_time,
        count(*) as readings
    from accelerometer_trusted
    group by reading_time
),

same_millisecond_pairs as (
    select
        step_trainer_times.sensor_reading_day as reading_day,
        sum(step_trainer_times.readings * accelerometer_times.readings) as row_count
    from step_trainer_times
    inner join accelerometer_times
        on step_trainer_times.sensor_reading_time = accelerometer_times.reading_time
    group by step_trainer_times.sensor_reading_day
),

left_zones as (
    -- the rows each zone table starts from less its rows
    select
        reading_reasons.zone_table,
        'duplicate_delivery' as reason,
        reading_reasons.reading_day,
        reading_reasons.row_count - coalesce(zone_rows.row_count, 0) as row_count
    from reading_reasons
    left join zone_rows
        on
            reading_reasons.zone_table = zone_rows.zone_table
            and reading_reasons.reading_day = zone_rows.reading_day
    where reading_reasons.reason = 'kept'
    union all
    select
        'machine_learning_curated' as zone_table,
        'cross_person_pair' as reason,
        same_millisecond_pairs.reading_day,
        same_millisecond_pairs.row_count - coalesce(zone_rows.row_count, 0) as row_count
    from same_millisecond_pairs
    left join zone_rows
        on
            zone_rows.zone_table = 'machine_learning_curated'
            and same_millisecond_pairs.reading_day = zone_rows.reading_day
),

counted as (
    select
        zone_table,
        reason,
        cast(null as date) as reading_day,
        row_count
    from customer_reasons
    union all
    select
        zone_table,
        reason,
        reading_day,
        row_count
    from reading_reasons
    where reason != 'kept'
    union all
    select
        'machine_learning_curated' as zone_table,
        'same_millisecond_pairs' as reason,
        reading_day,
        row_count
    from same_millisecond_pairs
    union all
    select
        zone_table,
        reason,
        reading_day,
        row_count
    from left_zones
),

final as (
    select
        -- ids
        zone_table,
        reason,

        -- numerics
        cast(row_count as bigint) as row_count,

        -- partition
        reading_day
    from counted
)

select * from final
