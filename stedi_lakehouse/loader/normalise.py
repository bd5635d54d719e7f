"""Normalise a delivery to JSON lines and judge every line against the contract, as a stream.

The steps, each in a module of its own: decoding.py turns the delivered bytes into UTF-8
(gzip, UTF-16/32, a byte-order mark); line_stream.py splits, judges and writes the lines with LF
endings; documents.py rewrites a JSON array or pretty-printed objects as one object per line.
Valid JSON lines come out byte for byte. Only the document forms need the whole text.
"""

import hashlib
import io
from collections.abc import Iterator
from typing import IO

from stedi_lakehouse.loader import line_stream
from stedi_lakehouse.loader.decoding import CHUNK_BYTES, SourceReader, decode
from stedi_lakehouse.loader.documents import document_lines
from stedi_lakehouse.loader.line_stream import (
    ENDING_CHANGES,
    Checked,
    HashingWriter,
    check_lines,
    is_blank,
    read_alike,
    refusal_for_long_line,
    split_lines,
)
from stedi_lakehouse.shared.contract import Dataset
from stedi_lakehouse.shared.errors import FileRefused


def normalise_stream(
    handle: IO[bytes], name: str, location: str, dataset: Dataset, sink: IO[bytes], where: str
) -> Checked:
    """Read a delivery from handle, write its normalised bytes to sink (a seekable file).

    name is the delivery's file name (a `.gz` name must hold gzip), location says where it
    is read from and where where the sink is, for the messages. FileRefused says why a file
    cannot be loaded.
    """
    reader = SourceReader(handle)
    decoded = decode(reader, name, location)
    checked = check_lines(decoded.chunks, dataset, HashingWriter(sink, where), location)
    checked.source_sha256 = reader.hash.hexdigest()
    wants_document = checked.starts_with_bracket or checked.opens_document
    if wants_document and checked.size <= line_stream.DOCUMENT_MAX_BYTES:
        document = _as_document(sink, checked, dataset, where)
        if document is not None:
            document.changes[:0] = decoded.changes
            return document
    if checked.engine_long_line:
        raise FileRefused(refusal_for_long_line(location, checked.engine_long_line))
    checked.changes[:0] = decoded.changes
    return checked


def _as_document(sink: IO[bytes], lines: Checked, dataset: Dataset, where: str) -> Checked | None:
    """Rewrite the sink as JSON lines when it holds a JSON array or pretty-printed values."""
    sink.seek(0)
    try:
        text = sink.read().decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = document_lines(text)
    del text
    if found is None:
        sink.seek(0, io.SEEK_END)
        return None
    kind, values = found
    sink.seek(0)
    sink.truncate()
    out = HashingWriter(sink, where)
    checked = Checked(source_sha256=lines.source_sha256)
    for number, line in values:
        checked.judge(number, line, dataset)
        out.write(line + b"\n")
    out.flush()
    # the line endings said what the delivery held; the rewrite adds every newline anew
    kept = [c for c in lines.changes if c != ENDING_CHANGES[b""]]
    checked.changes = [*kept, f"{kind} converted to JSON lines"]
    checked.sha256, checked.size = out.hash.hexdigest(), out.size
    return checked


def normalise(raw: bytes, dataset: Dataset, name: str = "delivery.json") -> Checked:
    """Normalise bytes in memory (tests, small files); Checked.data holds the result."""
    sink = io.BytesIO()
    checked = normalise_stream(io.BytesIO(raw), name, name, dataset, sink, "memory")
    checked.data = sink.getvalue()
    return checked


def raw_digest(handle: IO[bytes], judge: Dataset | None = None) -> tuple[str, int, bool]:
    """A file's SHA-256 as it is, its non-blank lines, whether its lines may be certified.

    For the quick skip: a file whose bytes the destination already holds was judged when it was
    written, so it is only counted. Given a dataset, its lines are judged again for a certificate
    it lacks (read_alike), up to the first line that is not read alike; a line handed over in
    pieces (longer than a chunk) certifies nothing. Without a dataset the answer is False.
    """
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            yield chunk

    lines, alike, whole = 0, True, True
    for text, end in split_lines(chunks()):
        if end is None:
            whole = False  # a piece of a long line
            continue
        lines += not is_blank(text)
        alike = alike and whole and judge is not None and read_alike(text, judge)
        whole = True
    return digest.hexdigest(), lines, alike
