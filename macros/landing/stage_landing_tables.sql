{#
    Create or refresh the landing zone's external tables from the `external:` blocks of the
    sources in models/landing/_landing__sources.yml (the dbt-external-tables convention).

        dbt run-operation stage_landing_tables
        dbt run-operation stage_landing_tables --args '{source_names: [stedi_landing]}'

    Each engine's statements live in a dispatched `create_landing_table` macro, so a new engine
    needs a new implementation here and nothing in the models.
#}
{% macro stage_landing_tables(source_names=none) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set staged = [] %}
    {% for node in graph.sources.values() | sort(attribute='unique_id') %}
        {% if node.external and node.external.location
            and (source_names is none or node.source_name in source_names) %}
            {% do create_landing_table(node) %}
            {% do staged.append(node.identifier) %}
        {% endif %}
    {% endfor %}
    {% if not staged %}
        {{ exceptions.raise_compiler_error("No source with an `external:` block to stage.") }}
    {% endif %}
    {{ log("Staged landing tables: " ~ staged | join(", "), info=true) }}
{% endmacro %}
