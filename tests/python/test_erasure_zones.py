"""The zones after erase_customer.py, built on the Spark Thrift server.

Two customers of the sample set are erased, given in other spellings of their e-mails: one
who shares a device with a customer who stays, one whose device is theirs alone. Then
(a) no landing file, no table of the schema and no file dbt wrote holds either e-mail;
(b) every zone equals a build of the landing set from which their lines were removed by a
plain filter written here; (c) delivering the original files again changes no trusted or
curated table, and the lines come back as lineage only; (e) the shared device keeps its
readings, the other device's are gone. The command itself is tested in
test_erase_customer.py, an interrupted run on S3 among them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from builds import PROJECT_DIR, build, build_env, check_zone_report, query, zone_checksums
from test_incremental import ZONE_TABLES

from tools import sample_data
from tools.layout import landing_files

# the tests of this module share their builds: one pytest-xdist worker runs them all
pytestmark = [pytest.mark.xdist_group("erasure"), pytest.mark.usefixtures("own_tombstones")]
HEADER = "email_sha256,erased_at,request_id\n"


@pytest.fixture(scope="module")
def own_tombstones() -> Iterator[Path]:
    """An empty tombstone list of this module's own, which every build here reads.

    Inside the project, as STEDI_TOMBSTONES_DIR must be, in the git-ignored data/ folder.
    """
    folder = Path("data") / "test_tombstones" / uuid.uuid4().hex[:8]
    (PROJECT_DIR / folder).mkdir(parents=True)
    (PROJECT_DIR / folder / "erased_customers.csv").write_text(HEADER)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("STEDI_TOMBSTONES_DIR", str(folder))
            yield PROJECT_DIR / folder / "erased_customers.csv"
    finally:
        shutil.rmtree(PROJECT_DIR / folder)


def load(source: Path, landing_root: Path) -> None:
    loader = [sys.executable, str(PROJECT_DIR / "load_landing.py")]
    subprocess.run([*loader, str(source), str(landing_root)], check=True, capture_output=True)


def records(path: Path) -> Iterator[dict[str, object]]:
    for line in path.read_text().splitlines():
        yield from records_of(line)


def records_of(line: str) -> Iterator[dict[str, object]]:
    """The record of a line, keys in lower case; none when the line is not a JSON object."""
    try:
        record = json.loads(line)
    except ValueError:
        return
    if isinstance(record, dict):
        yield {key.lower(): value for key, value in record.items()}


def owners_by_serial(source: Path) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for path in landing_files(source, "customer"):
        for record in records(path):
            owners[str(record.get("serialnumber"))].add(str(record.get("email")).strip().lower())
    return owners


def share_device(source: Path, email: str, serial: str) -> None:
    """Give a customer's records another customer's serial number."""
    for path in landing_files(source, "customer"):
        lines = path.read_text().splitlines(keepends=True)
        for index, line in enumerate(lines):
            record = next(records_of(line), {})
            if str(record.get("email", "")).strip().lower() == email:
                old = str(record["serialnumber"])
                lines[index] = line.replace(f'"{old}"', f'"{serial}"')
        path.write_text("".join(lines))


def mentions(email: str) -> re.Pattern[str]:
    """The e-mail anywhere in a text, in any case, not inside a longer address."""
    return re.compile(rf"(?<![\w.%+-]){re.escape(email)}(?![\w.%+-])", re.IGNORECASE)


def without_customers(source: Path, target: Path, emails: list[str], serials: set[str]) -> None:
    """Copy a landing set without any line that mentions an e-mail or names a serial."""
    patterns = [mentions(email) for email in emails]
    for dataset in ("customer", "accelerometer", "step_trainer"):
        for path in landing_files(source, dataset):
            kept = [
                line
                for line in path.read_text().splitlines(keepends=True)
                if not any(p.search(line) for p in patterns)
                and not any(f'"{serial}"' in line for serial in serials)
            ]
            out = target / dataset / "landing" / path.name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("".join(kept))


def texts_holding(emails: list[str], texts: dict[str, str]) -> list[str]:
    patterns = [mentions(email) for email in emails]
    return [name for name, text in texts.items() if any(p.search(text) for p in patterns)]


def schema_texts(port: int, schema: str) -> dict[str, str]:
    tables = [str(row[1]) for row in query(port, f"show tables in {schema}")]
    return {table: repr(query(port, f"select * from {schema}.{table}")) for table in tables}


def file_texts(*folders: Path) -> dict[str, str]:
    return {
        str(path): path.read_text(errors="replace")
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_an_erased_customer_leaves_every_zone_for_good(
    tmp_path: Path, thrift_port: int, own_tombstones: Path
):
    source, landing_root = tmp_path / "source", tmp_path / "landing"
    sample_data.generate(source, customer_count=80, seed=11)
    load(source, landing_root)
    first = build(tmp_path, thrift_port, landing_root, extra=["--skip-tests"])
    assert first.returncode == 0, first.output[-3000:]
    schema = first.schema

    # who to erase: two curated customers whose devices have trusted readings, one of whom is
    # given a third one's device as well (the fulfilment defect), which that customer keeps
    owners = owners_by_serial(source)
    curated = query(
        thrift_port, f"select customer_email, serial_number from {schema}.customer_curated"
    )
    devices = {str(serial) for (serial,) in query(
        thrift_port, f"select distinct serial_number from {schema}.step_trainer_trusted"
    )}  # fmt: skip
    alone = sorted(
        (str(email), str(serial))
        for email, serial in curated
        if serial in devices and owners[str(serial)] == {email}
    )
    assert len(alone) >= 3, "the sample set has too few curated customers with a device"
    (keeper, shared_serial), (erased_shared, _), (erased_alone, own_serial) = alone[:3]
    share_device(source, erased_shared, shared_serial)
    load(source, landing_root)
    erased = [erased_shared, erased_alone]

    # erase, with a full-refresh rebuild of the same schema
    given = [f"  {erased_shared.upper()}\t", erased_alone.title()]
    erasure = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "erase_customer.py"), *given]
        + ["--landing-root", str(landing_root), "--rebuild", "--target", "ci"]
        + ["--report", str(tmp_path / "erasure.json")],
        env=build_env(tmp_path, thrift_port, schema),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert erasure.returncode == 0, (erasure.stdout + erasure.stderr)[-3000:]
    report = json.loads((tmp_path / "erasure.json").read_text())
    assert report["devices_kept_shared"] == {shared_serial: 1}

    # (a) nowhere: landing files, tables, the report, dbt's own files and logs, the output
    landing_texts = file_texts(landing_root)
    assert texts_holding(erased, landing_texts) == []
    assert texts_holding(erased, schema_texts(thrift_port, schema)) == []
    written = file_texts(tmp_path / f"target_{schema}", tmp_path / f"logs_{schema}")
    written |= {
        "erasure output": erasure.stdout + erasure.stderr,
        "tombstones": own_tombstones.read_text(),
    }
    assert texts_holding(erased, written) == []

    # (b) the zones of a landing set filtered here: the same rows
    filtered = tmp_path / "filtered"
    without_customers(source, filtered, erased, {own_serial})
    recorded = own_tombstones.read_text()
    own_tombstones.write_text(HEADER)  # the filtered set is built as if nobody was erased
    baseline = build(tmp_path, thrift_port, filtered, extra=["--skip-tests"])
    own_tombstones.write_text(recorded)
    assert baseline.returncode == 0, baseline.output[-3000:]
    after_erasure = zone_checksums(thrift_port, schema, ZONE_TABLES)
    assert after_erasure == zone_checksums(thrift_port, baseline.schema, ZONE_TABLES)
    assert (
        json.loads((tmp_path / f"target_{schema}" / "zone_counts.json").read_text())
        == baseline.counts
    )

    # (e) the shared device keeps its readings for the customer who stays; the other is gone
    def readings(serial: str) -> int:
        sql = f"select count(*) from {schema}.step_trainer_trusted where serial_number = '{serial}'"
        return int(query(thrift_port, sql)[0][0])

    assert readings(shared_serial) > 0 and readings(own_serial) == 0
    sql = f"select customer_email from {schema}.customer_curated where serial_number = "
    assert query(thrift_port, f"{sql}'{shared_serial}'") == [(keeper,)]

    # (c) the original files delivered again: no trusted or curated row changes
    load(source, landing_root)
    again = build(tmp_path, thrift_port, landing_root, schema=schema)
    assert again.returncode == 0, again.output[-3000:]
    assert zone_checksums(thrift_port, schema, ZONE_TABLES) == after_erasure
    # the landing tables read the files, which hold the lines again; no model keeps them
    manifest = json.loads((again.target_dir / "manifest.json").read_text())
    models = {n["alias"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tables = schema_texts(thrift_port, schema)
    assert set(tables) > models
    assert texts_holding(erased, {name: tables[name] for name in models}) == []
    lineage = query(
        thrift_port,
        f"select count(*), count(raw_line) from {schema}.landing_rejected_records "
        "where rejection_reason = 'customer erased on request'",
    )
    redelivered = sum(
        len(texts_holding(erased, dict(enumerate(path.read_text().splitlines()))))
        for dataset in ("customer", "accelerometer")
        for path in landing_files(source, dataset)
    )
    assert lineage == [(redelivered, 0)] and redelivered > 0
    # the zone report shows them as erased
    reasons = check_zone_report((again.target_dir / "zone_report.html").read_text(), again.counts)
    erased_rows = (
        reasons[(table, "erased")] for table in ("customer_trusted", "accelerometer_trusted")
    )
    assert sum(erased_rows) == redelivered
