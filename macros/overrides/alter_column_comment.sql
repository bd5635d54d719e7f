{#
    dbt's alter_column_comment for Spark, which persist_docs calls after a table is written
    (its dispatcher is dbt's; dbt_project.yml puts this project first in dbt's search order).
    dbt-spark's writes comments on Delta, Hudi and Iceberg tables only; this one also writes
    them on this project's Parquet tables, where Spark changes a column's comment one column
    per statement (ALTER COLUMN in bulk is refused on them), so only the comments that differ
    from the table's are written: an incremental table keeps its comments from build to build.
    A partition column takes no comment on Spark; its description is in the docs. The comment
    is the description on one line, as dbt-athena writes it to Glue, in a Spark string literal:
    a backslash and an apostrophe are escaped with a backslash (Spark does not read '' as an
    apostrophe). The table's own comment is dbt-spark's comment clause of CREATE TABLE AS.
#}
{% macro spark__alter_column_comment(relation, column_dict) %}
    {% set partitions = config.get('partition_by') or [] %}
    {% set written = {} %}
    {% for row in run_query('describe table ' ~ relation) %}
        {% if row[0] and not row[0].startswith('#') %}{% do written.update({row[0]: row[2]}) %}{% endif %}
    {% endfor %}
    {% for column_name in column_dict if column_name not in partitions %}
        {% set column = column_dict[column_name] %}
        {% set lines = column['description'].split('\n') | map('trim') | reject('equalto', '') %}
        {% set text = lines | join(' ') %}
        {% if written.get(column_name) != text %}
            {% set comment = text | replace('\\', '\\\\') | replace("'", "\\'") %}
            {% set name = adapter.quote(column_name) if column['quote'] else column_name %}
            {% do run_query('alter table ' ~ relation ~ ' change column ' ~ name ~ " comment '" ~ comment ~ "'") %}
        {% endif %}
    {% endfor %}
{% endmacro %}
