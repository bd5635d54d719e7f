"""The landing data contract, read from its one declaration in the dbt project.

`models/landing/_landing__sources.yml` declares each landing dataset: its folder (the path of
its `external.location`), the folder names a delivery may use (`meta.source_folders`), its
keys and their types (`columns`, less the source's `meta.lineage_columns`), the keys that
must be present (`meta.required_keys`) and how deep objects may nest inside a line's object
(the source's `meta.max_object_depth`). The dbt models and this module read the same file, so
a key, a type or a required key is changed there and nowhere else (docs/rules.md).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SOURCES_YAML = Path(__file__).resolve().parents[1] / "models" / "landing" / "_landing__sources.yml"
INTEGER_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
TYPE_NAMES = {"int": "an integer", "bigint": "an integer", "double": "a number"}
# A blank value is white space only, as the models judge it: Java's \s and \p{Z}
# (macros/cross_engine/spark_white_space.sql lists the same characters for Spark's btrim).
WHITE_SPACE = "\t\n\x0b\x0c\r" + "".join(
    chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) in {"Zs", "Zl", "Zp"}
)


@dataclass(frozen=True)
class Dataset:
    """One landing dataset: its folder, the source folder names it accepts, its keys."""

    name: str
    folders: tuple[str, ...]
    required: tuple[str, ...]  # as declared, e.g. lastUpdateDate
    types: dict[str, str]  # declared key -> "string" | "bigint" | "int" | "double"
    max_object_depth: int  # objects nested deeper inside a line's object are refused

    def declared(self, key: str) -> str | None:
        """The declared spelling of a key found in a record, keys being case-insensitive."""
        return self._by_lower.get(key.lower())

    @property
    def _by_lower(self) -> dict[str, str]:
        return {key.lower(): key for key in self.types}


def load_datasets(path: Path = SOURCES_YAML) -> tuple[Dataset, ...]:
    """Read the landing datasets from the sources YAML of the dbt project."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    datasets = []
    for source in document["sources"]:
        source_meta = source.get("config", {}).get("meta", {})
        lineage = set(source_meta.get("lineage_columns", []))
        for table in source["tables"]:
            meta = table.get("config", {}).get("meta", {})
            name = table["external"]["location"].rstrip("/").split("/")[-2]
            types = {
                column["name"]: column["data_type"]
                for column in table["columns"]
                if column["name"] not in lineage
            }
            undeclared = set(meta.get("required_keys", [])) - set(types)
            if undeclared:
                raise ValueError(f"{table['name']} requires undeclared keys {sorted(undeclared)}")
            datasets.append(
                Dataset(
                    name=name,
                    folders=tuple(meta.get("source_folders", [name])),
                    required=tuple(meta.get("required_keys", [])),
                    types=types,
                    max_object_depth=source_meta["max_object_depth"],
                )
            )
    return tuple(datasets)


DATASETS = load_datasets()


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


def _object_depth(value: Any) -> int:
    """How deep objects nest inside a value: 0 for a scalar, arrays not counted."""
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list):
        return 0
    deepest = max((_object_depth(child) for child in children), default=0)
    return deepest + isinstance(value, dict)


def validate_record(record: Any, dataset: Dataset) -> str | None:
    """Return why a parsed JSON value breaks the dataset's contract, or None when it is valid.

    The reasons are worded exactly as the `*_landing_parsed` models word them.
    """
    if not isinstance(record, dict) or _object_depth(record) > dataset.max_object_depth + 1:
        return "not a JSON object"
    if getattr(record, "repeated", False):  # set by the loader's JSON decoder
        return "a key appears twice (keys are case-insensitive)"
    values: dict[str, Any] = {}
    for key, value in record.items():
        declared = dataset.declared(key) or key.lower()
        if declared in values:
            return "a key appears twice (keys are case-insensitive)"
        values[declared] = value
    for key in dataset.required:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip(WHITE_SPACE)):
            return f"missing required key {key}"
    for key, kind in dataset.types.items():
        if values.get(key) is not None and not _fits(values[key], kind):
            return f"{key} is not {TYPE_NAMES[kind]}"
    return None
