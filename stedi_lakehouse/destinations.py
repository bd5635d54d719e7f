"""The loader's destinations: a local directory (here) or an S3 prefix (s3_destination.py).

A certified landing file (docs/loader.md "Certified files") carries the fingerprint of its
dataset's contract with the very version of the file: locally the extended attribute
XATTR_CERTIFICATE, set on the temporary file before it is renamed into place and naming the
size and mtime of that version, so that a file rewritten in any way is not certified; on S3 the
object metadata METADATA_CERTIFICATE, written with the object, which any rewrite replaces.
A build reads a local file's certificate with read_local_certificate, an object's from the
metadata of its own get_object response.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeAlias

from stedi_lakehouse.contract import CERTIFICATE, DATASETS
from stedi_lakehouse.errors import EXIT_INVALID_INPUT, LoaderError

if TYPE_CHECKING:
    from stedi_lakehouse.s3_destination import S3Destination

METADATA_CERTIFICATE = CERTIFICATE.replace(".", "-")  # stedi-contract: x-amz-meta-stedi-contract
XATTR_CERTIFICATE = f"user.{CERTIFICATE}"  # user.stedi.contract


@dataclass(frozen=True)
class Stored:
    """What a destination holds for a target: the SHA-256 of its bytes and its certificate."""

    sha256: str
    certificate: str | None  # the fingerprint the version hashed is certified under, if any
    version: str = ""  # local: the size and mtime of the version hashed, as a certificate names it


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


def _remove_local_certificate(path: Path) -> None:
    """Remove a file's certificate, if it has one and the file system lets it."""
    with suppress(OSError, AttributeError):  # none, or no extended attributes here
        os.removexattr(path, XATTR_CERTIFICATE)


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


class LocalDestination:
    """A local directory; writes go to a temporary file renamed into place.

    Both destinations offer describe, stored, staging, place, write, list_landing and delete;
    targets are paths relative to the destination such as customer/landing/x.json.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        umask = os.umask(0)
        os.umask(umask)
        self.mode = 0o666 & ~umask

    def describe(self, target: str) -> str:
        """Show the local path of a target."""
        return str(self.root / target)

    def stored(self, target: str) -> Stored | None:
        """Hash the existing file's bytes, if there is one, and read its certificate."""
        path = self.root / target
        try:
            with path.open("rb") as handle:
                version = _version(os.fstat(handle.fileno()))
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LoaderError(f"Cannot read {path}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
        return Stored(digest, _local_certificate(path, version), version)

    def staging(self, target: str, dry_run: bool) -> AbstractContextManager[IO[bytes]]:
        """A temporary file for a target's new bytes: beside it, or elsewhere in a dry run."""
        path = self.root / target
        return temporary(None if dry_run else path.parent, path.name)

    def place(
        self, target: str, staged: IO[bytes], sha256: str, certificate: str | None = None
    ) -> bool:
        """Make a staged file the target: certify it if asked, fsync it, rename it into place.

        Returns whether the target is certified: the file system may refuse the certificate.
        """
        path = self.root / target
        try:
            staged.flush()
            version = _version(os.fstat(staged.fileno()))  # written: its mtime is final
            certified = certificate is not None and _set_local_certificate(
                staged.fileno(), certificate, version
            )
            os.fsync(staged.fileno())
            os.chmod(staged.name, self.mode)
            os.replace(staged.name, path)
        except OSError as exc:
            raise LoaderError(f"Cannot write {path}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
        return certified

    def certify(self, target: str, certificate: str | None, version: str) -> bool:
        """Give a file kept as it is the certificate its lines deserve (None: remove any).

        The certificate names the version that was hashed; should the file have changed since,
        it certifies nothing. Returns whether the file is certified.
        """
        path = self.root / target
        if certificate is None:
            _remove_local_certificate(path)
            return False
        return _set_local_certificate(path, certificate, version)

    def write(self, target: str, data: bytes, sha256: str) -> None:
        """Write bytes to a temporary file in the same directory, then rename it into place."""
        with self.staging(target, dry_run=False) as staged:
            try:
                staged.write(data)
            except OSError as exc:
                path = self.root / target
                raise LoaderError(
                    f"Cannot write {path}: {exc.strerror}.", EXIT_INVALID_INPUT
                ) from exc
            self.place(target, staged, sha256)

    def list_landing(self) -> list[str]:
        """List every file under {dataset}/landing/ for the three datasets."""
        found = []
        for dataset in DATASETS:
            folder = self.root / dataset.name / "landing"
            found += [p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file()]
        return sorted(found)

    def delete(self, targets: list[str]) -> None:
        """Remove files."""
        for target in targets:
            try:
                (self.root / target).unlink(missing_ok=True)
            except OSError as exc:
                raise LoaderError(
                    f"Cannot delete {self.root / target}: {exc.strerror}.", EXIT_INVALID_INPUT
                ) from exc


# paths are relative to the destination prefix
Destination: TypeAlias = "LocalDestination | S3Destination"
