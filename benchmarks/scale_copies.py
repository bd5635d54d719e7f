"""The per-record rewriting of a scaled landing set: source line -> the line of copy k.

Copy 0 is the source unchanged. Copy k > 0 differs in exactly these fields (keys matched
ignoring case, so ``timeStamp`` counts as ``timestamp``):

* e-mails (customer ``email``, accelerometer ``user``): ``+k`` is added to the local part, and
  the domain and any surrounding blanks stay: ``Ann.Lee@test.com`` becomes ``Ann.Lee+3@test.com``;
* serial numbers (customer and step-trainer ``serialNumber``): ``-k`` is appended;
* epoch milliseconds (every key the landing contract types ``bigint``): shifted by the copy's
  shift, k x 30 days. Only positive integers are shifted, so an absent, null or 0 consent stays
  what it is.

The e-mail and serial-number keys are named in IDENTITY_KEYS below; the datasets and their
epoch-millisecond keys come from the contract (stedi_lakehouse/shared/contract.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from stedi_lakehouse.shared.contract import DATASETS, Dataset

SHIFT_MS = 30 * 86_400_000  # the shift between copies; the source must span less

EMAIL, SERIAL, TIME = "email", "serial", "time"
# The contract types these keys only as strings, so their role (who the customer or device is,
# which must differ between copies) is named here.
IDENTITY_KEYS = {
    "customer": {"email": EMAIL, "serialNumber": SERIAL},
    "accelerometer": {"user": EMAIL},
    "step_trainer": {"serialNumber": SERIAL},
}


def field_roles(datasets: Iterable[Dataset] = DATASETS) -> dict[str, dict[str, str]]:
    """Return each dataset's lower-case key -> role; raise ValueError on an undeclared key."""
    by_name = {dataset.name: dataset for dataset in datasets}
    for name, keys in IDENTITY_KEYS.items():
        dataset = by_name.get(name)
        undeclared = [key for key in keys if dataset is None or dataset.declared(key) is None]
        if undeclared:
            raise ValueError(
                f"benchmarks/scale_copies.py names {', '.join(undeclared)} of {name}, which the "
                "landing contract (models/landing/_landing__sources.yml) does not declare."
            )
    roles = {}
    for name, dataset in by_name.items():
        named = {key.lower(): role for key, role in IDENTITY_KEYS.get(name, {}).items()}
        # every bigint of the contract is an epoch-millisecond time
        times = {key.lower(): TIME for key, kind in dataset.types.items() if kind == "bigint"}
        roles[name] = {**named, **times}
    return roles


FIELD_ROLES = field_roles()  # dataset -> lower-case key -> what changes between copies


def with_email_suffix(value: str, k: int) -> str:
    """Add +k to the local part of an e-mail, keeping the domain and surrounding blanks."""
    local, at, domain = value.rpartition("@")
    return f"{local}+{k}@{domain}" if at else f"{value}+{k}"


class Variants:
    """Turns one source line into the line of copy k; tracks the epoch-millisecond range."""

    def __init__(self, dataset: str) -> None:
        self.roles = FIELD_ROLES[dataset]
        self.unparsed = 0
        self.low: int | None = None
        self.high: int | None = None

    def parse(self, raw: bytes) -> Callable[[int, int], bytes] | None:
        """Parse a line once; return a function (k, shift in ms) -> line, or None to copy it."""
        if not raw.strip():
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            self.unparsed += 1
            return None
        fields = [(key, role) for key in record if (role := self.roles.get(key.lower()))]
        for key, role in fields:
            value = record[key]
            if role == TIME and type(value) is int and value > 0:
                self.low = value if self.low is None else min(self.low, value)
                self.high = value if self.high is None else max(self.high, value)

        def variant(k: int, shift: int) -> bytes:
            """Return the line of copy k, its times shifted by SHIFT ms."""
            copy: dict[str, Any] = dict(record)
            for key, role in fields:
                value = copy[key]
                if role == TIME:
                    if type(value) is int and value > 0:
                        copy[key] = value + shift
                elif isinstance(value, str) and k > 0:
                    copy[key] = with_email_suffix(value, k) if role == EMAIL else f"{value}-{k}"
            return json.dumps(copy, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

        return variant


class Sink(Protocol):
    """Where the lines of a copy go: an open binary file, or anything with its write()."""

    def write(self, data: bytes, /) -> object:
        """Write one line."""


def write_copies(
    source: Path, outputs: list[tuple[int, int, Sink]], variants: Variants
) -> tuple[int, int]:
    """Stream one source file into its outputs (copy k, shift, file); return (bytes, lines)."""
    written = lines = 0
    with source.open("rb") as lines_in:
        for raw in lines_in:
            variant = variants.parse(raw)
            for k, shift, out in outputs:
                # copy 0 unshifted is the source byte for byte, so it is not re-serialised
                line = raw if variant is None or (k == 0 and shift == 0) else variant(k, shift)
                out.write(line)
                written += len(line)
                lines += 1
    return written, lines
