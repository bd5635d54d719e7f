-- Fails with every column of machine_learning_curated whose name marks personal data.
-- depends_on: {{ ref('machine_learning_curated') }}

{% set ml_columns = [] %}
{% if execute %}
    {% set ml_columns = adapter.get_columns_in_relation(ref('machine_learning_curated')) %}
{% endif %}

with

personal_data_columns as (
    select * from {{ ref('personal_data_columns') }}
),

machine_learning_columns as (
    {% for column in ml_columns %}
        select '{{ column.name | lower }}' as ml_column
        {% if not loop.last %}union all{% endif %}
    {% else %}
        -- no columns read: fail rather than pass unseen
        select 'no column of machine_learning_curated could be read' as ml_column
    {% endfor %}
),

final as (
    select
        machine_learning_columns.ml_column,
        personal_data_columns.personal_data
    from machine_learning_columns
    left join personal_data_columns
        on machine_learning_columns.ml_column like personal_data_columns.column_pattern
    where
        personal_data_columns.column_pattern is not null
        or machine_learning_columns.ml_column like 'no column %'
)

select * from final
