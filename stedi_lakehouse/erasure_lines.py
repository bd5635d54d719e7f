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
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stedi_lakehouse.contract import DATASETS, WHITE_SPACE, validate_record

DATASET_BY_NAME = {dataset.name: dataset for dataset in DATASETS}
# the key that names the customer in each dataset's records (the models' customer_email)
CUSTOMER_KEYS = {"customer": "email", "accelerometer": "user"}
SERIAL_KEY = "serialnumber"
# the models refuse a line holding `}{` (docs/rules.md), even where Python's parser reads it
_SECOND_OBJECT = re.compile(r"[}][ \t]*[{]")
# characters that may continue an e-mail address, so that ann@x.com is not found in joann@x.com
_EMAIL_CHARACTER = r"[\w.%+-]"


def normalise_email(text: str) -> str | None:
    """An e-mail as the models compare it: lower case, no surrounding white space of any kind."""
    stripped = text.strip(WHITE_SPACE).lower()
    return stripped or None


def email_sha256(email: str) -> str:
    """The SHA-256 of a normalised e-mail as 64 lower-case hex digits (macro email_sha256)."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()


class _Record(dict):  # type: ignore[type-arg]
    """A JSON object that keeps every key-value pair, a repeated key included."""

    pairs: list[tuple[str, Any]]
    repeated = False


def _record_hook(pairs: list[tuple[str, Any]]) -> _Record:
    """Build a record; validate_record refuses one with a key twice, as the models do."""
    record = _Record(pairs)
    record.pairs = pairs
    record.repeated = len(record) < len(pairs)
    return record


_DECODER = json.JSONDecoder(object_pairs_hook=_record_hook)


def parse_line(text: str) -> _Record | None:
    """The JSON object of a line, or None when the line is not one."""
    try:
        value = _DECODER.decode(text)
    except ValueError:
        return None
    return value if isinstance(value, _Record) else None


def values_of(record: _Record, key: str) -> list[Any]:
    """Every value of a key in a record, keys being case-insensitive."""
    return [value for name, value in record.pairs if name.lower() == key]


def is_clean(text: str, record: _Record | None, dataset: str) -> bool:
    """Tell whether the models would accept the line, so that they keep no copy of its text."""
    if record is None or _SECOND_OBJECT.search(text):
        return False
    return validate_record(record, DATASET_BY_NAME[dataset]) is None


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

    def named_by(self, record: _Record, dataset: str) -> str | None:
        """The erased e-mail that a record names as its customer."""
        key = CUSTOMER_KEYS.get(dataset)
        for value in values_of(record, key) if key else []:
            email = normalise_email(value) if isinstance(value, str) else None
            if email in self.emails:
                return email
        return None

    def owner_of(self, text: str, dataset: str) -> str | None:
        """Why a line goes: the erased e-mail it belongs to, 'device' for a reading, or None."""
        record = parse_line(text)
        if record is not None:
            email = self.named_by(record, dataset)
            if email:
                return email
            serials = values_of(record, SERIAL_KEY) if dataset == "step_trainer" else []
            if any(isinstance(serial, str) and serial in self.serials for serial in serials):
                return "device"
        if is_clean(text, record, dataset):
            return None
        return self.carried_by(text)


@dataclass
class Devices:
    """Serial numbers of erased customers: removed when all owners go, kept when shared."""

    removed: set[str] = field(default_factory=set)
    kept: dict[str, int] = field(default_factory=dict)  # serial -> owners not erased


def device_owners(customer_lines: Iterable[str]) -> dict[str, set[str]]:
    """Who each serial number belongs to, by the customer records that name it."""
    owners: dict[str, set[str]] = defaultdict(set)
    for text in customer_lines:
        record = parse_line(text)
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

    Every other line keeps its bytes and its line ending.
    """
    pieces = data.split(b"\n")
    kept: list[bytes] = []
    removed: dict[str, int] = defaultdict(int)
    for index, piece in enumerate(pieces):
        text = piece.rstrip(b"\r").decode("utf-8", errors="replace")
        owner = owner_of_piece(text, dataset, erasure, last=index == len(pieces) - 1)
        if owner is None:
            kept.append(piece)
        else:
            removed[owner] += 1
    if not removed:
        return data, {}
    return b"\n".join(kept), dict(removed)


def owner_of_piece(text: str, dataset: str, erasure: Erasure, last: bool) -> str | None:
    """The owner of one piece of a file; the empty piece after a final newline is no line."""
    if last and not text:
        return None
    if not text.strip(WHITE_SPACE):
        return None  # a line of white space only is no record (docs/rules.md)
    return erasure.owner_of(text, dataset)
