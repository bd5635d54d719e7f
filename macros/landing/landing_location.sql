{% macro landing_location(node) %}
    {#- The rendered location of a source, checked once for every engine. -#}
    {% set location = node.external.location | trim | replace('\\', '/') %}
    {% if location.startswith('/') is false and '://' not in location %}
        {{ exceptions.raise_compiler_error(
            "The landing location '" ~ location ~ "' of " ~ node.identifier
            ~ " is not absolute: set STEDI_LANDING_ROOT or --vars 'landing_root: ...'"
            ~ " to an absolute path or a URI such as s3://bucket/prefix."
        ) }}
    {% endif %}
    {{ return(location.rstrip('/') ~ '/') }}
{% endmacro %}
