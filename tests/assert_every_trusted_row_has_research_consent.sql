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

{#- each zone table and the key that ties its rows to a consenting customer -#}
{%- set zone_keys = [
    ('customer_trusted', 'customer_email'),
    ('customer_curated', 'customer_email'),
    ('accelerometer_trusted', 'customer_email'),
    ('step_trainer_trusted', 'serial_number'),
    ('machine_learning_curated', 'serial_number'),
] %}

{%- for zone_table, key in zone_keys %}
    {{ zone_table }} as (select * from {{ ref(zone_table) }}),
{% endfor %}

violations as (
    {%- for zone_table, key in zone_keys %}
        select
            '{{ zone_table }}' as zone_table,
            {{ zone_table }}.{{ key }} as offending_key
        from {{ zone_table }}
        where
            {{ zone_table }}.{{ key }} not in (
                -- not in against a NULL would pass everything
                select consenting.{{ key }} from consenting
                where consenting.{{ key }} is not null
            )
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from violations
