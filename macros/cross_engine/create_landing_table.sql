{#- The external tables over one landing source, in each engine's DDL. -#}
{% macro create_landing_table(node) %}
    {{ return(adapter.dispatch('create_landing_table', 'stedi_lakehouse')(node)) }}
{% endmacro %}

{#
    Spark: an external text table over the delivered files keeps every line as it is, and a
    view of the same name as the source exposes it with the typed columns of the contract.
    Spark's JSON reader does not read those lines because, with a declared schema, it matches
    keys case-sensitively (`timeStamp` would read as NULL) and turns malformed lines into NULLs.
    It does read, as `<source>__records`, the files the loader certified (every line valid and
    plain, docs/loader.md): for them it reads exactly what the contract reads, several times
    faster. `<source>__files` lists the delivered files (path, modification time, size) with
    Spark's binaryFile source, which reads no file content unless asked: a build learns which
    files are in the landing zone without reading a line. Dropping an external table leaves its
    files alone. The statements are run only when they differ from those of the last staging,
    whose signature the view keeps: staging costs nothing when nothing changed.
#}
{% macro spark__create_landing_table(node) %}
    {% set location = landing_location(node) %}
    {% set schema = adapter.quote(node.schema) %}
    {% set named = {} %}
    {% for suffix in ['', '__lines', '__files', '__json', '__records'] %}
        {% do named.update({suffix: schema ~ '.' ~ adapter.quote(node.identifier ~ suffix)}) %}
    {% endfor %}
    {% set typed_columns = landing_contract(node.name)['keys'] %}
    {% set folder = "location '" ~ (location | replace("'", "\\'")) ~ "'" %}
    {#- _metadata.file_path is a URI, percent-encoded (a space is %20); the file list (binaryFile's
        path) is not: decoded, both name a file alike. A `+` is kept as it is, which url_decode
        would read as a space. -#}
    {% set source_file = "url_decode(replace(_metadata.file_path, '+', '%2B'))" %}
    {% set statements = [
        'create table ' ~ named['__lines'] ~ ' (value string) using text ' ~ folder,
        'create table ' ~ named['__files'] ~ ' using binaryFile ' ~ folder,
    ] %}
    {% set json_columns = [] %}
    {% for column in typed_columns %}
        {% do json_columns.append(adapter.quote(column.name) ~ ' ' ~ column.type) %}
    {% endfor %}
    {% do statements.append(
        'create table ' ~ named['__json'] ~ ' (' ~ json_columns | join(', ') ~ ') using json ' ~ folder
    ) %}
    {% set records %}
        create view {{ named['__records'] }} as
        select
            {{ source_file }} as source_file,
            _metadata.file_modification_time as source_file_modified_at
            {%- for column in typed_columns %},
            {{ adapter.quote(column.name) }}
            {%- endfor %}
        from {{ named['__json'] }}
    {% endset %}
    {% do statements.append(records) %}
    {% set landing_view %}
        create view {{ named[''] }} as
        with
        lines as (
            select
                {{ source_file }} as source_file,
                _metadata.file_modification_time as source_file_modified_at,
                value as raw_line,
                {{ case_insensitive_keys(landing_json_object('value', node.name), 'value') }} as record
            from {{ named['__lines'] }}
            -- a line of white space only (e.g. after a final CRLF) is no record; a line that
            -- begins with a brace, as nearly all do, needs no trimming to tell
            where startswith(value, '{') or btrim(value, {{ spark_white_space() }}) != ''
        )
        select
            source_file,
            source_file_modified_at,
            raw_line
            {%- for column in typed_columns %},
            {{ contract_value(landing_json_value('record', column.name), column.type) }}
                as {{ adapter.quote(column.name) }}
            {%- endfor %}
        from lines
    {% endset %}
    {% set signature = local_md5(statements | join(';') ~ landing_view) %}

    {% do run_query('create schema if not exists ' ~ schema) %}
    {% set existing = adapter.get_relation(node.database, node.schema, node.identifier) %}
    {% if existing is not none %}
        {% set kept = run_query("show tblproperties " ~ named[''] ~ " ('stedi.signature')") %}
        {% if kept.rows and kept.rows[0][-1] == signature %}
            {{ return(none) }}
        {% endif %}
    {% endif %}
    {% for suffix in ['', '__records'] %}
        {% do run_query('drop view if exists ' ~ named[suffix]) %}
    {% endfor %}
    {% for suffix in ['__lines', '__files', '__json'] %}
        {% do run_query('drop table if exists ' ~ named[suffix]) %}
    {% endfor %}
    {% for ddl in statements %}
        {% call statement('create_landing_table') %}{{ ddl }}{% endcall %}
    {% endfor %}
    {% call statement('create_landing_view') %}
        {{ landing_view | replace(
            'create view ' ~ named[''] ~ ' as',
            'create view ' ~ named[''] ~ " tblproperties ('stedi.signature' = '" ~ signature ~ "') as", 1
        ) }}
    {% endcall %}
{% endmacro %}

{#
    Athena: three objects per source, all over `{landing_root}/<dataset>/landing/` in S3.

    - `<source>__lines`: every line as it is, one string column (LazySimpleSerDe, whose field
      delimiter \001 never occurs in JSON text). The landing models parse these lines, so a
      malformed line is quarantined in landing_rejected_records exactly as on Spark.
    - `<source>__json`: the typed table that people who query the landing zone know from Glue,
      read by the OpenX JSON SerDe with keys matched case-insensitively (`timeStamp` reads as
      `timestamp`). `ignore.malformed.json` makes a malformed line a row of NULLs instead of
      failing the query; the line itself is in landing_rejected_records.
    - `<source>__files`, a view: the delivered files with the columns of Spark's binaryFile
      source (`path`, `modificationTime`, `length`), so landing_file_versions reads the same
      on both engines. Athena reads the lines to list them; it bills by the bytes scanned.
    - `<source>`, a view: `source_file` ("$path"), `raw_line` and the typed columns of the
      contract, parsed from the raw line like the Spark view.

    Dropping an external table leaves its files alone. Hive DDL (backticks) for the tables,
    Trino SQL (double quotes) for the view: Athena runs them on different engines.
#}
{% macro athena__create_landing_table(node) %}
    {% set location = landing_location(node) %}
    {% set landing_view = api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.identifier, type='view') %}
    {% set lines_table = landing_view.incorporate(path={'identifier': node.identifier ~ '__lines'}, type='table') %}
    {% set files_view = landing_view.incorporate(path={'identifier': node.identifier ~ '__files'}) %}
    {% set json_table = landing_view.incorporate(path={'identifier': node.identifier ~ '__json'}, type='table') %}
    {% set typed_columns = landing_contract(node.name)['keys'] %}

    {% do adapter.create_schema(landing_view) %}
    {% call statement('drop_landing_view') %}drop view if exists {{ landing_view }}{% endcall %}
    {% call statement('drop_files_view') %}drop view if exists {{ files_view }}{% endcall %}
    {% call statement('drop_lines_table') %}drop table if exists {{ lines_table.render_hive() }}{% endcall %}
    {% call statement('drop_json_table') %}drop table if exists {{ json_table.render_hive() }}{% endcall %}

    {% call statement('create_lines_table') %}
        create external table {{ lines_table.render_hive() }} (
            `line` string
        )
        row format delimited
            fields terminated by '\001'
        stored as textfile
        location '{{ location }}'
        tblproperties ('serialization.null.format' = '')
    {% endcall %}

    {% call statement('create_json_table') %}
        create external table {{ json_table.render_hive() }} (
            {%- for column in typed_columns %}
            `{{ column.name }}` {{ ddl_data_type(column.type) }}{{ "," if not loop.last }}
            {%- endfor %}
        )
        row format serde 'org.openx.data.jsonserde.JsonSerDe'
        with serdeproperties (
            'ignore.malformed.json' = 'true',
            'case.insensitive' = 'true',
            'dots.in.keys' = 'false'
        )
        stored as textfile
        location '{{ location }}'
        tblproperties ('classification' = 'json')
    {% endcall %}

    {% call statement('create_files_view') %}
        create or replace view {{ files_view }} as
        select distinct
            "$path" as "path",
            cast("$file_modified_time" as timestamp) as "modificationtime",
            "$file_size" as "length"
        from {{ lines_table }}
    {% endcall %}

    {% call statement('create_landing_view') %}
        create or replace view {{ landing_view }} as
        with
        lines as (
            select
                "$path" as source_file,
                cast("$file_modified_time" as timestamp) as source_file_modified_at,
                line as raw_line,
                {{ case_insensitive_keys(landing_json_object('line', node.name), 'line') }} as record
            from {{ lines_table }}
            -- a line of white space only (e.g. after a final CRLF) is no record, as on Spark
            where regexp_like(line, '\S')
        )
        select
            source_file,
            source_file_modified_at,
            raw_line
            {%- for column in typed_columns %},
            {{ contract_value(landing_json_value('record', column.name), column.type) }}
                as "{{ column.name }}"
            {%- endfor %}
        from lines
    {% endcall %}
{% endmacro %}
