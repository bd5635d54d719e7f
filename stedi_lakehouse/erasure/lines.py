"""Which landing lines belong to an erased customer, and which devices go with them.

A line belongs to a customer when its record names the customer: a customer record by its
`email`, an accelerometer reading by its `user` (keys in any case, the e-mail normalised as the
models normalise it). A line that the models would quarantine keeps its text in
`landing_rejected_records`, so such a line is removed whenever it carries the e-mail anywhere.
A step-trainer reading names only a device: it goes when every customer whose records name the
device's serial number is erased (serial numbers are shared because of a fulfilment defect).
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from stedi_lakehouse.loader.line_stream import is_blank, split_lines
from stedi_lakehouse.shared.contract import WHITE_SPACE, Record, Verdict, dataset_named, judge_line

# the key that names the customer in each dataset's records (the models' customer_email)
CUSTOMER_KEYS = {"customer": "email", "accelerometer": "user"}
SERIAL_KEY = "serialnumber"
# characters that may continue an e-mail address, so that ann@x.com is not found in joann@x.com
_EMAIL_CHARACTER = r"[\w.%+-]"
# bytes of a long line's text searched again with its next piece: more than any e-mail holds
OVERLAP = 1024


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
    return judge_line(line, dataset_named(dataset))


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

    def carried_by(self, text: str, start: int = 0, whole: bool = True) -> str | None:
        """The e-mail that a line's text carries anywhere, in any case.

        For a piece of a long line (not whole), a match must start at `start` or later and end
        before the piece does: the line may go on with more of an address.
        """
        lowered = text.lower()
        for email, pattern in zip(self.emails, self._patterns, strict=True):
            for match in pattern.finditer(lowered, start):
                if whole or match.end() < len(lowered):
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


def whole_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a stream, line endings removed, leaving out any line longer than a chunk."""
    long = False
    for text, ending in split_lines(chunks):
        if ending is not None and not long:
            yield text
        long = ending is None


def owners(chunks: Iterable[bytes], dataset: str, erasure: Erasure) -> Iterator[str | None]:
    """For each line of a stream (LF, CRLF or a lone CR ending it), the owner it goes for.

    None: the line stays. A line of white space only is no record (docs/rules.md). A line
    longer than a chunk comes in pieces and is never whole in memory: it is no record to the
    models, so it goes when its text carries an erased e-mail, searched piece by piece.
    """
    carried, tail = None, b""
    for text, ending in split_lines(chunks):
        if ending is None or tail:  # a piece of a long line, or its last part
            window, start = tail + text, 1 if tail else 0
            found = erasure.carried_by(window.decode("utf-8", "replace"), start, ending is not None)
            carried, tail = carried or found, window[-OVERLAP:]
            if ending is None:
                continue
            owner = carried
        else:
            owner = None if is_blank(text) else erasure.owner_of(text, dataset)
        yield owner
        carried, tail = None, b""
