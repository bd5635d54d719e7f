"""The seeds of a build, for the DuckDB replay: their files, and dbt-athena's CSV table of each."""

from __future__ import annotations

import json
from pathlib import Path

from sqlglot import exp


def seed_files(manifest: Path) -> dict[str, Path]:
    """The CSV file of each seed of a build, by seed name, from its manifest."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        node["name"]: Path(node["root_path"]) / node["original_file_path"]
        for node in nodes
        if node["resource_type"] == "seed"
    }


def seed_csv_table(name: str, create: exp.Create, csv_file: Path | None) -> str:
    """DuckDB SQL of dbt-athena's external CSV table of a seed: the seed's file, as text.

    Without the file (a replay that was given no manifest), the table is empty, with the
    columns that the statement declares.
    """
    if csv_file is not None:
        return (
            f"create or replace table {name} as "
            f"select * from read_csv({str(csv_file)!r}, header = true, all_varchar = true)"
        )
    columns = [
        column.name for column in create.this.expressions if isinstance(column, exp.ColumnDef)
    ]
    return f"create or replace table {name} ({', '.join(f'{c} varchar' for c in columns)})"
