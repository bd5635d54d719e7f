with

customer as (
    select * from {{ ref('customer_landing_validated') }}
),

accelerometer as (
    select * from {{ ref('accelerometer_landing_validated') }}
),

step_trainer as (
    select * from {{ ref('step_trainer_landing_validated') }}
),

rejected as (
    select
        'customer' as dataset,
        source_file,
        raw_line,
        rejection_reason
    from customer
    where rejection_reason is not null

    union all

    select
        'accelerometer' as dataset,
        source_file,
        raw_line,
        rejection_reason
    from accelerometer
    where rejection_reason is not null

    union all

    select
        'step_trainer' as dataset,
        source_file,
        raw_line,
        rejection_reason
    from step_trainer
    where rejection_reason is not null
),

final as (
    select
        dataset,
        source_file,
        raw_line,
        rejection_reason
    from rejected
)

select * from final
