"""A delivery's bytes as the UTF-8 stream the engines read: gzip undone, UTF-16/32 transcoded.

Everything works on chunks of CHUNK_BYTES, so no file is ever whole in memory. A delivery
whose bytes begin with the gzip magic is decompressed whatever its name; a `.gz` name on other
bytes, or a corrupt or truncated gzip stream, refuses the file. UTF-32 and UTF-16 are told by
their byte-order mark or, without one, by where the first four bytes hold NULs (RFC 4627,
section 3: JSON text begins with two ASCII characters); such a file is transcoded to UTF-8, and
refused when its bytes are not valid in that encoding. A UTF-8 byte-order mark at the start of
the file is removed, as Spark's text reader skips it.
"""

import codecs
import gzip
import hashlib
import itertools
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from stedi_lakehouse.shared.errors import FileRefused
from stedi_lakehouse.shared.names import is_compressed

CHUNK_BYTES = 4 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# (byte-order mark, Python codec that reads and drops it, name); UTF-32 first: FF FE 00 00
# would also begin UTF-16LE
BYTE_ORDER_MARKS = [
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16BE"),
]
# which of the first four bytes are NUL -> (codec, name), after RFC 4627 section 3
NUL_PATTERNS = {
    (True, True, True, False): ("utf-32-be", "UTF-32BE"),
    (False, True, True, True): ("utf-32-le", "UTF-32LE"),
    (True, False, True, False): ("utf-16-be", "UTF-16BE"),
    (False, True, False, True): ("utf-16-le", "UTF-16LE"),
}


class SourceReader:
    """A source's bytes as they are read, hashed (`hash`), with a look at the first ones."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.hash, self._held = handle, hashlib.sha256(), b""

    def _read_more(self, size: int) -> bytes:
        data = self.handle.read(size)
        self.hash.update(data)
        return data

    def peek(self, size: int) -> bytes:
        """The next bytes (up to size), without consuming them."""
        while len(self._held) < size:
            data = self._read_more(CHUNK_BYTES)
            if not data:
                break
            self._held += data
        return self._held[:size]

    def read(self, size: int = -1) -> bytes:
        """Read up to size bytes (all that is left when size is negative)."""
        if self._held:
            size = len(self._held) if size < 0 else size
            data, self._held = self._held[:size], self._held[size:]
            return data
        if size < 0:
            return b"".join(iter(lambda: self._read_more(CHUNK_BYTES), b""))
        return self._read_more(size)


@dataclass
class Decoded:
    """A delivery's UTF-8 bytes in chunks, and what was changed to get them."""

    chunks: Iterator[bytes]
    changes: list[str]


def peek(chunks: Iterator[bytes], size: int) -> tuple[bytes, Iterator[bytes]]:
    """The first bytes of a chunk stream (up to size) and the whole stream again."""
    held: list[bytes] = []
    for chunk in chunks:
        held.append(chunk)
        if sum(map(len, held)) >= size:
            break
    return b"".join(held)[:size], itertools.chain(held, chunks)


def _drop(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """A chunk stream without its first bytes."""
    for chunk in chunks:
        if size:
            chunk, size = chunk[size:], max(0, size - len(chunk))
        if chunk:
            yield chunk


def _chunks(stream: IO[bytes] | SourceReader, location: str, gzipped: bool) -> Iterator[bytes]:
    """Read a stream in chunks; a gzip stream that is not whole refuses the file."""
    try:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        if not gzipped:
            raise
        what = "truncated" if isinstance(exc, EOFError) else "corrupt"
        raise FileRefused(f"{location} is a {what} gzip file.") from exc


def encoding_of(head: bytes) -> tuple[str, str] | None:
    """The (codec, name) of a UTF-32 or UTF-16 text from its first bytes; None for UTF-8."""
    for mark, codec, name in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return codec, name
    if len(head) < 4:
        return None
    return NUL_PATTERNS.get(tuple(byte == 0 for byte in head[:4]))  # type: ignore[arg-type]


def _transcoded(chunks: Iterator[bytes], codec: str, name: str, location: str) -> Iterator[bytes]:
    """UTF-8 from UTF-16 or UTF-32 chunks; bytes invalid in that encoding refuse the file."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            if text:
                yield text.encode("utf-8")
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"{location} begins as {name} text but is not valid {name} ({exc.reason}); "
            "deliver it as UTF-8."
        ) from exc
    if tail:
        yield tail.encode("utf-8")


def decode(reader: SourceReader, name: str, location: str) -> Decoded:
    """The UTF-8 bytes of a delivery: decompressed, transcoded, without a byte-order mark."""
    changes: list[str] = []
    gzipped = reader.peek(len(GZIP_MAGIC)) == GZIP_MAGIC
    if gzipped:
        stream: IO[bytes] | SourceReader = gzip.GzipFile(fileobj=reader, mode="rb")  # type: ignore[arg-type]
        changes.append("gzip-compressed delivery decompressed")
    elif is_compressed(name):
        raise FileRefused(f"{location} is named .gz but is not gzip-compressed.")
    else:
        stream = reader
    head, chunks = peek(_chunks(stream, location, gzipped), 4)
    encoding = encoding_of(head)
    if encoding:
        codec, label = encoding
        chunks = _transcoded(chunks, codec, label, location)
        changes.append(f"{label} transcoded to UTF-8")
    elif head.startswith(codecs.BOM_UTF8):
        chunks = _drop(chunks, len(codecs.BOM_UTF8))
        changes.append("UTF-8 byte-order mark removed")
    return Decoded(chunks, changes)
