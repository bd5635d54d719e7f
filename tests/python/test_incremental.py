"""An incremental build gives the zones of a full build, after every kind of delivery.

One landing root goes through two rounds of deliveries, each loaded with load_landing.py as
`make run` loads them. After each round, an incremental schema of each mode (strict and
rubric-compatible) builds again without a full refresh: it parses only new or rewritten files
and rebuilds only the reading days and customers they touch. A second schema of the mode then
builds from scratch (`--full-refresh`), and every landing and zone table must hold the same
rows in both, compared by row count and an order-independent checksum.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from builds import PROJECT_DIR, build, query, zone_checksums

from tools import layout, sample_data

# the tests of this module share their builds: one pytest-xdist worker runs them all
pytestmark = pytest.mark.xdist_group("incremental")

MODES = {"strict": "{}", "rubric": "{rubric_compatible: true}"}
LANDING_TABLES = [
    "customer_landing_validated",
    "accelerometer_landing_validated",
    "step_trainer_landing_validated",
    "landing_rejected_records",
]
ZONE_TABLES = [name for name in layout.ZONE_TABLES if name.endswith(("_trusted", "_curated"))]
DAY_MS = 86_400_000


def landing_files(source: Path, dataset: str) -> list[Path]:
    return sorted((source / dataset / "landing").glob("*.json"))


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_records(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def new_readings(source: Path, held_back: Path) -> None:
    """New accelerometer and step-trainer files: the last file of each, held back until now."""
    for dataset in ("accelerometer", "step_trainer"):
        for path in landing_files(held_back, dataset):
            shutil.copy(path, source / dataset / "landing" / path.name)


def consent_changes(source: Path, _: Path) -> None:
    """A new customer file: two consenting customers withdraw, two others consent at last."""
    current: dict[str, dict[str, object]] = {}
    for row in records(landing_files(source, "customer")[0]):
        email = str(row["email"]).strip().lower()
        if email not in current or int(row["lastUpdateDate"]) >= int(
            current[email]["lastUpdateDate"]
        ):  # type: ignore[arg-type]
            current[email] = row
    users = {
        str(row["user"]).strip().lower()
        for path in landing_files(source, "accelerometer")
        for row in records(path)
    }
    with_readings = [r for email, r in current.items() if email in users]
    consenting = [r for r in with_readings if r.get("shareWithResearchAsOfDate")]
    refusing = [r for r in with_readings if not r.get("shareWithResearchAsOfDate")]
    # customers in the middle of the list: their readings are in none of the files the other
    # deliveries of the round add, so only their records' change can rebuild their days
    consenting = consenting[len(consenting) // 2 :]
    refusing = refusing[len(refusing) // 2 :]
    changed = []
    for row in consenting[:2]:
        withdrawn = {k: v for k, v in row.items() if k != "shareWithResearchAsOfDate"}
        changed.append({**withdrawn, "lastUpdateDate": int(row["lastUpdateDate"]) + DAY_MS})  # type: ignore[arg-type]
    for row in refusing[:2]:
        consent = int(row["registrationDate"]) + 30_000  # type: ignore[arg-type]
        changed.append(
            {**row, "shareWithResearchAsOfDate": consent, "lastUpdateDate": consent + DAY_MS}
        )
    write_records(source / "customer" / "landing" / "customer-2.json", changed)


def redelivered(source: Path, _: Path) -> None:
    """The first accelerometer file delivered again under another name."""
    first = landing_files(source, "accelerometer")[0]
    shutil.copy(first, first.with_name(first.stem + "-again.json"))


def rewritten(source: Path, _: Path) -> None:
    """The first step-trainer file replaced by a changed version of itself."""
    path = landing_files(source, "step_trainer")[0]
    rows = records(path)
    rows = rows[len(rows) // 3 :]  # its first third is withdrawn by the sender
    rows[0] = {**rows[0], "distanceFromObject": 999}
    write_records(path, rows)


def deleted(source: Path, _: Path) -> None:
    """The second accelerometer file deleted from the source, so the loader deletes it too."""
    landing_files(source, "accelerometer")[1].unlink()


# Two rounds of deliveries, each kind once: a build after each round must equal a full build,
# and one kind that broke the equality would break its round's.
ROUNDS: list[list[Callable[[Path, Path], None]]] = [
    [new_readings, consent_changes, redelivered],
    [rewritten, deleted],
]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A sample source with its last reading files held back, and an empty landing root."""
    root = tmp_path_factory.mktemp("incremental")
    source, held_back = root / "source", root / "held_back"
    # a customer a day: a delivery touches some days of readings, and a build rebuilds those
    sample_data.generate(source, customer_count=60, seed=7, days_apart=1)
    for dataset in ("accelerometer", "step_trainer"):
        last = landing_files(source, dataset)[-1]
        (held_back / dataset / "landing").mkdir(parents=True)
        shutil.move(last, held_back / dataset / "landing" / last.name)
    return source, held_back, root / "landing"


def load(source: Path, landing_root: Path) -> None:
    loader = PROJECT_DIR / "load_landing.py"
    subprocess.run(
        [sys.executable, str(loader), str(source), str(landing_root), "--delete"],
        check=True,
        capture_output=True,
    )


def test_incremental_builds_equal_full_builds_after_every_delivery(
    tmp_path: Path, thrift_port: int, landing: tuple[Path, Path, Path]
):
    source, held_back, landing_root = landing
    load(source, landing_root)
    schemas: dict[str, str] = {}

    def build_into(kind: str, mode: str, full: bool = False) -> None:
        outcome = build(
            tmp_path,
            thrift_port,
            landing_root,
            MODES[mode],
            schema=schemas.get(f"{kind} {mode}"),
            # the data tests are run by the other pipeline tests; equality is the point here
            extra=["--skip-tests", *(["--full-refresh"] if full else [])],
        )
        assert outcome.returncode == 0, outcome.output[-3000:]
        schemas[f"{kind} {mode}"] = outcome.schema

    def assert_same_zones(mode: str, when: str) -> None:
        tables = LANDING_TABLES + ZONE_TABLES
        incremental = zone_checksums(thrift_port, schemas[f"incremental {mode}"], tables)
        assert incremental == zone_checksums(thrift_port, schemas[f"full {mode}"], tables), when

    # an incremental schema of each mode, each built in its mode only: a build rebuilds the
    # days that changed, not every day, as it would after a build in the other mode
    for mode in MODES:
        build_into("incremental", mode, full=True)
    withdrawn: list[str] = []
    for deliveries in ROUNDS:
        time.sleep(0.05)  # a rewritten file gets a modification time of its own
        for deliver in deliveries:
            deliver(source, held_back)
        load(source, landing_root)
        when = "after " + ", ".join(deliver.__name__ for deliver in deliveries)
        for mode in MODES:
            build_into("incremental", mode)
            # the build rebuilt some days of readings, not all of them
            schema = schemas[f"incremental {mode}"]
            ((rebuilt, every_day, days),) = query(
                thrift_port,
                "select count(distinct rebuild_day), count(*) - count(rebuild_day),"
                " (select count(distinct floor(reading_time / 86400000)) from ("
                f" select reading_time from {schema}.accelerometer_landing_parsed union all"
                f" select sensor_reading_time from {schema}.step_trainer_landing_parsed))"
                f" from {schema}.days_to_rebuild",
            )
            assert every_day == 0 and 0 < rebuilt < days, (when, mode, rebuilt, days)
            build_into("full", mode, full=True)
            assert_same_zones(mode, f"{when}, {mode} mode")
        if consent_changes in deliveries:
            withdrawn = [
                str(row["email"]).strip().lower()
                for row in records(source / "customer" / "landing" / "customer-2.json")
                if not row.get("shareWithResearchAsOfDate")
            ]
            emails = ", ".join(f"'{email}'" for email in withdrawn)
            leaked = query(
                thrift_port,
                f"select count(*) from {schemas['incremental strict']}.accelerometer_trusted "
                f"where customer_email in ({emails})",
            )
            assert leaked == [(0,)], "a withdrawn customer's readings stayed in the zones"
            consented = [
                str(row["email"]).strip().lower()
                for row in records(source / "customer" / "landing" / "customer-2.json")
                if row.get("shareWithResearchAsOfDate")
            ]
            emails = ", ".join(f"'{email}'" for email in consented)
            (arrived,) = query(
                thrift_port,
                f"select count(*) from {schemas['incremental strict']}.accelerometer_trusted "
                f"where customer_email in ({emails})",
            )
            assert arrived[0] > 0, "a customer who consented at last has no readings"
    assert len(withdrawn) == 2
