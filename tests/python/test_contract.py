"""The landing data contract: one declaration, and the loader and the models agree on every line.

models/landing/_landing__sources.yml declares the keys, types and required keys; the loader
(stedi_lakehouse/shared/contract.py) and the models (macros/landing/) both read it. The lines of
edge_lines.py are fed to `load_landing.py --strict --dry-run --json` and to a dbt build over a
landing root that holds them: both must give each line the verdict written beside it, word for
word.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from builds import PROJECT_DIR, build, query, write_lines, zone_checksums
from edge_lines import (
    BYTE_EDGES,
    EDGES,
    ENGINE_LIMIT_EDGES,
    MAX_LINE_BYTES,
    differential_files,
    write_byte_edges,
    write_edges,
)

from stedi_lakehouse.build import inventory
from stedi_lakehouse.shared import contract
from stedi_lakehouse.shared.contract import load_datasets


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
        lines = Path(file["source"]).read_bytes().splitlines()
        found = verdicts.setdefault(file["dataset"], {})
        for problem in file["problems"]:
            found[model_text(lines[problem["line"] - 1], problem["reason"])] = problem["reason"]
    return verdicts


def model_text(line: str | bytes, verdict: str | None) -> str:
    """The text the models keep of a quarantined line: decoded, a line too long cut short."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    return text[:MAX_LINE_BYTES] if verdict == "line too long" else text


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
    # names as downloads, copies and people write them, in a landing root named so too: the
    # engine's file paths are percent-encoded, its file list's are not, and both must agree
    landing = tmp_path / "STEDI data #1 +%41 é" / "landing"
    write_edges(landing, EDGES, "edges (1) #2")
    write_edges(landing, ENGINE_LIMIT_EDGES, "engine-limits +%41 é")
    write_byte_edges(landing, "bytes 10:00 [x] 'q'")
    every_edge = {
        dataset: [
            (model_text(line, verdict), verdict)
            for edges in (EDGES, ENGINE_LIMIT_EDGES, BYTE_EDGES)
            for line, verdict in edges.get(dataset, [])
        ]
        for dataset in EDGES
    }
    by_loader = loader_verdicts(PROJECT_DIR / "load_landing.py", landing, tmp_path)
    outcome = build(tmp_path, thrift_port, landing)
    assert outcome.returncode == 0, outcome.output[-3000:]
    by_models = model_verdicts(thrift_port, outcome.schema)
    for dataset, edges in every_edge.items():
        expected = dict(edges)
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
    for name in ["models", "macros", "seeds", "tombstones", "tests", "stedi_lakehouse", "conf"]:
        shutil.copytree(PROJECT_DIR / name, project / name, ignore=shutil.ignore_patterns("python"))
    for name in ["dbt_project.yml", "profiles.yml.example", "load_landing.py"]:
        shutil.copy(PROJECT_DIR / name, project / name)
    sources = project / "models" / "landing" / "_landing__sources.yml"
    text = sources.read_text()
    assert "required_keys: [user, timestamp]" in text
    sources.write_text(
        text.replace("required_keys: [user, timestamp]", "required_keys: [user, timestamp, x]")
    )
    without_x = '{"user":"a@test.com","timestamp":1655564400001}'
    edges = {
        "customer": [('{"email":"a@test.com","lastUpdateDate":1655564400001}', None)],
        "accelerometer": [
            (without_x, "missing required key x"),
            ('{"user":"a@test.com","timestamp":1655564400002,"x":0}', None),
        ],
        "step_trainer": [('{"sensorReadingTime":1655564400001,"serialNumber":"s-1"}', None)],
    }
    landing = tmp_path / "landing"
    write_edges(landing, edges)
    # the project as it is accepts the line; the changed copy's loader refuses it
    assert without_x not in loader_verdicts(PROJECT_DIR / "load_landing.py", landing, tmp_path).get(
        "accelerometer", {}
    )
    by_loader = loader_verdicts(project / "load_landing.py", landing, tmp_path)
    assert by_loader["accelerometer"] == {without_x: "missing required key x"}
    outcome = build(tmp_path, thrift_port, landing, project_dir=project)
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert model_verdicts(thrift_port, outcome.schema)["accelerometer"] == {
        without_x: "missing required key x"
    }


def test_the_unit_tests_give_the_declared_contract():
    """dbt builds unit tests without the graph: their contract must be the declared one."""
    declared = {
        f"{dataset.name}_landing": {
            "keys": [
                {"name": key, "type": kind, "time": dataset.times.get(key)}
                for key, kind in dataset.types.items()
            ],
            "required_keys": list(dataset.required),
            "max_nesting_depth": dataset.max_nesting_depth,
            "max_line_bytes": dataset.max_line_bytes,
            "plausible_times": dict(zip(["from", "until"], dataset.plausible_times, strict=True)),
        }
        for dataset in load_datasets()
    }
    unit_tests = yaml.safe_load(
        (PROJECT_DIR / "models/landing/steps/_landing_steps__unit_tests.yml").read_text()
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


def test_the_fast_path_reads_every_certified_line_as_the_strict_parse_does(
    tmp_path: Path, thrift_port: int
):
    """Every line, through the loader: a file it certifies is read by Spark's JSON source, the
    others strictly. A build so, and a build that reads every file strictly, must hold the same
    rows, every edge line and a generated set of lines in every form JSON allows alike."""
    source = tmp_path / "source"
    for dataset, lines in EDGES.items():
        for number, (line, _) in enumerate(lines):
            write_lines(source / dataset / "landing" / f"{dataset}-edge-{number:02d}.json", [line])
    for relative, lines in differential_files().items():
        write_lines(source / relative, lines)
    landing = tmp_path / "landing"
    loaded = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "load_landing.py"), str(source), str(landing)]
        + ["--json"],
        capture_output=True,
        text=True,
    )
    summary = json.loads(loaded.stdout)
    certified = sum(file["certified"] for file in summary["files"])
    assert 0 < certified < len(summary["files"]), "both paths must be taken"
    named = inventory.take(str(landing), None).fast_path()
    modes = {mode for files in named.values() for mode in files}
    assert modes == {"only", "except"}, "both ways of naming the certified files must be read"
    fast = build(tmp_path, thrift_port, landing, extra=["--skip-tests"])
    strict = build(tmp_path, thrift_port, landing, "{fast_path: false}", extra=["--skip-tests"])
    assert fast.returncode == strict.returncode == 0, (fast.output + strict.output)[-3000:]
    tables = [
        "customer_landing_parsed",
        "accelerometer_landing_parsed",
        "step_trainer_landing_parsed",
        "landing_rejected_records",
        "customer_trusted",
        "accelerometer_trusted",
        "step_trainer_trusted",
        "customer_curated",
        "machine_learning_curated",
    ]
    assert zone_checksums(thrift_port, fast.schema, tables) == zone_checksums(
        thrift_port, strict.schema, tables
    )


def test_the_white_space_of_the_models_is_java_s_and_every_unicode_separator():
    """contract.WHITE_SPACE is written out, not computed on import: it must still be Java's \\s
    and every character of the Unicode categories Zs, Zl and Zp."""
    separators = "".join(
        chr(code)
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in {"Zs", "Zl", "Zp"}
    )
    assert sorted(contract.WHITE_SPACE) == sorted("\t\n\x0b\x0c\r" + separators)


def test_the_contract_is_read_when_asked_not_on_import():
    """Importing the contract reads no YAML: a tool that never judges a line pays nothing."""
    code = (
        "import yaml, sys; calls = []; real = yaml.safe_load\n"
        "yaml.safe_load = lambda *a: calls.append(1) or real(*a)\n"
        "from stedi_lakehouse.shared import contract\n"
        "assert not calls, 'read on import'\n"
        "assert contract.datasets() and calls == [1]\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, check=True)
