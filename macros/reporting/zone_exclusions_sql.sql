{#
    The select of the zone report's "why rows left": one row (zone_table, reason, row_count) for
    each reason a row of an upstream table does not reach a zone table, each row counted under
    the first reason that applies, in the order of docs/rules.md. For each zone table, its
    upstream rows less the rows that left equal its rows; stedi_lakehouse/zone_report.py shows
    this, and tests/python/test_docs_and_zone_report.py checks it against the zone counts.
    The reason `same_millisecond_pairs` is no exclusion: it counts the readings that the
    machine-learning join pairs, the rows that machine_learning_curated starts from.
    Plain SQL of both engines; only counts leave the warehouse, never a row's values.
#}
{% macro zone_exclusions_sql(relations) %}
    {% set strict = 'not ' ~ rubric_compatible() %}
with

customer_records as (
    select * from {{ relations['customer_landing_validated'] }}
),

accelerometer_readings as (
    select * from {{ relations['accelerometer_landing_validated'] }}
),

step_trainer_readings as (
    select * from {{ relations['step_trainer_landing_validated'] }}
),

trusted_customers as (
    select * from {{ relations['customer_trusted'] }}
),

curated_customers as (
    select * from {{ relations['customer_curated'] }}
),

trusted_accelerometer as (
    select * from {{ relations['accelerometer_trusted'] }}
),

trusted_step_trainer as (
    select * from {{ relations['step_trainer_trusted'] }}
),

held_back as (
    select distinct customer_email
    from customer_records
    where rejection_reason is not null and customer_email is not null
),

customer_flags as (
    -- per customer: how many valid records, whether any consented, held back, trusted
    select
        customer_records.customer_email,
        count(*) as record_count,
        max(case when customer_records.share_with_research_as_of_date > 0 then 1 else 0 end) as ever_consented,
        max(case when held_back.customer_email is not null then 1 else 0 end) as is_held_back,
        max(case when trusted_customers.customer_email is not null then 1 else 0 end) as is_trusted
    from customer_records
    left join held_back
        on customer_records.customer_email = held_back.customer_email
    left join trusted_customers
        on customer_records.customer_email = trusted_customers.customer_email
    where customer_records.rejection_reason is null
    group by customer_records.customer_email
),

customer_states as (
    select
        customer_email,
        record_count,
        case
            when is_held_back = 1 then 'held_back'
            when is_trusted = 1 then 'trusted'
            when ever_consented = 1 then 'withdrawn'
            else 'no_consent'
        end as customer_state
    from customer_flags
),

accelerometer_verdicts as (
    select
        case
            when accelerometer_readings.rejection_reason = {{ erasure_reason() }} then 'erased'
            when accelerometer_readings.rejection_reason is not null then 'quarantined'
            -- a reading of an e-mail without any customer record has no consent either
            when coalesce(customer_states.customer_state, 'no_consent') != 'trusted'
                then coalesce(customer_states.customer_state, 'no_consent')
            when {{ strict }} and accelerometer_readings.reading_time < trusted_customers.share_with_research_as_of_date
                then 'before_consent'
            else 'kept'
        end as verdict
    from accelerometer_readings
    left join customer_states
        on accelerometer_readings.customer_email = customer_states.customer_email
    left join trusted_customers
        on accelerometer_readings.customer_email = trusted_customers.customer_email
),

curated_devices as (
    select distinct serial_number from curated_customers
),

device_consent as (
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

step_trainer_verdicts as (
    select
        case
            when step_trainer_readings.rejection_reason is not null then 'quarantined'
            when curated_devices.serial_number is null then 'no_curated_owner'
            when {{ strict }} and device_consent.consenting_owner_count != device_consent.owner_count
                then 'non_consenting_owner'
            when {{ strict }} and step_trainer_readings.sensor_reading_time < device_consent.research_consent_time
                then 'before_consent'
            else 'kept'
        end as verdict
    from step_trainer_readings
    left join curated_devices
        on step_trainer_readings.serial_number = curated_devices.serial_number
    left join device_consent
        on step_trainer_readings.serial_number = device_consent.serial_number
),

device_owners as (
    select distinct
        serial_number,
        customer_email
    from curated_customers
),

pairs as (
    select
        case
            when {{ strict }} and device_owners.serial_number is null then 'cross_person_pair'
            else 'kept'
        end as verdict
    from trusted_step_trainer
    inner join trusted_accelerometer
        on trusted_step_trainer.sensor_reading_time = trusted_accelerometer.reading_time
    left join device_owners
        on
            trusted_step_trainer.serial_number = device_owners.serial_number
            and trusted_accelerometer.customer_email = device_owners.customer_email
),

customer_exclusions as (
    select 'quarantined' as reason, count(*) as row_count
    from customer_records
    where rejection_reason is not null and rejection_reason != {{ erasure_reason() }}
    union all
    select 'erased' as reason, count(*) as row_count
    from customer_records
    where rejection_reason = {{ erasure_reason() }}
    union all
    select 'held_back' as reason, coalesce(sum(record_count), 0) as row_count
    from customer_states
    where customer_state = 'held_back'
    union all
    select 'superseded' as reason, coalesce(sum(record_count - 1), 0) as row_count
    from customer_states
    where customer_state != 'held_back'
    union all
    select customer_state as reason, count(*) as row_count
    from customer_states
    where customer_state in ('withdrawn', 'no_consent')
    group by customer_state
),

final as (
    select 'customer_trusted' as zone_table, reason, row_count from customer_exclusions
    union all
    select 'accelerometer_trusted' as zone_table, verdict as reason, count(*) as row_count
    from accelerometer_verdicts
    where verdict != 'kept'
    group by verdict
    union all
    -- readings kept before the distinct, less the distinct readings: the same reading twice
    select 'accelerometer_trusted' as zone_table, 'duplicate_delivery' as reason,
        (select count(*) from accelerometer_verdicts where verdict = 'kept')
        - (select count(*) from trusted_accelerometer) as row_count
    union all
    select 'customer_curated' as zone_table, 'no_trusted_reading' as reason, count(*) as row_count
    from trusted_customers
    where customer_email not in (select customer_email from trusted_accelerometer)
    union all
    select 'step_trainer_trusted' as zone_table, verdict as reason, count(*) as row_count
    from step_trainer_verdicts
    where verdict != 'kept'
    group by verdict
    union all
    select 'step_trainer_trusted' as zone_table, 'duplicate_delivery' as reason,
        (select count(*) from step_trainer_verdicts where verdict = 'kept')
        - (select count(*) from trusted_step_trainer) as row_count
    union all
    select 'machine_learning_curated' as zone_table, 'same_millisecond_pairs' as reason, count(*) as row_count
    from pairs
    union all
    select 'machine_learning_curated' as zone_table, verdict as reason, count(*) as row_count
    from pairs
    where verdict != 'kept'
    group by verdict
)

select * from final
{% endmacro %}
