"""The builds the contract compares: dbt-athena on the athena_local target, and Spark."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.athena import MODES, PROJECT_DIR, BuildError, progress
from tools.athena.aws_stand_in import S3_ROOT, athena_statements, recorded_requests


def run_dbt(args: list[str]) -> None:
    """Run one dbt command in this process; raise BuildError when it does not succeed."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--profiles-dir", str(PROJECT_DIR), "--quiet"])
    if not result.success:
        raise BuildError(f"`dbt {' '.join(args[:1])}` on athena_local failed: {result.exception}")


def athena_local_args(project_dir: Path, mode: str, target_dir: Path, work_dir: Path) -> list[str]:
    """The options of a dbt command on athena_local in a mode, writing to target_dir."""
    vars_yaml = f"{{rubric_compatible: {MODES[mode]}, landing_root: '{S3_ROOT}'}}"
    return [
        "--project-dir", str(project_dir),
        "--target", "athena_local",
        "--target-path", str(target_dir),
        "--log-path", str(work_dir / "logs"),
        "--vars", vars_yaml,
    ]  # fmt: skip


def athena_local_build(
    project_dir: Path, mode: str, work_dir: Path
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Stage the landing tables, build (no tests) and compile the data tests on athena_local.

    Return the statements that reached Athena during these steps, and every request that dbt
    sent to the stand-in (moto's recording, for the IAM check). The data tests and unit
    tests are not built: moto executes no SQL, so a test gets no row back (dbt needs exactly
    one); their SQL is compiled and linted. The unit tests run afterwards (unit_tests.py).
    """
    before = {s["id"] for s in athena_statements()}
    common = athena_local_args(project_dir, mode, work_dir / f"target-{mode}", work_dir)
    with recorded_requests() as requests:
        run_dbt(["run-operation", "stage_landing_tables", *common])
        run_dbt(["build", *common, "--exclude-resource-type", "test", "unit_test"])
        run_dbt(["compile", *common, "--select", "resource_type:test"])
    return [s for s in athena_statements() if s["id"] not in before], requests


def spark_build(
    landing_root: Path, mode: str, port: int, work_dir: Path
) -> tuple[dict[str, int | None], list[tuple[str, str]]]:
    """Build the models on Spark through the Thrift server, in a schema of their own.

    Return the zone counts and the (dataset, rejection_reason) rows of the quarantine.
    """
    progress(f"Spark build of {landing_root} ({mode})")
    schema = f"stedi_contract_{uuid.uuid4().hex[:8]}"
    target_dir = work_dir / f"spark-{schema}"
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(port),
        "STEDI_SCHEMA": schema,
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        # the zone counts need the models (and the seeds they read) only; `make test` runs the
        # tests on Spark
        "DBT_INDIRECT_SELECTION": "empty",
    }
    command = [
        sys.executable, "-m", "stedi_lakehouse.build",
        "--target", "ci", "--no-java-check",
        "--landing-root", str(landing_root.resolve()),
        "--vars", f"{{rubric_compatible: {MODES[mode]}}}",
        "--select", "resource_type:model resource_type:seed",  # the models read the tombstone seed
    ]  # fmt: skip
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    counts_file = target_dir / "zone_counts.json"
    # a model that failed counts as missing, which the comparison reports
    if result.returncode not in (0, 1) or not counts_file.exists():
        raise BuildError(
            f"the Spark build of {landing_root} ({mode}) failed:\n{result.stdout[-2000:]}"
        )
    counts = json.loads(counts_file.read_text())
    rejected: list[tuple[str, str]] = []
    from pyhive import hive

    connection = hive.connect(host="127.0.0.1", port=port)
    try:
        cursor = connection.cursor()
        if counts.get("landing_rejected_records"):
            cursor.execute(
                f"select dataset, rejection_reason from {schema}.landing_rejected_records "
                "order by 1, 2 limit 1000"
            )
            rejected = [(str(dataset), str(reason)) for dataset, reason in cursor.fetchall()]
        cursor.execute(f"drop schema if exists {schema} cascade")
    finally:
        connection.close()
    return counts, rejected


@contextlib.contextmanager
def spark_thrift_port() -> Iterator[int]:
    """The Thrift server of `make test` (STEDI_THRIFT_PORT), or one started for the block."""
    if os.environ.get("STEDI_THRIFT_PORT"):
        yield int(os.environ["STEDI_THRIFT_PORT"])
        return
    from tools.thrift_server import thrift_server

    progress("starting a Spark Thrift server (STEDI_THRIFT_PORT is not set)")

    with thrift_server() as port:
        yield port
