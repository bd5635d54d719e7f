"""erase_customer.py on a local landing root and on moto's S3 on loopback.

The landing set is small and written here, so that every line's fate is known: the lines of
two erased customers go in every spelling of their e-mail, valid or not; a customer whose
e-mail holds an erased one (joann@… and ann@…) stays; a device shared with a customer who
stays keeps its readings. The zones after an erasure are tested in test_erasure_zones.py.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import boto3
import pytest
from builds import PROJECT_DIR, write_lines

from stedi_lakehouse.erasure import erase
from stedi_lakehouse.loader.decoding import CHUNK_BYTES
from stedi_lakehouse.shared.errors import EXIT_LOCKED, EXIT_NOT_FOUND
from stedi_lakehouse.shared.s3_storage import S3Storage
from stedi_lakehouse.shared.storage import LOCK_NAME

ERASED = ["ann.lee@test.com", "cat@test.com"]
# (line, kept?) per file
CUSTOMER = [
    ('{"customerName":"Ann Lee","email":" ANN.Lee@Test.com\\u00a0","serialNumber":"s-shared",'
     '"registrationDate":1,"lastUpdateDate":1,"shareWithResearchAsOfDate":5}', False),
    ('{"customerName":"Bob Ray","email":"bob@test.com","serialNumber":"s-shared",'
     '"registrationDate":1,"lastUpdateDate":1,"shareWithResearchAsOfDate":5}', True),
    ('{"customerName":"Cat Ng","EMAIL":"\\tCat@test.com","serialNumber":"s-cat",'
     '"registrationDate":1,"lastUpdateDate":1,"shareWithResearchAsOfDate":5}', False),
    ('{"customerName":"Jo Ann Lee","email":"joann.lee@test.com","serialNumber":"s-jo",'
     '"registrationDate":1,"lastUpdateDate":1,"shareWithResearchAsOfDate":5}', True),
    ('{"customerName":"Ann Lee","email":"Ann.Lee@test.com","serialNum', False),  # not JSON
]  # fmt: skip
ACCELEROMETER = [
    ('{"user":"ann.lee@TEST.com","timestamp":10,"x":1,"y":0,"z":-1}', False),
    ('{"User":" Ann.Lee@test.com ","timeStamp":11,"x":1,"y":0,"z":-1}', False),
    ('{"user":"ann.lee@test.com","timestamp":"late","x":1,"y":0,"z":-1}', False),  # bad type
    ('{"user":"bob@test.com","timestamp":10,"x":1,"y":0,"z":-1}', True),
    ('{"user":"cat@test.com","timestamp":10,"x":1,"y":0,"z":-1}', False),
    ('{"user":"joann.lee@test.com","timestamp":10,"x":1,"y":0,"z":-1}', True),
    ("this is not JSON", True),
]
STEP_TRAINER = [
    ('{"sensorReadingTime":10,"serialNumber":"s-shared","distanceFromObject":210}', True),
    ('{"sensorReadingTime":10,"serialNumber":"s-cat","distanceFromObject":220}', False),
    ('{"sensorReadingTime":11,"serialNumber":"s-cat","distanceFromObject":230}', False),
    ('{"sensorReadingTime":10,"serialNumber":"s-jo","distanceFromObject":240}', True),
]
FILES = {
    "customer/landing/customer-1.json": CUSTOMER,
    "accelerometer/landing/accelerometer-1.json": ACCELEROMETER,
    "step_trainer/landing/step_trainer-1.json": STEP_TRAINER,
}


def write_landing(root: Path, kept_only: bool = False) -> Path:
    for name, lines in FILES.items():
        write_lines(root / name, [line for line, kept in lines if kept or not kept_only])
    return root


def landing_bytes(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILES}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(PROJECT_DIR / "erase_customer.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, input=stdin, cwd=PROJECT_DIR)


def tombstone_hashes(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [row["email_sha256"] for row in csv.DictReader(handle)]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_erasure_removes_every_line_of_the_customers_and_only_those(tmp_path: Path):
    root, expected = write_landing(tmp_path / "landing"), write_landing(tmp_path / "x", True)
    tombstones, report = tmp_path / "t" / "erased_customers.csv", tmp_path / "report.json"
    # one e-mail given on the command line in another spelling, the other on standard input
    result = run(
        "-", "--landing-root", str(root), "--tombstones", str(tombstones), "--report", str(report),
        stdin=" ANN.LEE@test.com\nCat@Test.com\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert landing_bytes(root) == landing_bytes(expected)
    assert tombstone_hashes(tombstones) == [sha256(email) for email in ERASED]
    written = json.loads(report.read_text())
    assert written["devices_kept_shared"] == {"s-shared": 1}
    assert written["devices_removed"] == 1
    removed = {name: sum(files.values()) for name, files in written["lines_removed"].items()}
    assert removed == {"customer": 3, "accelerometer": 4, "step_trainer": 2}
    for text in (result.stdout, result.stderr, report.read_text(), tombstones.read_text()):
        assert not any(email in text.lower() for email in ERASED)


def test_dry_run_reports_the_same_and_writes_nothing(tmp_path: Path):
    root = write_landing(tmp_path / "landing")
    before = landing_bytes(root)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    result = run(*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would remove 3 customer lines from 1 files" in result.stdout
    assert landing_bytes(root) == before
    assert not tombstones.exists()


def test_an_email_not_found_is_tombstoned_with_an_exit_code_of_its_own(tmp_path: Path):
    root = write_landing(tmp_path / "landing")
    before = landing_bytes(root)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    result = run("later@test.com", "--landing-root", str(root), "--tombstones", str(tombstones))
    assert result.returncode == EXIT_NOT_FOUND
    notice = [line for line in result.stderr.splitlines() if line.startswith("notice:")]
    assert len(notice) == 1 and "its tombstone is recorded" in notice[0]
    assert tombstone_hashes(tombstones) == [sha256("later@test.com")]
    assert landing_bytes(root) == before
    # a second request for the customer (or a rerun) finds the tombstone and keeps it alone
    again = run("LATER@test.com", "--landing-root", str(root), "--tombstones", str(tombstones))
    assert again.returncode == 0 and "E-mail 1: already erased" in again.stdout
    assert tombstone_hashes(tombstones) == [sha256("later@test.com")]


def _make_unwritable(folder: Path) -> bool:
    """Refuse new files in a folder, for root too (chattr +i); False when it cannot be done."""
    folder.chmod(0o555)
    try:
        (folder / ".probe").touch()
    except PermissionError:
        return True
    (folder / ".probe").unlink()
    chattr = shutil.which("chattr")
    return bool(chattr) and subprocess.run([chattr, "+i", str(folder)]).returncode == 0


def test_a_landing_root_that_cannot_be_written_stops_before_any_change(tmp_path: Path):
    root = write_landing(tmp_path / "landing")
    before = landing_bytes(root)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    folder = root / "customer" / "landing"
    if not _make_unwritable(folder):
        pytest.skip("this file system lets root write a read-only folder and has no chattr +i")
    try:
        result = run(*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones))
    finally:
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)
    assert result.returncode == 2
    assert "cannot be written" in result.stderr and "nothing was changed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert landing_bytes(root) == before  # the step-trainer file, written first, too
    assert not tombstones.exists()


def test_an_s3_erasure_interrupted_by_the_server_stopping_completes_when_run_again(
    tmp_path: Path,
    aws_dummy_env: None,
    restartable_moto_s3_server: object,
    monkeypatch: pytest.MonkeyPatch,
):
    server = restartable_moto_s3_server
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)  # type: ignore[attr-defined]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="stedi-erasure")
    landing = "s3://stedi-erasure/lake"
    loader = [sys.executable, str(PROJECT_DIR / "load_landing.py")]
    subprocess.run([*loader, str(write_landing(tmp_path / "source")), landing], check=True)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    args = [*ERASED, "--landing-root", landing, "--tombstones", str(tombstones)]

    real_place = S3Storage.place

    def place_then_stop(store: S3Storage, path: str, *rest: object) -> bool:
        placed = real_place(store, path, *rest)  # type: ignore[arg-type]
        if ".probe-" not in path:  # the first landing file rewritten, not a probe
            server.stop()  # type: ignore[attr-defined]
        return placed

    monkeypatch.setattr(S3Storage, "place", place_then_stop)
    assert erase.main([*args, "--report", str(tmp_path / "first.json")]) == 4
    monkeypatch.setattr(S3Storage, "place", real_place)
    server.start()  # type: ignore[attr-defined]
    assert erase.main([*args, "--report", str(tmp_path / "second.json")]) == 0

    expected = landing_bytes(write_landing(tmp_path / "expected", kept_only=True))
    for name, data in expected.items():
        stored = s3.get_object(Bucket="stedi-erasure", Key=f"lake/{name}")
        assert stored["Body"].read() == data, name
        # the loader's metadata: loading the same bytes again is a no-op
        assert stored["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert tombstone_hashes(tombstones) == [sha256(email) for email in ERASED]
    again = subprocess.run(
        [*loader, str(tmp_path / "expected"), landing, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(again.stdout)["totals"]
    assert (summary["uploaded"], summary["skipped_unchanged"]) == (0, len(FILES))


def test_deep_long_and_cr_ended_lines_crash_no_erasure(tmp_path: Path):
    root = write_landing(tmp_path / "landing")
    deep = '{"user":"ann.lee@test.com","timestamp":10,"x":' + "[" * 100_000 + "]" * 100_000 + "}"
    note = "x" * 1_100_000  # the line is longer than the contract's max_line_bytes
    long_kept = '{"user":"bob@test.com","timestamp":10,"note":"' + note + '"}'
    long_gone = '{"user":"cat@test.com","timestamp":10,"note":"' + note + '"}'
    bob = ACCELEROMETER[3][0]
    # a lone CR ends a line, as the engines read it: only the erased customers' lines go
    odd = root / "accelerometer" / "landing" / "odd.json"
    odd.write_bytes("\r".join([deep, long_kept, long_gone, bob, ""]).encode())
    # a temporary file of an interrupted write is no landing file: it is left alone
    stray = root / "accelerometer" / "landing" / ".odd.json.1234.tmp"
    stray.write_bytes(ACCELEROMETER[0][0].encode() + b"\n")
    tombstones = tmp_path / "t" / "erased_customers.csv"
    result = run(*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert odd.read_bytes() == f"{long_kept}\r{bob}\r".encode()
    assert stray.read_bytes() == ACCELEROMETER[0][0].encode() + b"\n"


def test_an_erasure_refuses_while_another_run_writes_the_landing_root(tmp_path: Path):
    root = write_landing(tmp_path / "landing")
    before = landing_bytes(root)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    holder = {"holder": "load_landing.py", "host": "h1", "pid": 4242, "since": "2025-01-01T00:00Z"}
    with (root / LOCK_NAME).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write(json.dumps(holder))
        handle.flush()
        result = run(*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones))
    assert result.returncode == EXIT_LOCKED
    assert result.stderr.splitlines() == [
        "erase_customer.py: error: Another load_landing.py (pid 4242 on host h1, since "
        f"2025-01-01T00:00Z) is writing to {root}; wait for it to finish, then run again."
    ]
    assert landing_bytes(root) == before
    assert not tombstones.exists()


def test_the_erasure_streams_a_landing_file_much_larger_than_its_memory(tmp_path: Path):
    """Every file is streamed, through the loader's line splitter and the storage's staging:
    an erasure of a 128 MiB file, with lines to remove and lines longer than a chunk, stays
    within 32 MiB of memory allocated at once (traced by tracemalloc, which counts every
    Python object, so reading the file whole, or a line of it, exceeds the bound)."""
    root = write_landing(tmp_path / "landing")
    big = root / "accelerometer" / "landing" / "big.json"
    note = "n" * 8_000
    kept = ('{"user":"bob@test.com","timestamp":10,"note":"' + note + '"}\n').encode()
    gone = ('{"user":"cat@test.com","timestamp":10,"note":"' + note + '"}\n').encode()
    # longer than a chunk (4 MiB): handed over in pieces, the e-mail across two of them
    long_gone = b'{"note":"' + b"x" * (2 * CHUNK_BYTES - 5) + b' Cat@test.com"}\n'
    long_kept = b'{"note":"' + b"y" * (CHUNK_BYTES + 7) + b'", "user":"bob@test.com"}\n'
    block = kept * 999 + gone
    blocks = 128 * 2**20 // len(block) + 1
    with big.open("wb") as handle:
        for _ in range(blocks):
            handle.write(block)
        handle.write(long_gone + long_kept)
    size = big.stat().st_size
    tombstones = tmp_path / "t" / "erased_customers.csv"
    args = [*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones)]
    tracemalloc.start()
    try:
        code = erase.main([*args, "--report", str(tmp_path / "report.json")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 0
    assert size > 4 * 32 * 2**20 and peak < 32 * 2**20, f"{peak:,} bytes at once"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["lines_removed"]["accelerometer"][str(big)] == blocks + 1
    assert big.stat().st_size == size - (blocks * len(gone) + len(long_gone))
    with big.open("rb") as handle:
        assert handle.read(len(block)) == kept * 999 + kept[: len(gone)]
        handle.seek(-len(long_kept), 2)
        assert handle.read() == long_kept


def test_a_landing_folder_that_is_a_symbolic_link_is_erased_too(tmp_path: Path):
    """The landing root and its landing folders are read where they lead, as the engines read
    them; only links below a landing folder are never followed."""
    real = write_landing(tmp_path / "elsewhere")
    root = tmp_path / "landing"
    root.mkdir()
    for dataset in ("customer", "accelerometer", "step_trainer"):
        (root / dataset).symlink_to(real / dataset, target_is_directory=True)
    tombstones = tmp_path / "t" / "erased_customers.csv"
    result = run(*ERASED, "--landing-root", str(root), "--tombstones", str(tombstones))
    assert result.returncode == 0, result.stderr
    assert landing_bytes(real) == landing_bytes(write_landing(tmp_path / "x", kept_only=True))
