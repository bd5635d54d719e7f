with

readings as (
    select * from {{ ref('step_trainer_landing_validated') }}
    where rejection_reason is null
),

customers as (
    select * from {{ ref('customer_curated') }}
),

deduplicated as (
    -- a file delivered twice under another name must count once
    select distinct
        serial_number,
        sensor_reading_time,
        distance_from_object
    from readings
),

devices as (
    -- serial numbers are reused across customers: one row per device, so that a join never
    -- multiplies its readings. Which of its owners took a reading is unknown, so strict mode
    -- counts from the latest of their consent times
    select
        serial_number,
        max(share_with_research_as_of_date) as research_consent_time
    from customers
    group by serial_number
),

owned as (
    select deduplicated.*
    from deduplicated
    inner join devices
        on deduplicated.serial_number = devices.serial_number
    {%- if not var('rubric_compatible') %}
    -- privacy-strict: nothing recorded before the owner agreed
        where deduplicated.sensor_reading_time >= devices.research_consent_time
    {%- endif %}
),

final as (
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,

        -- timestamps
        {{ epoch_ms_to_timestamp('sensor_reading_time') }} as sensor_reading_at
    from owned
)

select * from final
