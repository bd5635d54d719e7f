"""dbt's unit tests on athena_local: the SQL dbt-athena sends for each one, checked and replayed.

After a build on moto, Glue is given the tables and views that build would have left on Athena
(glue_catalog.py), and `dbt test --select test_type:unit` runs on athena_local while moto
answers the unit tests' queries on DuckDB (moto_answers.py). Every query a unit test sends is
recorded by moto and read back. Each must pass the contract's grammar checks, and the unit
test's SELECT of actual and expected rows, replayed on DuckDB from the recording, must give
zero difference rows: the unit test passes on the SQL a real Athena would receive.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot.errors import ParseError, TokenError

from tools.athena import PROJECT_DIR, BuildError, progress
from tools.athena.aws_stand_in import (
    S3_ROOT,
    SCHEMA,
    athena_statements,
    recorded_requests,
)
from tools.athena.builds import athena_local_args
from tools.athena.duckdb_replay import build_in_duckdb
from tools.athena.glue_catalog import register_catalog
from tools.athena.moto_answers import answering_unit_tests
from tools.athena.seeds import seed_files
from tools.athena.statements import origin
from tools.athena.trino_grammar import COMMENTS
from tools.athena.trino_to_duckdb import to_duckdb

# dbt's unit-test SQL marks each row so (dbt's get_unit_test_sql)
MARK = '"actual_or_expected"'


@dataclass
class UnitTestOutcome:
    """One unit test on athena_local: dbt's verdict and the queries it sent."""

    node_id: str
    dbt_status: str
    message: str
    statements: list[str] = field(default_factory=list)
    difference_rows: int | None = None  # of the recorded SELECT on DuckDB; None: not replayed


@dataclass
class UnitTestRun:
    """Every unit test of the project on athena_local, and what failed."""

    in_project: int  # the unit tests in dbt's manifest
    outcomes: list[UnitTestOutcome]
    problems: list[str]
    requests: list[dict[str, Any]]  # every AWS request dbt sent, for the IAM check

    def as_dict(self) -> dict[str, Any]:
        """For the JSON report."""
        outcomes = [asdict(o) for o in self.outcomes]
        return {"in_project": self.in_project, "outcomes": outcomes, "problems": self.problems}


def is_unit_test_select(sql: str) -> bool:
    """Whether a statement is dbt's SELECT of a unit test's actual and expected rows."""
    return MARK in sql and re.match(r"(?is)\s*(with|select)\b", COMMENTS.sub(" ", sql)) is not None


def difference_rows(select_sql: str) -> int:
    """Replay a unit test's SELECT on DuckDB: actual rows not expected, plus the reverse."""
    rows = to_duckdb(sqlglot.parse_one(select_sql, read="athena"))
    # multisets: a row expected twice must come out twice
    sql = (
        f"with unit_test as ({rows}), "
        f"actual as (select * exclude ({MARK}) from unit_test where {MARK} = 'actual'), "
        f"expected as (select * exclude ({MARK}) from unit_test where {MARK} = 'expected') "
        "select (select count(*) from (from actual except all from expected)) "
        "+ (select count(*) from (from expected except all from actual))"
    )
    return int(duckdb.connect().execute(sql).fetchone()[0])  # type: ignore[index]


def sources_and_models(manifest_file: Path) -> set[str]:
    """The relation names of dbt's sources, models and seeds, from a build's manifest."""
    manifest = json.loads(manifest_file.read_text())
    names = {source["identifier"] for source in manifest["sources"].values()}
    return names | {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


def run_unit_tests(
    project_dir: Path, work_dir: Path, build: list[dict[str, str]], build_manifest: Path
) -> tuple[UnitTestRun, list[dict[str, str]]]:
    """Give Glue the build's sources and models, then run every unit test on athena_local.

    `build` is the statements of the build on moto (running), `build_manifest` its manifest.
    Return dbt's outcome per unit test (with the queries DuckDB could not answer as
    problems), and the statements the unit tests sent.
    """
    from dbt.cli.main import dbtRunner

    with tempfile.TemporaryDirectory() as no_landing_files:  # the columns, not the rows, count
        con, _ = build_in_duckdb(build, Path(no_landing_files), seed_files(build_manifest))
    register_catalog(con, SCHEMA, S3_ROOT, sources_and_models(build_manifest))
    before = {s["id"] for s in athena_statements()}
    target_dir = work_dir / "target-unit-tests"
    # the mode of `make test` on Spark; a unit test that needs the other one overrides the var
    args = athena_local_args(project_dir, "strict", target_dir, work_dir)
    args += ["--profiles-dir", str(PROJECT_DIR), "--quiet", "--select", "test_type:unit"]
    with recorded_requests() as requests, answering_unit_tests() as unanswered:
        result = dbtRunner().invoke(["test", *args])
    if result.exception is not None or result.result is None:
        raise BuildError(f"`dbt test` of the unit tests on athena_local failed: {result.exception}")
    outcomes = [
        UnitTestOutcome(r.node.unique_id, str(r.status), r.message or "")
        for r in result.result.results
        if r.node.resource_type == "unit_test"  # not the on-run-start and -end hooks
    ]
    manifest = json.loads((target_dir / "manifest.json").read_text())
    in_project = len(manifest.get("unit_tests", {}))
    statements = [s for s in athena_statements() if s["id"] not in before]
    return UnitTestRun(in_project, outcomes, unanswered, requests), statements


def check_unit_tests(
    project_dir: Path,
    work_dir: Path,
    build: tuple[list[dict[str, str]], Path],
    check_statement: Callable[[str], list[str]],
) -> UnitTestRun:
    """Run the unit tests on athena_local; check and replay every statement they sent.

    `build` is the statements and the manifest of the build on moto that they follow.
    """
    progress("dbt's unit tests on athena_local (moto answering on DuckDB)")
    run, statements = run_unit_tests(project_dir, work_dir, *build)
    outcomes = {outcome.node_id: outcome for outcome in run.outcomes}
    for statement in statements:
        sql, node_id = statement["query"], origin(statement["query"])
        if node_id not in outcomes:
            run.problems.append(f"{node_id}: a statement of no unit test reached Athena")
            continue
        outcomes[node_id].statements.append(sql)
        run.problems += [f"{node_id}: {problem}" for problem in check_statement(sql)]
    for outcome in run.outcomes:
        run.problems += replay_problems(outcome)
    if len(run.outcomes) != run.in_project:
        run.problems.append(f"{len(run.outcomes)} of the project's {run.in_project} unit tests ran")
    return run


def replay_problems(outcome: UnitTestOutcome) -> list[str]:
    """Problems of a unit test: dbt's verdict, and its recorded SELECT replayed on DuckDB."""
    problems = []
    if outcome.dbt_status != "pass":
        problems.append(f"{outcome.node_id}: dbt says {outcome.dbt_status}: {outcome.message}")
    selects = [s for s in outcome.statements if is_unit_test_select(s)]
    if len(selects) != 1:
        return [*problems, f"{outcome.node_id}: {len(selects)} unit-test SELECTs reached Athena"]
    try:
        outcome.difference_rows = difference_rows(selects[0])
    except (duckdb.Error, ParseError, TokenError) as error:
        first = str(error).splitlines()[0]
        return [*problems, f"{outcome.node_id}: DuckDB could not replay its SELECT: {first}"]
    if outcome.difference_rows:
        problems.append(
            f"{outcome.node_id}: {outcome.difference_rows} rows differ between the actual and "
            "the expected rows of its SELECT, replayed on DuckDB"
        )
    return problems
