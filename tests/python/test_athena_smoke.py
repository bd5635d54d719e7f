"""`make athena-smoke` (tools/athena/smoke.py), proven without an AWS account.

The smoke test runs against moto's server on 127.0.0.1 (started and stopped here, even on
failure) on the athena_local target, through load, staging and the build; moto executes no
SQL, so the checks that need answers are skipped there. Its expected figures and probe answers
(smoke_expected.json) are checked against a Spark build of the same files and against the
DuckDB stand-in, so the smoke test cannot drift from the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import duckdb
import pytest
import sqlglot
from builds import build, query

from tools.athena import smoke, smoke_account
from tools.athena.aws_stand_in import (
    BUCKET,
    SCHEMA,
    WORK_GROUP,
    athena_statements,
    moto_athena,
    recorded_requests,
    s3_keys,
)
from tools.athena.duckdb_replay import replay_in_duckdb
from tools.athena.iam import POLICY_FILE, Call, calls_of, denied, policy_for_stand_in
from tools.athena.trino_to_duckdb import to_duckdb
from tools.fake_aws import DUMMY_AWS_ENVIRONMENT, REGION, variables_to_remove

# the tests of this module share their builds: one pytest-xdist worker runs them all
pytestmark = pytest.mark.xdist_group("athena")

PROJECT_DIR = Path(__file__).resolve().parents[2]
SMOKE_POLICY_FILE = PROJECT_DIR / "docs" / "iam" / "smoke-test-policy.json"
EXPECTED = json.loads(smoke.EXPECTED_FILE.read_text())


def ensure_profiles() -> None:
    if not (PROJECT_DIR / "profiles.yml").exists():
        shutil.copy(PROJECT_DIR / "profiles.yml.example", PROJECT_DIR / "profiles.yml")


def glue_databases() -> list[str]:
    glue = boto3.client("glue", region_name=REGION)
    return [d["Name"] for d in glue.get_databases()["DatabaseList"]]


@dataclass
class StandInRun:
    settings: smoke_account.Settings
    outcome: smoke.Outcome
    statements: list[dict[str, str]]
    keys_before: list[str]
    keys_after: list[str]
    databases_after: list[str]
    requests: list[dict]


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def stand_in_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInRun]:
    """One smoke run on moto, through load, staging and the build on athena_local."""
    from moto.moto_api import recorder

    ensure_profiles()
    # moto was imported before moto_athena could name the recording's file: name it here
    saved_location = recorder._location
    recorder._location = str(tmp_path_factory.mktemp("moto") / "recording")
    try:
        with moto_athena():
            settings = smoke_account.stand_in_settings(uuid.uuid4().hex[:8])
            smoke_account.prepare_stand_in(settings)
            keys_before = s3_keys()
            before = {s["id"] for s in athena_statements()}
            with recorded_requests() as requests:
                outcome = smoke.run(settings, echo=lambda line: None)
            statements = [s for s in athena_statements() if s["id"] not in before]
            after = (s3_keys(), glue_databases())
        yield StandInRun(settings, outcome, statements, keys_before, *after, requests)
    finally:
        recorder._location = saved_location


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def loaded_tiny_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny landing set as load_landing.py writes it, as the smoke test loads it to S3."""
    work = tmp_path_factory.mktemp("smoke")
    smoke.write_tiny_landing(work / "tiny")
    command = [sys.executable, "load_landing.py", str(work / "tiny"), str(work / "landing")]
    subprocess.run(command, cwd=PROJECT_DIR, check=True, capture_output=True)
    return work / "landing"


def test_the_stand_in_smoke_loads_stages_builds_and_removes_everything(stand_in_run):
    run = stand_in_run
    assert run.outcome.exit_code == smoke.EXIT_PASSED, run.outcome.lines
    lines = run.outcome.lines
    assert lines[0].startswith("ok    load: 4 files to the prefix")
    assert lines[1] == "ok    stage and dbt build (models only, moto)"
    assert lines[2].startswith(f"skip  zone counts, quarantine and {len(EXPECTED['probes'])}")
    assert lines[3].startswith(f"ok    clean-up: database {run.settings.schema} dropped")
    # the build read the landing files of the fresh prefix and built every zone there
    sql = "\n".join(s["query"] for s in run.statements)
    assert f"'{run.settings.prefix}/customer/landing/'" in sql
    assert f"{run.settings.prefix}/customer/trusted" in sql
    assert f'"{run.settings.schema}"."machine_learning_curated"' in sql
    # nothing is left behind: no object and no database
    assert run.keys_after == run.keys_before
    assert run.settings.schema not in run.databases_after


def test_the_clean_up_runs_when_a_step_fails(monkeypatch, tmp_path):
    def failing_build(settings):
        raise smoke.SmokeError("dbt build could not run: a stand-in failure.")

    monkeypatch.setattr(smoke, "build", failing_build)
    with moto_athena():
        settings = smoke_account.stand_in_settings(uuid.uuid4().hex[:8])
        smoke_account.prepare_stand_in(settings)
        keys_before = s3_keys()
        outcome = smoke.run(settings, echo=lambda line: None)
        keys_after = s3_keys()
    assert outcome.exit_code == smoke.EXIT_CANNOT_RUN
    assert outcome.lines[0].startswith("ok    load: 4 files")
    assert "FAIL  could not run: dbt build could not run" in outcome.lines[1]
    assert outcome.lines[2] == (
        f"ok    clean-up: database {settings.schema} dropped, 4 objects deleted"
    )
    assert keys_after == keys_before


@pytest.mark.parametrize("holder", ["prefix", "database"])
def test_it_refuses_a_prefix_or_database_that_holds_data_and_touches_nothing(holder):
    with moto_athena():
        settings = smoke_account.stand_in_settings(uuid.uuid4().hex[:8])
        smoke_account.prepare_stand_in(settings)
        bucket, key = smoke_account.split_s3(
            f"{settings.prefix}/customer/landing/someones-data.json"
        )
        if holder == "prefix":
            boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=b"{}")
        else:
            glue = boto3.client("glue", region_name=REGION)
            glue.create_database(DatabaseInput={"Name": settings.schema})
        keys_before = s3_keys()
        outcome = smoke.run(settings, echo=lambda line: None)
        keys_after, databases = s3_keys(), glue_databases()
    assert outcome.exit_code == smoke.EXIT_CANNOT_RUN
    assert len(outcome.lines) == 1 and outcome.lines[0].startswith("FAIL  Refusing to run: ")
    assert keys_after == keys_before
    assert (settings.schema in databases) == (holder == "database")


def clean_aws_environment() -> dict[str, str]:
    """This process's environment without AWS settings or credentials of any kind."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "STEDI_")) and name not in variables_to_remove(os.environ)
    }
    environment.update(
        {k: v for k, v in DUMMY_AWS_ENVIRONMENT.items() if not k.startswith("AWS_SECRET")}
    )
    environment.pop("AWS_ACCESS_KEY_ID")
    return environment


@pytest.mark.parametrize(
    ("s3_root", "message"),
    [(None, smoke_account.NO_ROOT), ("s3://my-stedi-bucket/stedi", smoke_account.NO_CREDENTIALS)],
    ids=["no-root", "no-credentials"],
)
def test_without_settings_or_credentials_it_says_so_in_one_sentence(s3_root, message):
    environment = clean_aws_environment()
    if s3_root:
        environment["STEDI_S3_ROOT"] = s3_root
    command = [sys.executable, "-m", "tools.athena.smoke"]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True
    )
    assert result.returncode == smoke.EXIT_NO_SETTINGS
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert message.count(". ") == 0 and message.endswith(".")


def test_help_documents_the_exit_codes():
    command = [sys.executable, "-m", "tools.athena.smoke", "--help"]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    for line in ["0  every check passed", "1  a check failed", "2  could not run", "3  no AWS"]:
        assert line in result.stdout


def test_the_expected_figures_are_those_of_a_spark_build(thrift_port, loaded_tiny_set, tmp_path):
    # the whole build, data tests included, as the smoke test runs it on Athena
    spark = build(tmp_path, thrift_port, loaded_tiny_set)
    try:
        assert spark.returncode == 0, spark.output[-3000:]
        rows = query(
            thrift_port,
            f"select dataset, rejection_reason from {spark.schema}.landing_rejected_records",
        )
    finally:
        query(thrift_port, f"drop schema if exists {spark.schema} cascade")
    assert spark.counts == EXPECTED["zone_counts"]
    assert sorted([list(row) for row in rows]) == EXPECTED["quarantine"]


def test_the_expected_figures_are_those_of_the_athena_sql_on_duckdb(stand_in_run, loaded_tiny_set):
    # the recorded statements name the run's database; the replay builds its own
    statements = [
        {**s, "query": s["query"].replace(stand_in_run.settings.schema, SCHEMA)}
        for s in stand_in_run.statements
    ]
    replay = replay_in_duckdb(statements, loaded_tiny_set)
    assert replay.problems == []
    assert replay.counts == EXPECTED["zone_counts"]
    assert sorted([list(row) for row in replay.rejected]) == EXPECTED["quarantine"]


def test_the_probe_answers_are_sparks(thrift_port, monkeypatch, tmp_path):
    ensure_profiles()
    monkeypatch.setenv("STEDI_THRIFT_PORT", str(thrift_port))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    probes = EXPECTED["probes"]
    compiled = smoke.compile_probes("ci", probes, "{}")
    answers = {
        p["name"]: query(thrift_port, sql)[0][0] for p, sql in zip(probes, compiled, strict=True)
    }
    assert answers == {p["name"]: p["spark_answer"] for p in probes}


def test_the_probe_answers_are_those_of_the_athena_sql_on_duckdb(stand_in_run):
    probes = EXPECTED["probes"]
    assert len(stand_in_run.outcome.probe_sql) == len(probes)
    answers = {}
    for probe, sql in zip(probes, stand_in_run.outcome.probe_sql, strict=True):
        duckdb_sql = to_duckdb(sqlglot.parse_one(sql, read="athena"))
        answers[probe["name"]] = duckdb.connect().execute(duckdb_sql).fetchall()[0][0]
    assert answers == {p["name"]: p["spark_answer"] for p in probes}


def test_the_tiny_set_has_the_edge_lines_of_the_issue(tmp_path):
    files = smoke.write_tiny_landing(tmp_path)
    data = {path.name: path.read_bytes() for path in files}
    assert data["customer-smoke.json"].startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data["customer-smoke.json"]
    assert b'"timeStamp"' in data["accelerometer-smoke-1.json"]
    bad = data["accelerometer-smoke-2.json"].decode().split("\n")
    assert bad[0].count('"timestamp"') == 2
    assert bad[1].endswith("} trailing text")
    assert not bad[2].endswith("}")  # truncated, and the file's last line
    for dataset in ["customer", "accelerometer", "step_trainer"]:
        counts = [len(data[p.name].splitlines()) for p in files if p.name.startswith(dataset)]
        assert sum(counts) == 12, dataset


def test_a_figure_or_answer_unlike_sparks_fails_its_check():
    counts = dict(EXPECTED["zone_counts"])
    assert smoke.check_counts(EXPECTED["zone_counts"], counts)[0]
    counts["customer_trusted"] += 1
    ok, text = smoke.check_counts(EXPECTED["zone_counts"], counts)
    assert not ok and "customer_trusted" in text
    assert smoke.check_quarantine(EXPECTED["quarantine"], EXPECTED["quarantine"][::-1])[0]
    assert not smoke.check_quarantine(EXPECTED["quarantine"], EXPECTED["quarantine"][1:])[0]
    probe = EXPECTED["probes"][0]
    assert smoke.check_probe(probe, "sql", lambda sql: [[probe["spark_answer"]]])[0] == "ok"
    assert smoke.check_probe(probe, "sql", lambda sql: [[None]])[0] == "FAIL"

    def refused(sql):
        raise smoke.SmokeError("Athena FAILED: a function Trino lacks")

    assert smoke.check_probe(probe, "sql", refused) == [
        "FAIL",
        f"probe {probe['name']}: Athena FAILED: a function Trino lacks",
    ]


def as_on_the_account(call: Call, settings: smoke_account.Settings) -> Call:
    """A stand-in call where a run on an account makes it.

    athena_local fixes its data dir, so there the database's folder lies beside the prefix; on
    an account the smoke test gives dbt the prefix as STEDI_S3_ROOT, which puts it inside.
    """
    stand_in = f"stedi/{settings.schema}"
    account = f"stedi/smoke-{settings.run_id}/{settings.schema}"
    conditions = tuple((key, value.replace(stand_in, account)) for key, value in call.conditions)
    return Call(call.action, call.resource.replace(stand_in, account), conditions)


def smoke_calls(run: StandInRun) -> list[Call]:
    return [as_on_the_account(call, run.settings) for call in calls_of(run.requests, WORK_GROUP)]


def policies() -> tuple[dict, dict]:
    """The build policy and the smoke test's additions, with the stand-in's bucket."""
    build_policy = json.loads(policy_for_stand_in(POLICY_FILE.read_text(), BUCKET, "stedi"))
    smoke_policy = json.loads(policy_for_stand_in(SMOKE_POLICY_FILE.read_text(), BUCKET, "stedi"))
    return build_policy, smoke_policy


def test_every_aws_call_of_the_smoke_test_is_allowed_by_the_documented_policies(stand_in_run):
    calls = smoke_calls(stand_in_run)
    assert {"s3:PutObject", "s3:DeleteObject", "glue:DeleteTable"} <= {c.action for c in calls}
    build_policy, smoke_policy = policies()
    both = {**build_policy, "Statement": build_policy["Statement"] + smoke_policy["Statement"]}
    assert denied(json.dumps(both), calls) == []


@pytest.mark.parametrize("left_out", [0, 1, 2])
def test_each_statement_of_the_smoke_test_policy_is_needed(stand_in_run, left_out):
    build_policy, smoke_policy = policies()
    kept = [s for i, s in enumerate(smoke_policy["Statement"]) if i != left_out]
    policy = {**build_policy, "Statement": build_policy["Statement"] + kept}
    assert denied(json.dumps(policy), smoke_calls(stand_in_run))
