"""Normalise a delivered file to JSON lines and check every record against the contract."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from stedi_lakehouse.contract import Dataset, validate_record


@dataclass
class Problem:
    """A bad line: its 1-based line number in the source file and the reason."""

    line: int
    reason: str  # worded as the models word it (docs/rules.md)
    detail: str | None = None  # what the JSON parser said, for a line that is not JSON


@dataclass
class Checked:
    """The outcome of normalising and validating one file."""

    data: bytes
    records: int
    problems: list[Problem]
    changes: list[str]


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not valid JSON")


class _Object(dict):
    """A JSON object that remembers whether a key appeared twice in the same spelling."""

    repeated = False


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    """Build an object; json keeps only the last of a repeated key, the contract refuses it."""
    value = _Object(pairs)
    value.repeated = len(value) < len(pairs)
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_object)
# Spark's reader would stop after a first object: the models refuse any line holding `}{`,
# even inside a string value (docs/rules.md), and so does the loader.
_SECOND_OBJECT = re.compile(r"[}][ \t]*[{]")
_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _parse_error(exc: ValueError) -> str:
    """Turn a JSON or UTF-8 decoding error into a short detail."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    return f"invalid JSON: {exc}"


def _parse_document(text: str) -> tuple[bool, list[tuple[int, Any]]] | None:
    """Parse a whole file as a JSON array or a sequence of JSON values.

    Return (is_array, [(line number, value), ...]), or None when the text is neither.
    """
    values: list[tuple[int, Any]] = []
    line, seen = 1, 0

    def line_of(pos: int) -> int:
        nonlocal line, seen
        line += text.count("\n", seen, pos)
        seen = pos
        return line

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()

    pos = skip(0)
    try:
        if not text.startswith("[", pos):
            while pos < len(text):
                value, end = _DECODER.raw_decode(text, pos)
                values.append((line_of(pos), value))
                pos = skip(end)
            return False, values
        pos = skip(pos + 1)
        while not text.startswith("]", pos):
            value, end = _DECODER.raw_decode(text, pos)
            values.append((line_of(pos), value))
            pos = skip(end)
            if text.startswith(",", pos) and not text.startswith("]", skip(pos + 1)):
                pos = skip(pos + 1)
            elif not text.startswith("]", pos):
                return None
    except ValueError:
        return None
    return (True, values) if skip(pos + 1) == len(text) else None


def _check_lines(body: bytes, dataset: Dataset) -> tuple[Checked, int]:
    """Validate a file as JSON lines; return the result and the number of unparsable lines."""
    lines = body.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    crlf = False
    records, parse_errors, problems = 0, 0, []
    for number, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = lines[number - 1] = line[:-1]
            crlf = True
        if not line.strip():
            continue
        try:
            record = _DECODER.decode(line.decode("utf-8"))
        except ValueError as exc:
            parse_errors += 1
            problems.append(Problem(number, "not a JSON object", _parse_error(exc)))
            continue
        if _SECOND_OBJECT.search(line.decode("utf-8")):
            problems.append(Problem(number, "not a JSON object", "'}{' on the line"))
            continue
        reason = validate_record(record, dataset)
        if reason:
            problems.append(Problem(number, reason))
        else:
            records += 1
    changes = ["CRLF line endings converted to LF"] if crlf else []
    data = b"\n".join(lines) + b"\n" if lines else b""
    if lines and not body.endswith(b"\n"):
        changes.append("trailing newline added")
    return Checked(data, records, problems, changes), parse_errors


def _check_document(text: str, dataset: Dataset) -> Checked | None:
    """Convert a JSON array or pretty-printed objects to JSON lines, or return None."""
    parsed = _parse_document(text)
    if parsed is None:
        return None
    is_array, values = parsed
    records, problems, lines = 0, [], []
    for number, value in values:
        reason = validate_record(value, dataset)
        if reason:
            problems.append(Problem(number, reason))
        else:
            records += 1
        lines.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    kind = "JSON array" if is_array else "pretty-printed JSON"
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return Checked(data, records, problems, [f"{kind} converted to JSON lines"])


def normalise(raw: bytes, dataset: Dataset) -> Checked:
    """Normalise one file's bytes to JSON lines and validate every record.

    One-object-per-line files only get LF line endings and a trailing newline; their lines
    are kept byte for byte. A JSON array, or objects spread over several lines, are rewritten
    as one compact object per line, keeping key order and values.
    """
    changes: list[str] = []
    body = raw
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
        changes.append("UTF-8 byte-order mark removed")
    as_lines, parse_errors = _check_lines(body, dataset)
    looks_like_array = body.lstrip().startswith(b"[")
    if parse_errors or looks_like_array:
        try:
            document = _check_document(body.decode("utf-8"), dataset)
        except UnicodeDecodeError:
            document = None
        if document is not None:
            if b"\r\n" in body:
                document.changes.insert(0, "CRLF line endings converted to LF")
            document.changes[:0] = changes
            return document
    as_lines.changes[:0] = changes
    return as_lines


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()
