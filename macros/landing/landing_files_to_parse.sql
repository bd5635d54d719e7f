{#
    The files a `*_landing_parsed` model parses, as two SQL conditions on `source_file`:
    `lines`, the files it parses line by line (strictly, from the source), and `records`, the
    files the loader certified (every line valid and plain, docs/loader.md), which Spark's JSON
    source reads exactly as the strict parse would, several times faster (parse_landing_lines).
    The build runner lists the certified files from the files themselves, for the current
    contract, in a file of JSON lines that $STEDI_CERTIFIED_FILES names (`only` those or every
    file `except` some, whichever is shorter), read here through Spark's text source, however
    many there are; var `fast_path: false` parses every file strictly.

    An incremental build parses only the file versions (path and modification time) the model
    has not parsed yet. Their paths are listed first from the source's file list, which reads no
    line, and written into the query as literals, so Spark skips every other file by its path
    (at 100 times the starter data, 0.3 s against 2.7 s to count one accelerometer file's
    lines). A listed path is a file whose current version is unparsed, so all its lines are new.
#}
{% macro landing_files_to_parse(source_table) %}
    {#- the build runner names the certified files `only`, or every file `except` some -#}
    {% set fast = {} %}
    {% set listed = env_var('STEDI_CERTIFIED_FILES', '') %}
    {#- the list is a file on this machine: a Spark driver elsewhere parses every file strictly -#}
    {% set driver_here = target.method == 'session' or target.host in ['127.0.0.1', 'localhost'] %}
    {% if execute and listed and target.type == 'spark' and driver_here and var('fast_path', true) %}
        {% set certified %}
            select get_json_object(value, '$.mode'), get_json_object(value, '$.path')
            from text.`file:{{ listed | replace('`', '``') }}`
            where get_json_object(value, '$.dataset') = '{{ source_table | replace('_landing', '') }}'
        {% endset %}
        {% for row in run_query(certified).rows %}
            {% set paths = fast.setdefault(row[0], []) %}
            {% if row[1] is not none %}{% do paths.append(row[1]) %}{% endif %}
        {% endfor %}
    {% endif %}
    {% if not fast %}{% set fast = {'only': []} %}{% endif %}
    {% if not is_incremental() %}
        {% if 'except' in fast %}
            {{ return({
                'lines': landing_file_filter(fast['except']),
                'records': landing_file_filter(fast['except'], negate=true),
            }) }}
        {% endif %}
        {{ return({
            'lines': landing_file_filter(fast['only'], negate=true),
            'records': landing_file_filter(fast['only']),
        }) }}
    {% endif %}
    {% set new_paths = [] %}
    {% if execute %}
        {% set unparsed %}
            select files.{{ adapter.quote('path') }}
            from {{ landing_file_list(source_table) }} as files
            left anti join (
                select distinct
                    source_file,
                    source_file_modified_at
                from {{ this }}
            ) as parsed_files
                on
                    files.{{ adapter.quote('path') }} = parsed_files.source_file
                    and files.{{ adapter.quote('modificationTime') }} = parsed_files.source_file_modified_at
        {% endset %}
        {% set new_paths = run_query(unparsed).columns[0].values() | list %}
    {% endif %}
    {% if 'except' in fast %}
        {% set certified = new_paths | reject('in', fast['except']) | list %}
    {% else %}
        {% set certified = new_paths | select('in', fast['only']) | list %}
    {% endif %}
    {{ return({
        'lines': landing_file_filter(new_paths | reject('in', certified) | list),
        'records': landing_file_filter(certified),
    }) }}
{% endmacro %}


{#- `source_file in (...)` of the given paths as Spark SQL literals; false when there is none. -#}
{% macro landing_file_filter(paths, negate=false) -%}
    {%- if not paths -%}
        {{ 'true' if negate else 'false' }}
    {%- else -%}
        source_file {{ 'not ' if negate }}in (
            {%- for path in paths %}
            '{{ path | replace("\\", "\\\\") | replace("'", "\\'") }}'{{ "," if not loop.last }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}
