r"""Split a UTF-8 stream into lines as Spark and Athena do, judge each line, write it with LF.

Hadoop's LineRecordReader, which both engines read text with, ends a line at `\n`, `\r\n` or a
lone `\r`, as `bytes.splitlines` does. Every line is written as it came, followed by `\n`; each is
judged by contract.judge_line, except a line of white space only, which is no record (the models
skip it too). A line longer than the contract's max_line_bytes is passed through without being
kept in memory; one longer than ENGINE_MAX_LINE_BYTES, which no engine reads, refuses the file.
A file is certified when Spark's JSON source reads every line as the contract does: each line
valid and plain (contract.is_plain), or blank with spaces and tabs only (read_alike).
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from stedi_lakehouse.loader.decoding import CHUNK_BYTES
from stedi_lakehouse.shared.contract import (
    ENGINE_MAX_LINE_BYTES,
    NOT_OBJECT,
    WHITE_SPACE,
    Dataset,
    Verdict,
    is_plain,
    judge_line,
)
from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, FileRefused, LoaderError

PROBLEMS_KEPT = 1000  # bad lines kept per file for the report; all are counted
# the document forms (a JSON array, pretty-printed objects) need the whole text in memory
DOCUMENT_MAX_BYTES = 256 * 1024 * 1024
ENDING_CHANGES = {
    b"\r\n": "CRLF line endings converted to LF",
    b"\r": "CR line endings converted to LF",
    b"": "trailing newline added",
}
WRITE_BUFFER_BYTES = 1024 * 1024
# the only white space Spark's JSON parser (Jackson) skips on a line: a line the models call
# blank for other white space (a form feed, U+3000) is a malformed record to it, not skipped
JSON_WHITE_SPACE = b" \t"


@dataclass
class Problem:
    """A bad line: its 1-based line number in the source file and the reason."""

    line: int
    reason: str  # worded as the models word it (docs/rules.md)
    detail: str | None = None  # what the JSON parser said, for a line that is not JSON


@dataclass
class Checked:
    """The outcome of normalising and judging one file."""

    records: int = 0
    bad_lines: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first PROBLEMS_KEPT
    changes: list[str] = field(default_factory=list)
    sha256: str = ""  # of the normalised bytes
    size: int = 0  # of the normalised bytes
    source_sha256: str = ""  # of the bytes as delivered
    starts_with_bracket: bool = False  # its first character is `[`: a JSON array, if anything
    opens_document: bool = False  # its first line is no JSON object: pretty-printed, perhaps
    engine_long_line: int | None = None  # a line longer than any engine reads
    data: bytes = b""  # the normalised bytes, only when normalised in memory
    certified: bool = True  # every line so far read alike by Spark's JSON source (read_alike)
    _seen_text: bool = field(default=False, repr=False)

    def add(self, number: int, verdict: Verdict) -> None:
        """Count a line by its verdict."""
        if verdict.reason is None:
            self.records += 1
            return
        self.bad_lines += 1
        self.certified = False
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(Problem(number, verdict.reason, verdict.detail))

    def judge(self, number: int, line: bytes, dataset: Dataset) -> None:
        """Judge a whole line; a blank one is no record and no problem."""
        if is_blank(line):
            self.certified = self.certified and not line.strip(JSON_WHITE_SPACE)
            return
        verdict = judge_line(line, dataset)
        self.first_text(line, verdict)
        self.add(number, verdict)
        self.certified = self.certified and _valid_and_plain(verdict, dataset)

    def first_text(self, line: bytes, verdict: Verdict) -> None:
        """Note whether the file's text may be a document: only then is it read whole."""
        if not self._seen_text:
            self._seen_text = True
            self.starts_with_bracket = line.lstrip()[:1] == b"["
            self.opens_document = verdict.reason == NOT_OBJECT


class HashingWriter:
    """Writes the normalised bytes to a file, hashing and counting them, in large writes."""

    def __init__(self, sink: IO[bytes], where: str) -> None:
        self.sink = sink
        self.where = where
        self.hash = hashlib.sha256()
        self.size = 0
        self._pending: list[bytes] = []
        self._pending_size = 0

    def write(self, data: bytes) -> None:
        """Queue bytes; they are written once a megabyte has gathered."""
        self._pending.append(data)
        self._pending_size += len(data)
        self.size += len(data)
        if self._pending_size >= WRITE_BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write and hash what is queued; a failed write ends the run (the disk, not the file)."""
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self.hash.update(data)
        try:
            self.sink.write(data)
            self.sink.flush()
        except OSError as exc:
            message = f"Cannot write {self.where}: {exc.strerror}."
            raise LoaderError(message, EXIT_INVALID_INPUT) from exc


def is_blank(line: bytes) -> bool:
    r"""Tell whether a line is white space only, as the models judge it (Java's \s and \p{Z})."""
    if line[:1] == b"{":
        return False
    if not line.strip():
        return True
    try:
        return not line.decode("utf-8").strip(WHITE_SPACE)
    except UnicodeDecodeError:
        return False


def _valid_and_plain(verdict: Verdict, dataset: Dataset) -> bool:
    """Tell whether a line's verdict is None and its record plain (contract.is_plain)."""
    record = verdict.record
    return verdict.reason is None and record is not None and is_plain(record, dataset)


def read_alike(line: bytes, dataset: Dataset) -> bool:
    """Tell whether Spark's JSON source reads a whole line as the contract does.

    That is a line both skip (blank, with spaces and tabs only) or a valid and plain one.
    """
    if is_blank(line):
        return not line.strip(JSON_WHITE_SPACE)
    return _valid_and_plain(judge_line(line, dataset), dataset)


def _ending(line: bytes) -> tuple[bytes, bytes]:
    """Split a line from its ending (b'' when the stream ended without one)."""
    if line.endswith(b"\r\n"):
        return line[:-2], b"\r\n"
    if line.endswith((b"\n", b"\r")):
        return line[:-1], line[-1:]
    return line, b""


def split_lines(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bytes | None]]:
    """Yield (text, ending) for each line; ending None: a long line's text goes on."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        lines = data.splitlines(keepends=True)
        carry = b""
        if lines and (lines[-1].endswith(b"\r") or not lines[-1].endswith(b"\n")):
            carry = lines.pop()  # unfinished, or a CR whose LF may begin the next chunk
        for line in lines:
            yield _ending(line)
        if len(carry) >= CHUNK_BYTES and not carry.endswith(b"\r"):
            yield carry, None  # hand a long line over in pieces: memory stays bounded
            carry = b""
    if carry:
        yield _ending(carry)


def check_lines(
    chunks: Iterable[bytes], dataset: Dataset, out: HashingWriter, location: str
) -> Checked:
    """Judge and write every line of a UTF-8 stream; return the counts and the changes."""
    checked = Checked()
    keep = dataset.max_line_bytes
    endings: set[bytes] = set()
    parts: list[bytes] = []
    length, number, too_long, blank = 0, 0, None, True
    for text, ending in split_lines(chunks):
        length += len(text)
        if too_long is None and length <= keep:
            parts.append(text)
        else:
            if too_long is None:  # the verdict needs no more than the first keep + 1 bytes
                text = b"".join([*parts, text])
                too_long = judge_line(text[: keep + 1], dataset)
                parts = []
            if text.strip():
                blank = False
                checked.first_text(text, too_long)
            if text.strip(JSON_WHITE_SPACE):  # too long, or blank to the models only
                checked.certified = False
            out.write(text)
            if length > ENGINE_MAX_LINE_BYTES:
                _beyond_engines(checked, number + 1, location)
            _check_document_size(checked, out.size, location)
        if ending is None:
            continue
        number += 1
        if too_long is None:
            line = parts[0] if len(parts) == 1 else b"".join(parts)
            checked.judge(number, line, dataset)
            out.write(line)
        elif not blank:  # a long line of spaces is no record either
            too_long.detail = f"{length:,} bytes"
            checked.add(number, too_long)
        out.write(b"\n")
        endings.add(ending)
        parts, length, too_long, blank = [], 0, None, True
        _check_document_size(checked, out.size, location)
    out.flush()
    checked.changes = [change for ending, change in ENDING_CHANGES.items() if ending in endings]
    checked.sha256, checked.size = out.hash.hexdigest(), out.size
    return checked


def _check_document_size(checked: Checked, size: int, location: str) -> None:
    """A JSON array is converted whole, in memory: a larger one refuses its file at once."""
    if checked.starts_with_bracket and size > DOCUMENT_MAX_BYTES:
        raise FileRefused(
            f"{location} begins with `[` and is larger than "
            f"{DOCUMENT_MAX_BYTES // 2**20} MiB; deliver it as JSON lines."
        )


def _beyond_engines(checked: Checked, number: int, location: str) -> None:
    """A line too long for any engine refuses the file, unless a JSON array may explain it."""
    if checked.starts_with_bracket:
        checked.engine_long_line = number  # a JSON array on one line, perhaps
        return
    raise FileRefused(refusal_for_long_line(location, number))


def refusal_for_long_line(location: str, number: int) -> str:
    """The sentence that refuses a file holding a line no engine reads."""
    return (
        f"{location} holds a line of more than {ENGINE_MAX_LINE_BYTES // 2**20} MiB "
        f"(line {number}), which no engine reads."
    )
