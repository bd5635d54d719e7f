{#
    The data contract of a landing table as models/landing/_landing__sources.yml declares it:
    `keys`, a list of {name, type, time} in declared order (the columns less the source's
    `lineage_columns`; `time` is the column's meta `time`, `epoch_ms` or `epoch_ms_or_zero`, or
    none), `required_keys`, `max_nesting_depth` (how deep objects and arrays may nest inside a
    line's object; landing_json_object), `max_line_bytes` (longer lines are not parsed)
    and `plausible_times` ({from, until} in epoch milliseconds). The loader
    (stedi_lakehouse/shared/contract.py) reads the same declaration. Empty while dbt parses the
    project, when the graph is not built yet.
#}
{% macro landing_contract(table_name) %}
    {% set contract = {
        'keys': [], 'required_keys': [], 'max_nesting_depth': 0, 'max_line_bytes': 0,
        'plausible_times': {'from': 0, 'until': 0}
    } %}
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
        {% do contract['keys'].append({
            'name': column.name, 'type': column.data_type, 'time': column.meta.get('time')
        }) %}
    {% endfor %}
    {% do contract['required_keys'].extend(node.meta.get('required_keys', [])) %}
    {% set epoch = modules.datetime.datetime(1970, 1, 1) %}
    {% set times = {} %}
    {% for bound, day in node.meta['plausible_times'].items() %}
        {% set since = modules.datetime.datetime.strptime(day ~ '', '%Y-%m-%d') - epoch %}
        {% do times.update({bound: (since.days * 86400000) | int}) %}
    {% endfor %}
    {% do contract.update({
        'max_nesting_depth': node.meta['max_nesting_depth'],
        'max_line_bytes': node.meta['max_line_bytes'],
        'plausible_times': times,
    }) %}
    {{ return(contract) }}
{% endmacro %}
