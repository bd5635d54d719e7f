"""The boilerplate of the five peer-baseline jobs: arguments, the SparkSession, the row count.

PEER BASELINE, not part of the lakehouse: see benchmarks/glue_jobs/README.md. Every job is its
own Spark application, started as its own process::

    python benchmarks/glue_jobs/<job>.py LANDING_ROOT OUTPUT_ROOT

It reads landing data from ``LANDING_ROOT/<dataset>/landing/`` and earlier jobs' tables from
``OUTPUT_ROOT/<table>/``, and writes its own table to ``OUTPUT_ROOT/<table>/`` as JSON, like a
Glue job that reads and writes S3 folders. It then prints ``rows=<n>``, the number of rows it
wrote, for the benchmark harness.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession


def start(job: str, description: str) -> tuple[SparkSession, Path, Path]:
    """Read LANDING_ROOT and OUTPUT_ROOT from the command line; start a local SparkSession."""
    parser = argparse.ArgumentParser(
        prog=f"{job}.py",
        description=f"{description} (peer baseline: one of the seeds' five Glue jobs)",
        epilog="exit codes: 0 ok, 1 Spark failed, 2 bad arguments",
    )
    parser.add_argument("landing_root", type=Path, help="folder holding <dataset>/landing/")
    parser.add_argument("output_root", type=Path, help="folder of the jobs' output tables")
    options = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (
        SparkSession.builder.master("local[*]")
        .appName(job)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark, options.landing_root.resolve(), options.output_root.resolve()


def landing(landing_root: Path, dataset: str) -> str:
    """Return the landing folder of a dataset."""
    return str(landing_root / dataset / "landing")


def table(output_root: Path, name: str) -> str:
    """Return the folder of an output table."""
    return str(output_root / name)


def write(spark: SparkSession, frame: DataFrame, output_root: Path, name: str) -> int:
    """Write a table as JSON (replacing an earlier run's), print rows=<n>, stop Spark; return 0.

    The rows are counted from the written files (one JSON object per line), so the job's plan
    runs once, as it does in Glue.
    """
    out = output_root / name
    frame.write.mode("overwrite").json(str(out))
    spark.stop()
    rows = 0
    for part in out.glob("part-*"):
        with part.open("rb") as lines:
            rows += sum(1 for _ in lines)
    print(f"rows={rows}")
    return 0
