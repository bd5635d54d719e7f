"""The document forms of a delivery: a JSON array, or JSON values spread over several lines.

Both need the whole text, so they are tried only for files up to DOCUMENT_MAX_BYTES
(line_stream.py), and only when the lines are not JSON objects already. Each value becomes one
compact line, its key-value pairs in order and a repeated key kept, so that the line lands with
the verdict its value deserves. Parsing uses the contract's decoder; a value nested past the
parser's reach makes the text no document, never a crash.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from stedi_lakehouse.shared.contract import DECODER

_WHITESPACE = re.compile(r"[ \t\r\n]*")


class NotADocument(Exception):
    """The text is neither a JSON array nor a sequence of JSON values."""


class _Text(str):
    """Text already serialised, on the stack of _compact."""


def _compact(value: Any, ascii_only: bool) -> str:
    """A JSON value as compact text, every key-value pair kept, without recursion."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Text):
            out.append(item)
        elif isinstance(item, dict):
            pairs = getattr(item, "pairs", None) or list(item.items())
            stack.append(_Text("}"))
            for index in range(len(pairs) - 1, -1, -1):
                key, child = pairs[index]
                stack.append(child)
                comma = "," if index else ""
                stack.append(_Text(comma + json.dumps(key, ensure_ascii=ascii_only) + ":"))
            stack.append(_Text("{"))
        elif isinstance(item, list):
            stack.append(_Text("]"))
            for index in range(len(item) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_Text(","))
            stack.append(_Text("["))
        else:
            out.append(json.dumps(item, ensure_ascii=ascii_only))
    return "".join(out)


def compact_line(value: Any) -> bytes:
    r"""One value as a UTF-8 line; a lone surrogate (`\ud800`) stays escaped, as delivered."""
    try:
        return _compact(value, ascii_only=False).encode("utf-8")
    except UnicodeEncodeError:
        return _compact(value, ascii_only=True).encode("utf-8")


def _values(text: str) -> Iterator[tuple[int, Any, bool]]:
    """Yield (line number, value, spans lines) for each value of an array or a value sequence."""
    line, seen = 1, 0

    def line_of(pos: int) -> int:
        nonlocal line, seen
        line += text.count("\n", seen, pos)
        seen = pos
        return line

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]

    pos = skip(0)
    try:
        if not text.startswith("[", pos):
            while pos < len(text):
                value, end = DECODER.raw_decode(text, pos)
                yield line_of(pos), value, text.find("\n", pos, end) >= 0
                pos = skip(end)
            return
        pos = skip(pos + 1)
        while not text.startswith("]", pos):
            value, end = DECODER.raw_decode(text, pos)
            yield line_of(pos), value, text.find("\n", pos, end) >= 0
            pos = skip(end)
            if text.startswith(",", pos) and not text.startswith("]", skip(pos + 1)):
                pos = skip(pos + 1)
            elif not text.startswith("]", pos):
                raise NotADocument
    except (ValueError, RecursionError) as exc:
        raise NotADocument from exc
    if skip(pos + 1) != len(text):
        raise NotADocument


def document_lines(text: str) -> tuple[str, list[tuple[int, bytes]]] | None:
    """The kind of document and its values as (line number, compact line), or None.

    Values one per line already are no document: the lines keep the verdicts they have, as
    `{...}{...}` on one line keeps `not a JSON object`.
    """
    lines: list[tuple[int, bytes]] = []
    is_array = text.lstrip(" \t\r\n").startswith("[")
    spread = False
    try:
        for number, value, spans_lines in _values(text):
            lines.append((number, compact_line(value)))
            spread = spread or spans_lines
    except NotADocument:
        return None
    if not (is_array or spread):
        return None
    return ("JSON array" if is_array else "pretty-printed JSON"), lines
