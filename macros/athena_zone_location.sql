{#-
    Athena: the S3 folder of a trusted or curated table, in the course's layout
    (`<zone_root>/<dataset>/<zone>/`) below var athena_zone_root, by default the target's
    s3_data_dir; none on other engines, which keep tables in their warehouse. dbt-athena
    empties the folder before each build, so data is never appended, and a wrong folder loses
    data: hence one macro, called in each zone model's config.
-#}
{% macro athena_zone_location(dataset, zone) %}
    {% if target.type != 'athena' %}{{ return(none) }}{% endif %}
    {% set zone_root = var('athena_zone_root', target.get('s3_data_dir') or '') | string | trim %}
    {% if not zone_root.startswith('s3://') %}
        {{ exceptions.raise_compiler_error(
            "The Athena zone root '" ~ zone_root ~ "' is not an s3:// URI: set the target's"
            ~ " s3_data_dir or --vars 'athena_zone_root: s3://bucket/prefix'."
        ) }}
    {% endif %}
    {{ return(zone_root.rstrip('/') ~ '/' ~ dataset ~ '/' ~ zone ~ '/') }}
{% endmacro %}
