"""One interface over the places the jobs read and write: a local directory or an S3 prefix.

`open_storage(root)` gives a `Storage` for a local directory (`LocalStorage`, here) or an
`s3://` / `s3a://` prefix (`S3Storage`, s3_storage.py); callers never ask which they hold.
Paths are relative to the root, parts joined by `/` (`customer/landing/x.json`). A storage:

* lists every file below a folder, recursively, never following a symbolic link (`list`);
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
import fcntl
import hashlib
import json
import os
import socket
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from stedi_lakehouse.shared.contract import CERTIFICATE
from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, EXIT_LOCKED, FileRefused, LoaderError

LOCK_NAME = ".load_landing.lock"
XATTR_CERTIFICATE = f"user.{CERTIFICATE}"  # user.stedi.contract
SYMLINK = "a symbolic link, which is not followed"
SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


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


def open_storage(root: str, role: str, options: S3Options | None = None) -> Storage:
    """The storage of a local directory (or file:// URI) or of an s3:// or s3a:// prefix.

    role names the root in messages: source, destination, landing root.
    """
    if root.startswith(("s3://", "s3a://")):
        from stedi_lakehouse.shared.s3_storage import S3Storage  # boto3 only when needed

        return S3Storage(root, role, options or S3Options())
    if options and options.sse:
        raise LoaderError("--sse only applies to an s3:// destination.", EXIT_INVALID_INPUT)
    return LocalStorage(Path(root.removeprefix("file://")), role)


def about_me(holder: str) -> dict[str, Any]:
    """Who takes a lock: the program, host, process, time and a token of this taking."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    me = {"holder": holder, "host": socket.gethostname(), "pid": os.getpid(), "since": now}
    return {**me, "token": uuid.uuid4().hex}


def lock_holder(data: bytes | None) -> str:
    """Name a lock's holder: 'load_landing.py (pid 12 on host h, since 2025-01-01T00:00:00Z)'."""
    try:
        info = json.loads((data or b"").decode("utf-8"))
    except ValueError:
        info = None
    if not isinstance(info, dict) or not info:
        return "load_landing.py or erase_customer.py"
    return (
        f"{info.get('holder', 'run')} (pid {info.get('pid', '?')} on host "
        f"{info.get('host', '?')}, since {info.get('since', '?')})"
    )


def _version(status: os.stat_result) -> str:
    """A local file's version as its certificate names it: its size and mtime in nanoseconds."""
    return f"{status.st_size} {status.st_mtime_ns}"


def _local_certificate(where: Path | int, version: str) -> str | None:
    """The fingerprint in a file's certificate when it names this version of the file, or None."""
    try:
        value = os.getxattr(where, XATTR_CERTIFICATE)
    except (OSError, AttributeError):  # none, no extended attributes, or none at all (macOS)
        return None
    fingerprint, _, named = value.decode("ascii", "replace").partition(" ")
    return fingerprint if named == version else None


def read_local_certificate(path: Path) -> str | None:
    """The fingerprint a local landing file is certified under, or None (on any OSError).

    A certificate naming another version of the file (size and mtime) certifies nothing: a file
    rewritten in place keeps its extended attributes, not its certificate.
    """
    try:
        return _local_certificate(path, _version(path.stat()))
    except OSError:
        return None


def _set_local_certificate(where: Path | int, fingerprint: str, version: str) -> bool:
    """Store a certificate naming a version; False when the file system refuses it."""
    try:
        os.setxattr(where, XATTR_CERTIFICATE, f"{fingerprint} {version}".encode("ascii"))
    except (OSError, AttributeError):  # no extended attributes here, or none at all (macOS)
        return False
    return True


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


def _failed(verb: str, path: Path | str, exc: OSError) -> LoaderError:
    """A local file operation that failed, in one sentence."""
    return LoaderError(f"Cannot {verb} {path}: {exc.strerror}.", EXIT_INVALID_INPUT)


class LocalStorage:
    """A local directory; writes go to a temporary file renamed into place."""

    recertifies = True

    def __init__(self, root: Path, role: str) -> None:
        self.root, self.role = root, role
        umask = os.umask(0)
        os.umask(umask)
        self.mode = 0o666 & ~umask

    def describe(self, path: str) -> str:
        """Show the local path."""
        return str(self.root / path) if path else str(self.root)

    def engine_path(self, path: str) -> str:
        """The file: URI Spark names the file by."""
        return f"file:{(self.root / path).absolute()}"

    def prepare(self, create: bool = False, dry_run: bool = False, must_exist: bool = True) -> str:
        """A root that must exist must be a directory; any root must not be another file."""
        if create:
            raise LoaderError("--create-bucket only applies to an s3:// root.", EXIT_INVALID_INPUT)
        if self.root.is_dir() or not (must_exist or self.root.exists()):
            return ""
        what = "is not a directory" if self.root.exists() else "does not exist"
        raise LoaderError(f"The {self.role} {self.root} {what}.", EXIT_INVALID_INPUT)

    def list(self, folder: str = "") -> Iterator[Listed]:
        """Every file below a folder, without following any symbolic link."""
        start = self.root / folder
        if start.is_symlink():
            yield Listed(folder.rstrip("/"), 0, "", SYMLINK)
            return
        if not start.is_dir():
            return
        stack = [start]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as scan:
                    entries = sorted(scan, key=lambda e: e.name, reverse=True)
            except OSError as exc:
                raise _failed("read", exc.filename or directory, exc) from exc
            for entry in entries:
                path = Path(entry.path).relative_to(self.root).as_posix()
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    stack.append(Path(entry.path))
                elif stat.S_ISLNK(mode):
                    yield Listed(path, 0, "", SYMLINK)
                elif not stat.S_ISREG(mode):
                    kind = SPECIAL_KINDS.get(stat.S_IFMT(mode), "a special file")
                    yield Listed(path, 0, "", f"not a regular file ({kind})")
                else:
                    status = entry.stat(follow_symlinks=False)
                    yield Listed(path, status.st_size, str(status.st_mtime_ns))

    def open(self, path: str, version: str | None = None) -> IO[bytes]:
        """Open a file without following a symbolic link; it must be a regular file.

        A FIFO opened for reading would wait for a writer forever, hence the non-blocking open.
        """
        where = self.root / path
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(where, flags)
        except OSError as exc:
            if os.path.islink(where):
                raise FileRefused(f"{where} is {SYMLINK}.") from exc
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise FileRefused(f"{where} is not a regular file.")
        return os.fdopen(fd, "rb", buffering=0)

    def certificate(self, path: str) -> str | None:
        """The fingerprint in the file's extended attribute, if it names this version."""
        return read_local_certificate(self.root / path)

    def stored(self, path: str) -> Stored | None:
        """Hash the existing file's bytes, if there is one, and read its certificate."""
        where = self.root / path
        try:
            with where.open("rb") as handle:
                version = _version(os.fstat(handle.fileno()))
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _failed("read", where, exc) from exc
        return Stored(digest, _local_certificate(where, version), version)

    def staging(self, path: str, dry_run: bool = False) -> AbstractContextManager[IO[bytes]]:
        """A temporary file beside the path (hidden from the engines), elsewhere in a dry run."""
        where = self.root / path
        return temporary(None if dry_run else where.parent, where.name)

    def place(
        self, path: str, staged: IO[bytes], sha256: str, certificate: str | None = None
    ) -> bool:
        """Certify a staged file if asked, fsync it and rename it into place.

        Returns whether it is certified: the file system may refuse the certificate.
        """
        where = self.root / path
        try:
            staged.flush()
            version = _version(os.fstat(staged.fileno()))  # written: its mtime is final
            certified = certificate is not None and _set_local_certificate(
                staged.fileno(), certificate, version
            )
            os.fsync(staged.fileno())
            os.chmod(staged.name, self.mode)
            os.replace(staged.name, where)
        except OSError as exc:
            raise _failed("write", where, exc) from exc
        return certified

    def certify(self, path: str, certificate: str | None, version: str) -> bool:
        """Set or remove a kept file's certificate, naming the version that was hashed."""
        if certificate is not None:
            return _set_local_certificate(self.root / path, certificate, version)
        with suppress(OSError, AttributeError):  # none, or no extended attributes here
            os.removexattr(self.root / path, XATTR_CERTIFICATE)
        return False

    def copies_from(self, source: Storage) -> bool:
        """Never: every file passes through this host."""
        return False

    def copy_from(
        self, source: Storage, listed: Listed, path: str, sha256: str, certificate: str | None
    ) -> bool:
        """Not offered (copies_from is False)."""
        raise NotImplementedError

    def delete(self, paths: list[str]) -> None:
        """Remove files."""
        for path in paths:
            try:
                (self.root / path).unlink(missing_ok=True)
            except OSError as exc:
                raise _failed("delete", self.root / path, exc) from exc

    def check_writable(self, folder: str) -> None:
        """Create and remove a temporary file in the folder."""
        where = self.root / folder
        try:
            with tempfile.TemporaryFile(dir=where, prefix=".probe-"):
                pass
        except OSError as exc:
            raise LoaderError(
                f"The folder {where} cannot be written ({exc.strerror}); nothing was changed.",
                EXIT_INVALID_INPUT,
            ) from exc

    @contextmanager
    def lock(self, holder: str) -> Iterator[str]:
        """Hold an exclusive flock on the lock file, which stays when the lock is released."""
        path = self.root / LOCK_NAME
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _failed("create", path, exc) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LoaderError(
                    f"Another {lock_holder(os.pread(fd, 4096, 0))} is writing to {self.root}; "
                    "wait for it to finish, then run again.",
                    EXIT_LOCKED,
                ) from None
            except OSError as exc:
                raise _failed("lock", path, exc) from exc
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(about_me(holder)).encode() + b"\n", 0)
            yield ""
        finally:
            os.close(fd)  # the kernel drops the flock with the last descriptor
