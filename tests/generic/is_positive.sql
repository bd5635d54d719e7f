{#- Fails with every row whose column is NULL, zero or negative. -#}
{% test is_positive(model, column_name) %}

select * from {{ model }}
where coalesce({{ column_name }}, 0) <= 0

{% endtest %}
