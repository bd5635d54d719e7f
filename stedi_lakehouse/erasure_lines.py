"""Which landing lines belong to an erased customer, and which devices go with them.

A line belongs to a customer when its record names the customer: a customer record by its
`email`, an accelerometer reading by its `user` (keys in any case, the e-mail normalised as the
models normalise it). A line that the models would quarantine keeps its text in
`landing_rejected_records`, so such a line is removed whenever it carries the e-mail anywhere.
A step-trainer reading names only a device: it goes when every customer whose records name the
device's serial number is erased (serial numbers are shared because of a fulfilment defect).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stedi_lakehouse.contract import DATASETS, WHITE_SPACE, Record, Verdict, judge_line
from stedi_lakehouse.line_stream import is_blank

DATASET_BY_NAME = {dataset.name: dataset for dataset in DATASETS}
# the key that names the customer in each dataset's records (the models' customer_email)
CUSTOMER_KEYS = {"customer": "email", "accelerometer": "user"}
SERIAL_KEY = "serialnumber"
# characters that may continue an e-mail address, so that ann@x.com is not found in joann@x.com
_EMAIL_CHARACTER = r"[\w.%+-]"


def normalise_email(text: str) -> str | None:
    """An e-mail as the models compare it: lower case, no surrounding white space of any kind."""
    stripped = text.strip(WHITE_SPACE).lower()
    return stripped or None


def email_sha256(email: str) -> str:
    """The SHA-256 of a normalised e-mail as 64 lower-case hex digits (macro email_sha256)."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()


def judge(line: bytes, dataset: str) -> Verdict:
    """The models' verdict on a landing line (its ending removed), with its object if it has one.

    contract.judge_line never recurses, so no line (100,000 brackets deep, or megabytes long)
    can crash an erasure.
    """
    return judge_line(line, DATASET_BY_NAME[dataset])


def values_of(record: Record, key: str) -> list[Any]:
    """Every value of a key in a record, keys being case-insensitive."""
    return [value for name, value in record.pairs if name.lower() == key]


@dataclass
class Erasure:
    """The customers being erased and the devices whose readings go with them."""

    emails: list[str]  # normalised, in the order given
    serials: set[str] = field(default_factory=set)  # devices whose readings are removed
    _patterns: list[re.Pattern[str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        """Compile one pattern per e-mail that does not match inside a longer address."""
        self._patterns = [
            re.compile(f"(?<!{_EMAIL_CHARACTER}){re.escape(email)}(?!{_EMAIL_CHARACTER})")
            for email in self.emails
        ]

    def carried_by(self, text: str) -> str | None:
        """The e-mail that a line's text carries anywhere, in any case."""
        lowered = text.lower()
        for email, pattern in zip(self.emails, self._patterns, strict=True):
            if pattern.search(lowered):
                return email
        return None

    def named_by(self, record: Record, dataset: str) -> str | None:
        """The erased e-mail that a record names as its customer."""
        key = CUSTOMER_KEYS.get(dataset)
        for value in values_of(record, key) if key else []:
            email = normalise_email(value) if isinstance(value, str) else None
            if email in self.emails:
                return email
        return None

    def owner_of(self, line: bytes, dataset: str) -> str | None:
        """Why a line goes: the erased e-mail it belongs to, 'device' for a reading, or None."""
        verdict = judge(line, dataset)
        record = verdict.record
        if record is not None:
            email = self.named_by(record, dataset)
            if email:
                return email
            serials = values_of(record, SERIAL_KEY) if dataset == "step_trainer" else []
            if any(isinstance(serial, str) and serial in self.serials for serial in serials):
                return "device"
        if verdict.reason is None:
            return None  # a valid line names its customer in its keys, and the models keep no text
        return self.carried_by(line.decode("utf-8", errors="replace"))


@dataclass
class Devices:
    """Serial numbers of erased customers: removed when all owners go, kept when shared."""

    removed: set[str] = field(default_factory=set)
    kept: dict[str, int] = field(default_factory=dict)  # serial -> owners not erased


def device_owners(customer_lines: Iterable[bytes]) -> dict[str, set[str]]:
    """Who each serial number belongs to, by the customer records that name it."""
    owners: dict[str, set[str]] = defaultdict(set)
    for line in customer_lines:
        record = judge(line, "customer").record
        if record is None:
            continue
        emails = [normalise_email(v) for v in values_of(record, "email") if isinstance(v, str)]
        for serial in values_of(record, SERIAL_KEY):
            if isinstance(serial, str):
                owners[serial].update(email or "" for email in emails or [None])
    return owners


def erased_devices(owners: dict[str, set[str]], emails: list[str], tombstoned: set[str]) -> Devices:
    """Split the devices of the erased customers into removed and shared (kept).

    An owner counts as erased when erased now or tombstoned before; an owner whose record
    has no e-mail ('') is unknown and keeps the device.
    """
    devices = Devices()
    for serial, named in sorted(owners.items()):
        if not named & set(emails):
            continue
        others = {o for o in named if o not in emails and email_sha256(o) not in tombstoned}
        if others or "" in named:
            devices.kept[serial] = len(others)
        else:
            devices.removed.add(serial)
    return devices


def remove_lines(data: bytes, dataset: str, erasure: Erasure) -> tuple[bytes, dict[str, int]]:
    """A file's bytes without the lines that go, and how many went per owner.

    Lines end as the engines end them (LF, CRLF or a lone CR); every other line keeps its bytes
    and its line ending, and a line of white space only is no record (docs/rules.md).
    """
    kept: list[bytes] = []
    removed: dict[str, int] = defaultdict(int)
    for piece in data.splitlines(keepends=True):
        line = piece.rstrip(b"\r\n")
        owner = None if is_blank(line) else erasure.owner_of(line, dataset)
        if owner is None:
            kept.append(piece)
        else:
            removed[owner] += 1
    if not removed:
        return data, {}
    return b"".join(kept), dict(removed)
