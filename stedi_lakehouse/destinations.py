"""The loader's destinations: a local directory or an S3 prefix, written atomically.

A certified landing file (docs/loader.md "Certified files") carries the fingerprint of its
dataset's contract with the very version of the file: locally the extended attribute
XATTR_CERTIFICATE, set on the temporary file before it is renamed into place and naming the
size and mtime of that version, so that a file rewritten in any way is not certified; on S3 the
object metadata METADATA_CERTIFICATE, written with the object, which any rewrite replaces.
A build reads a local file's certificate with read_local_certificate, an object's from the
metadata of its own get_object response.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import botocore.exceptions as bce
from boto3.s3.transfer import TransferConfig

from stedi_lakehouse.aws import TRANSFER_CONCURRENCY, aws_errors
from stedi_lakehouse.contract import CERTIFICATE, DATASETS
from stedi_lakehouse.errors import EXIT_AWS_ERROR, EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.sources import S3Location, SourceFile

MULTIPART_THRESHOLD = 8 * 1024 * 1024
CONTENT_TYPE = "application/x-ndjson"
METADATA_SHA256 = "sha256"  # stored as x-amz-meta-sha256
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
def _temporary(folder: Path | None, name: str) -> Iterator[IO[bytes]]:
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
        return _temporary(None if dry_run else path.parent, path.name)

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


class S3Destination:
    """An S3 bucket and prefix, written through boto3's transfer manager."""

    def __init__(self, client: Any, location: S3Location, args: argparse.Namespace) -> None:
        self.client = client
        self.location = location
        self.bucket_missing = False
        self.transfer_config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_THRESHOLD,
            max_concurrency=TRANSFER_CONCURRENCY,
            preferred_transfer_client="classic",
        )
        self.extra_args: dict[str, Any] = {
            "ContentType": CONTENT_TYPE,
            "ChecksumAlgorithm": "SHA256",
        }
        if args.sse:
            self.extra_args["ServerSideEncryption"] = args.sse
        if args.kms_key_id:
            self.extra_args["SSEKMSKeyId"] = args.kms_key_id

    def _key(self, target: str) -> str:
        """Return the object key of a target."""
        return self.location.prefix + target

    def describe(self, target: str) -> str:
        """Show the s3:// URI of a target."""
        return f"s3://{self.location.bucket}/{self._key(target)}"

    def prepare(self, create: bool, dry_run: bool) -> str | None:
        """Check that the bucket exists, creating it when asked; return a note or None."""
        bucket = self.location.bucket
        with aws_errors(bucket, "destination"):
            try:
                self.client.head_bucket(Bucket=bucket)
                return None
            except bce.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                    raise
                if not create:
                    raise
            if dry_run:
                self.bucket_missing = True
                return f"would create bucket {bucket}"
            region = self.client.meta.region_name
            if region and region not in ("us-east-1", "aws-global"):
                self.client.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
                )
            else:
                self.client.create_bucket(Bucket=bucket)
            return f"created bucket {bucket}"

    def stored(self, target: str) -> Stored | None:
        """Read the sha256 and certificate metadata stored with the object, if there is one."""
        if self.bucket_missing:
            return None
        with aws_errors(self.location.bucket, "destination"):
            try:
                head = self.client.head_object(Bucket=self.location.bucket, Key=self._key(target))
            except bce.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
        metadata = head.get("Metadata", {})
        if not metadata.get(METADATA_SHA256):
            return None  # not written by the loader
        return Stored(metadata[METADATA_SHA256], metadata.get(METADATA_CERTIFICATE))

    def staging(self, target: str, dry_run: bool) -> AbstractContextManager[IO[bytes]]:
        """A temporary file in the system's temporary folder for a target's new bytes."""
        return _temporary(None, target.rsplit("/", 1)[-1])

    def place(
        self, target: str, staged: IO[bytes], sha256: str, certificate: str | None = None
    ) -> bool:
        """Upload a staged file (multipart above the threshold), a checksum on every request.

        The object's metadata holds the certificate, if any: returns whether it is certified.
        """
        extra = {**self.extra_args, "Metadata": _metadata(sha256, certificate)}
        staged.flush()
        staged.seek(0)
        with aws_errors(self.location.bucket, "destination"):
            self.client.upload_fileobj(
                staged,
                self.location.bucket,
                self._key(target),
                ExtraArgs=extra,
                Config=self.transfer_config,
            )
        return certificate is not None

    def write(self, target: str, data: bytes, sha256: str) -> None:
        """Upload bytes held in memory, uncertified."""
        self.place(target, io.BytesIO(data), sha256)

    def copy_from(
        self, source: SourceFile, target: str, sha256: str, certificate: str | None = None
    ) -> bool:
        """Copy an unchanged S3 source object server-side, storing its checksum and certificate.

        The metadata is replaced, never copied from the source: returns whether it certifies.
        """
        extra = {
            **self.extra_args,
            "Metadata": _metadata(sha256, certificate),
            "MetadataDirective": "REPLACE",
            "CopySourceIfMatch": source.etag,
        }
        with aws_errors(self.location.bucket, "destination"):
            self.client.copy(
                {"Bucket": source.bucket, "Key": source.key},
                self.location.bucket,
                self._key(target),
                ExtraArgs=extra,
                Config=self.transfer_config,
            )
        return certificate is not None

    def list_landing(self) -> list[str]:
        """List every object under {prefix}{dataset}/landing/ for the three datasets."""
        if self.bucket_missing:
            return []
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        with aws_errors(self.location.bucket, "destination"):
            for dataset in DATASETS:
                prefix = self._key(f"{dataset.name}/landing/")
                for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix):
                    found += [
                        o["Key"][len(self.location.prefix) :] for o in page.get("Contents", [])
                    ]
        return sorted(found)

    def delete(self, targets: list[str]) -> None:
        """Delete objects in batches of 1,000, failing on any per-object error."""
        with aws_errors(self.location.bucket, "destination"):
            for start in range(0, len(targets), 1000):
                batch = [{"Key": self._key(t)} for t in targets[start : start + 1000]]
                response = self.client.delete_objects(
                    Bucket=self.location.bucket, Delete={"Objects": batch, "Quiet": True}
                )
                for error in response.get("Errors", []):
                    raise LoaderError(
                        f"Could not delete s3://{self.location.bucket}/{error['Key']} "
                        f"({error.get('Code')}).",
                        EXIT_AWS_ERROR,
                    )


def _metadata(sha256: str, certificate: str | None) -> dict[str, str]:
    """The metadata of a landing object: its SHA-256, and its certificate if it has one."""
    metadata = {METADATA_SHA256: sha256}
    if certificate is not None:
        metadata[METADATA_CERTIFICATE] = certificate
    return metadata


Destination = LocalDestination | S3Destination  # paths are relative to the destination prefix
