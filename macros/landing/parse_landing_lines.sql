{#
    The steps every `*_landing_parsed` model shares, generated from its source's landing
    contract (models/landing/_landing__sources.yml), as CTEs that end in `parsed_lines`: one row
    per line of the file versions landing_files_to_parse names, with

    - `source_file`, `source_file_modified_at`: the file version the line came from;
    - every key of the contract, named as declared and typed (contract_value), NULL when absent
      or when it does not fit its type;
    - `raw_line`: the line, for a quarantined line only (a valid line lives on in its typed
      columns; storing every line twice, personal data included, slowed the parse), up to the
      length the contract allows, bytes that are not UTF-8 as U+FFFD;
    - `rejection_reason`: why the line breaks the contract (the loader's words, docs/rules.md);
    - with `owner_key`, `owner_email`: whose line it is, lower case, read by pattern from a line
      that is not valid, so that an erasure finds such a line too. A line of a customer erased on
      request (erase_customer.py) keeps its lineage only, every key and the line NULL, under the
      reason 'customer erased on request', even from an old file delivered again.

    The files the loader certified (every line valid and plain, docs/loader.md) are read by
    Spark's JSON source, exactly as the strict parse would read them and several times faster.
#}
{% macro parse_landing_lines(source_table, owner_key=none) %}
    {%- set files = landing_files_to_parse(source_table) -%}
    {%- set contract = landing_contract(source_table) -%}
    {%- set owner_pattern = '(?i)"' ~ owner_key ~ '" *: *"([^"]*)"' -%}
    {%- set quoted_keys = [] -%}
    {%- for key in contract['keys'] %}{% do quoted_keys.append(adapter.quote(key.name)) %}{% endfor -%}
    {#- the keys as both branches of the union list them -#}
    {%- set key_columns = quoted_keys | join(',\n        ') -%}
    {%- set landing = source('stedi_landing', source_table) -%}
    {%- set records = landing if files.records == 'false'
        else landing.incorporate(path={'identifier': landing.identifier ~ '__records'}) -%}
    {#- bytes that are not UTF-8 as U+FFFD: Athena's text reader has replaced them already -#}
    {%- set valid_utf8 = 'make_valid_utf8(raw_line)' if target.type == 'spark' else 'raw_line' -%}
landing_lines as (
    select * from {{ landing }}
),

certified_records as (
    -- on Spark the view `<source>__records` over Spark's JSON source (create_landing_table); when
    -- no file is certified (another engine, a unit test), the source, of which no row is selected
    select * from {{ records }}
),
{% if owner_key %}
tombstones as (
    select distinct email_sha256 from {{ ref('erased_customers') }}
),
{% endif %}
lines_to_parse as (
    -- the lines of new file versions that are not certified: parsed here, strictly
    select
        source_file,
        source_file_modified_at,
        raw_line,
        {{ landing_line_problem('raw_line', source_table) }} as line_problem,
        {{ landing_json_object('raw_line', source_table) }} as line_object
    from landing_lines
    where {{ files.lines }}
),

keyed_lines as (
    select
        *,
        {{ case_insensitive_keys('line_object', 'raw_line') }} as record
    from lines_to_parse
),

judged_lines as (
    select
        source_file,
        source_file_modified_at,
        raw_line,
        {%- for key in contract['keys'] %}
        {{ contract_value(landing_json_value('record', key.name), key.type) }} as {{ adapter.quote(key.name) }},
        {%- endfor %}
        case
            when line_problem is not null then line_problem
            when line_object is null then 'not a JSON object'
            when record is null then 'a key appears twice (keys are case-insensitive)'
            {{ landing_rejection_checks(source_table, 'record') }}
        end as rejection_reason
    from keyed_lines
),

checked_lines as (
    select
        source_file,
        source_file_modified_at,
        {{ key_columns }},
        case
            when rejection_reason is not null
                then substring({{ valid_utf8 }}, 1, {{ contract['max_line_bytes'] }})
        end as raw_line,
        rejection_reason
        {%- if owner_key %},
        case
            when rejection_reason is not null then regexp_extract(raw_line, '{{ owner_pattern }}', 1)
        end as owner_in_line
        {%- endif %}
    from judged_lines
),

certified_lines as (
    select
        source_file,
        source_file_modified_at,
        {{ key_columns }},
        cast(null as {{ dbt.type_string() }}) as raw_line,
        cast(null as {{ dbt.type_string() }}) as rejection_reason
        {%- if owner_key %},
        cast(null as {{ dbt.type_string() }}) as owner_in_line
        {%- endif %}
    from certified_records
    where {{ files.records }}
),

all_lines as (
    select * from checked_lines
    union all
    select * from certified_lines
),
{% if owner_key %}
owned_lines as (
    select
        *,
        -- e-mails identify a customer in every dataset, matched case- and whitespace-insensitively
        coalesce(
            lower({{ blank_as_null(adapter.quote(owner_key)) }}),
            lower({{ blank_as_null('owner_in_line') }})
        ) as owner_email
    from all_lines
),

parsed_lines as (
    select
        owned_lines.source_file,
        owned_lines.source_file_modified_at,
        {%- for key in contract['keys'] %}
        if(tombstones.email_sha256 is null, owned_lines.{{ adapter.quote(key.name) }}, null)
            as {{ adapter.quote(key.name) }},
        {%- endfor %}
        if(tombstones.email_sha256 is null, owned_lines.raw_line, null) as raw_line,
        if(
            tombstones.email_sha256 is null, owned_lines.rejection_reason, 'customer erased on request'
        ) as rejection_reason,
        if(tombstones.email_sha256 is null, owned_lines.owner_email, null) as owner_email
    from owned_lines
    left join tombstones
        on {{ email_sha256('owned_lines.owner_email') }} = tombstones.email_sha256
)
{% else %}
parsed_lines as (
    select * from all_lines
)
{% endif %}
{%- endmacro %}
