with

readings as (
    select * from {{ ref('accelerometer_landing_validated') }}
    where rejection_reason is null
),

customers as (
    select * from {{ ref('customer_trusted') }}
),

deduplicated as (
    -- a file delivered twice under another name must count once; several readings per
    -- (user, timestamp) with different values are normal and all kept
    select distinct
        customer_email,
        reading_time,
        x,
        y,
        z
    from readings
),

consented as (
    select
        deduplicated.*,
        customers.share_with_research_as_of_date
    from deduplicated
    inner join customers
        on deduplicated.customer_email = customers.customer_email
    where
        {{ rubric_compatible() }}
        -- privacy-strict: nothing recorded before the customer agreed
        or deduplicated.reading_time >= customers.share_with_research_as_of_date
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
    from consented
)

select * from final
