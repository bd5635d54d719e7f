-- Nothing is lost: every line the engine reads is a valid record or in landing_rejected_records
-- (a line of white space only is no record), and, when the build runner gives the counts in
-- STEDI_LANDING_LINES, the engine reads every line delivered: stedi_lakehouse/build/inventory.py
-- counts them itself, apart from the engine's reader, which skips files it cannot see.

{% set datasets = ['customer', 'accelerometer', 'step_trainer'] %}
{% set delivered = fromjson(env_var('STEDI_LANDING_LINES', 'null')) %}

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
        {%- set landing = source('stedi_landing', dataset ~ '_landing') %}
        {%- set lines = landing.incorporate(path={'identifier': landing.identifier ~ '__lines'}) %}
        select
            '{{ dataset }}' as dataset,
            (select count(*) from {{ landing }}) as landing_lines,
            (
                select count(*) from {{ ref(dataset ~ '_landing_validated') }}
                where rejection_reason is null
            ) as valid_lines,
            -- every line, white space only too, as the engine's reader ends them
            cast({{ delivered[dataset] | int if delivered else 'null' }} as bigint) as delivered_lines,
            (select count(*) from {{ lines }}) as read_lines
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        accounted.dataset,
        accounted.landing_lines,
        accounted.valid_lines,
        accounted.delivered_lines,
        accounted.read_lines,
        coalesce(rejected.rejected_lines, 0) as rejected_lines
    from accounted
    left join rejected
        on accounted.dataset = rejected.dataset
    where
        accounted.landing_lines != accounted.valid_lines + coalesce(rejected.rejected_lines, 0)
        or accounted.delivered_lines != accounted.read_lines
)

select * from final
