"""Prove that the project builds on Amazon Athena, without an AWS account (`make athena-contract`).

`python -m tools.athena --help` describes the checks; the modules of this package:
aws_stand_in (moto's S3, Glue and Athena on loopback), statements (the SQL that reached Athena),
duckdb_replay (that SQL on DuckDB over the landing files), builds (dbt on athena_local and on
Spark), unit_tests (dbt's unit tests on athena_local), glue_catalog (the Glue tables a build
leaves), moto_answers (moto answering the unit tests' queries on DuckDB), report (the findings),
lint (sqlfluff's athena dialect).
"""

from __future__ import annotations

import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
MODES = {"strict": "false", "rubric": "true"}  # mode -> rubric_compatible

STARTED = time.monotonic()


class BuildError(RuntimeError):
    """A build could not run."""


def progress(message: str) -> None:
    """One line of progress, with the seconds since the start."""
    print(f"[athena-contract {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)
