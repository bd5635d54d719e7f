"""One interface over the places the jobs read and write: a local directory or an S3 prefix.

`open_storage(root)` gives a `Storage` for a local directory (`LocalStorage`,
local_storage.py) or an `s3://` / `s3a://` prefix (`S3Storage`, s3_storage.py); callers never
ask which they hold.
Paths are relative to the root, parts joined by `/` (`customer/landing/x.json`). A storage:

* lists every file below a folder, recursively, following no symbolic link below it (`list`);
* streams a file (`open`), an S3 object only in the version that was listed;
* writes atomically: a staged temporary file is put in place whole (`staging`, `place`),
  locally renamed into place, on S3 uploaded with a SHA-256 checksum on every request;
* deletes (`delete`) and locks its root for one writer (`lock`).

A certified landing file (docs/loader.md "Certified files") carries the fingerprint of its
dataset's contract with the very version of the file: locally the extended attribute
XATTR_CERTIFICATE, set on the temporary file before it is renamed into place and naming the
size and mtime of that version, so that a file rewritten in any way is not certified; on S3 the
object metadata `stedi-contract`, written with the object, which any rewrite replaces.

The lock is, locally, an exclusive non-blocking `flock` on `{root}/.load_landing.lock`, a hidden
file that no landing table reads and that is never removed (so no run can lock a file that
another has just unlinked); the kernel releases the flock when the process ends, however it
ends, so a local lock is never stale. On S3 it is an object (s3_storage.py).
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, LoaderError

LOCK_NAME = ".load_landing.lock"
SYMLINK = "a symbolic link, which is not followed"
HELD_HERE: set[str] = set()  # tokens of the locks this process holds now


@dataclass(frozen=True)
class S3Options:
    """How to reach S3: profile, region, endpoint, retries, encryption of what is written."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    max_attempts: int | None = None
    sse: str | None = None
    kms_key_id: str | None = None
    workers: int = 1  # files transferred at once, for the size of the connection pool


@dataclass(frozen=True)
class Listed:
    """A file below a folder: its path, size and version; or why it is not read as a file."""

    path: str
    size: int
    version: str  # changes whenever the file is written again (size and mtime, or ETag)
    problem: str | None = None  # a symbolic link, a FIFO, ...: never opened


@dataclass(frozen=True)
class Stored:
    """What a storage holds at a path: the SHA-256 of its bytes and its certificate."""

    sha256: str
    certificate: str | None  # the fingerprint the version hashed is certified under, if any
    version: str = ""  # local: the size and mtime of the version hashed, as a certificate names it


class Storage(Protocol):
    """What every storage does; paths are relative to its root."""

    recertifies: bool  # a kept file can be given the certificate its lines deserve

    def describe(self, path: str) -> str:
        """Show where a path is: a local path or an s3:// URI."""

    def engine_path(self, path: str) -> str:
        """The path as Spark names the file (file:/... or the root's s3a://...)."""

    def prepare(self, create: bool = False, dry_run: bool = False, must_exist: bool = True) -> str:
        """Check that the root can be used (creating a bucket when asked); a note, or ''."""

    def list(self, folder: str = "") -> Iterator[Listed]:
        """Every file below a folder (`x/` or the root ''), recursively."""

    def open(self, path: str, version: str | None = None) -> IO[bytes]:
        """Open a file to stream it (S3: only in the version given, if one is)."""

    def certificate(self, path: str) -> str | None:
        """The fingerprint a file is certified under, or None."""

    def stored(self, path: str) -> Stored | None:
        """The SHA-256 and certificate of what is stored at a path, or None."""

    def staging(self, path: str, dry_run: bool = False) -> AbstractContextManager[IO[bytes]]:
        """A temporary file for a path's new bytes, removed on leaving."""

    def place(self, path: str, staged: IO[bytes], sha256: str, certificate: str | None) -> bool:
        """Put a staged file in place atomically; whether it is certified."""

    def certify(self, path: str, certificate: str | None, version: str) -> bool:
        """Give a file kept as it is a certificate (None: remove any); whether it holds one."""

    def copies_from(self, source: Storage) -> bool:
        """Whether a file of source can be copied here without passing through this host."""

    def copy_from(
        self, source: Storage, listed: Listed, path: str, sha256: str, certificate: str | None
    ) -> bool:
        """Copy a file of source here (see copies_from); whether it is certified."""

    def delete(self, paths: list[str]) -> None:
        """Remove files."""

    def check_writable(self, folder: str) -> None:
        """Fail with one sentence, changing nothing, when a folder cannot be written."""

    def lock(self, holder: str) -> AbstractContextManager[str]:
        """Hold the root's lock (one writer at a time); yields a note, or ''."""


def local_root(root: str) -> Path | None:
    """The directory of a local root (a path or file:// URI), or None for a remote one."""
    return None if root.startswith(("s3://", "s3a://")) else Path(root.removeprefix("file://"))


def open_storage(root: str, role: str, options: S3Options | None = None) -> Storage:
    """The storage of a local directory (or file:// URI) or of an s3:// or s3a:// prefix.

    role names the root in messages: source, destination, landing root.
    """
    local = local_root(root)
    if local is None:
        from stedi_lakehouse.shared.s3_storage import S3Storage  # boto3 only when needed

        return S3Storage(root, role, options or S3Options())
    from stedi_lakehouse.shared.local_storage import LocalStorage

    if options and options.sse:
        raise LoaderError("--sse only applies to an s3:// destination.", EXIT_INVALID_INPUT)
    return LocalStorage(local, role)


def about_me(holder: str) -> dict[str, Any]:
    """Who takes a lock: the program, host, process, time and a token of this taking."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    me = {"holder": holder, "host": socket.gethostname(), "pid": os.getpid(), "since": now}
    return {**me, "token": uuid.uuid4().hex}


def _holder(data: bytes | None) -> dict[str, Any]:
    """What a lock says of its holder, if it can be read."""
    try:
        info = json.loads((data or b"").decode("utf-8"))
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def lock_holder(data: bytes | None) -> str:
    """Name a lock's holder: 'load_landing.py (pid 12 on host h, since 2025-01-01T00:00:00Z)'."""
    info = _holder(data)
    if not info:
        return "load_landing.py or erase_customer.py"
    return (
        f"{info.get('holder', 'run')} (pid {info.get('pid', '?')} on host "
        f"{info.get('host', '?')}, since {info.get('since', '?')})"
    )


@contextmanager
def temporary(folder: Path | None, name: str) -> Iterator[IO[bytes]]:
    """A temporary file, in folder (hidden from the engines) or in the system's; always removed."""
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below
            dir=folder, prefix=f".{name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        where = folder or tempfile.gettempdir()
        raise LoaderError(f"Cannot write in {where}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
    try:
        yield handle
    finally:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)


def holder_has_ended(data: bytes | None) -> bool:
    """Tell whether a lock's holder ran on this host and has ended (or is an earlier run here)."""
    info = _holder(data)
    pid = info.get("pid") if info.get("host") == socket.gethostname() else None
    if not isinstance(pid, int) or pid == os.getpid():  # an earlier lock of this process: gone
        return pid == os.getpid() and info.get("token") not in HELD_HERE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass  # alive, as another user
    return False
