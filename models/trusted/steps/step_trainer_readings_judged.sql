-- Every step-trainer line, valid or quarantined, with the reason it does not reach
-- step_trainer_trusted (exclusion_reason NULL: a reading of a device of a curated customer,
-- in strict mode one whose owners all consented before it): each distinct reading once, with
-- the number of lines that delivered it. step_trainer_trusted keeps the readings without a
-- reason; zone_exclusions counts the reasons.
-- Partitioned by day on Spark: an incremental build rewrites the days whose readings may have
-- changed (days_to_rebuild).
{{ config(pre_hook="{{ drop_rebuild_days('sensor_reading_day') }}") }}
-- depends_on: {{ ref('days_to_rebuild') }}

with

readings as (
    select * from {{ ref('step_trainer_landing_validated') }}
    where {{ in_rebuild_days('sensor_reading_time', epoch_ms=true) }}
),

customer_records as (
    select * from {{ ref('customer_records_judged') }}
),

curated_customers as (
    select * from {{ ref('customer_curated') }}
),

curated_devices as (
    -- serial numbers are reused across customers: one row per device, so that a join never
    -- multiplies its readings
    select distinct serial_number
    from curated_customers
),

consents as (
    select
        customer_email,
        share_with_research_as_of_date as research_consent_time
    from customer_records
    where exclusion_reason is null
),

device_consent as (
    -- which of a device's owners took a reading is unknown, so strict mode counts its readings
    -- from the latest consent among them, and not at all while one of them has not consented;
    -- every record naming the device counts, an older or a quarantined one too (fail closed)
    select
        customer_records.serial_number,
        max(consents.research_consent_time) as research_consent_time,
        count(distinct customer_records.customer_email) as owner_count,
        count(distinct consents.customer_email) as consenting_owner_count
    from customer_records
    left join consents
        on customer_records.customer_email = consents.customer_email
    where customer_records.serial_number is not null
    group by customer_records.serial_number
),

judged as (
    select
        readings.serial_number,
        readings.sensor_reading_time,
        readings.distance_from_object,
        case
            when readings.rejection_reason is not null then 'quarantined'
            when curated_devices.serial_number is null then 'no_curated_owner'
            {% if not var('rubric_compatible') %}
                -- privacy-strict: nothing recorded before every owner agreed
                when device_consent.consenting_owner_count != device_consent.owner_count
                    then 'non_consenting_owner'
                when readings.sensor_reading_time < device_consent.research_consent_time
                    then 'before_consent'
            {% endif %}
        end as exclusion_reason
    from readings
    left join curated_devices
        on readings.serial_number = curated_devices.serial_number
    left join device_consent
        on readings.serial_number = device_consent.serial_number
),

final as (
    select
        -- ids
        serial_number,
        sensor_reading_time,

        -- numerics
        distance_from_object,

        count(*) as line_count,

        -- verdict
        exclusion_reason,

        -- partition
        {{ epoch_ms_to('sensor_reading_time', 'date') }} as sensor_reading_day
    from judged
    group by serial_number, sensor_reading_time, distance_from_object, exclusion_reason
)

select * from final
