"""The model contracts on the Athena SQL, checked on the tables DuckDB builds from it.

Each contracted table must have exactly the columns and types its YAML declares. On
athena_local, dbt's own contract check reads the columns of two queries from moto's answers,
and moto executes no SQL, so that check compares nothing; the DuckDB replay has the tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tools.athena.aws_stand_in import SCHEMA
from tools.athena.glue_catalog import hive_type

# the YAML writes Spark's names; these are the same types under Hive's DDL names
SPARK_TO_HIVE = {"integer": "int", "varchar": "string", "long": "bigint"}


def declared_contracts(manifest: Path) -> dict[str, dict[str, str]]:
    """Column name -> Hive type of every model whose contract is enforced, by table name."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        node["alias"]: {
            name.lower(): SPARK_TO_HIVE.get(str(column["data_type"]).lower().strip(), "")
            or str(column["data_type"]).lower().strip()
            for name, column in node["columns"].items()
        }
        for node in nodes
        if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
    }


def contract_problems(
    con: duckdb.DuckDBPyConnection, contracts: dict[str, dict[str, str]]
) -> list[str]:
    """One line per contracted table whose built columns differ from its declaration."""
    problems = []
    for table, declared in sorted(contracts.items()):
        try:
            described = con.execute(f'describe awsdatacatalog."{SCHEMA}"."{table}"').fetchall()
        except duckdb.CatalogException:
            continue  # not built: the zone counts report it as missing
        built = {str(row[0]).lower(): hive_type(str(row[1])) for row in described}
        if built != declared:
            extra = sorted(set(built) - set(declared))
            missing = sorted(set(declared) - set(built))
            retyped = sorted(c for c in set(built) & set(declared) if built[c] != declared[c])
            problems.append(
                f"{table} breaks its model contract: columns not declared {extra}, declared "
                f"but not built {missing}, other types {[(c, built[c]) for c in retyped]}"
            )
    return problems
