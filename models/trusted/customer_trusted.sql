{{ config(external_location=athena_zone_location('customer', 'trusted')) }}

with

customer_records as (
    select * from {{ ref('customer_records_judged') }}
),

current_consenting as (
    -- the rules are customer_records_judged's: a record without an exclusion reason is the
    -- current record of a consenting customer
    select * from customer_records
    where exclusion_reason is null
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
        {{ epoch_ms_to('registration_date', 'timestamp') }} as registered_at,
        {{ epoch_ms_to('last_update_date', 'timestamp') }} as last_updated_at,
        {{ epoch_ms_to('share_with_research_as_of_date', 'timestamp') }} as research_consent_at
    from current_consenting
)

select * from final
