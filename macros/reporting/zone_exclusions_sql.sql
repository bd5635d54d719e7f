{#
    The select of the zone report's "why rows left": one row (zone_table, reason, row_count) for
    each reason a row of an upstream table does not reach a zone table. The reasons are those
    the judged models decide (each row under the first reason that applies, docs/rules.md);
    what is left is counting: the readings a zone drops as a second delivery are its readings
    without a reason less its distinct ones, the trusted customers without a trusted reading
    are customer_trusted's rows less customer_curated's. The reason `same_millisecond_pairs` is
    no exclusion: it counts the pairs of trusted readings of the same millisecond that
    machine_learning_curated starts from, and those it does not keep are cross-person pairs.
    For each zone table, its upstream rows less the rows that left equal its rows
    (stedi_lakehouse/zone_report.py). Only counts leave the warehouse, never a row's values.
#}
{% macro zone_exclusions_sql(relations) %}
with

{% for judged, zone_table in [
    ('customer_records_judged', 'customer_trusted'),
    ('accelerometer_readings_judged', 'accelerometer_trusted'),
    ('step_trainer_readings_judged', 'step_trainer_trusted'),
] %}
{{ judged }}_reasons as (
    select
        '{{ zone_table }}' as zone_table,
        coalesce(exclusion_reason, 'kept') as reason,
        count(*) as row_count
    from {{ relations[judged] }}
    group by exclusion_reason
),

{% endfor %}
readings_per_millisecond as (
    select
        step_trainer_times.sensor_reading_time,
        step_trainer_times.readings * accelerometer_times.readings as pairs
    from (
        select sensor_reading_time, count(*) as readings
        from {{ relations['step_trainer_trusted'] }}
        group by sensor_reading_time
    ) as step_trainer_times
    inner join (
        select reading_time, count(*) as readings
        from {{ relations['accelerometer_trusted'] }}
        group by reading_time
    ) as accelerometer_times
        on step_trainer_times.sensor_reading_time = accelerometer_times.reading_time
),

counted as (
    select zone_table, reason, row_count from customer_records_judged_reasons
    where reason != 'kept'
    union all
    {%- for judged, zone_table in [
        ('accelerometer_readings_judged', 'accelerometer_trusted'),
        ('step_trainer_readings_judged', 'step_trainer_trusted'),
    ] %}
    select zone_table, reason, row_count from {{ judged }}_reasons
    where reason != 'kept'
    union all
    select
        '{{ zone_table }}' as zone_table,
        'duplicate_delivery' as reason,
        coalesce(sum(row_count), 0) - (select count(*) from {{ relations[zone_table] }}) as row_count
    from {{ judged }}_reasons
    where reason = 'kept'
    union all
    {%- endfor %}
    select
        'customer_curated' as zone_table,
        'no_trusted_reading' as reason,
        (select count(*) from {{ relations['customer_trusted'] }})
        - (select count(*) from {{ relations['customer_curated'] }}) as row_count
    union all
    select
        'machine_learning_curated' as zone_table,
        'same_millisecond_pairs' as reason,
        coalesce(sum(pairs), 0) as row_count
    from readings_per_millisecond
    union all
    select
        'machine_learning_curated' as zone_table,
        'cross_person_pair' as reason,
        coalesce(sum(pairs), 0)
        - (select count(*) from {{ relations['machine_learning_curated'] }}) as row_count
    from readings_per_millisecond
)

select * from counted
{% endmacro %}
