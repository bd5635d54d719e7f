-- Every customer record, valid or quarantined, with the reason it does not make its customer
-- trusted (exclusion_reason NULL: the current record of a consenting customer) and the state
-- of its customer. customer_trusted keeps the records without a reason; the readings' judged
-- models read each customer's state; the zone report counts the reasons.

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

ranked as (
    select
        *,
        row_number() over (
            partition by customer_email, rejection_reason is null
            -- the latest record is the current one; on a tie the most private record wins:
            -- one without consent, else the one with the latest consent time
            order by
                last_update_date desc,
                case when share_with_research_as_of_date > 0 then share_with_research_as_of_date end desc nulls first,
                raw_line asc
        ) as recency_rank,
        -- a share key is absent when the customer has not agreed; 0 means not agreed either
        max(coalesce(share_with_research_as_of_date, 0) > 0) over (
            partition by customer_email, rejection_reason is null
        ) as ever_consented
    from customer_records
),

states as (
    select
        ranked.*,
        case
            when held_back.customer_email is not null then 'held_back'
            when ranked.rejection_reason is not null then null
            when first_value(ranked.share_with_research_as_of_date > 0) over (
                partition by ranked.customer_email, ranked.rejection_reason is null
                order by ranked.recency_rank
            ) then 'trusted'
            when ranked.ever_consented then 'withdrawn'
            else 'no_consent'
        end as customer_state
    from ranked
    left join held_back
        on ranked.customer_email = held_back.customer_email
),

judged as (
    select
        *,
        case
            when rejection_reason = 'customer erased on request' then 'erased'
            when rejection_reason is not null then 'quarantined'
            when customer_state = 'held_back' then 'held_back'
            when recency_rank > 1 then 'superseded'
            when customer_state != 'trusted' then customer_state
        end as exclusion_reason
    from states
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

        -- verdicts
        customer_state,
        exclusion_reason
    from judged
)

select * from final
