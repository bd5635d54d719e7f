-- Nothing is lost: every landing line is either a valid record or in landing_rejected_records.

{% set datasets = ['customer', 'accelerometer', 'step_trainer'] %}

with

rejected as (
    select
        dataset,
        count(*) as rejected_lines
    from {{ ref('landing_rejected_records') }}
    group by dataset
),

accounted as (
    {% for dataset in datasets %}
        select
            '{{ dataset }}' as dataset,
            (select count(*) from {{ source('stedi_landing', dataset ~ '_landing') }}) as landing_lines,
            (
                select count(*) from {{ ref(dataset ~ '_landing_validated') }}
                where rejection_reason is null
            ) as valid_lines
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        accounted.dataset,
        accounted.landing_lines,
        accounted.valid_lines,
        coalesce(rejected.rejected_lines, 0) as rejected_lines
    from accounted
    left join rejected
        on accounted.dataset = rejected.dataset
    where accounted.landing_lines != accounted.valid_lines + coalesce(rejected.rejected_lines, 0)
)

select * from final
