"""The landing data contract: one declaration, and the loader and the models agree on every line.

models/landing/_landing__sources.yml declares the keys, types and required keys; the loader
(stedi_lakehouse/contract.py) and the models (macros/landing/) both read it. The edge lines
below are fed to `load_landing.py --strict --dry-run --json` and to a dbt build over a landing
root that holds them: both must give each line the verdict written beside it, word for word.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from builds import PROJECT_DIR, build, query, write_lines

from stedi_lakehouse.contract import load_datasets

NOT_OBJECT = "not a JSON object"
TWICE = "a key appears twice (keys are case-insensitive)"

# (line, verdict): None when the line is accepted, else the reason both must give
ACCELEROMETER_EDGES = [
    ('{"user":"a01@test.com","timestamp":1001,"x":1.5,"y":-2,"z":0}', None),
    ('{"user":"a02@test.com","timeStamp":1002,"x":1,"y":1,"z":1}', None),
    ('{"USER":"a03@test.com","TIMESTAMP":1003}', None),
    # a number written as a string: accepted when written as JSON writes the number
    ('{"user":"a04@test.com","timestamp":"1004","x":1}', None),
    ('{"user":"a05@test.com","timestamp":1005,"x":"1.5"}', None),
    ('{"user":"a06@test.com","timestamp":1006,"x":"-0.5e-3"}', None),
    ('{"user":"a07@test.com","timestamp":" 1007 "}', "timestamp is not an integer"),
    ('{"user":"a08@test.com","timestamp":"-0"}', "timestamp is not an integer"),
    ('{"user":"a09@test.com","timestamp":1009,"x":"NaN"}', "x is not a number"),
    ('{"user":"a10@test.com","timestamp":1010,"x":"7d"}', "x is not a number"),
    # a required string that is blank counts as absent
    ('{"user":"  ","timestamp":1011}', "missing required key user"),
    ('{"user":"\\u00a0\\u2003","timestamp":1012}', "missing required key user"),
    ('{"user":"","timestamp":1013}', "missing required key user"),
    ('{"user":"a14@test.com","x":1}', "missing required key timestamp"),
    ('{"user":"a15@test.com","timestamp":null}', "missing required key timestamp"),
    ("{}", "missing required key user"),
    # a key twice, in another case or in the same
    ('{"user":"a17@test.com","timestamp":1017,"timeStamp":1018}', TWICE),
    ('{"user":"a18@test.com","timestamp":1018,"x":1,"x":2}', TWICE),
    # a value of another JSON type where a number is expected
    ('{"user":"a19@test.com","timestamp":1019,"x":{"a":1}}', "x is not a number"),
    ('{"user":"a20@test.com","timestamp":1020,"y":[1]}', "y is not a number"),
    ('{"user":"a21@test.com","timestamp":1021,"z":true}', "z is not a number"),
    ('{"user":"a22@test.com","timestamp":99999999999999999999}', "timestamp is not an integer"),
    ('{"user":"a23@test.com","timestamp":1e3}', "timestamp is not an integer"),
    ('{"user":"a24@test.com","timestamp":1024.0}', "timestamp is not an integer"),
    ('{"user":"a25@test.com","timestamp":1025,"x":1e3}', None),
    ('{"user":"a26@test.com","timestamp":1026,"x":1e400}', "x is not a number"),
    ('{"user":"a27@test.com","timestamp":1027,"x":null}', None),
    # a string key keeps the text of any value; keys the contract does not name are ignored
    ('{"user":5,"timestamp":1028}', None),
    ('{"user":{"a":1},"timestamp":1029}', None),
    ('{"user":"a30@test.com","timestamp":1030,"extra":[1,2]}', None),
    # not one JSON object
    ("not JSON at all", NOT_OBJECT),
    ("[1,2,3]", NOT_OBJECT),
    ('{"user":"a33@test.com","timestamp":1033}{"user":"b@test.com","timestamp":1}', NOT_OBJECT),
    ('{"user":"a34@test.com","timestamp":1034} 5', NOT_OBJECT),
    ("{'user':'a35@test.com','timestamp':1035}", NOT_OBJECT),
    ('{"user":"a36@test.com","timestamp":1036,"x":NaN}', NOT_OBJECT),
    ('{"user":"a37}{@test.com","timestamp":1037}', NOT_OBJECT),
    ('{"user":"a38@test.com","timestamp":01038}', NOT_OBJECT),
    ('{"user":"a39@test.com","timestamp":1039', NOT_OBJECT),
]
CUSTOMER_EDGES = [
    ('{"customerName":"C One","email":"c01@test.com","lastUpdateDate":1}', None),
    ('{"customerName":"C Two","email":" \\t","lastUpdateDate":2}', "missing required key email"),
    ('{"email":"c03@test.com","lastUpdateDate":"3"}', None),
    (
        '{"email":"c04@test.com","lastUpdateDate":4,"shareWithResearchAsOfDate":1.5}',
        "shareWithResearchAsOfDate is not an integer",
    ),
    ('{"email":"c05@test.com","Email":"c05@test.com","lastUpdateDate":5}', TWICE),
    ('{"email":"c06@test.com"}', "missing required key lastUpdateDate"),
    ('{"email":"c07@test.com","lastUpdateDate":7,"phone":555}', None),
]
STEP_TRAINER_EDGES = [
    ('{"sensorReadingTime":1,"serialNumber":"s-01","distanceFromObject":200}', None),
    (
        '{"sensorReadingTime":2,"serialNumber":"s-02","distanceFromObject":3000000000}',
        "distanceFromObject is not an integer",
    ),
    ('{"sensorReadingTime":3,"serialNumber":" "}', "missing required key serialNumber"),
    ('{"sensorReadingTime":"soon","serialNumber":"s-04"}', "sensorReadingTime is not an integer"),
    ('{"sensorReadingTime":5,"serialNumber":"s-05","distanceFromObject":"250"}', None),
]
EDGES = {
    "customer": CUSTOMER_EDGES,
    "accelerometer": ACCELEROMETER_EDGES,
    "step_trainer": STEP_TRAINER_EDGES,
}


def write_edges(root: Path, edges: dict[str, list[tuple[str, str | None]]]) -> None:
    for dataset, lines in edges.items():
        path = root / dataset / "landing" / f"{dataset}-edges.json"
        write_lines(path, [line for line, _ in lines])


def loader_verdicts(loader: Path, landing: Path, tmp_path: Path) -> dict[str, dict[str, str]]:
    """Per dataset, the reason the loader gives each refused line (by the line's text)."""
    result = subprocess.run(
        [sys.executable, str(loader), str(landing), str(tmp_path / "dest")]
        + ["--strict", "--dry-run", "--json"],
        capture_output=True,
        text=True,
    )
    summary = json.loads(result.stdout)
    # --strict refuses a file with a bad line (exit code 3) and loads the others (0)
    assert result.returncode == (3 if summary["totals"]["refused"] else 0), result.stderr
    verdicts: dict[str, dict[str, str]] = {}
    for file in summary["files"]:
        lines = Path(file["source"]).read_text().splitlines()
        verdicts[file["dataset"]] = {lines[p["line"] - 1]: p["reason"] for p in file["problems"]}
    return verdicts


def model_verdicts(port: int, schema: str) -> dict[str, dict[str, str]]:
    """Per dataset, the reason the models give each quarantined line."""
    rows = query(
        port, f"select dataset, raw_line, rejection_reason from {schema}.landing_rejected_records"
    )
    verdicts: dict[str, dict[str, str]] = {dataset: {} for dataset in EDGES}
    for dataset, line, reason in rows:
        verdicts[str(dataset)][str(line)] = str(reason)
    return verdicts


def test_loader_and_models_give_every_edge_line_the_same_verdict(tmp_path: Path, thrift_port: int):
    landing = tmp_path / "landing"
    write_edges(landing, EDGES)
    by_loader = loader_verdicts(PROJECT_DIR / "load_landing.py", landing, tmp_path)
    outcome = build(tmp_path, thrift_port, landing, extra=["--skip-unit-tests"])
    assert outcome.returncode == 0, outcome.output[-3000:]
    by_models = model_verdicts(thrift_port, outcome.schema)
    for dataset, edges in EDGES.items():
        expected = {line: verdict for line, verdict in edges}
        assert {line: by_loader[dataset].get(line) for line in expected} == expected, dataset
        assert {line: by_models[dataset].get(line) for line in expected} == expected, dataset
        accepted = query(
            thrift_port,
            f"select count(*) from {outcome.schema}.{dataset}_landing_validated"
            " where rejection_reason is null",
        )[0][0]
        assert accepted == sum(verdict is None for _, verdict in edges), dataset


def test_a_required_key_declared_once_changes_the_loader_and_the_models(
    tmp_path: Path, thrift_port: int
):
    """A copy of the project that also requires `x`: both now refuse a line without it."""
    project = tmp_path / "project"
    for name in ["models", "macros", "seeds", "tests", "stedi_lakehouse", "conf"]:
        shutil.copytree(PROJECT_DIR / name, project / name, ignore=shutil.ignore_patterns("python"))
    for name in ["dbt_project.yml", "profiles.yml.example", "load_landing.py"]:
        shutil.copy(PROJECT_DIR / name, project / name)
    sources = project / "models" / "landing" / "_landing__sources.yml"
    text = sources.read_text()
    assert "required_keys: [user, timestamp]" in text
    sources.write_text(
        text.replace("required_keys: [user, timestamp]", "required_keys: [user, timestamp, x]")
    )
    without_x = '{"user":"a@test.com","timestamp":1}'
    edges = {
        "customer": [('{"email":"a@test.com","lastUpdateDate":1}', None)],
        "accelerometer": [
            (without_x, "missing required key x"),
            ('{"user":"a@test.com","timestamp":2,"x":0}', None),
        ],
        "step_trainer": [('{"sensorReadingTime":1,"serialNumber":"s-1"}', None)],
    }
    landing = tmp_path / "landing"
    write_edges(landing, edges)
    # the project as it is accepts the line; the changed copy's loader refuses it
    assert without_x not in loader_verdicts(PROJECT_DIR / "load_landing.py", landing, tmp_path).get(
        "accelerometer", {}
    )
    by_loader = loader_verdicts(project / "load_landing.py", landing, tmp_path)
    assert by_loader["accelerometer"] == {without_x: "missing required key x"}
    outcome = build(
        tmp_path, thrift_port, landing, project_dir=project, extra=["--skip-unit-tests"]
    )
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert model_verdicts(thrift_port, outcome.schema)["accelerometer"] == {
        without_x: "missing required key x"
    }


def test_the_unit_tests_give_the_declared_contract():
    """dbt builds unit tests without the graph: their contract must be the declared one."""
    declared = {
        f"{dataset.name}_landing": {
            "keys": [{"name": key, "type": kind} for key, kind in dataset.types.items()],
            "required_keys": list(dataset.required),
        }
        for dataset in load_datasets()
    }
    unit_tests = yaml.safe_load(
        (PROJECT_DIR / "models/landing/_landing__unit_tests.yml").read_text()
    )
    checked = 0
    for test in unit_tests["unit_tests"]:
        given = test.get("overrides", {}).get("macros", {}).get("landing_contract")
        if test["model"].endswith("_landing_parsed"):
            table = test["model"].removesuffix("_parsed")
            assert given == declared[table], test["name"]
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("dataset", ["customer", "accelerometer", "step_trainer"])
def test_the_declaration_names_folders_keys_and_required_keys(dataset: str):
    found = {d.name: d for d in load_datasets()}[dataset]
    assert dataset in found.folders
    assert found.required and set(found.required) <= set(found.types)
    assert {"source_file", "raw_line"}.isdisjoint(found.types)
