"""The tiny landing set of `make athena-smoke`: a dozen lines per dataset, edge lines included.

Written by code, so it is the same on every run. The edges the loader normalises (a UTF-8
byte-order mark, CRLF line endings) sit in a file whose lines are all valid, so that what
reaches the models is what Spark reads too. The edges the models must quarantine (a line with
a key twice, text after the object, a truncated last line, a value of the wrong type) sit in
files that the loader, without --strict, loads as they are. The figures a build gives on these
files, and the answers of the probe queries, are in smoke_expected.json.
"""

from __future__ import annotations

import codecs
from pathlib import Path

# Times are milliseconds after T0 (2022-06-18), within the contract's plausible_times.
T0 = 1_655_564_400_000


def _customer(name: str, serial: str, updated: int, research: int | None) -> str:
    """One customer record; `research` None leaves the consent key out, 0 is no consent."""
    email = f"{name.lower()}@smoke.test"
    consent = (
        "" if research is None else f',"shareWithResearchAsOfDate":{research and T0 + research}'
    )
    return (
        f'{{"customerName":"{name} Smoke","email":"{email}","phone":"5550100",'
        f'"birthDay":"1990-01-01","serialNumber":"{serial}","registrationDate":{T0 + 100},'
        f'"lastUpdateDate":{T0 + updated}{consent}}}'
    )


CUSTOMERS = [
    _customer("Ann", "s-ann", 500, 1000),
    _customer("Ann", "s-ann", 400, 1000),  # an older record of Ann: the latest wins
    _customer("Bob", "s-bob", 500, None),  # never consented
    _customer("Cat", "s-cat", 500, 0),  # 0 is no consent
    _customer("Dan", "s-dan", 500, 900),
    _customer("Dan", "s-dan", 800, None),  # Dan withdrew later
    _customer("Eve", "s-eve", 500, 1000),
    _customer("Fay", "s-shared", 500, 1000),
    _customer("Gus", "s-shared", 500, None),  # shares Fay's serial number, no consent
    _customer("Hal", "s-hal", 500, 1000),  # consents, has no readings
    _customer("Ivy", "s-ivy", 500, 5000),  # consented after her first readings
    _customer("Joe", "s-joe", 500, 1000),
]


def _reading(user: str, time: int, key: str = "timestamp") -> str:
    """One accelerometer reading of user@smoke.test; `key` may spell the time key otherwise."""
    return f'{{"user":"{user}@smoke.test","{key}":{T0 + time},"x":0.5,"y":-1,"z":2}}'


ACCELEROMETER = [
    _reading("ann", 2000),
    _reading("ANN", 2001, key="timeStamp"),  # another case of the key, and of the e-mail
    _reading("bob", 2000),
    _reading("dan", 2000),
    _reading("eve", 2000),
    _reading("fay", 2000),
    _reading("gus", 2000),
    _reading("ivy", 2000),  # before Ivy's consent
    _reading("ivy", 6000),
]
ACCELEROMETER_BAD = [
    '{"user":"joe@smoke.test","timestamp":1655564402000,"timestamp":1655564402001,"x":0,"y":0,"z":0}',
    '{"user":"joe@smoke.test","timestamp":1655564402002,"x":0,"y":0,"z":0} trailing text',
    '{"user":"joe@smoke.test","timestamp":20',  # truncated, the file's last line
]


def _step(serial: str, time: int | str, distance: int | str = 200) -> str:
    """One step-trainer reading; a str time or distance is written as a JSON string."""
    time_json = f'"{T0 + int(time)}"' if isinstance(time, str) else str(T0 + time)
    distance_json = f'"{distance}"' if isinstance(distance, str) else str(distance)
    return (
        f'{{"sensorReadingTime":{time_json},"serialNumber":"{serial}",'
        f'"distanceFromObject":{distance_json}}}'
    )


STEP_TRAINER = [
    _step("s-ann", 2000),
    _step("s-ann", "2001"),  # a quoted number, written as JSON writes the number
    _step("s-ann", 3000),
    _step("s-bob", 2000),
    _step("s-dan", 2000),
    _step("s-eve", 2000),
    _step("s-eve", 2000),  # the same reading delivered twice counts once
    _step("s-shared", 2000),
    _step("s-hal", 2000),
    _step("s-ivy", 2000),
    _step("s-ivy", 6000),
    _step("s-joe", 2000, "far"),
]


def _write(path: Path, lines: list[str], newline: str = "\n", *, bom: bool = False) -> None:
    """Write lines with a line ending; without a final newline when the last line is cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = newline.join(lines)
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    path.write_bytes(data)


def write_tiny_landing(root: Path) -> list[Path]:
    """Write the tiny landing set under root, laid out like the starter data; return its files."""
    files = {
        # the loader removes the byte-order mark and turns CRLF into LF
        root / "customer/landing/customer-smoke.json": (CUSTOMERS, "\r\n", True),
        root / "accelerometer/landing/accelerometer-smoke-1.json": (ACCELEROMETER, "\n", False),
        # no final newline: the truncated line is the file's last
        root / "accelerometer/landing/accelerometer-smoke-2.json": (ACCELEROMETER_BAD, "\n", False),
        root / "step_trainer/landing/step_trainer-smoke.json": (STEP_TRAINER, "\n", False),
    }
    for path, (lines, newline, bom) in files.items():
        _write(path, lines, newline, bom=bom)
    return sorted(files)
