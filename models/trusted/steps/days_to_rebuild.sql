-- The days of readings an incremental build rebuilds in every day-partitioned table
-- (macros/incremental/rebuild_days.sql): the days of readings in landing file versions added or
-- retired since the zones were last built (built_file_versions), and every day of readings of a
-- customer or a device whose records changed, or whose customer may have become or ceased to be
-- curated. Those readings are found in the judged tables as the last build left them (read as
-- they are before this build rewrites them), the readings of the paths of changed versions in the
-- parsed tables, listed first and named in the query, so Parquet's statistics skip other files.
-- A row without a day: rebuild every day (a full build, no earlier build, or an earlier build
-- in another mode).
-- depends_on: {{ ref('landing_file_versions') }}
-- depends_on: {{ ref('customer_landing_parsed') }}
-- depends_on: {{ ref('accelerometer_landing_parsed') }}
-- depends_on: {{ ref('step_trainer_landing_parsed') }}

{% set earlier = {} %}
{% for name in ['built_file_versions', 'accelerometer_readings_judged', 'step_trainer_readings_judged'] %}
    {% do earlier.update({name: adapter.get_relation(this.database, this.schema, name)}) %}
{% endfor %}
{% set mode = "rubric_compatible" if var("rubric_compatible") else "strict" %}
{% set changed_files = {'customer': [], 'accelerometer': [], 'step_trainer': []} %}
{% if execute and none not in earlier.values() and not flags.FULL_REFRESH %}
    {% set changed %}
        select dataset, source_file from (
            (
                select dataset, source_file, source_file_modified_at from {{ ref('landing_file_versions') }}
                except
                select dataset, source_file, source_file_modified_at from {{ earlier['built_file_versions'] }}
            )
            union all
            (
                select dataset, source_file, source_file_modified_at from {{ earlier['built_file_versions'] }}
                except
                select dataset, source_file, source_file_modified_at from {{ ref('landing_file_versions') }}
            )
        ) as changed_versions
    {% endset %}
    {% for row in run_query(changed).rows %}
        {% do changed_files[row[0]].append(row[1]) %}
    {% endfor %}
{% endif %}

with

{% if none in earlier.values() or target.type != 'spark' or flags.FULL_REFRESH %}
    final as (
        select cast(null as date) as rebuild_day
    )
{% else %}
    built_versions as (
        select * from {{ earlier['built_file_versions'] }}
    ),

    customers as (
        select * from {{ ref('customer_landing_parsed') }}
    ),

    changed_customer_lines as (
        select * from customers
        where {{ landing_file_filter(changed_files['customer']) }}
    ),

    changed_accelerometer_lines as (
        select * from {{ ref('accelerometer_landing_parsed') }}
        where {{ landing_file_filter(changed_files['accelerometer']) }}
    ),

    changed_step_trainer_lines as (
        select * from {{ ref('step_trainer_landing_parsed') }}
        where {{ landing_file_filter(changed_files['step_trainer']) }}
    ),

    earlier_accelerometer_readings as (
        select * from {{ earlier['accelerometer_readings_judged'] }}
    ),

    earlier_step_trainer_readings as (
        select * from {{ earlier['step_trainer_readings_judged'] }}
    ),

    changed_lines as (
        -- the lines of every version of the paths added, rewritten or removed: a retired version's
        -- lines stay in the parsed table until a full refresh
        select
            'accelerometer' as dataset,
            customer_email,
            cast(null as {{ dbt.type_string() }}) as serial_number,
            reading_time
        from changed_accelerometer_lines
        union all
        select
            'step_trainer' as dataset,
            cast(null as {{ dbt.type_string() }}) as customer_email,
            serial_number,
            sensor_reading_time as reading_time
        from changed_step_trainer_lines
        union all
        select
            'customer' as dataset,
            customer_email,
            serial_number,
            cast(null as bigint) as reading_time
        from changed_customer_lines
    ),

    changed_customers as (
        -- customers whose records changed, or whose readings did (their curated state may have)
        select distinct customer_email
        from changed_lines
        where customer_email is not null
    ),

    changed_devices as (
        select distinct customers.serial_number
        from customers
        inner join changed_customers
            on customers.customer_email = changed_customers.customer_email
        where customers.serial_number is not null
    ),

    days as (
        select {{ epoch_ms_to('reading_time', 'date') }} as rebuild_day
        from changed_lines
        where reading_time is not null
        union all
        select earlier_accelerometer_readings.reading_day as rebuild_day
        from earlier_accelerometer_readings
        inner join changed_customers
            on earlier_accelerometer_readings.customer_email = changed_customers.customer_email
        union all
        select earlier_step_trainer_readings.sensor_reading_day as rebuild_day
        from earlier_step_trainer_readings
        inner join changed_devices
            on earlier_step_trainer_readings.serial_number = changed_devices.serial_number
    ),

    final as (
        select distinct rebuild_day
        from days
        where rebuild_day is not null
        union all
        -- every day, when the zones were built in another mode
        select cast(null as date) as rebuild_day
        from (
            select count(*) as builds_in_this_mode from built_versions
            where build_mode = '{{ mode }}'
        ) as modes
        where modes.builds_in_this_mode = 0
    )
{% endif %}

select * from final
