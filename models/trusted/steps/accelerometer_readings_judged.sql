-- Every accelerometer line, valid or quarantined, with the reason it does not reach
-- accelerometer_trusted (exclusion_reason NULL: a reading of a consenting customer, taken
-- after the consent in strict mode): each distinct reading once, with the number of lines that
-- delivered it (a file delivered twice under another name must count once).
-- accelerometer_trusted keeps the readings without a reason; zone_exclusions counts the reasons.
-- Partitioned by day on Spark: an incremental build rewrites the days whose readings may have
-- changed (days_to_rebuild).
{{ config(pre_hook="{{ drop_rebuild_days('reading_day') }}") }}
-- depends_on: {{ ref('days_to_rebuild') }}

with

readings as (
    select * from {{ ref('accelerometer_landing_validated') }}
    where {{ in_rebuild_days('reading_time', epoch_ms=true) }}
),

customer_records as (
    select * from {{ ref('customer_records_judged') }}
),

customer_states as (
    select distinct
        customer_email,
        customer_state
    from customer_records
    where customer_email is not null and customer_state is not null
),

consents as (
    select
        customer_email,
        share_with_research_as_of_date as research_consent_time
    from customer_records
    where exclusion_reason is null
),

judged as (
    select
        readings.customer_email,
        readings.reading_time,
        readings.x,
        readings.y,
        readings.z,
        case
            when readings.rejection_reason = 'customer erased on request' then 'erased'
            when readings.rejection_reason is not null then 'quarantined'
            -- a reading of an e-mail without any customer record has no consent either
            when coalesce(customer_states.customer_state, 'no_consent') != 'trusted'
                then coalesce(customer_states.customer_state, 'no_consent')
            {% if not var('rubric_compatible') %}
                -- privacy-strict: nothing recorded before the customer agreed
                when readings.reading_time < consents.research_consent_time then 'before_consent'
            {% endif %}
        end as exclusion_reason
    from readings
    left join customer_states
        on readings.customer_email = customer_states.customer_email
    left join consents
        on readings.customer_email = consents.customer_email
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
        count(*) as line_count,

        -- verdict
        exclusion_reason,

        -- partition
        {{ epoch_ms_to('reading_time', 'date') }} as reading_day
    from judged
    group by customer_email, reading_time, x, y, z, exclusion_reason
)

select * from final
