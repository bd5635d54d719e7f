"""moto answering as Athena would: the unit tests' queries on DuckDB, a build's tables in Glue.

moto records every query and executes none: its CREATE TABLE AS registers no table in Glue and
its SELECT returns no row. dbt's unit-test materialization needs both. It creates an empty
table `<model>__dbt_tmp` with CREATE TABLE AS over the model's SQL on the fixtures, reads that
table's columns from Glue (to type the expected rows), then runs one SELECT of the actual and
the expected rows and compares them. While `answering_unit_tests()` is active, each query whose
query comment names a `unit_test.` node is also run on DuckDB, through the contract's
translation of Athena's SQL (trino_to_duckdb.to_duckdb): a CREATE TABLE AS registers its table in
moto's Glue with the columns DuckDB gives it (Hive's type names, as Athena's DDL writes them),
and a SELECT gets DuckDB's rows as its result (Trino's type names, as Athena returns them).

While moto stands in (aws_stand_in.moto_athena), `registering_tables()` gives moto's Glue
what Athena's DDL would leave there after each model's CREATE TABLE AS or view: its table,
with the columns DuckDB gives the statement. dbt-athena reads and updates that table after
writing it (persist_docs: get_table, update_table), and the contract then checks the
descriptions it wrote.

Only the answers are added: what dbt sends, and what moto records, stays as it is. Each hook
wraps moto's own backend method for the block (moto runs in this process) and restores it.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from tools.athena.duckdb_replay import duckdb_catalog, duckdb_statement
from tools.athena.glue_catalog import glue_columns, table_input, trino_type
from tools.athena.statements import origin
from tools.athena.trino_to_duckdb import to_duckdb

UNIT_TEST_PREFIX = "unit_test."
MODEL_PREFIX = "model."
# the relation a CREATE TABLE AS or view of dbt-athena writes, and a table's folder
CREATED = re.compile(
    r'(?im)^\s*create\s+(?:or\s+replace\s+)?(table|view)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))*)'
)
LOCATION = re.compile(r"(?i)external_location\s*=\s*'([^']*)'")


def _text(value: object) -> dict[str, str]:
    """A value as Athena's GetQueryResults gives it: text, or no VarCharValue for NULL."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"VarCharValue": str(value).lower()}
    if isinstance(value, datetime.datetime):
        return {"VarCharValue": value.isoformat(sep=" ", timespec="milliseconds")}
    return {"VarCharValue": str(value)}


def _location(create: exp.Create) -> str:
    """The external_location of a CREATE TABLE AS, or '' when it names none."""
    properties = create.find(exp.Properties)
    items = properties.expressions if properties else []
    return next((i.text("value") for i in items if i.name.lower() == "external_location"), "")


def register(backend: Any, database: str, entry: dict[str, Any], replace: bool = False) -> None:
    """Register a Glue TableInput in moto's Glue, its database too if new, as Athena's DDL does.

    An existing table is replaced when `replace` (CREATE OR REPLACE VIEW); otherwise it raises
    moto's AlreadyExists error, as Athena refuses that statement.
    """
    from moto.glue.models import glue_backends

    glue = glue_backends[backend.account_id][backend.region_name]
    if database not in glue.databases:
        glue.create_database(database, {"Name": database})
    if replace and entry["Name"] in glue.databases[database].tables:
        glue.delete_table(database, entry["Name"])
    glue.create_table(database, entry["Name"], entry)


def create_table_as(backend: Any, create: exp.Create) -> None:
    """Register the table of a CREATE TABLE AS in moto's Glue, typed by DuckDB."""
    table = create.this if isinstance(create.this, exp.Table) else create.this.find(exp.Table)
    columns = glue_columns(duckdb.connect(), to_duckdb(create.expression))
    register(backend, table.db, table_input(table.name, columns, _location(create), view=False))


def select_results(query: exp.Query) -> Any:
    """DuckDB's rows of a SELECT as moto's QueryResults, header row first as Athena's."""
    from moto.athena.models import QueryResults

    cursor = duckdb.connect().execute(to_duckdb(query))
    names = [str(d[0]) for d in cursor.description]
    types = [trino_type(str(d[1])) for d in cursor.description]
    column_info = [
        {
            "CatalogName": "hive",
            "Name": name,
            "Label": name,
            "Type": type_name,
            "Precision": 0,
            "Scale": 0,
            "Nullable": "UNKNOWN",
            "CaseSensitive": type_name == "varchar",
        }
        for name, type_name in zip(names, types, strict=True)
    ]
    header = {"Data": [{"VarCharValue": name} for name in names]}
    rows = [{"Data": [_text(v) for v in row]} for row in cursor.fetchall()]
    return QueryResults(rows=[header, *rows], column_info=column_info)


def answer(backend: Any, execution_id: str, query: str) -> None:
    """Run a unit test's query on DuckDB and give moto its effect or its rows."""
    expression = sqlglot.parse_one(query, read="athena")
    if isinstance(expression, exp.Create) and isinstance(expression.expression, exp.Query):
        create_table_as(backend, expression)
    elif isinstance(expression, exp.Query):
        backend.query_results[execution_id] = select_results(expression)


@contextlib.contextmanager
def answering_unit_tests() -> Iterator[list[str]]:
    """Let moto's Athena answer the unit tests' queries on DuckDB in the block.

    Yield a list that fills with the queries DuckDB could not answer (dbt then fails the
    unit test, for want of columns or rows).
    """
    from moto.athena.models import AthenaBackend
    from moto.glue.exceptions import GlueClientError

    original = AthenaBackend.start_query_execution
    problems: list[str] = []

    def start_query_execution(self: Any, query: str, *args: Any, **kwargs: Any) -> str:
        execution_id = original(self, query, *args, **kwargs)
        if origin(query).startswith(UNIT_TEST_PREFIX):
            try:
                answer(self, execution_id, query)
            except (duckdb.Error, ParseError, TokenError, ValueError, GlueClientError) as error:
                first = str(error).splitlines()[0][:200]
                problems.append(f"{origin(query)}: DuckDB could not answer a query: {first}")
        return execution_id

    AthenaBackend.start_query_execution = start_query_execution  # type: ignore[method-assign]
    try:
        yield problems
    finally:
        AthenaBackend.start_query_execution = original  # type: ignore[method-assign]


def register_model_relation(
    backend: Any, con: duckdb.DuckDBPyConnection, query: str, landing_root: Path
) -> None:
    """Replay a statement on DuckDB; when it creates a model's relation, register it in Glue.

    The relation's columns are those DuckDB gives it, none when DuckDB cannot run it.
    """
    replayed = duckdb_statement(query, landing_root)
    columns: list[dict[str, str]] = []
    if replayed is not None:
        with contextlib.suppress(duckdb.Error, ValueError):
            con.execute(f"create schema if not exists awsdatacatalog.{replayed[1].split('.')[0]}")
            con.execute(replayed[0])
            columns = glue_columns(con, f"awsdatacatalog.{replayed[1]}")
    created = CREATED.search(query)
    if not (origin(query).startswith(MODEL_PREFIX) and created):
        return
    parts = [part.strip('"') for part in created.group(2).split(".")]
    if len(parts) < 2:  # dbt-athena names the database of every relation it creates
        return
    view = created.group(1).lower() == "view"
    location = LOCATION.search(query)
    entry = table_input(parts[-1], columns, location.group(1) if location else "", view)
    register(backend, parts[-2], entry, replace=view)


@contextlib.contextmanager
def registering_tables() -> Iterator[None]:
    """Let each model's CREATE TABLE AS or view register its relation in moto's Glue in the block.

    The block's statements are replayed on a DuckDB of its own over no landing files (the
    columns, not the rows, count: duckdb_replay.duckdb_statement), so that a model's columns
    are typed from the relations before it. A statement DuckDB cannot run registers its
    relation without columns: the build goes on, and the contract's checks report it.
    """
    from moto.athena.models import AthenaBackend

    original = AthenaBackend.start_query_execution
    con = duckdb_catalog()
    no_landing_files = Path(tempfile.mkdtemp())
    lock = threading.Lock()  # moto's server answers in threads; the DuckDB is one

    def start_query_execution(self: Any, query: str, *args: Any, **kwargs: Any) -> str:
        execution_id = original(self, query, *args, **kwargs)
        with lock:
            register_model_relation(self, con, query, no_landing_files)
        return execution_id

    AthenaBackend.start_query_execution = start_query_execution  # type: ignore[method-assign]
    try:
        yield
    finally:
        AthenaBackend.start_query_execution = original  # type: ignore[method-assign]
        con.close()
        no_landing_files.rmdir()
