"""The Athena SQL run on DuckDB over the landing files, standing in for Athena's Trino engine.

The SQL is translated by trino_to_duckdb.to_duckdb.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from tools.athena.aws_stand_in import SCHEMA
from tools.athena.model_contracts import contract_problems
from tools.athena.seeds import seed_csv_table
from tools.athena.statements import origin
from tools.athena.trino_to_duckdb import to_duckdb
from tools.layout import ZONE_TABLES, landing_files


def lines_stand_in(landing_root: Path, location: str) -> str:
    """A DuckDB query standing in for a raw-line external table over `location`.

    One row per line (Hadoop's line reader ends a line at LF, CRLF or CR), the empty line
    NULL ('serialization.null.format' = ''), `$path` the file, `$file_modified_time` its
    modification time and `$file_size` its size.
    """
    dataset = location.rstrip("/").split("/")[-2]
    files = [str(p) for p in landing_files(landing_root, dataset)]
    if not files:
        return (
            'select cast(null as varchar) as line, cast(null as varchar) as "$path", '
            'cast(null as timestamp) as "$file_modified_time", '
            'cast(null as bigint) as "$file_size" limit 0'
        )
    return (
        "select nullif(line, '') as line, filename as \"$path\", "
        'last_modified as "$file_modified_time", size as "$file_size" from ('
        "select filename, last_modified, size, "
        "unnest(regexp_split_to_array(content, '\\r\\n|\\r|\\n')) as line "
        f"from read_text({files!r}))"
    )


@dataclass
class Replay:
    """The outcome of running the Athena SQL on DuckDB over one landing set."""

    counts: dict[str, int | None]
    rejected: list[tuple[str, str]]
    problems: list[str]


def duckdb_statement(
    query: str, landing_root: Path, seeds: dict[str, Path] | None = None
) -> tuple[str, str] | None:
    """The DuckDB statement replaying an Athena statement of a build, and what it creates.

    A landing table of raw lines becomes a view over the landing files (lines_stand_in);
    dbt-athena's external CSV table of a seed (`<seed>__dbt_tmp`, over the file it uploaded)
    a table of the seed's file in `seeds` (seed_csv_table); a model's or seed's view or
    CREATE TABLE AS a view or table of DuckDB's, named as on Athena in the catalog
    `awsdatacatalog` (the schema SCHEMA when the statement names none). Return the DuckDB SQL
    and the relation's `"schema"."name"`; None for a statement with nothing to replay or that
    does not parse (the adapter-path check reports it).
    """
    try:
        expression = sqlglot.parse_one(query, read="athena")
    except (ParseError, TokenError):
        return None
    if not isinstance(expression, exp.Create):
        return None
    table = expression.this if isinstance(expression.this, exp.Table) else None
    table = table or expression.this.find(exp.Table)
    if table is None:
        return None
    kind = expression.args.get("kind", "").upper()
    relation = f'"{table.db or SCHEMA}"."{table.name}"'
    name = f"awsdatacatalog.{relation}"
    location = expression.find(exp.LocationProperty)
    node_id = origin(query)
    seed = node_id.split(".")[-1] if node_id.startswith("seed.") else ""
    if kind == "TABLE" and seed and table.name == f"{seed}__dbt_tmp":
        return seed_csv_table(name, expression, (seeds or {}).get(seed)), relation
    if kind == "TABLE" and table.name.endswith("__lines") and location:
        stand_in = lines_stand_in(landing_root, location.this.name)
        return f"create or replace view {name} as {stand_in}", relation
    if kind == "VIEW" and expression.expression is not None:
        return f"create or replace view {name} as {to_duckdb(expression.expression)}", relation
    if (
        kind == "TABLE"
        and expression.expression is not None
        and node_id.startswith(("model.", "seed."))
    ):
        return f"create or replace table {name} as {to_duckdb(expression.expression)}", relation
    return None


def duckdb_catalog() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the catalog `awsdatacatalog` and its schema SCHEMA."""
    con = duckdb.connect()
    con.execute("attach ':memory:' as awsdatacatalog")
    con.execute(f"create schema awsdatacatalog.{SCHEMA}")
    return con


def build_in_duckdb(
    statements: list[dict[str, str]], landing_root: Path, seeds: dict[str, Path] | None = None
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """Run the landing views and the models' and seeds' CREATE TABLE AS on DuckDB.

    The tables and views land in the schema SCHEMA of the catalog `awsdatacatalog`
    (duckdb_statement; `seeds` are the seeds' files). Return the connection and the
    statements DuckDB could not run.
    """
    con = duckdb_catalog()
    problems: list[str] = []
    for statement in statements:
        replayed = duckdb_statement(statement["query"], landing_root, seeds)
        if replayed is None:
            continue
        try:
            con.execute(replayed[0])
        except duckdb.Error as error:
            first = str(error).splitlines()[0]
            problems.append(f"DuckDB could not run {origin(statement['query'])}: {first}")
    return con, problems


def replay_in_duckdb(
    statements: list[dict[str, str]],
    landing_root: Path,
    contracts: dict[str, dict[str, str]] | None = None,
    seeds: dict[str, Path] | None = None,
) -> Replay:
    """Build on DuckDB (build_in_duckdb) and count: a table that was not built is missing.

    Return the zone counts, the (dataset, rejection_reason) rows of the quarantine, and the
    statements DuckDB could not run or tables that break their model contract (`contracts`,
    model_contracts.py).
    """
    con, problems = build_in_duckdb(statements, landing_root, seeds)
    problems += contract_problems(con, contracts or {})
    counts: dict[str, int | None] = {}
    for zone_table in ZONE_TABLES:
        try:
            row = con.execute(f'select count(*) from awsdatacatalog."{SCHEMA}"."{zone_table}"')
            counts[zone_table] = int(row.fetchone()[0])  # type: ignore[index]
        except duckdb.CatalogException:
            counts[zone_table] = None
    rejected: list[tuple[str, str]] = []
    if counts["landing_rejected_records"] is not None:
        rows = con.execute(
            "select dataset, rejection_reason "
            f'from awsdatacatalog."{SCHEMA}".landing_rejected_records order by 1, 2 limit 1000'
        ).fetchall()
        rejected = [(str(dataset), str(reason)) for dataset, reason in rows]
    return Replay(counts, rejected, problems)
