"""The build's own inventory of the landing zone (stedi_lakehouse/build/inventory.py): every file is
counted, or stops the build with a sentence naming it, before any engine reads a line."""

from __future__ import annotations

import codecs
import datetime
import gzip
import json
import random
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from builds import PROJECT_DIR

from stedi_lakehouse.build import freshness, inventory

LINE = b'{"sensorReadingTime":1655564400001,"serialNumber":"s-1","distanceFromObject":200}'
TEXT = LINE.decode()


def landing(root: Path, files: dict[str, bytes]) -> Path:
    """A landing root holding `files` (paths below it) and one valid file per dataset."""
    for dataset in ("customer", "accelerometer", "step_trainer"):
        (root / dataset / "landing").mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_lines_are_counted_as_hadoop_ends_them_whatever_the_chunks(chunk: int):
    rng = random.Random(chunk)
    for _ in range(300):
        data = bytes(rng.choice(b"ab \r\n") for _ in range(rng.randint(0, 60)))
        pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
        lines, _ = inventory.count_lines(pieces)
        # bytes.splitlines ends a line at LF, CRLF and CR, as Hadoop's LineReader does
        assert lines == len(data.splitlines()), data


def test_a_line_longer_than_any_engine_reads_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(inventory, "ENGINE_MAX_LINE_BYTES", 100)
    monkeypatch.setattr(inventory, "CHUNK", 16)
    root = landing(tmp_path, {"step_trainer/landing/long.json": LINE + b"\n" + b"x" * 101})
    found = inventory.take(str(root))
    assert found.problems == [
        "step_trainer/landing/long.json holds a line of 101 bytes, more than any engine reads "
        "(100); split it or remove that line"
    ]


def test_every_file_an_engine_would_skip_or_misread_is_named(tmp_path):
    files = {
        "step_trainer/landing/_hidden.json": LINE,
        "step_trainer/landing/.dot.json": LINE,
        "step_trainer/landing/notes.txt": b"hello",
        "step_trainer/landing/old/readings.json": LINE,
        "step_trainer/landing/packed.json.gz": gzip.compress(LINE),
        "step_trainer/landing/gzip-named-json.json": gzip.compress(LINE),
        "step_trainer/landing/windows.json": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        "step_trainer/landing/no-bom.json": TEXT.encode("utf-16-be"),
        "step_trainer/landing/wide.json": TEXT.encode("utf-32"),
        "step_trainer/landing/tab\tname.json": LINE,
        "step_trainer/landing/fine (1) #2 +%.JSONL": LINE,
    }
    found = inventory.take(str(landing(tmp_path, files)))
    named = {problem.split(" ")[0].split(":")[0] for problem in found.problems}
    assert named == {
        f"step_trainer/landing/{name}"
        for name in [
            "_hidden.json",
            ".dot.json",
            "notes.txt",
            "old/readings.json",
            "packed.json.gz",
            "gzip-named-json.json",
            "windows.json",
            "no-bom.json",
            "wide.json",
            "tab\tname.json",
        ]
    }
    assert found.files == 1 and found.lines["step_trainer"] == 1


def test_operating_system_files_are_skipped_and_said(tmp_path):
    files = {
        "customer/landing/.DS_Store": b"\0\0\0\1Bud1",
        "customer/landing/__MACOSX/._customer.json": b"\0\5\26\7",
        "customer/landing/Thumbs.db": b"\xd0\xcf",
        "customer/landing/._customer.json": b"\0\5\26\7",
        "customer/landing/.customer.json.k3j4h5g6.tmp": LINE,
    }
    found = inventory.take(str(landing(tmp_path, files)))
    assert found.problems == []
    assert sorted(found.skipped) == sorted(files)
    assert found.files == 0


def test_counts_are_kept_per_file_version_and_a_rewritten_file_is_counted_again(tmp_path):
    root = landing(tmp_path / "landing", {"step_trainer/landing/a.json": LINE + b"\n" + LINE})
    cache = tmp_path / "counts.json"
    assert inventory.take(str(root), cache).lines["step_trainer"] == 2
    # a forged count for this very version is believed: the file is not read again
    counts = json.loads(cache.read_text())
    (key,) = counts
    cache.write_text(json.dumps({key: [41, 10, None]}))
    assert inventory.take(str(root), cache).lines["step_trainer"] == 41
    (root / "step_trainer/landing/a.json").write_bytes(LINE + b"\r" + LINE + b"\r\n" + LINE)
    assert inventory.take(str(root), cache).lines["step_trainer"] == 3


def test_a_build_over_a_file_the_models_cannot_read_stops_before_spark_naming_it(tmp_path):
    root = landing(tmp_path / "STEDI data", {"step_trainer/landing/_readings.json": LINE})
    result = subprocess.run(
        [sys.executable, "-m", "stedi_lakehouse.build", "--landing-root", str(root)]
        + ["--no-java-check"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DBT_TARGET_PATH": str(tmp_path / "target")},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "step_trainer/landing/_readings.json is skipped by Spark and Athena" in result.stderr
    assert "Traceback" not in result.stderr


def test_certified_files_reach_the_parse_in_a_file_however_many(tmp_path):
    """The certified files reach the parse in a file under the target folder: every one is
    named, each dataset by its shorter list, however long the lists (here more than the 128 KiB
    Linux allows one environment variable, which every process of a build would inherit)."""
    found = inventory.Inventory()
    folder = "file:/" + "x" * 200
    accelerometer = [f"{folder}/a-{n}.json" for n in range(1000)]
    found.certified["accelerometer"] = accelerometer
    found.uncertified["accelerometer"] = [f"{folder}/b-{n}.json" for n in range(2000)]
    found.certified["customer"] = [f"{folder}/c-{n}.json" for n in range(1000)]
    found.certified["step_trainer"] = [f"{folder}/s-0.json"]
    found.uncertified["step_trainer"] = [f"{folder}/s-{n}.json" for n in range(1, 3)]
    listed = tmp_path / "target" / "certified_files.jsonl"
    found.write_certified(listed)
    assert listed.stat().st_size > 128 * 1024
    # read as macros/landing/landing_files_to_parse.sql reads it, dataset by dataset
    named: dict[str, dict[str, list[str]]] = {}
    for line in listed.read_text().splitlines():
        row = json.loads(line)
        paths = named.setdefault(row["dataset"], {}).setdefault(row["mode"], [])
        paths += [row["path"]] if "path" in row else []
    assert named == {
        "accelerometer": {"only": accelerometer},
        "customer": {"except": []},
        "step_trainer": {"only": [f"{folder}/s-0.json"]},
    }


def test_a_landing_dataset_with_no_file_yet_is_said_so_not_called_stale():
    """dbt dates the newest file of an empty dataset to 1970: no age of 17,758,943 hours."""
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    recent = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)

    def result(name: str, status: str, newest: datetime.datetime) -> SimpleNamespace:
        node = SimpleNamespace(name=name, resource_type="source")
        age = (datetime.datetime.now(datetime.UTC) - newest).total_seconds()
        return SimpleNamespace(node=node, status=status, max_loaded_at=newest, age=age)

    results = [result("customer_landing", "error", epoch)]
    results.append(result("accelerometer_landing", "pass", recent))
    outcome = SimpleNamespace(result=SimpleNamespace(results=results))
    lines, worst = freshness.landing_freshness(lambda args: outcome, [])
    assert worst == "pass"
    assert any(line.split() == ["customer_landing", "no", "file", "yet", "-"] for line in lines)
    assert any(
        line.split() == ["accelerometer_landing", "pass", "2.0", "h", "ago"] for line in lines
    )
    assert not any("stale" in line for line in lines)
    results.append(result("step_trainer_landing", "error", recent - datetime.timedelta(days=9)))
    _, worst = freshness.landing_freshness(lambda args: outcome, [])
    assert worst == "error"
