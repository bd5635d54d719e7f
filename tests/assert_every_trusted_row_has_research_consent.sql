-- Every trusted and curated row belongs to a customer whose current record (recomputed here
-- from the landing zone, independently of customer_trusted) gives research consent.

with

all_customer_records as (
    select * from {{ ref('customer_landing_validated') }}
),

customer_records as (
    select * from all_customer_records
    where rejection_reason is null
),

-- a quarantined record may be a withdrawal: its customer counts as not consenting
quarantined_customers as (
    select distinct customer_email
    from all_customer_records
    where rejection_reason is not null and customer_email is not null
),

latest_update as (
    select
        customer_email,
        max(last_update_date) as last_update_date
    from customer_records
    group by customer_email
),

-- a customer consents when every record of the latest update consents
current_consent as (
    select
        customer_records.customer_email,
        customer_records.serial_number,
        min(coalesce(customer_records.share_with_research_as_of_date, 0)) as consent_time
    from customer_records
    inner join latest_update
        on
            customer_records.customer_email = latest_update.customer_email
            and customer_records.last_update_date = latest_update.last_update_date
    group by customer_records.customer_email, customer_records.serial_number
),

consenting as (
    select * from current_consent
    where
        consent_time > 0
        and customer_email not in (select quarantined_customers.customer_email from quarantined_customers)
),

customer_trusted as (select * from {{ ref('customer_trusted') }}),

customer_curated as (select * from {{ ref('customer_curated') }}),

accelerometer_trusted as (select * from {{ ref('accelerometer_trusted') }}),

step_trainer_trusted as (select * from {{ ref('step_trainer_trusted') }}),

machine_learning_curated as (select * from {{ ref('machine_learning_curated') }}),

violations as (
    select
        'customer_trusted' as zone_table,
        customer_trusted.customer_email as offending_key
    from customer_trusted
    where
        customer_trusted.customer_email not in (
            -- not in against a NULL would pass everything
            select consenting.customer_email from consenting
            where consenting.customer_email is not null
        )

    union all

    select
        'customer_curated' as zone_table,
        customer_curated.customer_email as offending_key
    from customer_curated
    where
        customer_curated.customer_email not in (
            -- not in against a NULL would pass everything
            select consenting.customer_email from consenting
            where consenting.customer_email is not null
        )

    union all

    select
        'accelerometer_trusted' as zone_table,
        accelerometer_trusted.customer_email as offending_key
    from accelerometer_trusted
    where
        accelerometer_trusted.customer_email not in (
            -- not in against a NULL would pass everything
            select consenting.customer_email from consenting
            where consenting.customer_email is not null
        )

    union all

    select
        'step_trainer_trusted' as zone_table,
        step_trainer_trusted.serial_number as offending_key
    from step_trainer_trusted
    where
        step_trainer_trusted.serial_number not in (
            -- not in against a NULL would pass everything
            select consenting.serial_number from consenting
            where consenting.serial_number is not null
        )

    union all

    select
        'machine_learning_curated' as zone_table,
        machine_learning_curated.serial_number as offending_key
    from machine_learning_curated
    where machine_learning_curated.serial_number not in (
        -- not in against a NULL would pass everything
        select consenting.serial_number from consenting
        where consenting.serial_number is not null
    )
)

select * from violations
