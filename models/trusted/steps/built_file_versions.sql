-- The landing file versions the trusted and curated zones hold the rows of, and the mode they
-- were built in: what the next build's days_to_rebuild compares the landing zone with. Built
-- after every zone table (below), so a build that stops before them keeps the earlier state,
-- and the next one rebuilds what this one meant to.
-- depends_on: {{ ref('accelerometer_trusted') }}
-- depends_on: {{ ref('step_trainer_trusted') }}
-- depends_on: {{ ref('machine_learning_curated') }}
-- depends_on: {{ ref('zone_exclusions') }}

with

file_versions as (
    select * from {{ ref('landing_file_versions') }}
),

final as (
    select
        dataset,
        source_file,
        source_file_modified_at,
        '{{ "rubric_compatible" if var("rubric_compatible") else "strict" }}' as build_mode
    from file_versions
)

select * from final
