"""moto's Athena answering the queries of dbt's unit tests on DuckDB, as Athena would answer.

moto records every query and executes none: its CREATE TABLE AS registers no table in Glue and
its SELECT returns no row. dbt's unit-test materialization needs both. It creates an empty
table `<model>__dbt_tmp` with CREATE TABLE AS over the model's SQL on the fixtures, reads that
table's columns from Glue (to type the expected rows), then runs one SELECT of the actual and
the expected rows and compares them. While `answering_unit_tests()` is active, each query whose
query comment names a `unit_test.` node is also run on DuckDB, through the contract's
translation of Athena's SQL (duckdb_replay.to_duckdb): a CREATE TABLE AS registers its table in
moto's Glue with the columns DuckDB gives it (Hive's type names, as Athena's DDL writes them),
and a SELECT gets DuckDB's rows as its result (Trino's type names, as Athena returns them).

Only the answers are added: what dbt sends, and what moto records, stays as it is. The hook
wraps moto's own backend method for the block (moto runs in this process) and restores it.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from stedi_lakehouse.athena.duckdb_replay import to_duckdb
from stedi_lakehouse.athena.glue_catalog import glue_columns, table_input, trino_type
from stedi_lakehouse.athena.statements import origin

UNIT_TEST_PREFIX = "unit_test."


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


def create_table_as(backend: Any, create: exp.Create) -> None:
    """Register the table of a CREATE TABLE AS in moto's Glue, typed by DuckDB.

    An existing table raises moto's AlreadyExists error, as Athena refuses that CTAS.
    """
    from moto.glue.models import glue_backends

    table = create.this if isinstance(create.this, exp.Table) else create.this.find(exp.Table)
    columns = glue_columns(duckdb.connect(), to_duckdb(create.expression))
    glue = glue_backends[backend.account_id][backend.region_name]
    entry = table_input(table.name, columns, _location(create), view=False)
    glue.create_table(table.db, table.name, entry)


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
