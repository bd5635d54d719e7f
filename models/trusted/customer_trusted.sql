with

customer_records as (
    select * from {{ ref('customer_landing_validated') }}
    where rejection_reason is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_email
            -- the latest record is the current one; on a tie the record without consent wins,
            -- so an ambiguous withdrawal is honoured
            order by
                last_update_date desc nulls last,
                share_with_research_as_of_date asc nulls first,
                raw_line asc
        ) as recency_rank
    from customer_records
),

current_customers as (
    select * from ranked
    where recency_rank = 1
),

consenting as (
    -- a share key is absent when the customer has not agreed; 0 means not agreed either
    select * from current_customers
    where share_with_research_as_of_date > 0
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
