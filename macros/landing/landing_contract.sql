{#
    The data contract of a landing table as models/landing/_landing__sources.yml declares it:
    `keys`, a list of {name, type} in declared order (the columns less the source's
    `lineage_columns`), `required_keys`, and `max_object_depth` (how deep objects may nest inside
    a line's object; landing_line_is_one_object). The loader (stedi_lakehouse/contract.py) reads the
    same declaration. Empty while dbt parses the project, when the graph is not built yet.
#}
{% macro landing_contract(table_name) %}
    {% set contract = {'keys': [], 'required_keys': [], 'max_object_depth': 0} %}
    {% if not execute %}{{ return(contract) }}{% endif %}
    {% set sources = (graph.get('sources') or {}).values() | selectattr('name', 'equalto', table_name) | list %}
    {% if not sources %}
        {{ exceptions.raise_compiler_error(
            "No landing source named " ~ table_name ~ " is in the graph; a unit test, built"
            ~ " without the graph, must give the contract in overrides.macros.landing_contract."
        ) }}
    {% endif %}
    {% set node = sources[0] %}
    {% set lineage = node.meta.get('lineage_columns', []) %}
    {% for column in node.columns.values() if column.name not in lineage %}
        {% do contract['keys'].append({'name': column.name, 'type': column.data_type}) %}
    {% endfor %}
    {% do contract['required_keys'].extend(node.meta.get('required_keys', [])) %}
    {% do contract.update({'max_object_depth': node.meta['max_object_depth']}) %}
    {{ return(contract) }}
{% endmacro %}
