{#-
    Athena: refuse a build whose table folders overlap a landing folder, before any table is
    touched (an on-run-start hook). dbt-athena empties a table's S3 folder before writing it,
    so a zone folder that equals or lies inside a landing folder, or a landing folder inside a
    zone folder (or inside the schema's folder under s3_data_dir), would delete deliveries.
    Nothing to check on other engines, which keep tables in their own warehouse.
-#}
{% macro check_zone_locations() %}
    {% if not execute or target.type != 'athena' %}{{ return('') }}{% endif %}
    {% set landing = [] %}
    {% for node in graph.sources.values() if node.external and node.external.location %}
        {% do landing.append(landing_location(node)) %}
    {% endfor %}
    {% set zones = [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.config.get('external_location') %}
        {% do zones.append((node.name, node.config.external_location | trim)) %}
    {% endfor %}
    {% if target.get('s3_data_dir') %}
        {% set schema_folder = (target.s3_data_dir | trim).rstrip('/') ~ '/' ~ target.schema %}
        {% do zones.append(('the tables of schema ' ~ target.schema, schema_folder)) %}
    {% endif %}
    {% for name, zone in zones %}
        {% set zone_folder = zone.rstrip('/') ~ '/' %}
        {% for landing_folder in landing %}
            {% if zone_folder.startswith(landing_folder) or landing_folder.startswith(zone_folder) %}
                {{ exceptions.raise_compiler_error(
                    "Refusing to build: the S3 folder " ~ zone_folder ~ " of " ~ name
                    ~ " overlaps the landing folder " ~ landing_folder ~ ", and a build empties"
                    ~ " its table folders; point athena_zone_root (or s3_data_dir) and"
                    ~ " landing_root at folders apart."
                ) }}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
