{{ config(external_location=athena_zone_location('customer', 'curated')) }}

with

customers as (
    select * from {{ ref('customer_trusted') }}
),

readings as (
    select * from {{ ref('accelerometer_trusted') }}
),

customers_with_readings as (
    select distinct customer_email from readings
),

final as (
    select customers.*
    from customers
    inner join customers_with_readings
        on customers.customer_email = customers_with_readings.customer_email
)

select * from final
