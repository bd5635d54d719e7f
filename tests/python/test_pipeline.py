"""End-to-end builds of the lakehouse through a Spark Thrift server on 127.0.0.1.

The server is the one `make test` starts (STEDI_THRIFT_PORT); run alone, this module starts
and stops its own. Every build gets its own schema and dbt target folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from builds import (
    PROJECT_DIR,
    STARTER_DATA,
    Build,
    bad_delivery,
    build,
    check_zone_report,
    query,
    write_lines,
)
from reference_counts import reference_counts

from tools.layout import ZONE_TABLES

RUBRIC_FIGURES = {
    "customer_trusted": 482,
    "accelerometer_trusted": 40_981,
    "customer_curated": 482,
    "step_trainer_trusted": 14_460,
    "machine_learning_curated": 43_681,
}


@pytest.mark.xdist_group("starter")
def test_starter_data_in_rubric_mode_gives_the_published_figures(starter_rubric: Build):
    assert list(starter_rubric.counts) == ZONE_TABLES
    assert {name: starter_rubric.counts[name] for name in RUBRIC_FIGURES} == RUBRIC_FIGURES
    assert starter_rubric.counts["landing_rejected_records"] == 0


@pytest.mark.xdist_group("starter")
def test_starter_data_in_strict_mode_matches_the_reference_and_passes_its_tests(
    starter_strict: Build,
):
    expected = reference_counts(STARTER_DATA, rubric_compatible=False)
    assert {name: starter_strict.counts[name] for name in expected} == expected
    # consent time and device ownership only remove rows
    for name in ["accelerometer_trusted", "step_trainer_trusted", "machine_learning_curated"]:
        assert starter_strict.counts[name] < RUBRIC_FIGURES[name], name
    assert "assert_zone_rows_have_consent" in starter_strict.output


@pytest.mark.xdist_group("sample")
@pytest.mark.parametrize("mode", ["strict", "rubric"])
def test_sample_data_matches_the_reference(
    request: pytest.FixtureRequest, sample_set: Path, mode: str
):
    """The generated set has every awkward case: reused serials, late consent, withdrawals."""
    outcome: Build = request.getfixturevalue(f"sample_{mode}")
    rubric_compatible = mode == "rubric"
    expected = reference_counts(sample_set, rubric_compatible)
    assert {name: outcome.counts[name] for name in expected} == expected
    assert outcome.counts["landing_rejected_records"] == 0
    # the zone report's picture: its figures and the reasons rows left add up to the counts
    page = (outcome.target_dir / "zone_report.html").read_text()
    assert ("rubric_compatible" if rubric_compatible else "strict") in page
    left = check_zone_report(page, outcome.counts)
    if rubric_compatible:  # rubric mode keeps early readings and cross-person pairs
        early = [rows for (_, reason), rows in left.items() if reason == "before_consent"]
        assert early == [0, 0]
        assert left["machine_learning_curated", "cross_person_pair"] == 0


@pytest.mark.xdist_group("bad_input")
def test_bad_input_is_quarantined_and_nothing_is_lost(bad_input_strict: Build, thrift_port: int):
    outcome = bad_input_strict  # quarantined lines warn; they do not fail the build
    assert outcome.counts == {
        "customer_landing": 6,
        "accelerometer_landing": 12,
        "step_trainer_landing": 4,
        "customer_trusted": 1,  # Ann; Bob and Cat never agreed, Dan withdrew, Eve's line is cut
        "accelerometer_trusted": 2,  # Ann's two readings, once each, timeStamp included
        "step_trainer_trusted": 2,
        "customer_curated": 1,
        "machine_learning_curated": 2,
        "landing_rejected_records": 1 + 6 + 1,
    }
    assert "landing_rejected_records_is_empty" in outcome.output
    assert "Zone report (ci, strict)" in outcome.output
    assert re.search(r"accelerometer_landing +pass +0\.0 h ago", outcome.output), outcome.output
    assert "stale" not in outcome.output
    schema = outcome.schema
    rejected = query(
        thrift_port,
        f"select dataset, source_file, rejection_reason from {schema}.landing_rejected_records",
    )
    reasons = sorted((dataset, reason) for dataset, _, reason in rejected)
    assert reasons == sorted(
        [("customer", "not a JSON object")]
        + [("accelerometer", "timestamp is not an integer")] * 2
        + [("accelerometer", "not a JSON object")] * 2
        + [("accelerometer", "missing required key user")] * 2
        + [("step_trainer", "distanceFromObject is not an integer")]
    )
    assert all(str(source_file).endswith(".json") for _, source_file, _ in rejected)
    readings = query(
        thrift_port,
        f"select customer_email, reading_time from {schema}.accelerometer_trusted order by 2",
    )
    assert readings == [("ann.lee@test.com", 1655564402000), ("ann.lee@test.com", 1655564402001)]


@pytest.mark.xdist_group("bad_input")
def test_descriptions_are_the_comments_of_the_trusted_and_curated_tables(
    bad_input_strict: Build, thrift_port: int
):
    """persist_docs: `describe table` shows the model's description and each column's.

    The descriptions are read from the build's manifest, as dbt rendered them from the YAML; a
    column's comment is its description on one line (macros/overrides/alter_column_comment.sql).
    """
    outcome = bad_input_strict
    manifest = json.loads((outcome.target_dir / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:-1] in (["trusted"], ["curated"])
    ]
    assert len(models) == 5
    for node in models:
        rows = query(thrift_port, f"describe table extended {outcome.schema}.{node['alias']}")
        blank = next(i for i, row in enumerate(rows) if not str(row[0]).strip())
        # the columns, then "# Partition Information" and the partition columns again
        columns = {str(n): c for n, _, c in rows[:blank] if not str(n).startswith("#")}
        details = {str(name): value for name, value, _ in rows[blank:]}
        assert " ".join(str(details.get("Comment")).split()) == " ".join(
            node["description"].split()
        ), node["alias"]
        assert set(columns) == set(node["columns"]), node["alias"]
        # Spark keeps no comment on a partition column; its description is in the docs
        partitions = node["config"].get("partition_by") or []
        for name, column in node["columns"].items():
            if name in partitions:
                continue
            assert columns[name] == " ".join(
                line.strip() for line in column["description"].splitlines() if line.strip()
            ), f"{node['alias']}.{name}"
    # among them an apostrophe, which a Spark string literal must escape
    assert any("'" in c["description"] for node in models for c in node["columns"].values())


def old_bad_delivery(root: Path) -> Path:
    """The bad delivery with every file written 36 hours ago: a stale landing zone."""
    bad_delivery(root)
    day_and_a_half_ago = time.time() - 36 * 3600
    for path in root.rglob("*.json"):
        os.utime(path, (day_and_a_half_ago, day_and_a_half_ago))
    return root


def test_a_stale_landing_zone_fails_the_build_past_the_error_threshold(
    tmp_path: Path, thrift_port: int
):
    """Freshness is the newest file's modification time, against the vars' thresholds."""
    thresholds = "{landing_warn_after_hours: 6, landing_error_after_hours: 12}"
    landing = old_bad_delivery(tmp_path / "landing")
    failed = build(tmp_path, thrift_port, landing, thresholds, extra=["--skip-tests"])
    assert failed.returncode == 1, failed.output[-3000:]
    assert re.search(r"customer_landing +error +36\.0 h ago", failed.output), failed.output[-3000:]
    assert "WARNING: the landing zone is stale (error)" in failed.output
    # the zones are built all the same: staleness is reported, not hidden behind a failure
    assert failed.counts["customer_trusted"] == 1


def test_rubric_mode_builds_and_passes_its_tests_and_a_stale_zone_only_warns(
    tmp_path: Path, thrift_port: int
):
    """Rubric mode on data made here, so that it is checked without the starter data too; its
    files are 36 hours old, past the default warning threshold (24 h), short of the error's."""
    landing = old_bad_delivery(tmp_path / "landing")
    # a reading of Ann's before her consent (1000): rubric mode keeps it
    write_lines(
        landing / "accelerometer/landing/accelerometer-2.json",
        ['{"user":"ann.lee@test.com","timestamp":1655564400900,"x":0,"y":0,"z":1}'],
    )
    day_and_a_half_ago = time.time() - 36 * 3600
    os.utime(landing / "accelerometer/landing/accelerometer-2.json", (day_and_a_half_ago,) * 2)
    outcome = build(tmp_path, thrift_port, landing, "{rubric_compatible: true}")
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert "Zone report (ci, rubric_compatible)" in outcome.output
    assert outcome.counts["accelerometer_trusted"] == 3
    assert re.search(r"customer_landing +warn +36\.0 h ago", outcome.output), outcome.output
    assert "WARNING: the landing zone is stale (warn)" in outcome.output


def test_missing_java_is_one_clear_sentence(tmp_path: Path):
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # python, but no java
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stedi_lakehouse.build",
            "--target",
            "session",
        ],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3
    assert result.stderr.strip().startswith("Spark needs Java 17, which was not found")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_embedded_session_build_writes_the_zone_report(tmp_path: Path):
    """The path of `make run`: Spark inside the dbt process, no server."""
    landing = tmp_path / "landing"
    bad_delivery(landing)
    outcome = build(tmp_path, 0, landing, target="session")
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert "Zone report (session, strict)" in outcome.output
    assert outcome.counts["customer_trusted"] == 1
    assert outcome.counts["landing_rejected_records"] == 8
    # the picture: Bob and Cat never agreed, Dan withdrew, Eve's line is cut; Ann's readings
    # came twice; Bob's reading has no consent
    left = check_zone_report((outcome.target_dir / "zone_report.html").read_text(), outcome.counts)
    assert left["customer_trusted", "quarantined"] == 1
    assert left["customer_trusted", "no_consent"] == 2
    assert left["customer_trusted", "withdrawn"] == 1
    assert left["accelerometer_trusted", "quarantined"] == 6
    assert left["accelerometer_trusted", "no_consent"] == 2
    assert left["accelerometer_trusted", "duplicate_delivery"] == 2


def test_contract_and_privacy_guards_stop_a_build_that_breaks_them(
    tmp_path: Path, thrift_port: int
):
    """A copy of the project whose models leak: the contract, then the data tests, stop it.

    The model contract is an allow-list of columns and types checked before a table is
    written; the personal-data and consent tests are a second guard behind it, for a column
    that someone also adds to the contract.
    """
    project = tmp_path / "project"
    for name in ["models", "macros", "seeds", "tombstones", "tests", "stedi_lakehouse", "conf"]:
        shutil.copytree(PROJECT_DIR / name, project / name, ignore=shutil.ignore_patterns("python"))
    for name in ["dbt_project.yml", "profiles.yml.example"]:
        shutil.copy(PROJECT_DIR / name, project / name)

    def mutate(path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, f"{path.name} no longer holds the line this test breaks"
        path.write_text(text.replace(old, new, 1))

    landing = tmp_path / "landing"
    bad_delivery(landing)
    shutil.copy(project / "profiles.yml.example", project / "profiles.yml")
    schema = f"stedi_test_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(thrift_port),
        "STEDI_SCHEMA": schema,
        "STEDI_LANDING_ROOT": str(landing),
        "DBT_PROFILES_DIR": str(project),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    dbt = [str(Path(sys.executable).parent / "dbt")]
    common = ["--target", "ci", "--project-dir", str(project)]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*dbt, *args, *common], cwd=project, env=env, capture_output=True, text=True
        )

    for step in [("run-operation", "stage_landing_tables"), ("seed",), ("run",)]:
        result = run(*step)
        assert result.returncode == 0, result.stdout[-3000:]
    training = f"{schema}.machine_learning_curated"
    before = query(thrift_port, f"select * from {training} order by 1, 2")

    # a new column in the SQL only: the contract refuses it and the table stays as it was
    models = project / "models"
    machine_learning = models / "curated" / "machine_learning_curated.sql"
    mutate(
        machine_learning,
        "        sensor_reading_day\n",
        "        sensor_reading_day,\n        'x' as owner_contact\n",
    )
    result = run("run", "--select", "machine_learning_curated")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "enforced contract" in result.stdout and "owner_contact" in result.stdout, result.stdout[
        -3000:
    ]
    assert query(thrift_port, f"select * from {training} order by 1, 2") == before
    mutate(machine_learning, ",\n        'x' as owner_contact\n", "\n")

    # a leak that passes the contract (the column is added to it too): the data tests stop it
    mutate(
        models / "trusted" / "steps" / "customer_records_judged.sql",
        "            when customer_state != 'trusted' then customer_state\n",
        "",
    )
    mutate(
        machine_learning,
        "accelerometer_readings.z\n",
        "accelerometer_readings.z,\n        accelerometer_readings.customer_email\n",
    )
    mutate(
        machine_learning,
        "        sensor_reading_day\n",
        "        sensor_reading_day,\n        customer_email\n",
    )
    mutate(
        models / "curated" / "_curated__models.yml",
        "      - name: sensor_reading_at\n",
        "      - name: customer_email\n        data_type: string\n"
        "      - name: sensor_reading_at\n",
    )
    # a full refresh: the incremental tables refuse a new column (on_schema_change: fail)
    result = run("run", "--full-refresh")
    assert result.returncode == 0, result.stdout[-3000:]
    # `dbt test`, not `dbt build`: a build would skip these once an earlier test failed
    guards = [
        "assert_zone_rows_have_consent",
        "assert_machine_learning_curated_has_no_personal_data",
    ]
    result = run("test", "--select", *guards)
    assert result.returncode == 1, result.stdout[-3000:]
    for guard in guards:
        assert re.search(rf"FAIL \d+ {guard}", result.stdout), result.stdout[-4000:]
