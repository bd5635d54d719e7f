-- The privacy guard, over every row of every zone table on every build: each row belongs to a
-- customer whose current record, recomputed here from the landing zone apart from
-- customer_trusted, gives research consent, and in strict mode no reading precedes its owner's
-- consent. Consent is a property of a customer or a device, so each table is read once, two
-- columns, into one row per customer or device (its first reading), and checked there.

{#- each zone table, the key that ties its rows to a customer, and its reading time -#}
{%- set zone_keys = [
    ('customer_trusted', 'customer_email', none),
    ('customer_curated', 'customer_email', none),
    ('accelerometer_trusted', 'customer_email', 'reading_time'),
    ('step_trainer_trusted', 'serial_number', 'sensor_reading_time'),
    ('machine_learning_curated', 'serial_number', 'sensor_reading_time'),
] %}

with

all_customer_records as (
    select * from {{ ref('customer_landing_validated') }}
),

{% for zone_table, _, _ in zone_keys %}
    {{ zone_table }} as (select * from {{ ref(zone_table) }}),
{% endfor %}

-- one row per customer or device of each zone table, with its first reading
zone_owners as (
    {%- for zone_table, key, reading_time in zone_keys %}
        select
            '{{ zone_table }}' as zone_table,
            '{{ key }}' as key_column,
            {{ key }} as zone_key,
            {{ 'min(' ~ reading_time ~ ')' if reading_time else 'cast(null as bigint)' }} as first_reading_time
        from {{ zone_table }}
        group by {{ key }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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

{% if not var('rubric_compatible') %}
    -- strict mode: a customer's readings count from their consent, a device's from the consent of
    -- the last of its curated owners
    consent_times as (
        select
            'customer_email' as key_column,
            customer_email as zone_key,
            share_with_research_as_of_date as consent_time
        from customer_curated
        union all
        select
            'serial_number' as key_column,
            serial_number as zone_key,
            max(share_with_research_as_of_date) as consent_time
        from customer_curated
        group by serial_number
    ),
{% endif %}

violations as (
    select
        zone_table,
        'no research consent' as problem,
        zone_key
    from zone_owners
    -- not in against a NULL would pass everything
    where
        (
            key_column = 'customer_email'
            and zone_key not in (
                select consenting.customer_email from consenting
                where consenting.customer_email is not null
            )
        )
        or (
            key_column = 'serial_number'
            and zone_key not in (
                select consenting.serial_number from consenting
                where consenting.serial_number is not null
            )
        )
    {% if not var('rubric_compatible') %}
        union all
        select
            zone_owners.zone_table,
            'reading before consent' as problem,
            zone_owners.zone_key
        from zone_owners
        inner join consent_times
            on
                zone_owners.key_column = consent_times.key_column
                and zone_owners.zone_key = consent_times.zone_key
        where zone_owners.first_reading_time < consent_times.consent_time
    {% endif %}
)

select * from violations
