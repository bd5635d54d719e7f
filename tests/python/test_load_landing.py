"""Tests of load_landing.py: normalisation, validation, local and S3 (moto server) loads.

Besides: lines ended as the engines end them, encodings, gzip, line lengths, odd names, what
is no delivery, --delete, the lock of a landing root, certified files, and never a traceback
(docs/loader.md).
"""

from __future__ import annotations

import base64
import codecs
import fcntl
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from builds import STARTER_DATA

import load_landing
from stedi_lakehouse.loader import line_stream
from stedi_lakehouse.loader.line_stream import split_lines
from stedi_lakehouse.loader.normalise import normalise
from stedi_lakehouse.loader.report import Reporter
from stedi_lakehouse.shared.aws import explain_aws_error
from stedi_lakehouse.shared.contract import (
    DATASETS,
    SOURCES_YAML,
    is_plain,
    judge_line,
    load_datasets,
    validate_record,
)
from stedi_lakehouse.shared.errors import EXIT_LOCKED, EXIT_UNEXPECTED, FileRefused, LoaderError
from stedi_lakehouse.shared.local_storage import (
    XATTR_CERTIFICATE,
    LocalStorage,
    read_local_certificate,
)
from stedi_lakehouse.shared.s3_storage import METADATA_CERTIFICATE
from stedi_lakehouse.shared.storage import LOCK_NAME, open_storage
from tools.net import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
LOADER = REPO_ROOT / "load_landing.py"


EXIT_OK, EXIT_INVALID_INPUT, EXIT_REFUSED, EXIT_AWS_ERROR = 0, 2, 3, 4
ACCELEROMETER = next(d for d in DATASETS if d.name == "accelerometer")
T = 1655564444103  # a plausible time (the contract's plausible_times)
CUSTOMER = next(d for d in DATASETS if d.name == "customer")


# --------------------------------------------------------------------------- test data


def customer(i: int) -> dict:
    return {
        "customerName": f"Customer {i}",
        "email": f"customer.{i}@test.com",
        "phone": "8015551212",
        "birthDay": "1990-01-01",
        "serialNumber": f"serial-{i % 3}",
        "registrationDate": 1655564376361 + i,
        "lastUpdateDate": 1655564376361 + i,
        "shareWithResearchAsOfDate": 1655564376361 + i,
    }


def accelerometer(i: int) -> dict:
    return {
        "user": f"customer.{i % 3}@test.com",
        "timestamp": 1655564444103 + i,
        "x": 1.0,
        "y": -1.0,
        "z": 0,
    }


def step_trainer(i: int) -> dict:
    return {
        "sensorReadingTime": 1655564444103 + i,
        "serialNumber": f"serial-{i % 3}",
        "distanceFromObject": 200 + i,
    }


def jsonl(records: list[dict], sep: str = "\n") -> bytes:
    """One object per line, as the starter data is written."""
    return "".join(json.dumps(r) + sep for r in records).encode()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def sample_files(tag: str = "1", n: int = 4) -> dict[str, bytes]:
    return {
        f"customer/landing/customer-{tag}.json": jsonl([customer(i) for i in range(n)]),
        f"accelerometer/landing/accelerometer-{tag}.json": jsonl(
            [accelerometer(i) for i in range(n)]
        ),
        f"step_trainer/landing/step_trainer-{tag}.json": jsonl([step_trainer(i) for i in range(n)]),
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_loader(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LOADER), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_json(*args: object) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = run_loader(*args, "--json")
    return proc, json.loads(proc.stdout)


def assert_one_sentence_error(proc: subprocess.CompletedProcess[str], code: int, text: str):
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("load_landing.py: error: ")
    assert text in lines[0]
    assert lines[0].endswith(".")


def s3_objects(client, bucket: str, prefix: str = "") -> dict[str, tuple[bytes, str | None]]:
    """Every object under a prefix: relative key -> (body, stored sha256 metadata)."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            response = client.get_object(Bucket=bucket, Key=obj["Key"])
            rel = obj["Key"][len(prefix) :]
            found[rel] = (response["Body"].read(), response["Metadata"].get("sha256"))
    return found


def local_files(root: Path) -> dict[str, bytes]:
    """The files under root, less the lock file, which a run leaves behind unlocked."""
    found = (p for p in root.rglob("*") if p.is_file() and p != root / LOCK_NAME)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in found}


def lock_is_free(root: Path) -> bool:
    """Tell whether the lock file of a landing root is there and held by nobody."""
    with (root / LOCK_NAME).open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


# --------------------------------------------------------------------------- normalisation


def test_valid_json_lines_are_kept_byte_for_byte():
    raw = b'{"user": "a@test.com",  "timestamp": 1655564444103, "x": 1, "y": 1.0, "z": -0.5}\n\n'
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == raw
    assert checked.changes == []
    assert (checked.records, checked.problems) == (1, [])


def test_crlf_becomes_lf_and_trailing_newline_is_added():
    raw = b'{"user":"a@test.com","timestamp":1}\r\n{"user":"b@test.com","timestamp":2}'
    checked = normalise(raw, ACCELEROMETER)
    assert (
        checked.data
        == b'{"user":"a@test.com","timestamp":1}\n{"user":"b@test.com","timestamp":2}\n'
    )
    assert checked.changes == ["CRLF line endings converted to LF", "trailing newline added"]


@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_becomes_compact_json_lines_keeping_key_order(indent):
    records = [accelerometer(i) for i in range(3)]
    raw = json.dumps(records, indent=indent).encode().replace(b"\n", b"\r\n")
    checked = normalise(raw, ACCELEROMETER)
    expected = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
    assert checked.data == expected.encode()
    assert "JSON array converted to JSON lines" in checked.changes
    assert checked.records == 3


def test_pretty_printed_objects_become_json_lines_with_bad_records_located():
    good, bad = accelerometer(1), {"user": "c@test.com", "timestamp": 1.5}
    raw = (json.dumps(good, indent=4) + "\n" + json.dumps(bad, indent=4) + "\n").encode()
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data.decode().splitlines() == [
        json.dumps(good, separators=(",", ":")),
        json.dumps(bad, separators=(",", ":")),
    ]
    assert checked.changes == ["pretty-printed JSON converted to JSON lines"]
    assert [(p.line, "timestamp" in p.reason) for p in checked.problems] == [(8, True)]


def test_a_pretty_printed_object_keeps_a_repeated_key_and_its_verdict():
    raw = b'{\n  "user": "a@test.com",\n  "timestamp": 1655564444103,\n  "x": 1,\n  "x": 2\n}\n'
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == b'{"user":"a@test.com","timestamp":1655564444103,"x":1,"x":2}\n'
    twice = "a key appears twice (keys are case-insensitive)"
    assert [(p.line, p.reason) for p in checked.problems] == [(1, twice)]


def test_truncated_line_is_reported_with_line_number_and_kept():
    raw = jsonl([accelerometer(0), accelerometer(1)]) + b'{"user":"x@test.com","timest'
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == raw + b"\n"
    assert checked.records == 2
    assert len(checked.problems) == 1
    assert checked.problems[0].line == 3
    assert checked.problems[0].reason == "not a JSON object"
    assert checked.problems[0].detail.startswith("invalid JSON")


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"user": "a@test.com", "timeStamp": T, "x": 1, "y": 1.0, "z": 0}, None),
        ({"USER": "a@test.com", "timestamp": T, "x": None}, None),
        ({"user": "a@test.com", "timestamp": 1.0}, "timestamp is not an integer"),
        ({"user": "a@test.com", "timestamp": str(T)}, None),
        ({"user": "a@test.com", "timestamp": " 1"}, "timestamp is not an integer"),
        ({"user": "a@test.com", "timestamp": T, "x": True}, "x is not a number"),
        ({"user": "a@test.com", "timestamp": T, "x": "1.0"}, None),
        ({"user": "a@test.com", "timestamp": T, "x": "NaN"}, "x is not a number"),
        ({"user": "a@test.com"}, "missing required key timestamp"),
        ({"user": " \u00a0", "timestamp": T}, "missing required key user"),
        ({"user": "a@test.com", "timestamp": T, "TimeStamp": 2}, "twice"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_accelerometer_contract(record, problem):
    reason = validate_record(record, ACCELEROMETER)
    if problem is None:
        assert reason is None
    else:
        assert reason is not None and problem in reason


def test_customer_needs_email_and_integer_dates():
    assert validate_record(customer(1), CUSTOMER) is None
    assert "email" in validate_record({"customerName": "A"}, CUSTOMER)
    late = {**customer(1), "lastUpdateDate": 1.5}
    assert "lastUpdateDate" in validate_record(late, CUSTOMER)


def test_nan_and_blank_lines():
    raw = b'\n{"user":"a@test.com","timestamp":1,"x":NaN}\n   \n'
    checked = normalise(raw, ACCELEROMETER)
    assert [p.line for p in checked.problems] == [2]
    assert checked.data == raw


@pytest.mark.parametrize(
    ("code", "status", "operation", "message"),
    [
        ("AccessDenied", 403, "PutObject", "Access denied to the destination bucket 'b1'"),
        ("InvalidAccessKeyId", 403, "HeadBucket", "Access denied to the destination bucket"),
        ("NoSuchBucket", 404, "PutObject", "bucket 'b1' does not exist"),
        ("404", 404, "HeadBucket", "bucket 'b1' does not exist; create it or pass --create"),
        ("InternalError", 500, "PutObject", "S3 error InternalError on PutObject"),
    ],
)
def test_aws_errors_become_one_sentence(code, status, operation, message):
    error = {"Error": {"Code": code, "Message": "Some\ndetail."}}
    error["ResponseMetadata"] = {"HTTPStatusCode": status}
    exc = ClientError(error, operation)
    explained = explain_aws_error(exc, "b1", "destination")
    assert explained.exit_code == EXIT_AWS_ERROR
    assert message in str(explained)
    assert "\n" not in str(explained) and str(explained).endswith(".")


# --------------------------------------------------------------------------- CLI, local


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as exited:
        load_landing.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "3", "4", "5", "130"):
        assert f"\n  {code} " in out
    assert "another load_landing.py or erase_customer.py is writing to DEST" in out


def test_local_copy_is_idempotent_and_rewrites_changed_files(tmp_path):
    source = write_tree(tmp_path / "src", sample_files())
    dest = tmp_path / "landing"
    first = run_loader(source, dest)
    assert first.returncode == EXIT_OK, first.stderr
    assert local_files(dest) == sample_files()
    assert list(dest.rglob(".*")) == [dest / LOCK_NAME]  # no temporary files left behind
    stamps = {p: p.stat().st_mtime_ns for p in dest.rglob("*.json")}

    second, summary = run_json(source, dest)
    assert second.returncode == EXIT_OK
    assert summary["totals"]["uploaded"] == 0
    assert summary["totals"]["skipped_unchanged"] == 3
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*.json")} == stamps

    changed = jsonl([customer(i) for i in range(6)])
    (source / "customer/landing/customer-1.json").write_bytes(changed)
    third, summary = run_json(source, dest)
    assert summary["totals"]["uploaded"] == 1
    assert (dest / "customer/landing/customer-1.json").read_bytes() == changed


def test_local_delete_keeps_exactly_one_sources_files(tmp_path):
    dest = tmp_path / "landing"
    old = write_tree(tmp_path / "old", sample_files("old"))
    new = write_tree(tmp_path / "new", sample_files("new"))
    assert run_loader(old, dest).returncode == EXIT_OK
    write_tree(dest, {"accelerometer/landing/nested/stray.json": b"{}\n", "README.md": b"x"})
    write_tree(dest, {"customer/trusted/keep.json": b"{}\n"})

    proc, summary = run_json(new, dest, "--delete")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert summary["totals"]["deleted"] == 4
    expected = {**sample_files("new"), "README.md": b"x", "customer/trusted/keep.json": b"{}\n"}
    assert local_files(dest) == expected


def test_local_dry_run_writes_and_deletes_nothing(tmp_path):
    source = write_tree(tmp_path / "src", sample_files())
    dest = tmp_path / "landing"
    proc = run_loader(source, dest, "--dry-run", "--delete")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "would-upload" in proc.stdout
    assert not dest.exists()

    write_tree(dest, {"customer/landing/stray.json": b"{}\n"})
    proc, summary = run_json(source, dest, "--dry-run", "--delete")
    assert summary["dry_run"] is True
    assert summary["deleted"] == ["customer/landing/stray.json"]
    assert local_files(dest) == {"customer/landing/stray.json": b"{}\n"}


def test_json_summary_has_the_counts(tmp_path):
    files = sample_files()
    files["accelerometer/landing/accelerometer-2.json"] = (
        jsonl([accelerometer(9)], sep="\r\n") + json.dumps({"user": "x@test.com"}).encode()
    )
    source = write_tree(tmp_path / "src", files)
    proc, summary = run_json(source, tmp_path / "landing")
    assert proc.returncode == EXIT_OK
    totals = summary["totals"]
    assert totals["files"] == totals["uploaded"] == 4
    assert totals["normalised"] == 1
    assert (totals["skipped_unchanged"], totals["refused"], totals["deleted"]) == (0, 0, 0)
    assert totals["records"] == 13
    assert totals["bad_lines"] == 1
    assert totals["records_by_dataset"] == {"customer": 4, "accelerometer": 5, "step_trainer": 4}
    assert totals["bytes"] == sum(f["bytes"] for f in summary["files"])
    assert totals["bytes"] > 0 and totals["seconds"] >= 0
    bad = next(f for f in summary["files"] if f["source"].endswith("accelerometer-2.json"))
    assert bad["problems"] == [
        {"line": 2, "reason": "missing required key timestamp", "detail": None}
    ]


def test_public_bucket_spelling_and_flat_layout(tmp_path):
    source = write_tree(
        tmp_path / "src",
        {
            "customers/customers-1.json": jsonl([customer(1)]),
            "accelerometer/accelerometer-1.json": jsonl([accelerometer(1)]),
            "step_trainer/landing/step_trainer-1.json": jsonl([step_trainer(1)]),
            "other/ignored.json": b"{}\n",
        },
    )
    dest = tmp_path / "landing"
    assert run_loader(source, dest).returncode == EXIT_OK
    assert sorted(local_files(dest)) == [
        "accelerometer/landing/accelerometer-1.json",
        "customer/landing/customers-1.json",
        "step_trainer/landing/step_trainer-1.json",
    ]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p.mkdir() or p, "is empty"),
        (lambda p: write_tree(p, {"notes/a.json": b"{}\n"}), "No dataset files found"),
    ],
)
def test_invalid_sources_give_exit_2(tmp_path, setup, message):
    source = setup(tmp_path / "src")
    assert_one_sentence_error(run_loader(source, tmp_path / "dest"), EXIT_INVALID_INPUT, message)


def test_unreadable_file_is_refused_by_name_and_the_others_load(tmp_path, monkeypatch, capsys):
    source = write_tree(tmp_path / "src", sample_files())
    real_open = LocalStorage.open

    def open_source(storage, path, version=None):
        if path.endswith("customer-1.json"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(storage, path, version)

    monkeypatch.setattr(LocalStorage, "open", open_source)
    assert load_landing.main([str(source), str(tmp_path / "dest")]) == EXIT_REFUSED
    captured = capsys.readouterr()
    unreadable = source / "customer/landing/customer-1.json"
    assert f"  Cannot read {unreadable}: Permission denied.\n" in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert sorted(local_files(tmp_path / "dest")) == sorted(
        name for name in sample_files() if not name.startswith("customer/")
    )


def write(destination: LocalStorage, target: str, data: bytes) -> None:
    """Write a file through the storage's staging, as the loader and the erasure do."""
    with destination.staging(target) as staged:
        staged.write(data)
        destination.place(target, staged, sha256(data))


def test_failed_local_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    destination = LocalStorage(tmp_path, "destination")
    target = "customer/landing/customer-1.json"
    write(destination, target, b"old\n")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(LoaderError, match="No space left on device"):
        write(destination, target, b"new content\n")
    assert local_files(tmp_path) == {target: b"old\n"}


def test_progress_bar_on_a_terminal_plain_lines_otherwise():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        reporter = Reporter(stream, files=2, total_bytes=2048)
        reporter.advance(1024)
        reporter.say("uploaded     customer/landing/customer-1.json")
        reporter.close()
    assert "files:  50%" in terminal.getvalue() and "bytes" in terminal.getvalue()
    assert pipe.getvalue() == "uploaded     customer/landing/customer-1.json\n"


# --------------------------------------------------------------------------- S3 (moto server)


def test_starter_data_loads_with_matching_checksums(moto_s3_client, moto_s3_bucket):
    if not STARTER_DATA.is_dir():
        pytest.skip(f"starter data not found at {STARTER_DATA} (licence: never copied in)")
    proc, summary = run_json(STARTER_DATA, f"s3://{moto_s3_bucket}/stedi")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert summary["totals"]["records_by_dataset"] == {
        "customer": 956,
        "accelerometer": 81273,
        "step_trainer": 28680,
    }
    stored = s3_objects(moto_s3_client, moto_s3_bucket, "stedi/")
    expected = {
        p.relative_to(STARTER_DATA).as_posix(): p.read_bytes()
        for p in STARTER_DATA.glob("*/landing/*.json")
    }
    assert sorted(stored) == sorted(expected)
    for rel, raw in expected.items():
        normalised = normalise(raw, ACCELEROMETER).data
        assert normalised == raw  # the starter data is clean JSON lines
        assert stored[rel] == (raw, sha256(normalised))
        # S3 received a SHA-256 checksum with the upload and stored it with the object
        head = moto_s3_client.head_object(
            Bucket=moto_s3_bucket, Key=f"stedi/{rel}", ChecksumMode="ENABLED"
        )
        assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(raw).digest()).decode()


def test_second_s3_run_writes_nothing_and_changed_file_is_rewritten(
    tmp_path, moto_s3_client, moto_s3_bucket
):
    source = write_tree(tmp_path / "src", sample_files())
    dest = f"s3://{moto_s3_bucket}/"
    assert run_loader(source, dest).returncode == EXIT_OK
    key = "customer/landing/customer-1.json"
    before = moto_s3_client.head_object(Bucket=moto_s3_bucket, Key=key)["LastModified"]

    proc, summary = run_json(source, dest)
    assert (summary["totals"]["uploaded"], summary["totals"]["skipped_unchanged"]) == (0, 3)
    assert moto_s3_client.head_object(Bucket=moto_s3_bucket, Key=key)["LastModified"] == before

    changed = jsonl([customer(i) for i in range(7)])
    (source / key).write_bytes(changed)
    proc, summary = run_json(source, dest)
    assert (summary["totals"]["uploaded"], summary["totals"]["skipped_unchanged"]) == (1, 2)
    assert s3_objects(moto_s3_client, moto_s3_bucket)[key] == (changed, sha256(changed))


def test_crlf_array_and_pretty_printed_arrive_as_json_lines(
    tmp_path, moto_s3_client, moto_s3_bucket
):
    records = [accelerometer(i) for i in range(3)]
    compact = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
    source = write_tree(
        tmp_path / "src",
        {
            "accelerometer/landing/crlf.json": jsonl(records, sep="\r\n"),
            "accelerometer/landing/array.json": json.dumps(records).encode(),
            "accelerometer/landing/pretty.json": "\n".join(
                json.dumps(r, indent=2) for r in records
            ).encode(),
        },
    )
    proc, summary = run_json(source, f"s3://{moto_s3_bucket}/")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert summary["totals"]["normalised"] == 3
    stored = s3_objects(moto_s3_client, moto_s3_bucket)
    assert stored["accelerometer/landing/crlf.json"][0] == jsonl(records)
    assert stored["accelerometer/landing/array.json"] == (compact, sha256(compact))
    assert stored["accelerometer/landing/pretty.json"] == (compact, sha256(compact))


def test_strict_refuses_a_truncated_file_and_loads_the_others(
    tmp_path, moto_s3_client, moto_s3_bucket
):
    truncated = jsonl([accelerometer(i) for i in range(3)]) + b'{"user":"customer.1@te'
    files = {**sample_files(), "accelerometer/landing/accelerometer-bad.json": truncated}
    source = write_tree(tmp_path / "src", files)

    strict = run_loader(source, f"s3://{moto_s3_bucket}/strict/", "--strict")
    assert strict.returncode == EXIT_REFUSED, strict.stderr
    assert "REFUSED" in strict.stdout
    assert sorted(s3_objects(moto_s3_client, moto_s3_bucket, "strict/")) == sorted(sample_files())

    lenient = run_loader(source, f"s3://{moto_s3_bucket}/lenient/")
    assert lenient.returncode == EXIT_OK, lenient.stderr
    bad_file = source / "accelerometer/landing/accelerometer-bad.json"
    assert f"{bad_file}: line 4: not a JSON object (invalid JSON" in lenient.stdout
    stored = s3_objects(moto_s3_client, moto_s3_bucket, "lenient/")
    assert stored["accelerometer/landing/accelerometer-bad.json"][0] == truncated + b"\n"


def test_missing_bucket_is_an_error_unless_create_bucket(tmp_path, moto_s3_client):
    source = write_tree(tmp_path / "src", sample_files())
    bucket = f"stedi-missing-{uuid.uuid4().hex[:8]}"
    proc = run_loader(source, f"s3://{bucket}/")
    assert_one_sentence_error(proc, EXIT_AWS_ERROR, f"bucket '{bucket}' does not exist")
    assert bucket not in [b["Name"] for b in moto_s3_client.list_buckets()["Buckets"]]

    proc = run_loader(source, f"s3://{bucket}/", "--create-bucket", "--sse", "AES256")
    assert proc.returncode == EXIT_OK, proc.stderr
    key = "step_trainer/landing/step_trainer-1.json"
    head = moto_s3_client.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "AES256"


def test_unreachable_endpoint_is_a_clear_error(tmp_path, aws_dummy_env, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    source = write_tree(tmp_path / "src", sample_files())
    endpoint = f"http://127.0.0.1:{free_port()}"
    proc = run_loader(source, "s3://stedi-anything/", "--endpoint-url", endpoint)
    assert_one_sentence_error(proc, EXIT_AWS_ERROR, f"Cannot reach the S3 endpoint {endpoint}")


def test_missing_credentials_are_a_clear_error(tmp_path, moto_s3_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    source = write_tree(tmp_path / "src", sample_files())
    proc = run_loader(source, "s3://stedi-anything/")
    assert_one_sentence_error(proc, EXIT_AWS_ERROR, "No AWS credentials found")
    assert "testing" not in proc.stderr


def test_server_stopped_mid_run_then_rerun_completes(
    tmp_path, aws_dummy_env, restartable_moto_s3_server, monkeypatch
):
    server = restartable_moto_s3_server
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
    client = boto3.client("s3", endpoint_url=server.endpoint_url)
    bucket = f"stedi-fault-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    files = sample_files()
    for n in range(120):
        records = [accelerometer(n * 10 + i) for i in range(10)]
        files[f"accelerometer/landing/part-{n:03}.json"] = jsonl(records, sep="\r\n")
    source = write_tree(tmp_path / "src", files)
    expected = {rel: data.replace(b"\r\n", b"\n") for rel, data in files.items()}

    loader = subprocess.Popen(
        [sys.executable, str(LOADER), str(source), f"s3://{bucket}/", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stopper = threading.Thread(target=server.stop)
    uploads = 0
    assert loader.stdout is not None
    for line in loader.stdout:
        uploads += line.startswith("uploaded")
        if uploads == 3:
            stopper.start()
            break
    out, err = loader.communicate(timeout=60)
    stopper.join()
    assert_one_sentence_error(
        subprocess.CompletedProcess(loader.args, loader.returncode, out, err),
        EXIT_AWS_ERROR,
        f"Cannot reach the S3 endpoint {server.endpoint_url}",
    )

    server.start()  # same port; moto keeps its objects in this process across the restart
    written_before = s3_objects(client, bucket)
    # the run cut off from S3 could not remove its lock; this host's next run takes it over
    assert LOCK_NAME in written_before
    del written_before[LOCK_NAME]
    assert 3 <= len(written_before) < len(expected)

    proc, summary = run_json(source, f"s3://{bucket}/", "--workers", "1")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "note: took over the stale lock" in proc.stderr
    assert summary["totals"]["skipped_unchanged"] == len(written_before)
    assert summary["totals"]["uploaded"] == len(expected) - len(written_before)
    stored = s3_objects(client, bucket)
    assert stored == {rel: (data, sha256(data)) for rel, data in expected.items()}


def test_four_workers_give_the_same_result_as_one(tmp_path, moto_s3_client, moto_s3_bucket):
    files = {**sample_files("a"), **sample_files("b", n=9)}
    for n in range(6):
        files[f"step_trainer/landing/crlf-{n}.json"] = jsonl([step_trainer(n)], sep="\r\n")
    files["customer/customer-array.json"] = json.dumps([customer(5), customer(6)]).encode()
    source = write_tree(tmp_path / "src", files)
    one, summary_one = run_json(source, f"s3://{moto_s3_bucket}/one", "--workers", "1")
    four, summary_four = run_json(source, f"s3://{moto_s3_bucket}/four", "--workers", "4")
    assert one.returncode == four.returncode == EXIT_OK
    assert len(s3_objects(moto_s3_client, moto_s3_bucket, "one/")) == len(files)
    assert s3_objects(moto_s3_client, moto_s3_bucket, "one/") == s3_objects(
        moto_s3_client, moto_s3_bucket, "four/"
    )
    totals_one, totals_four = summary_one["totals"], summary_four["totals"]
    for totals in (totals_one, totals_four):
        totals.pop("seconds")
    assert totals_one == totals_four


def test_server_side_copy_between_buckets(tmp_path, moto_s3_client, moto_s3_bucket):
    source_bucket = moto_s3_bucket
    raw = {
        "udacity/customers/customers-1.json": jsonl([customer(i) for i in range(3)]),
        "udacity/accelerometer/landing/accelerometer-1.json": jsonl([accelerometer(1)]),
        "udacity/step_trainer/step_trainer-1.json": jsonl([step_trainer(1)], sep="\r\n"),
        "udacity/unrelated/readme.json": b"{}\n",
    }
    for key, data in raw.items():
        moto_s3_client.put_object(Bucket=source_bucket, Key=key, Body=data)
    dest_bucket = f"stedi-copy-{uuid.uuid4().hex[:8]}"
    moto_s3_client.create_bucket(Bucket=dest_bucket)

    proc, summary = run_json(f"s3://{source_bucket}/udacity", f"s3://{dest_bucket}/landing")
    assert proc.returncode == EXIT_OK, proc.stderr
    actions = {Path(f["destination"]).name: f["action"] for f in summary["files"]}
    assert actions == {
        "customers-1.json": "copied",
        "accelerometer-1.json": "copied",
        "step_trainer-1.json": "uploaded",  # needed normalisation: CRLF
    }
    stored = s3_objects(moto_s3_client, dest_bucket, "landing/")
    step = raw["udacity/step_trainer/step_trainer-1.json"].replace(b"\r\n", b"\n")
    customers = raw["udacity/customers/customers-1.json"]
    assert stored == {
        "customer/landing/customers-1.json": (customers, sha256(customers)),
        "accelerometer/landing/accelerometer-1.json": (
            raw["udacity/accelerometer/landing/accelerometer-1.json"],
            sha256(raw["udacity/accelerometer/landing/accelerometer-1.json"]),
        ),
        "step_trainer/landing/step_trainer-1.json": (step, sha256(step)),
    }
    again, summary = run_json(f"s3://{source_bucket}/udacity", f"s3://{dest_bucket}/landing")
    assert summary["totals"]["skipped_unchanged"] == 3


def test_large_file_goes_multipart_and_copies_server_side(tmp_path, moto_s3_client, moto_s3_bucket):
    lines, size, i = [], 0, 0
    while size < 9 * 1024 * 1024:  # above the 8 MiB multipart threshold
        lines.append(json.dumps(accelerometer(i)) + "\r\n")
        size, i = size + len(lines[-1]), i + 1
    raw = "".join(lines).encode()
    normalised = raw.replace(b"\r\n", b"\n")
    source = write_tree(tmp_path / "src", {"accelerometer/landing/big.json": raw})
    key = "accelerometer/landing/big.json"
    assert run_loader(source, f"s3://{moto_s3_bucket}/a").returncode == EXIT_OK
    assert moto_s3_client.head_object(Bucket=moto_s3_bucket, Key=f"a/{key}")["ETag"].endswith('-2"')

    proc, summary = run_json(f"s3://{moto_s3_bucket}/a", f"s3://{moto_s3_bucket}/b")
    assert [f["action"] for f in summary["files"]] == ["copied"]
    for prefix in ("a/", "b/"):
        stored = s3_objects(moto_s3_client, moto_s3_bucket, prefix)
        assert stored == {key: (normalised, sha256(normalised))}


def test_s3_delete_removes_objects_not_in_source(tmp_path, moto_s3_client, moto_s3_bucket):
    for key in ("customer/landing/old.json", "customer/trusted/keep.json", "other.json"):
        moto_s3_client.put_object(Bucket=moto_s3_bucket, Key=key, Body=b"{}\n")
    source = write_tree(tmp_path / "src", sample_files())
    proc, summary = run_json(source, f"s3://{moto_s3_bucket}", "--delete")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert summary["deleted"] == ["customer/landing/old.json"]
    remaining = sorted(s3_objects(moto_s3_client, moto_s3_bucket))
    assert remaining == sorted([*sample_files(), "customer/trusted/keep.json", "other.json"])


# ------------------------------------------------------------------------- helpers of what follows


def load_in_process(capsys, *args: object) -> tuple[int, str, str]:
    """Run the loader in this process (fast, and monkeypatch reaches it); never a traceback."""
    code = load_landing.main([str(arg) for arg in args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def line(i: int) -> bytes:
    return json.dumps(accelerometer(i)).encode()


def padded_line(size: int) -> bytes:
    """A valid accelerometer line of exactly size bytes."""
    head = b'{"user":"a@test.com","timestamp":1655564444103,"note":"'
    return head + b"x" * (size - len(head) - 2) + b'"}'


@contextmanager
def held_lock(root: Path, holder: dict) -> Iterator[None]:
    """Hold the landing root's lock as another run would: a flock on the file naming it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_NAME).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write(json.dumps(holder))
        handle.flush()
        yield


HOLDER = {"holder": "load_landing.py", "host": "h1", "pid": 4242, "since": "2025-01-01T00:00:00Z"}
HOLDER_TEXT = "load_landing.py (pid 4242 on host h1, since 2025-01-01T00:00:00Z)"
# JSON lines with a non-ASCII character, as Windows writes them (CRLF)
TEXT = "".join(
    json.dumps({**accelerometer(i), "user": f"josé.{i}@test.com"}, ensure_ascii=False) + "\r\n"
    for i in range(3)
)


# ---------------------------------------------------------------------- lines, as engines end them


def test_cr_only_line_endings_end_lines_and_become_lf():
    raw = line(1) + b"\r" + line(2) + b"\r"
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == line(1) + b"\n" + line(2) + b"\n"
    assert (checked.records, checked.problems) == (2, [])
    assert checked.changes == ["CR line endings converted to LF"]


def test_lines_across_chunks_and_a_cr_ending_one_chunk():
    chunks = [b"ab\r", b"\ncd", b"e\r", b"f\n\r"]
    assert list(split_lines(chunks)) == [
        (b"ab", b"\r\n"),  # the LF that begins the next chunk ends the same line
        (b"cde", b"\r"),
        (b"f", b"\n"),
        (b"", b"\r"),
    ]


def test_a_long_line_is_handed_over_in_pieces_never_whole(monkeypatch):
    monkeypatch.setattr(line_stream, "CHUNK_BYTES", 16)
    text = bytes(range(65, 91)) * 40
    chunks = [text[i : i + 8] for i in range(0, len(text), 8)] + [b"\nnext"]
    pieces = list(split_lines(chunks))
    assert max(len(piece) for piece, _ in pieces) <= 32
    lines, held = [], b""
    for piece, ending in pieces:
        held += piece
        if ending is not None:
            lines.append((held, ending))
            held = b""
    assert lines == [(text, b"\n"), (b"next", b"")]


def test_a_utf8_byte_order_mark_is_removed_at_the_start_only():
    raw = codecs.BOM_UTF8 + line(1) + b"\n" + codecs.BOM_UTF8 + line(2) + b"\n"
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == raw[len(codecs.BOM_UTF8) :]
    assert checked.changes == ["UTF-8 byte-order mark removed"]
    assert [(p.line, p.reason) for p in checked.problems] == [(2, "not a JSON object")]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "UTF-16LE"),  # Windows PowerShell
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16BE"),
        (TEXT.encode("utf-16-le"), "UTF-16LE"),
        (TEXT.encode("utf-16-be"), "UTF-16BE"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "UTF-32LE"),
        (TEXT.encode("utf-32-be"), "UTF-32BE"),
    ],
)
def test_utf16_and_utf32_are_transcoded_and_their_lines_valid(raw, name):
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == TEXT.replace("\r\n", "\n").encode("utf-8")
    assert (checked.records, checked.problems) == (3, [])
    assert checked.changes == [f"{name} transcoded to UTF-8", "CRLF line endings converted to LF"]


@pytest.mark.parametrize(
    "raw",
    [
        codecs.BOM_UTF16_LE + b"{\x00\x00\xd8}\x00",  # a lone surrogate
        codecs.BOM_UTF16_LE + b"{\x00}",  # an odd number of bytes
    ],
)
def test_text_not_valid_in_its_utf16_encoding_refuses_the_file_by_name(raw):
    with pytest.raises(FileRefused, match=r"^x\.json begins as UTF-16LE text but is not valid"):
        normalise(raw, ACCELEROMETER, name="x.json")


def test_a_line_that_is_not_utf8_is_said_so_and_kept():
    bad = b'{"user":"caf\xe9@test.com","timestamp":1655564444103}'
    raw = line(1) + b"\n" + bad + b"\n"
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == raw
    assert [(p.line, p.reason) for p in checked.problems] == [(2, "not valid UTF-8")]


def test_a_line_one_byte_over_max_line_bytes_is_too_long_and_kept():
    limit = ACCELEROMETER.max_line_bytes
    raw = padded_line(limit) + b"\n" + padded_line(limit + 1) + b"\n"
    checked = normalise(raw, ACCELEROMETER)
    assert checked.data == raw
    assert checked.records == 1
    problems = [(p.line, p.reason, p.detail) for p in checked.problems]
    assert problems == [(2, "line too long", f"{limit + 1:,} bytes")]


def test_a_line_longer_than_any_engine_reads_refuses_its_file(tmp_path, monkeypatch, capsys):
    # a lower engine limit keeps the test small; a JSON array on one line is still converted
    monkeypatch.setattr(line_stream, "ENGINE_MAX_LINE_BYTES", 2 * ACCELEROMETER.max_line_bytes)
    huge = padded_line(3 * ACCELEROMETER.max_line_bytes)
    records = [{**accelerometer(i), "note": "x" * 1000} for i in range(3000)]
    files = {
        **sample_files(),
        "accelerometer/landing/huge.json": line(1) + b"\n" + huge + b"\n",
        "accelerometer/landing/array.json": json.dumps(records).encode(),
    }
    source, dest = write_tree(tmp_path / "src", files), tmp_path / "dest"
    code, out, _ = load_in_process(capsys, source, dest)
    assert code == EXIT_REFUSED
    huge_file = source / "accelerometer/landing/huge.json"
    assert (
        f"  {huge_file} holds a line of more than 2 MiB (line 2), which no engine reads.\n" in out
    )
    landed = local_files(dest)
    assert "accelerometer/landing/huge.json" not in landed
    assert landed["accelerometer/landing/array.json"].count(b"\n") == len(records)


def test_a_json_array_beyond_the_document_limit_is_refused_json_lines_are_not(monkeypatch):
    monkeypatch.setattr(line_stream, "DOCUMENT_MAX_BYTES", 1000)
    records = [accelerometer(i) for i in range(30)]
    with pytest.raises(FileRefused, match=r"^big\.json begins with `\[`.*deliver it as JSON lines"):
        normalise(json.dumps(records, indent=2).encode(), ACCELEROMETER, name="big.json")
    raw = jsonl(records) + b"not JSON\n"
    checked = normalise(raw, ACCELEROMETER)
    assert (checked.data, checked.records) == (raw, 30)
    assert [(p.line, p.reason) for p in checked.problems] == [(31, "not a JSON object")]


def test_a_line_nested_100000_deep_is_not_a_json_object_and_crashes_nothing(tmp_path):
    deep = b'{"user":"a@test.com","timestamp":1655564444103,"x":'
    deep += b"[" * 100_000 + b"]" * 100_000 + b"}"
    files = {
        **sample_files(),
        "accelerometer/landing/deep.json": line(1) + b"\n" + deep + b"\n",
        "step_trainer/landing/deep-array.json": b"[" * 100_000 + b"]" * 100_000 + b"\n",
    }
    source = write_tree(tmp_path / "src", files)
    strict = run_loader(source, tmp_path / "strict", "--strict", "--json")
    assert strict.returncode == EXIT_REFUSED, strict.stderr
    assert "Traceback" not in strict.stdout + strict.stderr
    results = {Path(f["source"]).name: f for f in json.loads(strict.stdout)["files"]}
    assert results["deep.json"]["action"] == "refused"
    assert [(p["line"], p["reason"]) for p in results["deep.json"]["problems"]] == [
        (2, "not a JSON object")
    ]
    assert results["deep-array.json"]["problems"][0]["reason"] == "not a JSON object"
    lenient = run_loader(source, tmp_path / "lenient")
    assert lenient.returncode == EXIT_OK, lenient.stderr
    assert (
        local_files(tmp_path / "lenient")["accelerometer/landing/deep.json"]
        == files["accelerometer/landing/deep.json"]
    )


def test_a_powershell_utf16_file_loads_as_utf8_json_lines(tmp_path, capsys):
    source = write_tree(
        tmp_path / "src",
        {
            **sample_files(),
            "accelerometer/landing/ps.json": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        },
    )
    code, out, _ = load_in_process(capsys, source, tmp_path / "dest", "--strict")
    assert code == EXIT_OK
    landed = local_files(tmp_path / "dest")["accelerometer/landing/ps.json"]
    assert landed == TEXT.replace("\r\n", "\n").encode("utf-8")
    assert "UTF-16LE transcoded to UTF-8" in out


# --------------------------------------------------------------------------- what a delivery is


def test_gzip_deliveries_land_decompressed_and_a_bad_gzip_is_refused_by_name(tmp_path):
    records = jsonl([accelerometer(i) for i in range(50)])
    compressed = gzip.compress(records)
    corrupt = compressed[:20] + bytes(b ^ 0xFF for b in compressed[20:40]) + compressed[40:]
    folder = "accelerometer/landing"
    files = {
        **sample_files(),
        f"{folder}/z.json.gz": compressed,
        f"{folder}/gzip-inside.json": compressed,  # gzip bytes, whatever the name
        f"{folder}/corrupt.json.gz": corrupt,
        f"{folder}/truncated.json.gz": compressed[: len(compressed) // 2],
        f"{folder}/plain.json.gz": records,
        f"{folder}/archive.zip": b"PK\x03\x04",
    }
    source, dest = write_tree(tmp_path / "src", files), tmp_path / "dest"
    proc, summary = run_json(source, dest)
    assert proc.returncode == EXIT_REFUSED, proc.stderr
    landed = local_files(dest)
    assert landed[f"{folder}/z.json"] == landed[f"{folder}/gzip-inside.json"] == records
    refused = {
        Path(f["source"]).name: f["refusal"] for f in summary["files"] if f["action"] == "refused"
    }
    assert sorted(refused) == ["corrupt.json.gz", "plain.json.gz", "truncated.json.gz"]
    for name, refusal in refused.items():
        assert refusal.startswith(f"{source / folder / name} is ") and refusal.endswith(".")
    assert [Path(s["source"]).name for s in summary["skipped"]] == ["archive.zip"]


def test_jsonl_and_upper_case_names_load_and_a_txt_is_named(tmp_path):
    files = {
        **sample_files(),
        "customer/landing/extra.jsonl": jsonl([customer(7)]),
        "customer/landing/UPPER.JSON": jsonl([customer(8)]),
        "customer/landing/notes.txt": b"hello\n",
    }
    source, dest = write_tree(tmp_path / "src", files), tmp_path / "dest"
    proc, summary = run_json(source, dest)
    assert proc.returncode == EXIT_OK, proc.stderr
    expected = {name: data for name, data in files.items() if not name.endswith(".txt")}
    assert local_files(dest) == expected
    notes = str(source / "customer/landing/notes.txt")
    assert [s["source"] for s in summary["skipped"]] == [notes]
    assert summary["skipped"][0]["litter"] is False
    assert f"{notes}: not a delivery" in proc.stderr
    strict = run_loader(source, dest, "--strict")
    assert strict.returncode == EXIT_REFUSED
    assert f"{notes}: not a delivery" in strict.stdout


def test_odd_names_land_under_names_every_engine_reads(tmp_path):
    escaped = {"_under.json": "%5Funder.json", ".dot.json": "%2Edot.json", "%25.json": "%2525.json"}
    plain = ["a b.json", "n#1.json", "50%.json", "a+b.json", "(copy).json", "café ü.json"]
    names = [*plain, *escaped]
    files = {f"accelerometer/landing/{n}": jsonl([accelerometer(i)]) for i, n in enumerate(names)}
    source = write_tree(tmp_path / "source #1", {**sample_files(), **files})
    dest = tmp_path / "landing root #2"
    proc, _ = run_json(source, dest)
    assert proc.returncode == EXIT_OK, proc.stderr
    landing_name = {name: escaped.get(name, name) for name in names}
    # what an engine's file listing reads: names beginning with `_` or `.` would be hidden
    folder = dest / "accelerometer/landing"
    readable = {p.name: p.read_bytes() for p in folder.iterdir() if p.name[0] not in "._"}
    for name in names:
        assert readable[landing_name[name]] == files[f"accelerometer/landing/{name}"]
    folder = "accelerometer/landing"
    assert f"{source / folder / '_under.json'} -> {dest / folder / '%5Funder.json'}" in proc.stderr
    again, summary = run_json(source, dest)
    assert summary["totals"]["skipped_unchanged"] == len(names) + 3


def test_litter_is_skipped_and_said_and_is_no_problem(tmp_path):
    litter = {
        "customer/.DS_Store": b"\0\0\0\1Bud1",
        "accelerometer/__MACOSX/landing/._x.json": b"\0\5\26\7",
        "step_trainer/landing/Thumbs.db": b"\xd0\xcf",
    }
    source, dest = write_tree(tmp_path / "src", {**sample_files(), **litter}), tmp_path / "dest"
    proc, summary = run_json(source, dest, "--strict")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert sorted(local_files(dest)) == sorted(sample_files())
    assert [(s["source"], s["litter"]) for s in summary["skipped"]] == [
        (str(source / name), True) for name in sorted(litter)
    ]
    assert summary["totals"]["litter"] == 3
    for name in litter:
        assert str(source / name) in proc.stderr


def test_symbolic_links_and_fifos_are_named_and_never_followed(tmp_path):
    outside = write_tree(
        tmp_path / "outside",
        {"secret.json": jsonl([customer(9)]), "folder/inside.json": jsonl([customer(10)])},
    )
    source = write_tree(tmp_path / "src", sample_files())
    folder = source / "customer/landing"
    (folder / "link.json").symlink_to(outside / "secret.json")
    (folder / "linked-folder").symlink_to(outside / "folder", target_is_directory=True)
    os.mkfifo(folder / "fifo.json")
    proc, summary = run_json(source, tmp_path / "dest")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert sorted(local_files(tmp_path / "dest")) == sorted(sample_files())
    reasons = {Path(s["source"]).name: s["reason"] for s in summary["skipped"]}
    assert sorted(reasons) == ["fifo.json", "link.json", "linked-folder"]
    assert "symbolic link" in reasons["link.json"] and "symbolic link" in reasons["linked-folder"]
    assert "not a regular file" in reasons["fifo.json"]
    strict = run_loader(source, tmp_path / "strict", "--strict")
    assert strict.returncode == EXIT_REFUSED
    assert f"{folder / 'link.json'}: a symbolic link" in strict.stdout
    # a link swapped in after the listing is refused when opened, not followed
    with pytest.raises(FileRefused, match="symbolic link"):
        LocalStorage(source, "source").open("customer/landing/link.json")


def test_delete_keeps_the_landing_files_of_a_dataset_the_source_lacks(tmp_path):
    dest = tmp_path / "landing"
    assert run_loader(write_tree(tmp_path / "full", sample_files()), dest).returncode == EXIT_OK
    partial = {k: v for k, v in sample_files("new").items() if not k.startswith("customer/")}
    proc, summary = run_json(write_tree(tmp_path / "partial", partial), dest, "--delete")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert summary["kept_datasets"] == ["customer"]
    assert "kept customer landing files: the source has none" in proc.stderr
    customers = "customer/landing/customer-1.json"
    assert local_files(dest) == {customers: sample_files()[customers], **partial}
    assert sorted(summary["deleted"]) == sorted(
        name for name in sample_files() if not name.startswith("customer/")
    )


# --------------------------------------------------------------------------- one writer at a time


def test_a_second_loader_on_a_local_root_refuses_with_exit_5(tmp_path):
    source = write_tree(tmp_path / "src", sample_files())
    dest = tmp_path / "landing #1"
    with held_lock(dest, HOLDER):
        proc = run_loader(source, dest)
        dry_run = run_loader(source, dest, "--dry-run")  # writes nothing: needs no lock
    assert_one_sentence_error(proc, EXIT_LOCKED, f"Another {HOLDER_TEXT} is writing to {dest};")
    assert dry_run.returncode == EXIT_OK, dry_run.stderr
    assert not (dest / "customer").exists()
    again = run_loader(source, dest)
    assert again.returncode == EXIT_OK, again.stderr
    assert local_files(dest) == sample_files()
    assert lock_is_free(dest)  # the lock went with the run, its file stays


def test_a_second_loader_on_an_s3_root_refuses_with_exit_5(
    tmp_path, moto_s3_client, moto_s3_bucket
):
    source = write_tree(tmp_path / "src", sample_files())
    key = f"lake/{LOCK_NAME}"
    moto_s3_client.put_object(Bucket=moto_s3_bucket, Key=key, Body=json.dumps(HOLDER))
    proc = run_loader(source, f"s3://{moto_s3_bucket}/lake")
    assert_one_sentence_error(proc, EXIT_LOCKED, f"Another {HOLDER_TEXT} holds the lock")
    assert f"remove it with `aws s3 rm s3://{moto_s3_bucket}/{key}`" in proc.stderr
    assert list(s3_objects(moto_s3_client, moto_s3_bucket)) == [key]

    moto_s3_client.delete_object(Bucket=moto_s3_bucket, Key=key)
    proc = run_loader(source, f"s3://{moto_s3_bucket}/lake")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert sorted(s3_objects(moto_s3_client, moto_s3_bucket)) == sorted(
        f"lake/{name}" for name in sample_files()
    )


def test_the_s3_lock_is_taken_by_one_run_only(moto_s3_client, moto_s3_bucket):
    root = open_storage(f"s3://{moto_s3_bucket}/root", "destination")
    with root.lock("load_landing.py"):
        with pytest.raises(LoaderError, match="holds the lock") as refused, root.lock("eraser"):
            pass
        assert refused.value.exit_code == EXIT_LOCKED
    assert s3_objects(moto_s3_client, moto_s3_bucket) == {}


# --------------------------------------------------------------------------- never a traceback


def test_a_memory_error_refuses_its_file_in_one_sentence(tmp_path, monkeypatch, capsys):
    source, dest = write_tree(tmp_path / "src", sample_files()), tmp_path / "dest"
    real_judge = line_stream.judge_line

    def judge(text: bytes, dataset):
        if dataset.name == "customer":
            raise MemoryError
        return real_judge(text, dataset)

    monkeypatch.setattr(line_stream, "judge_line", judge)
    code, out, err = load_in_process(capsys, source, dest)
    assert code == EXIT_REFUSED
    customers = source / "customer/landing/customer-1.json"
    assert out.count(f"  {customers} needs more memory than there is to read it.\n") == 1
    assert "MemoryError" not in out + err
    assert sorted(local_files(dest)) == sorted(n for n in sample_files() if "customer" not in n)


def test_an_unforeseen_failure_ends_the_run_in_one_sentence(tmp_path, monkeypatch, capsys):
    def discover(source):
        raise RuntimeError("the disk\nis on fire")

    monkeypatch.setattr(load_landing, "discover", discover)
    code, _, err = load_in_process(capsys, tmp_path, tmp_path / "dest")
    assert code == EXIT_UNEXPECTED
    assert err.splitlines() == [
        "load_landing.py: error: Unexpected RuntimeError: the disk is on fire; rerunning is safe."
    ]


# --------------------------------------------------------------------------- S3 sources


def test_an_s3_source_with_odd_key_names_and_folder_markers_loads(moto_s3_client, moto_s3_bucket):
    customers, readings = jsonl([customer(1)]), jsonl([accelerometer(1)])
    steps = jsonl([step_trainer(1)])
    objects = {
        "src/customer/": b"",
        "src/customer/landing/": b"",
        "src/customer/landing/a b#1+(x)é.json": customers,
        "src/accelerometer/_a.json": readings,
        "src/step_trainer/landing/s.json.gz": gzip.compress(steps),
        "src/step_trainer/.DS_Store": b"\0",
        "src/step_trainer/notes.txt": b"x",
    }
    for key, body in objects.items():
        moto_s3_client.put_object(Bucket=moto_s3_bucket, Key=key, Body=body)
    proc, summary = run_json(f"s3://{moto_s3_bucket}/src", f"s3://{moto_s3_bucket}/dest")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert s3_objects(moto_s3_client, moto_s3_bucket, "dest/") == {
        "customer/landing/a b#1+(x)é.json": (customers, sha256(customers)),
        "accelerometer/landing/%5Fa.json": (readings, sha256(readings)),
        "step_trainer/landing/s.json": (steps, sha256(steps)),
    }
    skipped = {s["source"].rsplit("/", 1)[-1]: s["litter"] for s in summary["skipped"]}
    assert skipped == {".DS_Store": True, "notes.txt": False}


# --------------------------------------------------------------------------- certified files

# lines Spark's JSON source reads as the contract does: valid, keys spelled as declared, a null
# in a declared key, a key the contract does not declare holding anything
PLAIN = [
    line(1),
    b'{"user":"a@test.com","timestamp":1655564400001,"x":null,"y":-1.5,"z":0,"note":[1,{"a":true}]}',
]
CERTIFIED = b"\n".join(PLAIN) + b"\n"
ACCELEROMETER_TARGET = "accelerometer/landing/accelerometer-1.json"


def require_user_xattrs(folder: Path) -> None:
    """Skip the test where the file system of its temporary folder has no user xattrs."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / ".xattr-probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.stedi.probe", b"1")
    except (OSError, AttributeError) as exc:
        pytest.skip(f"the file system of {folder} has no user extended attributes ({exc})")
    finally:
        probe.unlink()


def raw_certificate(path: Path) -> bytes | None:
    """The extended attribute itself, whatever version of the file it names."""
    try:
        return os.getxattr(path, XATTR_CERTIFICATE)
    except OSError:
        return None


def load_json(capsys, source: Path, dest: object, *args: object) -> dict:
    """Load in this process with --json; the summary, after checking that the run succeeded."""
    code, out, err = load_in_process(capsys, source, dest, "--json", *args)
    assert code == EXIT_OK, err
    return json.loads(out)


def certified(summary: dict) -> dict[str, bool]:
    return {Path(f["destination"]).name: f["certified"] for f in summary["files"]}


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ('{"user":"a@test.com","x":1,"y":2.5,"z":null,"note":true}', True),
        ('{"user":null,"timestamp":null}', True),
        ('{"user":"a@test.com","x":true}', False),  # a bool is no number
        ('{"user":"a@test.com","timestamp":1655564400001.0}', False),  # an int key, a float
        ('{"user":"a@test.com","x":"1.5"}', False),
        ('{"user":{"a":1}}', False),
        ('{"User":"a@test.com"}', False),
    ],
)
def test_is_plain_wants_declared_spellings_and_json_types(text, plain):
    record = judge_line(text.encode(), ACCELEROMETER).record
    assert record is not None and is_plain(record, ACCELEROMETER) is plain


def test_plain_valid_lines_are_certified_with_the_datasets_fingerprint(tmp_path, capsys):
    require_user_xattrs(tmp_path)
    files = {**sample_files(), ACCELEROMETER_TARGET: CERTIFIED}
    source, dest = write_tree(tmp_path / "src", files), tmp_path / "dest"
    dry = load_json(capsys, source, dest, "--dry-run")
    assert [(f["action"], f["certified"]) for f in dry["files"]] == [("would-upload", True)] * 3
    summary = load_json(capsys, source, dest)
    assert set(certified(summary).values()) == {True}
    assert summary["totals"]["certified"] == 3
    for dataset in DATASETS:
        for path in (dest / dataset.name / "landing").iterdir():
            assert read_local_certificate(path) == dataset.fingerprint
            assert raw_certificate(path).split()[0].decode() == dataset.fingerprint
    assert len({dataset.fingerprint for dataset in DATASETS}) == 3  # each dataset its own

    code, out, _ = load_in_process(capsys, source, dest)  # a rerun: skipped, still certified
    assert "unchanged" in out and "4 records, certified" in out and "3 certified" in out


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param(b'{"user":"a@test.com","timestamp":1655', id="a bad line"),
        pytest.param(b'{"user":"a@test.com","timeStamp":1655564400001}', id="key in another case"),
        pytest.param(b'{"user":"a@test.com","timestamp":"1655564400001"}', id="quoted number"),
        pytest.param(b'{"user":5,"timestamp":1655564400001}', id="number in a string key"),
        pytest.param(b'{"user":"a@test.com","timestamp":1655564400001,"x":true}', id="bool"),
        pytest.param("\u3000".encode(), id="blank to the models only"),
    ],
)
def test_a_line_spark_reads_otherwise_leaves_its_file_uncertified(tmp_path, capsys, odd):
    require_user_xattrs(tmp_path)
    raw = CERTIFIED + odd + b"\n"
    source = write_tree(tmp_path / "src", {ACCELEROMETER_TARGET: raw})
    summary = load_json(capsys, source, tmp_path / "dest")
    assert [f["action"] for f in summary["files"]] == ["uploaded"]
    assert certified(summary) == {"accelerometer-1.json": False}
    assert summary["totals"]["certified"] == 0
    assert raw_certificate(tmp_path / "dest" / ACCELEROMETER_TARGET) is None


def test_blank_lines_leave_a_file_certified(tmp_path, capsys):
    require_user_xattrs(tmp_path)
    raw = b"\n" + PLAIN[0] + b"\n  \t\n\n" + PLAIN[1] + b"\n \n"
    source = write_tree(tmp_path / "src", {ACCELEROMETER_TARGET: raw})
    summary = load_json(capsys, source, tmp_path / "dest")
    assert certified(summary) == {"accelerometer-1.json": True}
    assert read_local_certificate(tmp_path / "dest" / ACCELEROMETER_TARGET) == (
        ACCELEROMETER.fingerprint
    )


def test_a_long_blank_line_leaves_a_file_certified_only_when_spark_skips_it_too():
    spaces = b" " * (ACCELEROMETER.max_line_bytes + 1)
    assert normalise(spaces + b"\n" + CERTIFIED, ACCELEROMETER).certified
    assert not normalise(spaces + b"\x0c\n" + CERTIFIED, ACCELEROMETER).certified


def test_a_document_is_certified_on_its_converted_lines(tmp_path, capsys):
    require_user_xattrs(tmp_path)
    plain = json.dumps([accelerometer(i) for i in range(3)], indent=2).encode()
    quoted = json.dumps([{**accelerometer(1), "timestamp": str(T)}], indent=2).encode()
    files = {ACCELEROMETER_TARGET: plain, "accelerometer/landing/quoted.json": quoted}
    summary = load_json(capsys, write_tree(tmp_path / "src", files), tmp_path / "dest")
    assert certified(summary) == {"accelerometer-1.json": True, "quoted.json": False}


def test_a_rewritten_landing_file_keeps_a_consistent_certificate(tmp_path, capsys):
    require_user_xattrs(tmp_path)
    source, dest = (
        write_tree(tmp_path / "src", {ACCELEROMETER_TARGET: CERTIFIED}),
        tmp_path / "dest",
    )
    landed = dest / ACCELEROMETER_TARGET
    assert certified(load_json(capsys, source, dest)) == {"accelerometer-1.json": True}

    # the loader rewrites it with a line Spark reads otherwise: the new file has no certificate
    (source / ACCELEROMETER_TARGET).write_bytes(
        CERTIFIED + b'{"user":5,"timestamp":1655564400001}\n'
    )
    summary = load_json(capsys, source, dest)
    assert [f["action"] for f in summary["files"]] == ["uploaded"]
    assert certified(summary) == {"accelerometer-1.json": False}
    assert raw_certificate(landed) is None

    # and again with plain lines: certified anew
    (source / ACCELEROMETER_TARGET).write_bytes(CERTIFIED + PLAIN[0] + b"\n")
    assert certified(load_json(capsys, source, dest)) == {"accelerometer-1.json": True}
    assert read_local_certificate(landed) == ACCELEROMETER.fingerprint

    # a rewrite in place keeps the extended attribute, which then certifies nothing
    landed.write_bytes(landed.read_bytes() + b'{"user":5}\n')
    assert raw_certificate(landed) is not None
    assert read_local_certificate(landed) is None
    # nor does one written by anyone through the storage (erase_customer.py does)
    write(LocalStorage(dest, "destination"), ACCELEROMETER_TARGET, CERTIFIED)
    assert raw_certificate(landed) is None


def test_a_file_skipped_unchanged_gets_the_certificate_its_lines_deserve(tmp_path, capsys):
    require_user_xattrs(tmp_path)
    odd = b'{"user":"a@test.com","timeStamp":1655564400001}\n'
    files = {ACCELEROMETER_TARGET: CERTIFIED, "accelerometer/landing/odd.json": odd}
    source, dest = write_tree(tmp_path / "src", files), tmp_path / "dest"
    load_json(capsys, source, dest)
    landed, odd_landed = dest / ACCELEROMETER_TARGET, dest / "accelerometer/landing/odd.json"
    os.removexattr(landed, XATTR_CERTIFICATE)  # copied without its attributes, say
    stale = f"0123456789abcdef {odd_landed.stat().st_size} {odd_landed.stat().st_mtime_ns}"
    os.setxattr(odd_landed, XATTR_CERTIFICATE, stale.encode())  # under another contract
    stamps = {path: path.stat().st_mtime_ns for path in (landed, odd_landed)}

    for args in [("--dry-run",), (), ("--strict",)]:  # quick skip, dry and real; full judging
        summary = load_json(capsys, source, dest, *args)
        assert {f["action"] for f in summary["files"]} == {"skipped"}
        assert certified(summary) == {"accelerometer-1.json": True, "odd.json": False}
        if args == ("--dry-run",):  # which changes nothing
            assert (raw_certificate(landed), raw_certificate(odd_landed)) == (None, stale.encode())
    assert read_local_certificate(landed) == ACCELEROMETER.fingerprint
    assert raw_certificate(odd_landed) is None
    assert {path: path.stat().st_mtime_ns for path in (landed, odd_landed)} == stamps


@pytest.mark.parametrize("refusal", ["raises", "missing"])
def test_without_extended_attributes_files_load_uncertified(tmp_path, capsys, monkeypatch, refusal):
    def refuse(*args: object) -> None:
        raise OSError(95, "Operation not supported")

    if refusal == "raises":
        monkeypatch.setattr(os, "setxattr", refuse)
    else:  # as on macOS
        for name in ("setxattr", "getxattr", "removexattr"):
            monkeypatch.delattr(os, name)
    source, dest = write_tree(tmp_path / "src", sample_files()), tmp_path / "dest"
    code, out, err = load_in_process(capsys, source, dest, "--json")
    assert code == EXIT_OK, err
    # nothing said per file but what was done: the JSON summary says it is uncertified
    assert [line.split()[0] for line in err.splitlines()] == ["uploaded"] * 3
    assert "certified" not in err
    summary = json.loads(out)
    assert summary["totals"]["certified"] == 0 and summary["totals"]["uploaded"] == 3
    assert set(certified(summary).values()) == {False}
    assert local_files(dest) == sample_files()


def test_plain_valid_objects_are_certified_on_s3(tmp_path, capsys, moto_s3_client, moto_s3_bucket):
    odd = b'{"user":"a@test.com","timestamp":"1655564400001"}\n'
    files = {ACCELEROMETER_TARGET: CERTIFIED, "accelerometer/landing/odd.json": odd}
    source = write_tree(tmp_path / "src", files)

    def certificates(prefix: str) -> dict[str, str | None]:
        return {
            key.rsplit("/", 1)[-1]: moto_s3_client.head_object(Bucket=moto_s3_bucket, Key=key)[
                "Metadata"
            ].get(METADATA_CERTIFICATE)
            for key in (f"{prefix}/{target}" for target in files)
        }

    expected = {"accelerometer-1.json": ACCELEROMETER.fingerprint, "odd.json": None}
    summary = load_json(capsys, source, f"s3://{moto_s3_bucket}/a")  # uploaded
    assert certified(summary) == {"accelerometer-1.json": True, "odd.json": False}
    assert certificates("a") == expected
    summary = load_json(capsys, f"s3://{moto_s3_bucket}/a", f"s3://{moto_s3_bucket}/b")
    assert {f["action"] for f in summary["files"]} == {"copied"}  # server-side
    assert certificates("b") == expected
    summary = load_json(capsys, source, f"s3://{moto_s3_bucket}/a")  # skipped: as stored
    assert certified(summary) == {"accelerometer-1.json": True, "odd.json": False}

    # a rewrite by the loader replaces the metadata: the certificate goes with the old object
    (source / ACCELEROMETER_TARGET).write_bytes(CERTIFIED + odd)
    summary = load_json(capsys, source, f"s3://{moto_s3_bucket}/a")
    assert certificates("a") == {"accelerometer-1.json": None, "odd.json": None}


def test_the_fingerprint_changes_with_the_required_keys(tmp_path):
    text = SOURCES_YAML.read_text()
    assert "required_keys: [user, timestamp]" in text
    copy = tmp_path / "_landing__sources.yml"
    copy.write_text(text)
    assert [d.fingerprint for d in load_datasets(copy)] == [d.fingerprint for d in DATASETS]
    copy.write_text(text.replace("required_keys: [user, timestamp]", "required_keys: [user]"))
    changed = {d.name: d.fingerprint for d in load_datasets(copy)}
    for dataset in DATASETS:
        assert (changed[dataset.name] == dataset.fingerprint) == (dataset.name != "accelerometer")
        assert len(dataset.fingerprint) == 16 and int(dataset.fingerprint, 16) >= 0
