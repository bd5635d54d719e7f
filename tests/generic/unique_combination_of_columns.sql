{#-
    Fails with one row per combination of the columns that occurs more than once, or that has
    a NULL in one of not_null_columns: one scan checks a table's key instead of one per column.
-#}
{% test unique_combination_of_columns(model, combination_of_columns, not_null_columns=[]) %}

with

grouped as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select * from grouped
where
    occurrences > 1
    {%- for column in not_null_columns %}
        or {{ column }} is null
    {%- endfor %}

{% endtest %}
