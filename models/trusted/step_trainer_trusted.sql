{{ config(external_location=athena_zone_location('step_trainer', 'trusted')) }}

with

readings as (
    select * from {{ ref('step_trainer_landing_validated') }}
    where rejection_reason is null
),

curated_customers as (
    select * from {{ ref('customer_curated') }}
),

trusted_customers as (
    select * from {{ ref('customer_trusted') }}
),

customer_records as (
    select * from {{ ref('customer_landing_validated') }}
),

curated_devices as (
    -- serial numbers are reused across customers: one row per device, so that a join never
    -- multiplies its readings
    select distinct serial_number
    from curated_customers
),

device_consent as (
    -- which of a device's owners took a reading is unknown, so strict mode counts its readings
    -- from the latest consent among them, and not at all while one of them has not consented
    select
        customer_records.serial_number,
        max(trusted_customers.share_with_research_as_of_date) as research_consent_time,
        count(distinct customer_records.customer_email) as owner_count,
        count(distinct trusted_customers.customer_email) as consenting_owner_count
    from customer_records
    left join trusted_customers
        on customer_records.customer_email = trusted_customers.customer_email
    where customer_records.serial_number is not null
    group by customer_records.serial_number
),

owned as (
    select readings.*
    from readings
    inner join curated_devices
        on readings.serial_number = curated_devices.serial_number
    left join device_consent
        on readings.serial_number = device_consent.serial_number
    where
        {{ rubric_compatible() }}
        -- privacy-strict: nothing recorded before every owner agreed
        or (
            device_consent.consenting_owner_count = device_consent.owner_count
            and readings.sensor_reading_time >= device_consent.research_consent_time
        )
),

deduplicated as (
    -- a file delivered twice under another name must count once; after the device filter,
    -- which keeps or drops every copy alike, so the fewest rows are compared
    select distinct
        serial_number,
        sensor_reading_time,
        distance_from_object
    from owned
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
    from deduplicated
)

select * from final
