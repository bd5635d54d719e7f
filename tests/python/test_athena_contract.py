"""The Athena path, proven without AWS: tools/athena/ on a landing set of bad input.

The contract runs as `make athena-contract` does, as a subprocess with its own moto server on
a free 127.0.0.1 port, which it stops even when it fails. Its Spark builds use the Thrift
server of `make test` (STEDI_THRIFT_PORT), or one it starts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot
import yaml
from builds import bad_delivery, write_lines
from edge_lines import EDGES, write_edges
from sqlglot import exp

from tools.athena.aws_stand_in import BUCKET, SCHEMA
from tools.athena.iam import POLICY_FILE, Call, denied, policy_for_stand_in
from tools.athena.statements import statement_problem
from tools.athena.trino_grammar import runs_on_trino, trino_problem
from tools.athena.unit_tests import is_unit_test_select

# the tests of this module share their builds: one pytest-xdist worker runs them all
pytestmark = pytest.mark.xdist_group("athena")

PROJECT_DIR = Path(__file__).resolve().parents[2]
S3_ROOT = "s3://stedi-athena-local/stedi"
COURSE_LAYOUT = {
    "customer_trusted": "customer/trusted",
    "accelerometer_trusted": "accelerometer/trusted",
    "step_trainer_trusted": "step_trainer/trusted",
    "customer_curated": "customer/curated",
    "machine_learning_curated": "step_trainer/curated",
}
MODELS = [
    "customer_landing_validated",
    "accelerometer_landing_validated",
    "step_trainer_landing_validated",
    "landing_rejected_records",
    *COURSE_LAYOUT,
]


def more_bad_input(root: Path) -> None:
    """Cases of the landing models' unit tests, on top of test_pipeline's bad delivery."""
    write_lines(
        root / "customer/landing/customer-2.json",
        [
            '{"Email":" Zed@Test.com ","lastUpdateDate":1655564400002,'
            '"shareWithResearchAsOfDate":1655564400002,'
            '"shareWithPublicAsOfDate":null}'
        ],
    )
    write_lines(
        root / "accelerometer/landing/accelerometer-2.json",
        [
            "[1, 2, 3]",
            "",  # a blank line is no record
            '{"user":"ann.lee@test.com","timestamp":1655564402006,"x":{"a":1},"y":0,"z":0}',
            '{"user":"ann.lee@test.com","timestamp":null,"x":0,"y":0,"z":0}',
        ],
    )
    write_lines(
        root / "step_trainer/landing/step_trainer-2.json",
        ['{"sensorReadingTime":1655564402004,"serialNumber":"s-ann","distanceFromObject":2.5}'],
    )


def project_copy(tmp_path: Path) -> Path:
    """A copy of the dbt project, to break."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ["dbt_project.yml", "macros", "models", "seeds", "tests", "tombstones"]:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("python"))
        else:
            shutil.copy(source, project / name)
    return project


def run_contract(work_dir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Run the contract; return the process and its JSON report."""
    if not (PROJECT_DIR / "profiles.yml").exists():
        shutil.copy(PROJECT_DIR / "profiles.yml.example", PROJECT_DIR / "profiles.yml")
    report_file = work_dir / "report.json"
    command = [
        sys.executable, "-m", "tools.athena",
        "--work-dir", str(work_dir),
        "--report", str(report_file),
        *args,
    ]  # fmt: skip
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return result, report


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def contract(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    """One contract run, Spark included, on the bad input in strict mode."""
    work_dir = tmp_path_factory.mktemp("athena_contract")
    landing = work_dir / "landing"
    bad_delivery(landing)
    more_bad_input(landing)
    write_edges(work_dir / "edges", EDGES)
    return run_contract(
        work_dir,
        "--landing", f"bad={landing}",
        "--landing", f"edges={work_dir / 'edges'}",
        "--landing", f"absent={work_dir / 'no-such-landing-set'}",
        "--modes", "strict",
    )  # fmt: skip


def test_rubric_mode_passes_the_contract_too(tmp_path: Path):
    """make athena-contract checks both modes: rubric mode's Athena SQL reaches moto, parses
    and lints clean as strict mode's does (the fixture's run)."""
    landing = tmp_path / "landing"
    bad_delivery(landing)
    result, report = run_contract(
        tmp_path,
        "--landing", f"bad={landing}",
        "--modes", "rubric",
        "--no-spark",
        "--no-unit-tests",  # the fixture's run checks them
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert report["lint_files"] > 0 and not report["lint_problems"]
    assert report["statements"]["rubric"]


def statements(report: dict) -> list[str]:
    return [s["query"] for s in report["statements"]["strict"]]


def created(report: dict, name: str) -> exp.Create:
    """The CREATE statement of a table or view, as sqlglot's athena dialect parses it."""
    for sql in statements(report):
        parsed = sqlglot.parse_one(sql, read="athena")
        if isinstance(parsed, exp.Create):
            table = parsed.this if isinstance(parsed.this, exp.Table) else parsed.this.this
            if table.name == name:
                return parsed
    raise AssertionError(f"no CREATE of {name} reached Athena")


def test_contract_passes_and_prints_the_statement_count_and_both_engines(contract):
    result, report = contract
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    count = len(statements(report))
    assert f"1. Adapter path: {count} statements reached Athena" in result.stdout
    assert "Zone counts: Spark build | Athena SQL on DuckDB" in result.stdout
    assert (
        "absent: " in result.stdout and "is absent, so its comparisons are skipped" in result.stdout
    )


def test_every_statement_that_reached_athena_parses_as_athena_sql(contract):
    _, report = contract
    assert report["statement_problems"] == []
    origins = "\n".join(statements(report))
    # the landing staging and every model reached Athena, so all of them were parsed
    assert "macro_stage_landing_tables" in origins
    for model in MODELS:
        assert f'"node_id": "model.stedi_lakehouse.{model}"' in origins, model


def test_landing_tables_are_raw_lines_and_openx_json_over_the_landing_folders(contract):
    _, report = contract
    for dataset in ["customer", "accelerometer", "step_trainer"]:
        location = f"'{S3_ROOT}/{dataset}/landing/'"
        lines = created(report, f"{dataset}_landing__lines").sql("athena")
        assert location in lines and "`line` STRING" in lines
        typed = created(report, f"{dataset}_landing__json").sql("athena").lower()
        assert location in typed
        assert "'org.openx.data.jsonserde.jsonserde'" in typed
        assert "'ignore.malformed.json'='true'" in typed.replace(" ", "")
        assert "'case.insensitive'='true'" in typed.replace(" ", "")
        view = created(report, f"{dataset}_landing")
        assert view.args["kind"] == "VIEW"
        columns = [c.alias_or_name for c in view.expression.selects]
        assert columns[:3] == ["source_file", "source_file_modified_at", "raw_line"]
        # the file list, named like Spark's binaryFile columns for landing_file_versions
        files = created(report, f"{dataset}_landing__files")
        assert files.args["kind"] == "VIEW"
        assert [c.alias_or_name for c in files.expression.selects] == [
            "path",
            "modificationtime",
            "length",
        ]
    timestamp = created(report, "accelerometer_landing__json").sql("athena")
    assert "`timestamp` BIGINT" in timestamp  # typed from the source YAML


def test_trusted_and_curated_tables_are_snappy_parquet_in_the_course_layout(contract):
    _, report = contract
    for model, folder in COURSE_LAYOUT.items():
        properties = {}
        for item in created(report, model).find(exp.Properties).expressions:
            if isinstance(item, exp.FileFormatProperty):
                properties["format"] = item.this.name
            else:
                properties[item.name.lower()] = item.text("value")
        assert properties["format"] == "parquet", model
        assert properties["write_compression"] == "snappy", model
        assert properties["external_location"].rstrip("/") == f"{S3_ROOT}/{folder}", model


def test_a_rebuild_replaces_the_zone_folders_and_keeps_the_landing_files(contract):
    _, report = contract
    # the contract put a stale object into each zone folder before the build
    assert report["s3_problems"] == []
    assert report["landing_files_kept"] > 0


def test_bad_input_gives_the_same_answers_on_the_athena_sql_as_on_spark(contract):
    _, report = contract
    athena = report["athena_counts"]["bad strict"]
    assert athena == report["spark_counts"]["bad strict"]
    # the contract compares the quarantine of both engines too, line by line
    assert report["rejected"]["bad strict"] == report["spark_rejected"]["bad strict"]
    assert athena["landing_rejected_records"] == 8 + 4
    rejected = sorted(tuple(row) for row in report["rejected"]["bad strict"])
    assert rejected == sorted(
        [("customer", "not a JSON object")]
        + [("accelerometer", "timestamp is not an integer")] * 2
        + [("accelerometer", "not a JSON object")] * 3
        + [("accelerometer", "missing required key user")] * 2
        + [("accelerometer", "missing required key timestamp")]
        + [("accelerometer", "x is not a number")]
        + [("step_trainer", "distanceFromObject is not an integer")]
        + [("step_trainer", "distanceFromObject is not an integer")]
    )


def test_every_edge_line_gets_its_verdict_from_the_athena_sql_as_from_spark(contract):
    """The contract's edge lines (repeated keys, text after the object, nesting) on both engines."""
    _, report = contract
    expected = sorted(
        (dataset, verdict) for dataset, lines in EDGES.items() for _, verdict in lines if verdict
    )
    assert sorted(tuple(row) for row in report["rejected"]["edges strict"]) == expected
    assert report["spark_rejected"]["edges strict"] == report["rejected"]["edges strict"]
    assert report["athena_counts"]["edges strict"] == report["spark_counts"]["edges strict"]


def test_json_parse_is_never_fused_with_a_cast(contract):
    """Trino rewrites cast(json_parse(x) as map) into a stricter parse, which would make a
    repeated key `not a JSON object`: json_parse must run on its own, whatever the optimizer."""
    _, report = contract
    casts = [
        cast
        for sql in statements(report)
        for cast in sqlglot.parse_one(sql, read="athena").find_all(exp.Cast)
    ]
    assert any(cast.find(exp.ParseJSON) for cast in casts)
    assert not [cast for cast in casts if isinstance(cast.this, exp.ParseJSON)]
    assert "json_size(" in "\n".join(statements(report))


def test_athena_casts_name_trinos_types(contract):
    """Athena's DML documentation asks for `integer`; Hive's `int` is for DDL."""
    _, report = contract
    sql = "\n".join(statements(report))
    assert re.search(r"(?i)\bas integer\)", sql)  # distanceFromObject, an int of the contract
    assert not re.search(r"(?i)\bas int\)", sql)


def test_compiled_athena_sql_has_no_lint_violation(contract):
    _, report = contract
    assert report["lint_files"] >= len(MODELS)
    assert report["lint_problems"] == []


def unit_tests_in_project(project: Path = PROJECT_DIR) -> list[str]:
    """The names of the project's unit tests, read from its YAML, not from the contract."""
    names = []
    for path in sorted((project / "models").rglob("*.yml")):
        definitions = yaml.safe_load(path.read_text()) or {}
        names += [test["name"] for test in definitions.get("unit_tests", [])]
    return names


def test_every_unit_test_runs_on_athena_local_and_passes_on_its_athena_sql(contract):
    """dbt runs each unit test on athena_local; the SQL it sent parses as Trino's and passes."""
    result, report = contract
    names = unit_tests_in_project()
    assert names
    unit_tests = report["unit_tests"]
    assert unit_tests["problems"] == []
    assert unit_tests["in_project"] == len(names)
    outcomes = {o["node_id"].rsplit(".", 1)[1]: o for o in unit_tests["outcomes"]}
    assert sorted(outcomes) == sorted(names)
    for name, outcome in outcomes.items():
        assert outcome["dbt_status"] == "pass", (name, outcome["message"])
        # dbt's unit-test materialization: CREATE TABLE AS of its temp table, then one SELECT
        create, select = outcome["statements"]
        assert f'."{name}__dbt_tmp"' in create.split("\n", 2)[1], name
        assert is_unit_test_select(select), name
        assert "__dbt__cte__" in select  # the fixtures, inlined
        for sql in (create, select):
            assert statement_problem(sql) is None, name
            assert runs_on_trino(sql), name
            assert trino_problem(sql) is None, name
        # replayed on DuckDB from moto's recording: the actual rows are the expected ones
        assert outcome["difference_rows"] == 0, name
    assert (
        f"Unit tests: {len(names)} of the project's {len(names)} run by dbt on athena_local"
        in result.stdout
    )
    assert f"{len(names)} SELECTs replayed from the recording: 0 difference rows" in result.stdout
    # their AWS calls too are allowed by the documented policy
    calls = recorded_calls(report, "unit tests")
    assert any(call.resource.endswith("__dbt_tmp") for call in calls)
    assert denied(json.dumps(stand_in_policy()), calls) == []


def documented_columns(project: Path = PROJECT_DIR) -> int:
    """The columns of the trusted and curated models' YAML."""
    files = [project / "models" / zone / f"_{zone}__models.yml" for zone in ("trusted", "curated")]
    models = [model for f in files for model in yaml.safe_load(f.read_text())["models"]]
    return sum(len(model["columns"]) for model in models)


def test_the_trusted_and_curated_glue_tables_carry_the_descriptions(contract):
    result, report = contract
    assert report["docs_problems"] == []
    assert report["docs_checked"]["strict"] == [len(COURSE_LAYOUT), documented_columns()]
    assert f"Docs: the Glue tables of {len(COURSE_LAYOUT)} trusted and curated models" in (
        result.stdout
    )


def mutate(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer holds the text this test breaks"
    path.write_text(text.replace(old, new, 1))


def test_a_copy_of_the_project_broken_in_five_ways_fails_the_contract_on_each(tmp_path: Path):
    """One copy, five breaks in places of their own, each named by the contract it breaks.

    Without persist_docs on trusted, its Glue tables lack their descriptions (curated's keep
    theirs); valid Spark SQL that Athena's engine cannot run (backticks, rlike, a cast to
    `string`), each in a model of its own; a column outside machine_learning_curated's contract.
    customer_curated is left whole, and everything of it is still checked and passes.
    """
    project = project_copy(tmp_path)
    config = project / "dbt_project.yml"
    persist = "      +persist_docs: {relation: true, columns: true}\n"
    assert config.read_text().count(persist) == 2
    mutate(config, persist, "")  # the first is trusted's
    models = project / "models"
    mutate(
        models / "landing" / "landing_rejected_records.sql",
        "        'customer' as dataset,",
        "        'customer' as `dataset`,",
    )
    mutate(
        models / "trusted" / "accelerometer_trusted.sql",
        "    where exclusion_reason is null\n",
        "    where exclusion_reason is null and customer_email rlike '@'\n",
    )
    mutate(
        models / "trusted" / "customer_trusted.sql",
        "        -- ids\n        customer_email,",
        "        -- ids\n        cast(customer_email as string) as customer_email,",
    )
    mutate(
        models / "curated" / "machine_learning_curated.sql",
        "        sensor_reading_day\n    from paired",
        "        sensor_reading_day,\n        'x' as owner_contact\n    from paired",
    )
    landing = tmp_path / "landing"
    bad_delivery(landing)
    result, report = run_contract(
        tmp_path,
        "--project-dir", str(project),
        "--landing", f"bad={landing}",
        "--modes", "strict",
        "--no-spark",
        "--no-unit-tests",  # the fixture's run checks them; the next test breaks two
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Athena contract: FAILED" in result.stdout
    failures = result.stderr
    # persist_docs: the trusted tables lack their descriptions, the untouched curated one not
    assert "strict: customer_trusted: its Glue table lacks the model's description" in failures
    assert "strict: customer_trusted.serial_number: its Glue column lacks its description" in (
        failures
    )
    assert not [p for p in report["docs_problems"] if "customer_curated" in p]
    # the Spark-only constructs, each in its model
    assert "model.stedi_lakehouse.landing_rejected_records: does not parse" in failures
    assert "model.stedi_lakehouse.accelerometer_trusted: Trino's grammar refuses it" in failures
    assert "model.stedi_lakehouse.customer_trusted: casts to Spark's type `string`" in failures
    # the column outside the contract, and the other contracted tables kept theirs
    assert "machine_learning_curated breaks its model contract" in failures
    assert "['owner_contact']" in failures
    assert "customer_curated breaks" not in failures
    # the rest is still checked: DuckDB builds what sqlglot parses
    counts = report["athena_counts"]["bad strict"]
    assert counts["customer_curated"] == 1
    assert counts["landing_rejected_records"] is None


def test_a_unit_test_with_spark_sql_or_a_wrong_expectation_fails_the_contract(tmp_path: Path):
    project = project_copy(tmp_path)
    tests_file = project / "models" / "trusted" / "_trusted__unit_tests.yml"
    definitions = yaml.safe_load(tests_file.read_text())
    tests = {test["name"]: test for test in definitions["unit_tests"]}
    spark_sql, wrong = (
        "customer_trusted_keeps_the_records_without_a_reason",
        "step_trainer_trusted_keeps_the_readings_without_a_reason",
    )
    # an expectation written in Spark SQL, which DuckDB accepts and Athena's engine does not
    tests[spark_sql]["expect"] = {
        "format": "sql",
        "rows": "select cast('ann@test.com' as string) as customer_email",
    }
    tests[wrong]["expect"]["rows"][0]["distance_from_object"] = 999
    tests_file.write_text(yaml.safe_dump(definitions, sort_keys=False))

    result, report = run_contract(
        tmp_path, "--project-dir", str(project), "--modes", "strict", "--no-spark"
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Athena contract: FAILED" in result.stdout
    node = "unit_test.stedi_lakehouse."
    assert f"{node}customer_trusted.{spark_sql}: casts to Spark's type `string`" in result.stderr
    assert f"{node}step_trainer_trusted.{wrong}: dbt says fail" in result.stderr
    # the other unit tests still ran and passed
    problems = report["unit_tests"]["problems"]
    assert problems and all(spark_sql in p or wrong in p for p in problems)
    assert len(report["unit_tests"]["outcomes"]) == len(unit_tests_in_project(project))


@pytest.mark.parametrize(
    "vars_yaml",
    [
        # a zone folder inside a landing folder
        f"{{landing_root: '{S3_ROOT}', athena_zone_root: '{S3_ROOT}/customer/landing/zones'}}",
        # a landing folder inside a zone folder
        f"{{landing_root: '{S3_ROOT}/customer/trusted/raw'}}",
    ],
    ids=["zone-in-landing", "landing-in-zone"],
)
def test_a_build_that_would_empty_a_landing_folder_is_refused(tmp_path: Path, vars_yaml: str):
    from dbt.cli.main import dbtRunner

    from tools.athena.aws_stand_in import (
        athena_statements,
        moto_athena,
        prepare_account,
        s3_keys,
    )

    if not (PROJECT_DIR / "profiles.yml").exists():
        shutil.copy(PROJECT_DIR / "profiles.yml.example", PROJECT_DIR / "profiles.yml")
    landing = tmp_path / "landing"
    bad_delivery(landing)
    with moto_athena():
        prepare_account(landing)
        keys_before = s3_keys()
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target",
                "athena_local",
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path / "logs"),
                "--vars",
                vars_yaml,
                "--exclude-resource-type",
                "test",
                "unit_test",
            ]  # fmt: skip
        )
        statements = athena_statements()
        keys_after = s3_keys()
    assert not result.success
    assert "Refusing to build: the S3 folder" in str(result.exception)
    # no table was written: nothing reached Athena, and every object, landing or stale, is kept
    assert not [s for s in statements if "create table" in s["query"].lower()]
    assert keys_after == keys_before


def recorded_calls(report: dict, run: str = "strict") -> list[Call]:
    return [
        Call(c["action"], c["resource"], tuple(tuple(pair) for pair in c["conditions"]))
        for c in report["iam_calls"][run]
    ]


def stand_in_policy() -> dict:
    return json.loads(policy_for_stand_in(POLICY_FILE.read_text(), BUCKET, SCHEMA))


def test_every_aws_call_of_a_build_is_allowed_by_the_documented_policy(contract):
    _, report = contract
    calls = recorded_calls(report)
    assert {call.action.split(":")[0] for call in calls} == {"athena", "glue", "s3"}
    assert report["iam_problems"] == []
    assert denied(json.dumps(stand_in_policy()), calls) == []


@pytest.mark.parametrize(
    "removed", ["s3:DeleteObject", "s3:ListBucket", "glue:GetTable", "athena:StartQueryExecution"]
)
def test_a_policy_without_a_permission_the_build_uses_fails_the_check(contract, removed: str):
    _, report = contract
    policy = stand_in_policy()
    for statement in policy["Statement"]:
        actions = (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        statement["Action"] = [action for action in actions if action != removed] or ["none:None"]
    problems = denied(json.dumps(policy), recorded_calls(report))
    assert problems
    assert all(problem.startswith(f"{removed} on ") for problem in problems)


def test_the_policy_keeps_the_build_out_of_the_landing_zone_and_other_prefixes():
    policy = json.dumps(stand_in_policy())
    bucket = f"arn:aws:s3:::{BUCKET}"
    outside = [
        Call("s3:PutObject", f"{bucket}/stedi/customer/landing/customer-1.json"),
        Call("s3:DeleteObject", f"{bucket}/stedi/accelerometer/landing/a.json"),
        Call("s3:ListBucket", bucket, (("s3:prefix", "other/"),)),
        Call("s3:ListBucket", bucket),
        Call("glue:DeleteTable", "arn:aws:glue:us-east-1:123456789012:table/other/t"),
    ]
    assert len(denied(policy, outside)) == len(outside)
