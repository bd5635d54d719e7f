"""Tests of load_landing.py: normalisation, validation, local and S3 (moto server) loads."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

import load_landing
from stedi_lakehouse.aws import explain_aws_error
from stedi_lakehouse.contract import DATASETS, validate_record
from stedi_lakehouse.destinations import LocalDestination
from stedi_lakehouse.errors import LoaderError
from stedi_lakehouse.load import Reporter
from stedi_lakehouse.net import free_port
from stedi_lakehouse.normalise import normalise

REPO_ROOT = Path(__file__).resolve().parents[2]
LOADER = REPO_ROOT / "load_landing.py"
STARTER_DATA = (Path(__file__).parents[2] / ".." / "shared" / "data" / "udacity-starter").resolve()


EXIT_OK, EXIT_INVALID_INPUT, EXIT_REFUSED, EXIT_AWS_ERROR = 0, 2, 3, 4
ACCELEROMETER = next(d for d in DATASETS if d.name == "accelerometer")
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
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- normalisation


def test_valid_json_lines_are_kept_byte_for_byte():
    raw = b'{"user": "a@test.com",  "timestamp": 1, "x": 1, "y": 1.0, "z": -0.5}\n\n'
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
        ({"user": "a@test.com", "timeStamp": 1, "x": 1, "y": 1.0, "z": 0}, None),
        ({"USER": "a@test.com", "timestamp": 1, "x": None}, None),
        ({"user": "a@test.com", "timestamp": 1.0}, "timestamp is not an integer"),
        ({"user": "a@test.com", "timestamp": "1"}, None),
        ({"user": "a@test.com", "timestamp": " 1"}, "timestamp is not an integer"),
        ({"user": "a@test.com", "timestamp": 1, "x": True}, "x is not a number"),
        ({"user": "a@test.com", "timestamp": 1, "x": "1.0"}, None),
        ({"user": "a@test.com", "timestamp": 1, "x": "NaN"}, "x is not a number"),
        ({"user": "a@test.com"}, "missing required key timestamp"),
        ({"user": " \u00a0", "timestamp": 1}, "missing required key user"),
        ({"user": "a@test.com", "timestamp": 1, "TimeStamp": 2}, "twice"),
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
    for code in ("0", "2", "3", "4"):
        assert f"\n  {code} " in out


def test_local_copy_is_idempotent_and_rewrites_changed_files(tmp_path):
    source = write_tree(tmp_path / "src", sample_files())
    dest = tmp_path / "landing"
    first = run_loader(source, dest)
    assert first.returncode == EXIT_OK, first.stderr
    assert local_files(dest) == sample_files()
    assert not list(dest.rglob(".*"))  # no temporary files left behind
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


def test_unreadable_file_gives_exit_2(tmp_path, monkeypatch, capsys):
    source = write_tree(tmp_path / "src", sample_files())
    real_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "customer-1.json":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert load_landing.main([str(source), str(tmp_path / "dest")]) == EXIT_INVALID_INPUT
    err = capsys.readouterr().err.strip()
    assert err.endswith("customer-1.json: Permission denied.")
    assert len(err.splitlines()) == 1


def test_failed_local_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    destination = LocalDestination(tmp_path)
    target = "customer/landing/customer-1.json"
    destination.write(target, b"old\n", sha256(b"old\n"))

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(LoaderError, match="No space left on device"):
        destination.write(target, b"new content\n", sha256(b"new content\n"))
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
    assert 3 <= len(written_before) < len(expected)

    proc, summary = run_json(source, f"s3://{bucket}/", "--workers", "1")
    assert proc.returncode == EXIT_OK, proc.stderr
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
