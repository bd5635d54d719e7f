"""Where the loader reads and writes: S3 or local locations, a source's files, and opening one."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stedi_lakehouse.aws import aws_errors
from stedi_lakehouse.contract import Dataset
from stedi_lakehouse.errors import EXIT_INVALID_INPUT, FileRefused, LoaderError
from stedi_lakehouse.names import landing_name


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (empty, or ending in a slash)."""

    bucket: str
    prefix: str

    def __str__(self) -> str:
        """Show the location as an s3:// URI."""
        return f"s3://{self.bucket}/{self.prefix}"


def parse_location(text: str) -> S3Location | Path:
    """Parse a SOURCE or DEST argument into an S3 location or a local path."""
    if not text.startswith("s3://"):
        return Path(text)
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not bucket:
        raise LoaderError(f"'{text}' names no bucket; use s3://bucket/prefix.", EXIT_INVALID_INPUT)
    prefix = prefix.strip("/")
    return S3Location(bucket, prefix + "/" if prefix else "")


@dataclass(frozen=True)
class SourceFile:
    """One delivery: its dataset, file name, size and where to read it."""

    dataset: Dataset
    name: str
    size: int
    path: Path | None = None
    bucket: str | None = None
    key: str | None = None
    etag: str | None = None

    @property
    def location(self) -> str:
        """Show where the file is read from."""
        return str(self.path) if self.path else f"s3://{self.bucket}/{self.key}"

    @property
    def target(self) -> str:
        """The file's path relative to the destination prefix, under its landing name."""
        return f"{self.dataset.name}/landing/{landing_name(self.name)}"


@dataclass(frozen=True)
class Skipped:
    """A file of a dataset folder that is not loaded, and why; litter is no problem."""

    source: str
    reason: str
    litter: bool = False


def open_source(client: Any, file: SourceFile) -> IO[bytes]:
    """Open a delivery for reading (an S3 object only in the version that was listed).

    A local file is opened without following a symbolic link and must be a regular file: a
    FIFO opened for reading would wait for a writer forever, hence the non-blocking open.
    """
    if file.path is None:
        with aws_errors(file.bucket or "", "source"):
            response = client.get_object(Bucket=file.bucket, Key=file.key, IfMatch=file.etag)
        return response["Body"]  # type: ignore[no-any-return]
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file.path, flags)
    except OSError as exc:
        if os.path.islink(file.path):
            raise FileRefused(f"{file.path} is a symbolic link, which is not followed.") from exc
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FileRefused(f"{file.path} is not a regular file.")
    return os.fdopen(fd, "rb", buffering=0)
