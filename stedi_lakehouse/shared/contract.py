"""The landing data contract, read from its one declaration in the dbt project, and its verdicts.

`models/landing/_landing__sources.yml` declares each landing dataset: its folder (the path of
its `external.location`), the folder names a delivery may use (`meta.source_folders`), its
keys and their types (`columns`, less the source's `meta.lineage_columns`), which keys are
times (a column's meta `time`), the keys that must be present (`meta.required_keys`) and the
source's limits: `max_nesting_depth`, `max_line_bytes` and `plausible_times`. The dbt models
and this module read the same file, so a key, a type or a limit is changed there and nowhere
else (docs/rules.md). `judge_line` gives a delivered line the verdict the models give it.

A landed file whose every line is valid and plain (`is_plain`) is read by Spark's JSON source
with a typed schema exactly as the contract reads it, so the loader certifies it: it stores the
dataset's `fingerprint` with the file, under the name CERTIFICATE (docs/loader.md).
"""

import dataclasses
import datetime
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stedi_lakehouse.shared.json_lines import (  # noqa: F401 - DECODER and Record, read by other modules
    DECODER,
    MAX_NUMBER_DIGITS,
    SECOND_OBJECT,
    Record,
    nests_deeper_than,
)

SOURCES_YAML = Path(__file__).resolve().parents[2] / "models" / "landing" / "_landing__sources.yml"
INTEGER_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
TYPE_NAMES = {"int": "an integer", "bigint": "an integer", "double": "a number"}
# A blank value is white space only, as the models judge it: Java's \s and \p{Z}, the Unicode
# categories Zs, Zl and Zp (macros/cross_engine/spark_white_space.sql lists the same for btrim).
WHITE_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
WHITE_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_OBJECT = "not a JSON object"
TWICE = "a key appears twice (keys are case-insensitive)"
# No engine is asked to read a longer line, whatever the contract: the loader refuses a file
# holding one, and so does the build for a file that reached the landing zone another way.
ENGINE_MAX_LINE_BYTES = 64 * 1024 * 1024
# The name under which a landed file carries its certificate, the fingerprint of the contract
# its lines were judged by (a local extended attribute, S3 object metadata:
# shared/storage.py, shared/s3_storage.py).
CERTIFICATE = "stedi.contract"


@dataclass(frozen=True)
class Dataset:
    """One landing dataset: its folder, the source folder names it accepts, its keys, its limits."""

    name: str
    folders: tuple[str, ...]
    required: tuple[str, ...]  # as declared, e.g. lastUpdateDate
    types: dict[str, str]  # declared key -> "string" | "bigint" | "int" | "double"
    times: dict[str, str]  # declared key -> "epoch_ms" | "epoch_ms_or_zero"
    max_nesting_depth: int  # objects and arrays nested deeper inside a line's object are refused
    max_line_bytes: int  # longer lines are not parsed
    plausible_times: tuple[int, int]  # [from, until) in epoch milliseconds

    def declared(self, key: str) -> str | None:
        """The declared spelling of a key found in a record, keys being case-insensitive."""
        return self._by_lower.get(key.lower())

    @functools.cached_property
    def _by_lower(self) -> dict[str, str]:
        return {key.lower(): key for key in self.types}

    @functools.cached_property
    def fingerprint(self) -> str:
        """16 hex digits of SHA-256 over everything that decides a verdict, as canonical JSON.

        A certificate holding another fingerprint was given under another contract (or to
        another dataset), and certifies nothing.
        """
        decisive = {k: v for k, v in dataclasses.asdict(self).items() if k != "folders"}
        canonical = json.dumps(decisive, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _epoch_ms(day: str | datetime.date) -> int:
    """Epoch milliseconds of a day's midnight in UTC, from yyyy-mm-dd."""
    day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
    return (day - datetime.date(1970, 1, 1)).days * 86_400_000


def load_datasets(path: Path = SOURCES_YAML) -> tuple[Dataset, ...]:
    """Read the landing datasets from the sources YAML of the dbt project."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    datasets = []
    for source in document["sources"]:
        source_meta = source.get("config", {}).get("meta", {})
        lineage = set(source_meta.get("lineage_columns", []))
        times = source_meta["plausible_times"]
        for table in source["tables"]:
            meta = table.get("config", {}).get("meta", {})
            name = table["external"]["location"].rstrip("/").split("/")[-2]
            columns = [column for column in table["columns"] if column["name"] not in lineage]
            types = {column["name"]: column["data_type"] for column in columns}
            folders, required = meta.get("source_folders", [name]), meta.get("required_keys", [])
            undeclared = set(required) - set(types)
            if undeclared:
                raise ValueError(f"{table['name']} requires undeclared keys {sorted(undeclared)}")
            timed = {c["name"]: c.get("config", {}).get("meta", {}).get("time") for c in columns}
            limits = (source_meta["max_nesting_depth"], source_meta["max_line_bytes"])
            plausible = (_epoch_ms(times["from"]), _epoch_ms(times["until"]))
            kept = {key: time for key, time in timed.items() if time}
            datasets.append(
                Dataset(name, tuple(folders), tuple(required), types, kept, *limits, plausible)
            )
    return tuple(datasets)


@functools.cache
def datasets() -> tuple[Dataset, ...]:
    """The landing datasets of the project's contract, read on the first call."""
    return load_datasets()


def dataset_named(name: str) -> Dataset:
    """The landing dataset of that name."""
    return next(dataset for dataset in datasets() if dataset.name == name)


def __getattr__(name: str) -> Any:
    """DATASETS, read when first asked for (tests and tools import it by that name)."""
    if name == "DATASETS":
        return datasets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fits(value: Any, kind: str) -> bool:
    """Tell whether a value present (not null) fits a contract type (docs/rules.md)."""
    if kind == "string":
        return True  # any JSON value is kept as its text, as the models keep it
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    if isinstance(value, str):
        return _fits_text(value, kind)
    if kind == "double":
        try:
            return math.isfinite(float(value))
        except OverflowError:
            return False
    low, high = INTEGER_RANGES[kind]
    return isinstance(value, int) and low <= value <= high


def _fits_text(text: str, kind: str) -> bool:
    """A number written as a string: accepted when it is written as a JSON number would be."""
    if len(text) > MAX_NUMBER_DIGITS and sum(char.isdigit() for char in text) > MAX_NUMBER_DIGITS:
        return False  # Python would refuse to read more than 4,300 digits as an int
    try:
        number = int(text) if kind != "double" else float(text)
    except ValueError:
        return False
    if kind == "double":
        return math.isfinite(number) and text == _plain(text)
    low, high = INTEGER_RANGES[kind]
    return str(number) == text and low <= number <= high


def _plain(text: str) -> str:
    """The text if it has only the characters of a JSON number, else ''."""
    return text if text and all(char in "0123456789.eE+-" for char in text) else ""


@dataclass
class Verdict:
    """A line's verdict: None when valid, else the models' reason; what the parser said."""

    reason: str | None
    detail: str | None = None
    record: Record | None = None  # the line's object, when it is one


def judge_line(line: bytes, dataset: Dataset) -> Verdict:
    """The verdict the models give a delivered line (its line ending removed).

    In the models' order: too long, not UTF-8, not one JSON object (also nested deeper than the
    contract allows, checked before parsing so that no depth can exhaust the parser's stack),
    then the record's own checks (validate_record).
    """
    if len(line) > dataset.max_line_bytes:
        return Verdict("line too long", f"{len(line):,} bytes")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Verdict("not valid UTF-8", f"byte {exc.start + 1}")
    if "\ufffd" in text:
        return Verdict("not valid UTF-8", "the replacement character U+FFFD")
    if nests_deeper_than(text, dataset.max_nesting_depth + 1):
        return Verdict(NOT_OBJECT, f"nested more than {dataset.max_nesting_depth} deep")
    try:
        record = DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return Verdict(NOT_OBJECT, f"invalid JSON: {exc.msg} at column {exc.colno}")
    except ValueError as exc:
        return Verdict(NOT_OBJECT, f"invalid JSON: {exc}")
    if SECOND_OBJECT.search(text):
        return Verdict(NOT_OBJECT, "'}{' on the line")
    if not isinstance(record, Record):
        return Verdict(NOT_OBJECT)
    return Verdict(validate_record(record, dataset), record=record)


def is_plain(record: Record, dataset: Dataset) -> bool:
    """Tell whether Spark's JSON source, given the declared types, reads a record as it is.

    Every key that matches a declared key (case-insensitively) must be spelled as declared, a
    declared string key must hold a JSON string or null, a declared numeric key a JSON number
    or null (an int or bigint key an integer); never a string or a bool. Plain is not valid:
    a line is read alike only when its verdict is None as well.
    """
    for key, value in record.pairs:
        declared = dataset.declared(key)
        if declared is None:
            continue  # a key the contract ignores, and so does a typed schema
        if key != declared:
            return False
        if value is None:
            continue
        if not _plain_value(value, dataset.types[declared]):
            return False
    return True


def _plain_value(value: Any, kind: str) -> bool:
    """A string for a string key, a number for a double, an integer for an int or bigint."""
    if kind == "string":
        return isinstance(value, str)
    if isinstance(value, bool):
        return False  # a bool is an int to Python, never a number to JSON
    if kind == "double":
        return isinstance(value, int | float)
    return kind in INTEGER_RANGES and isinstance(value, int)


def validate_record(record: Any, dataset: Dataset) -> str | None:
    """Return why a parsed JSON value breaks the dataset's contract, or None when it is valid.

    The reasons are worded exactly as the `*_landing_parsed` models word them.
    """
    if not isinstance(record, dict):  # nesting was measured on the text (judge_line)
        return NOT_OBJECT
    if getattr(record, "repeated", False):  # set by DECODER
        return TWICE
    values: dict[str, Any] = {}
    for key, value in record.items():
        declared = dataset.declared(key) or key.lower()
        if declared in values:
            return TWICE
        values[declared] = value
    for key in dataset.required:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip(WHITE_SPACE)):
            return f"missing required key {key}"
    for key, kind in dataset.types.items():
        if values.get(key) is not None and not _fits(values[key], kind):
            return f"{key} is not {TYPE_NAMES[kind]}"
    earliest, until = dataset.plausible_times
    for key, kind in dataset.times.items():
        value = values.get(key)
        if value is None or (kind == "epoch_ms_or_zero" and int(value) == 0):
            continue
        if not earliest <= int(value) < until:
            return f"{key} is not a plausible time"
    return None
