"""The local storage (storage.py's interface): a directory, written through renames.

Writes go to a temporary file beside the target (hidden from the engines by its leading `.`),
renamed into place once whole and fsynced, so no partial file is ever visible. A certified
file carries its certificate in the extended attribute XATTR_CERTIFICATE, naming the size and
mtime of the version it certifies; the lock is a `flock` on a file that is never removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import IO

from stedi_lakehouse.shared import storage
from stedi_lakehouse.shared.contract import CERTIFICATE
from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, EXIT_LOCKED, FileRefused, LoaderError

XATTR_CERTIFICATE = f"user.{CERTIFICATE}"  # user.stedi.contract
SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
}
SPECIAL_KINDS |= {stat.S_IFBLK: "a block device"}


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

    def list(self, folder: str = "") -> Iterator[storage.Listed]:
        """Every file below a folder, following no symbolic link below it.

        The folder itself, named by the caller (the root, a landing folder), may be one.
        """
        start = self.root / folder
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
                    yield storage.Listed(path, 0, "", storage.SYMLINK)
                elif not stat.S_ISREG(mode):
                    kind = SPECIAL_KINDS.get(stat.S_IFMT(mode), "a special file")
                    yield storage.Listed(path, 0, "", f"not a regular file ({kind})")
                else:
                    status = entry.stat(follow_symlinks=False)
                    yield storage.Listed(path, status.st_size, str(status.st_mtime_ns))

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
                raise FileRefused(f"{where} is {storage.SYMLINK}.") from exc
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise FileRefused(f"{where} is not a regular file.")
        return os.fdopen(fd, "rb", buffering=0)

    def certificate(self, path: str) -> str | None:
        """The fingerprint in the file's extended attribute, if it names this version."""
        return read_local_certificate(self.root / path)

    def stored(self, path: str) -> storage.Stored | None:
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
        return storage.Stored(digest, _local_certificate(where, version), version)

    def staging(self, path: str, dry_run: bool = False) -> AbstractContextManager[IO[bytes]]:
        """A temporary file beside the path (hidden from the engines), elsewhere in a dry run."""
        where = self.root / path
        return storage.temporary(None if dry_run else where.parent, where.name)

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

    def copies_from(self, source: storage.Storage) -> bool:
        """Never: every file passes through this host."""
        return False

    def copy_from(self, *args: object) -> bool:
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
            where.mkdir(parents=True, exist_ok=True)
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
        path = self.root / storage.LOCK_NAME
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _failed("create", path, exc) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = storage.lock_holder(os.pread(fd, 4096, 0))
                message = f"Another {holder} is writing to {self.root}; wait for it to finish, "
                raise LoaderError(message + "then run again.", EXIT_LOCKED) from None
            except OSError as exc:
                raise _failed("lock", path, exc) from exc
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(storage.about_me(holder)).encode() + b"\n", 0)
            yield ""
        finally:
            os.close(fd)  # the kernel drops the flock with the last descriptor
