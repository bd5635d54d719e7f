r"""Prove that the project builds on Amazon Athena, without an AWS account.

1. Adapter path: stage the landing tables and run `dbt build --target athena_local` against
   moto's server on 127.0.0.1 standing in for S3, Glue, Athena and STS. Every statement that
   reached Athena is read back (ListQueryExecutions, GetQueryExecution) and parsed with
   sqlglot's athena dialect. A statement fails when it does not parse, or when the parser keeps
   it only as an opaque command and its SELECT body does not parse either. Statements that
   Athena runs on Trino (DML, views, CREATE TABLE AS, the compiled data tests) must also parse
   with Trino's own grammar (trino_grammar.py), which refuses Spark SQL. Before the build,
   a stale object is put in every zone folder: the build must remove it (a rebuild replaces a
   table's data, never appends to it) and must leave the landing files alone. moto's Glue
   gets each table a CREATE TABLE AS writes, typed by DuckDB, as Athena's Glue would; after
   the build, the Glue table of every trusted and curated model must carry the descriptions
   of the model and its columns from their YAML (persist_docs).
   Then every unit test runs (`dbt test --select test_type:unit`, unit_tests.py): Glue is given
   the build's sources and models, typed from the build's SQL on DuckDB, and moto answers each
   query of a unit test on DuckDB (moto_answers.py). Each statement a unit test sent must pass
   both grammars, dbt must pass the unit test, and its recorded SELECT of actual and expected
   rows, replayed on DuckDB, must give zero difference rows. The AWS calls of the build and of
   the unit tests must be allowed by docs/iam/dbt-build-policy.json.
2. Same answers: the Athena SQL that reached moto (the landing views and the CREATE TABLE AS
   of every model) is transpiled from Athena's dialect to DuckDB's and run by DuckDB over the
   landing files, with views over the files standing in for the external tables. Its zone
   counts and its quarantine (dataset, reason) must equal those of Spark builds of the models
   (through the Spark Thrift server of `make test`, or one started here) for every landing set
   and mode. DuckDB stands in for Athena's Trino engine; docs/athena.md says what this proves
   and what it does not.
3. Lint: sqlfluff with the athena dialect over the compiled Athena SQL that this project
   writes (models, its data tests, the landing DDL): zero violations.

    python -m tools.athena --landing sample=data/athena/landing \
        --landing starter=../shared/data/udacity-starter

A landing set whose directory is absent is skipped with a message.

Exit codes:
    0  every check passed
    1  a check failed
    2  a build could not run (dbt on athena_local, its unit tests, or Spark)
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.athena import MODES, PROJECT_DIR, BuildError, progress
from tools.athena.aws_stand_in import (
    BUCKET,
    SCHEMA,
    WORK_GROUP,
    moto_athena,
    prepare_account,
    s3_keys,
)
from tools.athena.builds import athena_local_build, spark_build, spark_thrift_port
from tools.athena.duckdb_replay import replay_in_duckdb
from tools.athena.glue_catalog import persisted_docs_problems
from tools.athena.iam import POLICY_FILE, calls_of, denied, policy_for_stand_in
from tools.athena.lint import authored_sql, compiled_tests, lint
from tools.athena.model_contracts import declared_contracts
from tools.athena.report import Report, print_counts
from tools.athena.seeds import seed_files
from tools.athena.statements import first_line, origin, statement_problem
from tools.athena.trino_grammar import runs_on_trino, trino_problem
from tools.athena.unit_tests import check_unit_tests


def check_s3(keys_before: list[str], keys_after: list[str]) -> list[str]:
    """A rebuild empties every zone folder; the landing files stay."""
    problems = [f"stale object survived the build: {k}" for k in keys_after if "stale-from" in k]
    landing = [k for k in keys_before if "/landing/" in k]
    problems += [f"landing file removed by the build: {k}" for k in landing if k not in keys_after]
    return problems


def check_statement(sql: str, report: Report) -> list[str]:
    """Problems of one statement: sqlglot's athena dialect, and Trino's grammar where it runs."""
    report.sqlglot_checked += 1
    problems = [problem] if (problem := statement_problem(sql)) else []
    if runs_on_trino(sql):
        report.trino_checked += 1
        problems += [problem] if (problem := trino_problem(sql)) else []
    return problems


def check_iam(mode: str, requests: list[dict[str, Any]], report: Report) -> None:
    """Every AWS call of the build must be allowed by the documented IAM policy."""
    calls = list(dict.fromkeys(calls_of(requests, WORK_GROUP)))
    report.iam_calls[mode] = [asdict(call) for call in calls]
    policy = policy_for_stand_in(POLICY_FILE.read_text(), BUCKET, SCHEMA)
    report.iam_problems += [
        f"{mode}: {POLICY_FILE.name} does not allow {problem}" for problem in denied(policy, calls)
    ]


def check_adapter_path(
    options: argparse.Namespace, modes: list[str], landing: dict[str, Path], report: Report
) -> None:
    """Build on athena_local in every mode, then run the unit tests; check what reached Athena.

    Also S3 after each build, the AWS calls against the IAM policy, and the compiled SQL.
    """
    project_dir, work_dir = options.project_dir, options.work_dir
    first_landing = next(iter(landing.values()), None)
    with moto_athena():
        for mode in modes:
            progress(f"dbt-athena on athena_local (moto), {mode} mode")
            prepare_account(first_landing)
            keys_before = s3_keys()
            statements, requests = athena_local_build(project_dir, mode, work_dir)
            check_iam(mode, requests, report)
            keys_after = s3_keys()
            report.s3_problems += [f"{mode}: {p}" for p in check_s3(keys_before, keys_after)]
            report.landing_files_kept = sum("/landing/" in k for k in keys_after)
            report.statements[mode] = statements
            manifest = work_dir / f"target-{mode}" / "manifest.json"
            tables, columns, problems = persisted_docs_problems(manifest, SCHEMA)
            report.docs_checked[mode] = [tables, columns]
            report.docs_problems += [f"{mode}: {problem}" for problem in problems]
            for statement in statements:
                sql, source = statement["query"], origin(statement["query"])
                for problem in check_statement(sql, report):
                    report.statement_problems.append(
                        f"{mode}: {source}: {problem}\n    {first_line(sql)}"
                    )
            # the data tests do not reach moto's Athena (see athena_local_build): parse them here
            tests = compiled_tests(work_dir / f"target-{mode}")
            report.tests_checked += len(tests)
            for node_id, sql in tests.items():
                for problem in check_statement(sql, report):
                    report.statement_problems.append(f"{mode}: {node_id}: {problem}")
            compiled = authored_sql(work_dir / f"target-{mode}")
            staging = {
                f"{mode}:{origin(s['query'])}:{i}": s["query"]
                for i, s in enumerate(statements)
                if origin(s["query"]) == "macro_stage_landing_tables"
                and re.match(r"(?is)\s*(--[^\n]*\n\s*)*create\s+(external|or)", s["query"])
            }
            report.lint_files += len(compiled) + len(staging)
            report.lint_problems += lint({f"{mode}:{k}": v for k, v in compiled.items()} | staging)
        if options.no_unit_tests:
            report.skipped.append("the unit tests on athena_local (--no-unit-tests)")
            return
        # once, after the last build, whose tables Glue is given: dbt's unit tests on athena_local
        build = (statements, work_dir / f"target-{modes[-1]}" / "manifest.json")
        unit_tests = check_unit_tests(
            project_dir, work_dir, build, lambda sql: check_statement(sql, report)
        )
        check_iam("unit tests", unit_tests.requests, report)
        report.unit_tests = unit_tests.as_dict()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--landing",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="a landing set laid out like the starter data; repeatable",
    )
    parser.add_argument(
        "--modes", default="strict,rubric", help="comma-separated: strict, rubric (default both)"
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="the dbt project")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=PROJECT_DIR / "target" / "athena_contract",
        help="dbt target folders and the report go here",
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark builds")
    parser.add_argument(
        "--no-unit-tests", action="store_true", help="skip dbt's unit tests on athena_local"
    )
    parser.add_argument("--report", type=Path, help="write the findings as JSON here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the three checks; return the exit code."""
    options = parse_args(argv)
    modes = [m.strip() for m in options.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        print(f"--modes takes {', '.join(MODES)}", file=sys.stderr)
        return 2
    report = Report()
    landing: dict[str, Path] = {}
    for item in options.landing:
        name, _, directory = item.partition("=")
        if Path(directory).is_dir():
            landing[name] = Path(directory)
        else:
            report.skipped.append(f"{name}: {directory} is absent, so its comparisons are skipped")
    options.work_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    try:
        check_adapter_path(options, modes, landing, report)
        for name, root in landing.items():
            for mode in modes:
                progress(f"the Athena SQL on DuckDB over {root} ({mode})")
                manifest = options.work_dir / f"target-{mode}" / "manifest.json"
                replay = replay_in_duckdb(
                    report.statements[mode],
                    root,
                    declared_contracts(manifest),
                    seed_files(manifest),
                )
                report.athena_counts[f"{name} {mode}"] = replay.counts
                report.rejected[f"{name} {mode}"] = replay.rejected
                report.replay_problems += [f"{name} {mode}: {p}" for p in replay.problems]
        if not options.no_spark and landing:
            with spark_thrift_port() as port:
                for name, root in landing.items():
                    for mode in modes:
                        key = f"{name} {mode}"
                        counts, rejected = spark_build(root, mode, port, options.work_dir)
                        report.spark_counts[key] = counts
                        report.spark_rejected[key] = rejected
    except BuildError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        if options.report:
            options.report.write_text(json.dumps(report.__dict__, indent=2) + "\n")

    checked = sum(len(s) for s in report.statements.values())
    outcomes = report.unit_tests.get("outcomes", [])
    unit_sql = sum(len(o["statements"]) for o in outcomes)
    print(
        f"1. Adapter path: {checked} statements reached Athena (moto), {unit_sql} from the "
        f"{len(outcomes)} unit tests, and {report.tests_checked} compiled data tests: "
        f"{report.sqlglot_checked} parsed by sqlglot's athena dialect, {report.trino_checked} "
        "run on Trino parsed by Trino's grammar"
    )
    replayed = [o["difference_rows"] for o in outcomes if o["difference_rows"] is not None]
    passed = sum(o["dbt_status"] == "pass" for o in outcomes)
    if "in_project" not in report.unit_tests:
        print("   Unit tests: not run (--no-unit-tests)")
    else:
        print(
            f"   Unit tests: {len(outcomes)} of the project's {report.unit_tests['in_project']}"
            f" run by dbt on athena_local, moto answering on DuckDB: {passed} passed; "
            f"{len(replayed)} SELECTs replayed from the recording: {sum(replayed)} difference rows"
        )
    calls = max((len(c) for k, c in report.iam_calls.items() if k in MODES), default=0)
    unit_calls = len(report.iam_calls.get("unit tests", []))
    print(
        f"   IAM: {calls} distinct AWS calls of a build and {unit_calls} of the unit tests, "
        f"checked against {POLICY_FILE.name}"
    )
    tables, columns = max(report.docs_checked.values(), default=[0, 0])
    print(
        f"   Docs: the Glue tables of {tables} trusted and curated models checked for their "
        f"descriptions and those of their {columns} columns (persist_docs): "
        f"{len(report.docs_problems)} missing"
    )
    print(f"2. Same answers: {len(report.athena_counts)} landing sets x modes on DuckDB")
    print(f"3. Lint: {report.lint_files} compiled Athena SQL files, sqlfluff athena")
    for line in report.skipped:
        print(f"skipped: {line}")
    print_counts(report)
    failures = report.failures
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"\nAthena contract: {'FAILED' if failures else 'passed'} ({len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
