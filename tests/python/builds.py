"""Helpers of the build tests: a build in a schema of its own, queries, landing sets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from stedi_lakehouse.build.zone_report import PAIRS, STEPS

PROJECT_DIR = Path(__file__).resolve().parents[2]
STARTER_DATA = (PROJECT_DIR / ".." / "shared" / "data" / "udacity-starter").resolve()


class Build:
    """The outcome of one build: exit code, output and zone counts."""

    def __init__(
        self, returncode: int, output: str, target_dir: Path, schema: str, landing_root: Path
    ) -> None:
        self.schema = schema
        self.landing_root = landing_root
        self.target_dir = target_dir
        self.returncode = returncode
        self.output = output
        counts_file = target_dir / "zone_counts.json"
        self.counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}


def build_env(
    tmp_path: Path, port: int, schema: str, project_dir: Path = PROJECT_DIR
) -> dict[str, str]:
    """The environment of a build in `schema` on the Thrift server at `port`."""
    if not (project_dir / "profiles.yml").exists():
        shutil.copy(project_dir / "profiles.yml.example", project_dir / "profiles.yml")
    return {
        **os.environ,
        "STEDI_THRIFT_PORT": str(port),
        "STEDI_SCHEMA": schema,
        "DBT_TARGET_PATH": str(tmp_path / f"target_{schema}"),
        "DBT_LOG_PATH": str(tmp_path / f"logs_{schema}"),
        "DBT_PROFILES_DIR": str(project_dir),
        # the embedded session's metastore, apart from a developer's own
        "STEDI_SPARK_HOME": str(tmp_path / f"spark_{schema}"),
    }


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
    """Run stedi_lakehouse/build/runner.py of a project in a schema of its own (or in `schema`).

    dbt's unit tests are left out: they check the SQL, not the data, and `make test` runs them
    once, in its own build of the sample set.
    """
    schema = schema or f"stedi_test_{uuid.uuid4().hex[:8]}"
    env = build_env(tmp_path, port, schema, project_dir)
    command = [
        sys.executable,
        "-m", "stedi_lakehouse.build",
        "--target", target,
        "--landing-root", str(landing_root),
        "--vars", vars_yaml,
        "--skip-unit-tests",
        *(extra or []),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    return Build(result.returncode, output, Path(env["DBT_TARGET_PATH"]), schema, landing_root)


def _figures(page: str, attribute: str) -> list[tuple[str, int]]:
    """(name, figure shown) of every cell of the zone report with `attribute`."""
    cells = re.findall(rf'{attribute}="([a-z_]+)"[^>]*>([^<]*)<', page)
    return [(name, int(text.replace(",", ""))) for name, text in cells]


def check_zone_report(page: str, counts: dict[str, int | None]) -> dict[tuple[str, str], int]:
    """Check the zone report's page (its file or its rendered DOM) against the zone counts.

    Every figure of a zone table equals its count, and for each zone table its upstream rows
    less the rows that left equal its rows. Returns the rows that left, by (zone table, reason).
    """
    every_reason: dict[tuple[str, str], int] = {}
    shown = _figures(page, "data-table")
    assert {name for name, _ in shown} >= set(counts), "a zone table is missing"
    for name, figure in shown:
        if name != PAIRS:
            assert figure == counts[name], name
    for step in STEPS:
        section = re.search(rf'data-zone="{step.table}".*?</table>', page, re.DOTALL)
        assert section, step.table
        figures = dict(_figures(section.group(0), "data-table"))
        left = dict(_figures(section.group(0), "data-reason"))
        assert set(left) == set(step.reasons), step.table
        assert figures[step.upstream] - sum(left.values()) == counts[step.table], step.table
        every_reason.update({(step.table, reason): rows for reason, rows in left.items()})
    return every_reason


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


def bad_delivery(root: Path) -> None:
    """A landing set with each kind of bad input the contract knows of."""
    customers = [
        '{"customerName":"Ann Lee","email":"Ann.Lee@test.com","serialNumber":"s-ann",'
        '"registrationDate":1655564400500,"lastUpdateDate":1655564400500,"shareWithResearchAsOfDate":1655564401000}',
        '{"customerName":"Bob Ray","email":"bob@test.com","serialNumber":"s-bob",'
        '"registrationDate":1655564400500,"lastUpdateDate":1655564400500,"shareWithPublicAsOfDate":1655564400600}',
        '{"customerName":"Cat Ng","email":"cat@test.com","serialNumber":"s-cat",'
        '"registrationDate":1655564400500,"lastUpdateDate":1655564400500,"shareWithResearchAsOfDate":0}',
        '{"customerName":"Dan Oz","email":"dan@test.com","serialNumber":"s-dan",'
        '"registrationDate":1655564400500,"lastUpdateDate":1655564400500,"shareWithResearchAsOfDate":1655564400900}',
        '{"customerName":"Dan Oz","email":"dan@test.com","serialNumber":"s-dan",'
        '"registrationDate":1655564400500,"lastUpdateDate":1655564400800}',
        '{"customerName":"Eve Ma","email":"eve@test.com","serialNum',  # truncated last line
    ]
    # delivered with CRLF line endings and without a final newline
    write_lines(root / "customer/landing/customer-1.json", customers, "\r\n", final_newline=False)
    readings = [
        '{"user":"ann.lee@test.com ","timeStamp":1655564402000,"x":1,"y":0,"z":-1}',
        '{"user":"Ann.Lee@test.com","timestamp":1655564402001,"x":1.0,"y":1.0,"z":0.0}',
        '{"user":"Ann.Lee@test.com","timestamp":"abc","x":1,"y":1,"z":1}',
        "this is not JSON",
        '{"user":"bob@test.com","timestamp":1655564402000,"x":0,"y":0,"z":0}',
        '{"timestamp":1655564402002,"x":0,"y":0,"z":0}',
    ]
    write_lines(root / "accelerometer/landing/accelerometer-1.json", readings)
    # the same file delivered twice under another name
    write_lines(root / "accelerometer/landing/accelerometer-1-again.json", readings)
    steps = [
        '{"sensorReadingTime":1655564402000,"serialNumber":"s-ann","distanceFromObject":210}',
        '{"sensorReadingTime":1655564402001,"serialNumber":"s-ann","distanceFromObject":220}',
        '{"sensorReadingTime":1655564402000,"serialNumber":"s-bob","distanceFromObject":230}',
        '{"sensorReadingTime":1655564402003,"serialNumber":"s-ann","distanceFromObject":"far"}',
    ]
    write_lines(root / "step_trainer/landing/step_trainer-1.json", steps)


def zone_checksums(port: int, schema: str, tables: list[str]) -> dict[str, tuple[int, object]]:
    """Row count and an order-independent checksum of each table, in one query."""
    checksums = " union all ".join(
        f"select '{table}', count(*), sum(cast(xxhash64(*) as decimal(38, 0))) "
        f"from {schema}.{table}"
        for table in tables
    )
    return {str(table): (int(rows), total) for table, rows, total in query(port, checksums)}
