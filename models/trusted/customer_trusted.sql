{{ config(external_location=athena_zone_location('customer', 'trusted')) }}

with

customer_records as (
    select * from {{ ref('customer_landing_validated') }}
),

held_back as (
    -- fail closed: a quarantined record may be the withdrawal of consent, so a customer with
    -- one is held back until it is mended
    select distinct customer_email
    from customer_records
    where rejection_reason is not null and customer_email is not null
),

valid_records as (
    select * from customer_records
    where rejection_reason is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_email
            -- the latest record is the current one; on a tie the most private record wins:
            -- one without consent, else the one with the latest consent time
            order by
                last_update_date desc,
                case when share_with_research_as_of_date > 0 then share_with_research_as_of_date end desc nulls first,
                raw_line asc
        ) as recency_rank
    from valid_records
),

current_customers as (
    select * from ranked
    where recency_rank = 1
),

consenting as (
    -- a share key is absent when the customer has not agreed; 0 means not agreed either
    select * from current_customers
    where
        share_with_research_as_of_date > 0
        and customer_email not in (select held_back.customer_email from held_back)
),

final as (
    select
        -- ids
        customer_email,
        serial_number,

        -- personal data
        customer_name,
        phone,
        birth_day,

        -- epoch milliseconds
        registration_date,
        last_update_date,
        share_with_research_as_of_date,
        share_with_public_as_of_date,
        share_with_friends_as_of_date,

        -- timestamps
        {{ epoch_ms_to_timestamp('registration_date') }} as registered_at,
        {{ epoch_ms_to_timestamp('last_update_date') }} as last_updated_at,
        {{ epoch_ms_to_timestamp('share_with_research_as_of_date') }} as research_consent_at
    from consenting
)

select * from final
