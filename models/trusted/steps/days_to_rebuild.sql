-- The days of readings an incremental build rebuilds in every day-partitioned table
-- (macros/incremental/rebuild_days.sql): the days of readings in landing file versions added or
-- retired since the zones were last built (built_file_versions, read as it is before this build
-- rewrites it), and every day of readings of a customer or a device whose records changed, or
-- whose customer may have become or ceased to be curated. A row without a day: rebuild every day
-- (a full build, no earlier build, or an earlier build in another mode).
-- depends_on: {{ ref('landing_file_versions') }}
-- depends_on: {{ ref('customer_landing_parsed') }}
-- depends_on: {{ ref('accelerometer_landing_parsed') }}
-- depends_on: {{ ref('step_trainer_landing_parsed') }}

{% set built = adapter.get_relation(this.database, this.schema, 'built_file_versions') %}
{% set mode = "rubric_compatible" if var("rubric_compatible") else "strict" %}

with

{% if built is none or target.type != 'spark' or flags.FULL_REFRESH %}
    final as (
        select cast(null as date) as rebuild_day
    )
{% else %}
    file_versions as (
        select * from {{ ref('landing_file_versions') }}
    ),

    built_versions as (
        select * from {{ built }}
    ),

    customers as (
        select * from {{ ref('customer_landing_parsed') }}
    ),

    accelerometer_readings as (
        select * from {{ ref('accelerometer_landing_parsed') }}
    ),

    step_trainer_readings as (
        select * from {{ ref('step_trainer_landing_parsed') }}
    ),

    changed_versions as (
        (
            select
                dataset,
                source_file,
                source_file_modified_at
            from file_versions
            except
            select
                dataset,
                source_file,
                source_file_modified_at
            from built_versions
        )
        union all
        (
            select
                dataset,
                source_file,
                source_file_modified_at
            from built_versions
            except
            select
                dataset,
                source_file,
                source_file_modified_at
            from file_versions
        )
    ),

    changed_customers as (
        select distinct customers.customer_email
        from customers
        inner join changed_versions
            on
                changed_versions.dataset = 'customer'
                and customers.source_file = changed_versions.source_file
                and customers.source_file_modified_at = changed_versions.source_file_modified_at
        where customers.customer_email is not null
    ),

    changed_readings as (
        select
            accelerometer_readings.customer_email,
            accelerometer_readings.reading_time
        from accelerometer_readings
        inner join changed_versions
            on
                changed_versions.dataset = 'accelerometer'
                and accelerometer_readings.source_file = changed_versions.source_file
                and accelerometer_readings.source_file_modified_at = changed_versions.source_file_modified_at
    ),

    changed_devices as (
        -- the devices of changed customers and of customers with added or retired readings, whose
        -- consent or curated state may have changed
        select distinct customers.serial_number
        from customers
        where
            customers.serial_number is not null
            and (
                customers.customer_email in (select changed_customers.customer_email from changed_customers)
                or customers.customer_email in (select changed_readings.customer_email from changed_readings)
            )
    ),

    reading_times as (
        select reading_time
        from changed_readings
        union all
        select reading_time
        from accelerometer_readings
        where customer_email in (select changed_customers.customer_email from changed_customers)
        union all
        select step_trainer_readings.sensor_reading_time as reading_time
        from step_trainer_readings
        left join changed_versions
            on
                changed_versions.dataset = 'step_trainer'
                and step_trainer_readings.source_file = changed_versions.source_file
                and step_trainer_readings.source_file_modified_at = changed_versions.source_file_modified_at
        where
            changed_versions.source_file is not null
            or step_trainer_readings.serial_number in (select changed_devices.serial_number from changed_devices)
    ),

    final as (
        select distinct {{ epoch_ms_to_date('reading_time') }} as rebuild_day
        from reading_times
        where reading_time is not null
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
