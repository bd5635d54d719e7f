-- Why rows left each zone table, counted per day of reading: what the zone report shows
-- (macros/reporting/report_zones.sql sums the days). The reasons are those the judged models
-- decided (each row under the first reason that applies, docs/rules.md); the rest is counting:
-- the lines of the kept readings less the readings were delivered twice, the trusted customers
-- without a trusted reading are customer_trusted's rows less customer_curated's, and
-- machine_learning_curated starts from the pairs of trusted readings of the same millisecond,
-- of which those it does not keep are cross-person pairs. Partitioned by day on Spark, so an
-- incremental build recounts only the days it rebuilt; the customers' counts, which every build
-- rebuilds, have no day. Only counts, never a row's values.
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

step_trainer_readings as (
    select * from {{ ref('step_trainer_readings_judged') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

accelerometer_trusted as (
    select * from {{ ref('accelerometer_trusted') }}
    where {{ in_rebuild_days('reading_day') }}
),

step_trainer_trusted as (
    select * from {{ ref('step_trainer_trusted') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

machine_learning_curated as (
    select * from {{ ref('machine_learning_curated') }}
    where {{ in_rebuild_days('sensor_reading_day') }}
),

readings as (
    select
        'accelerometer_trusted' as zone_table,
        exclusion_reason,
        line_count,
        reading_day
    from accelerometer_readings
    union all
    select
        'step_trainer_trusted' as zone_table,
        exclusion_reason,
        line_count,
        sensor_reading_day as reading_day
    from step_trainer_readings
),

reading_reasons as (
    select
        zone_table,
        reading_day,
        coalesce(exclusion_reason, 'duplicate_delivery') as reason,
        -- a kept reading's lines beyond its first were delivered again
        sum(line_count) - if(exclusion_reason is null, count(*), 0) as row_total
    from readings
    group by zone_table, exclusion_reason, reading_day
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
        step_trainer_trusted.sensor_reading_day as reading_day,
        count(*) * max(accelerometer_times.readings) as row_total
    from step_trainer_trusted
    inner join accelerometer_times
        on step_trainer_trusted.sensor_reading_time = accelerometer_times.reading_time
    group by step_trainer_trusted.sensor_reading_day, step_trainer_trusted.sensor_reading_time
),

machine_learning_days as (
    select
        sensor_reading_day as reading_day,
        count(*) as row_total
    from machine_learning_curated
    group by sensor_reading_day
),

counted as (
    select
        'customer_trusted' as zone_table,
        exclusion_reason as reason,
        cast(null as date) as reading_day,
        count(*) as row_total
    from customer_records
    where exclusion_reason is not null
    group by exclusion_reason
    union all
    select
        'customer_curated' as zone_table,
        'no_trusted_reading' as reason,
        cast(null as date) as reading_day,
        (select count(*) from customer_trusted) - (select count(*) from customer_curated) as row_total
    union all
    select
        zone_table,
        reason,
        reading_day,
        row_total
    from reading_reasons
    union all
    select
        'machine_learning_curated' as zone_table,
        'same_millisecond_pairs' as reason,
        reading_day,
        row_total
    from same_millisecond_pairs
    union all
    -- the pairs machine_learning_curated does not keep
    select
        'machine_learning_curated' as zone_table,
        'cross_person_pair' as reason,
        reading_day,
        row_total
    from same_millisecond_pairs
    union all
    select
        'machine_learning_curated' as zone_table,
        'cross_person_pair' as reason,
        reading_day,
        -row_total as row_total
    from machine_learning_days
),

final as (
    select
        -- ids
        zone_table,
        reason,

        -- numerics
        cast(sum(row_total) as bigint) as row_total,

        -- partition
        reading_day
    from counted
    group by zone_table, reason, reading_day
)

select * from final
