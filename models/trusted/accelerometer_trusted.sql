{{ config(external_location=athena_zone_location('accelerometer', 'trusted')) }}

with

readings as (
    select * from {{ ref('accelerometer_landing_validated') }}
    where rejection_reason is null
),

customers as (
    select * from {{ ref('customer_trusted') }}
),

consented as (
    select
        readings.customer_email,
        readings.reading_time,
        readings.x,
        readings.y,
        readings.z
    from readings
    inner join customers
        on readings.customer_email = customers.customer_email
    where
        {{ rubric_compatible() }}
        -- privacy-strict: nothing recorded before the customer agreed
        or readings.reading_time >= customers.share_with_research_as_of_date
),

deduplicated as (
    -- a file delivered twice under another name must count once; several readings per
    -- (user, timestamp) with different values are normal and all kept. After the consent
    -- filter, which keeps or drops every copy alike, so the fewest rows are compared.
    select distinct
        customer_email,
        reading_time,
        x,
        y,
        z
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
        {{ epoch_ms_to_timestamp('reading_time') }} as reading_at
    from deduplicated
)

select * from final
