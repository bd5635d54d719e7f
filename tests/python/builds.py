"""Builds of the lakehouse for the pipeline tests: a build in a schema of its own, queries."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


class Build:
    """The outcome of one build: exit code, output and zone counts."""

    def __init__(
        self, result: subprocess.CompletedProcess[str], target_dir: Path, schema: str
    ) -> None:
        self.schema = schema
        self.returncode = result.returncode
        self.output = result.stdout + result.stderr
        counts_file = target_dir / "zone_counts.json"
        self.counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}


def build(
    tmp_path: Path,
    port: int,
    landing_root: Path,
    vars_yaml: str = "{}",
    project_dir: Path = PROJECT_DIR,
    target: str = "ci",
    schema: str | None = None,
    extra: list[str] | None = None,
) -> Build:
    """Run stedi_lakehouse/build.py of a project in a schema of its own (or in `schema`)."""
    schema = schema or f"stedi_test_{uuid.uuid4().hex[:8]}"
    target_dir = tmp_path / f"target_{schema}"
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(port),
        "STEDI_SCHEMA": schema,
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(tmp_path / f"logs_{schema}"),
        "DBT_PROFILES_DIR": str(project_dir),
        # the embedded session's metastore, apart from a developer's own
        "STEDI_SPARK_HOME": str(tmp_path / f"spark_{schema}"),
    }
    if not (project_dir / "profiles.yml").exists():
        shutil.copy(project_dir / "profiles.yml.example", project_dir / "profiles.yml")
    command = [
        sys.executable,
        "-m", "stedi_lakehouse.build",
        "--target", target,
        "--landing-root", str(landing_root),
        "--vars", vars_yaml,
        *(extra or []),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    return Build(result, target_dir, schema)


def query(port: int, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query run on the Thrift server."""
    from pyhive import hive

    connection = hive.connect(host="127.0.0.1", port=port)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        connection.close()


def write_lines(
    path: Path, lines: list[str], newline: str = "\n", final_newline: bool = True
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = newline.join(lines) + (newline if final_newline else "")
    path.write_bytes(text.encode())
