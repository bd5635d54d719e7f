"""The Glue catalog that a build leaves on Athena, rebuilt on moto from DuckDB's column types.

Athena's DDL writes each table and view of a build into Glue, with Hive's type names; moto
executes no DDL, so its Glue stays empty. dbt's unit tests read the columns of their inputs
from Glue, so before they run, the contract registers there the tables and views that the
DuckDB replay of the build's SQL created, typed as Athena would have typed them. After a
build, the trusted and curated tables there must carry the descriptions of the models' YAML
(persisted_docs_problems), which dbt-athena's persist_docs writes to Glue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import duckdb

from tools.fake_aws import REGION

# DuckDB's type names -> Hive's, which Athena writes to Glue (its DDL names)
HIVE_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "BLOB": "binary",
    "JSON": "string",
}
QUOTE = '"'
# DuckDB's type names -> Trino's, which Athena names in a query result's metadata
TRINO_TYPES = {
    "VARCHAR": "varchar",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "BLOB": "varbinary",
    "JSON": "json",
}


def _split_top_level(text: str) -> list[str]:
    """Split `a, b(c, d), e` at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for position, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    return [*parts, text[start:].strip()]


def hive_type(duckdb_type: str) -> str:
    """The Glue (Hive) type of a DuckDB column type; ValueError for one Athena cannot store."""
    name = duckdb_type.strip().upper()
    if name in HIVE_TYPES:
        return HIVE_TYPES[name]
    if name.startswith("TIMESTAMP"):  # Athena's Hive tables keep milliseconds as `timestamp`
        return "timestamp"
    if match := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", name):
        return f"decimal({match.group(1)},{match.group(2)})"
    if name.endswith("[]"):
        return f"array<{hive_type(duckdb_type.strip()[:-2])}>"
    if name.startswith("MAP(") and name.endswith(")"):
        key, value = _split_top_level(duckdb_type.strip()[4:-1])
        return f"map<{hive_type(key)},{hive_type(value)}>"
    if name.startswith("STRUCT(") and name.endswith(")"):
        fields = [f.split(" ", 1) for f in _split_top_level(duckdb_type.strip()[7:-1])]
        return "struct<" + ",".join(f"{n.strip(QUOTE)}:{hive_type(t)}" for n, t in fields) + ">"
    raise ValueError(f"no Glue type for DuckDB's {duckdb_type}")


def trino_type(duckdb_type: str) -> str:
    """The Trino type name that Athena gives a result column of this DuckDB type."""
    name = duckdb_type.strip().upper()
    if name.startswith("TIMESTAMP"):
        return "timestamp"
    if name.startswith("DECIMAL"):
        return "decimal"
    if name.endswith("[]"):
        return "array"
    if name.startswith(("MAP(", "STRUCT(")):
        return "map" if name.startswith("MAP(") else "row"
    return TRINO_TYPES.get(name, "varchar")


def glue_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[dict[str, str]]:
    """The Glue columns of a DuckDB relation or query: lower-case names, as Glue keeps them."""
    described = con.execute(f"describe {relation}").fetchall()
    return [{"Name": str(row[0]).lower(), "Type": hive_type(str(row[1]))} for row in described]


def table_input(name: str, columns: list[dict[str, str]], location: str, view: bool) -> dict:
    """A Glue TableInput like the one Athena writes for a Parquet table or a view."""
    if view:
        return {
            "Name": name,
            "TableType": "VIRTUAL_VIEW",
            "Parameters": {"presto_view": "true"},
            "StorageDescriptor": {"Columns": columns, "Location": ""},
        }
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": (
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                )
            },
        },
    }


def register_catalog(
    con: duckdb.DuckDBPyConnection, schema: str, s3_data_dir: str, names: set[str]
) -> list[str]:
    """Register in (moto's) Glue the named tables and views of DuckDB's awsdatacatalog.

    The database is created as Athena's `create schema` does; tables get their folder under
    `s3_data_dir` (the zone tables' own folders do not matter to a unit test). Return the
    names registered.
    """
    glue = boto3.client("glue", region_name=REGION)
    if schema not in [db["Name"] for db in glue.get_databases()["DatabaseList"]]:
        glue.create_database(DatabaseInput={"Name": schema})
    existing = {t["Name"] for t in glue.get_tables(DatabaseName=schema)["TableList"]}
    relations = con.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_catalog = 'awsdatacatalog' and table_schema = ? order by 1",
        [schema],
    ).fetchall()
    registered = []
    for name, kind in relations:
        if name not in names:
            continue
        columns = glue_columns(con, f'awsdatacatalog."{schema}"."{name}"')
        location = f"{s3_data_dir.rstrip('/')}/{schema}/{name}"
        if name in existing:
            glue.delete_table(DatabaseName=schema, Name=name)
        glue.create_table(
            DatabaseName=schema, TableInput=table_input(name, columns, location, kind == "VIEW")
        )
        registered.append(name)
    return registered


def persisted_docs_problems(
    manifest_file: Path, schema: str, zones: tuple[str, ...] = ("trusted", "curated")
) -> tuple[int, int, list[str]]:
    """Check that the Glue table of each model of the zones carries the model's descriptions.

    dbt-athena's persist_docs writes a model's description to its table's Description and
    `comment` parameter, and each column's to the column's Comment, on one line and cut to
    Glue's lengths (its own clean_sql_comment and ellipsis_comment). Return the tables and the
    columns checked, and the problems.
    """
    from dbt.adapters.athena.utils import clean_sql_comment, ellipsis_comment

    manifest = json.loads(manifest_file.read_text())
    glue = boto3.client("glue", region_name=REGION)
    tables, columns, problems = 0, 0, []
    for node in manifest["nodes"].values():
        # the zone tables: the models of the zone folders themselves, not of their steps/
        if node["resource_type"] != "model" or node["fqn"][1:-1] not in [[zone] for zone in zones]:
            continue
        name, tables = node["alias"], tables + 1
        try:
            table = glue.get_table(DatabaseName=schema, Name=name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            problems.append(f"{name}: no Glue table holds its descriptions")
            continue
        description = ellipsis_comment(clean_sql_comment(node["description"]), 2048)
        written = (table.get("Description"), table.get("Parameters", {}).get("comment"))
        if written != (description, description):
            problems.append(f"{name}: its Glue table lacks the model's description")
        comments = {c["Name"]: c.get("Comment") for c in table["StorageDescriptor"]["Columns"]}
        for column in node["columns"].values():
            columns += 1
            comment = ellipsis_comment(clean_sql_comment(column["description"]), 255)
            if comments.get(column["name"]) != comment:
                problems.append(f"{name}.{column['name']}: its Glue column lacks its description")
    return tables, columns, problems
