"""The S3 storage (storage.py's interface): a bucket and prefix, through boto3.

Writes go through boto3's transfer manager with a SHA-256 checksum on every PUT and part;
each object carries its SHA-256 (metadata `sha256`) and, when certified, its contract's
fingerprint (metadata `stedi-contract`). Every AWS failure becomes a LoaderError in one
sentence (aws.py).

The lock is the object `{prefix}.load_landing.lock`, created only when absent (a conditional
PUT, `If-None-Match: *`) and holding who took it, when and where; it is deleted when the run
ends, also on failure or interrupt. A run killed hard, or cut off from S3, leaves it behind: a
later run on the same host takes over a lock whose process is gone, and any other run refuses,
saying how to remove a stale lock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Any
from urllib.parse import urlsplit

import botocore.exceptions as bce
from boto3.s3.transfer import TransferConfig

from stedi_lakehouse.shared import aws, storage
from stedi_lakehouse.shared.contract import CERTIFICATE
from stedi_lakehouse.shared.errors import (
    EXIT_AWS_ERROR,
    EXIT_INVALID_INPUT,
    EXIT_LOCKED,
    LoaderError,
)
from stedi_lakehouse.shared.storage import Listed, Storage

PART_BYTES = 8 * 1024 * 1024
METADATA_SHA256 = "sha256"  # stored as x-amz-meta-sha256
METADATA_CERTIFICATE = CERTIFICATE.replace(".", "-")  # x-amz-meta-stedi-contract
CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class _Body:
    """An object's body whose read errors are said in one sentence too."""

    def __init__(self, body: Any, errors: aws.AwsErrors) -> None:
        self.body, self.errors = body, errors

    def read(self, size: int = -1) -> bytes:
        """Read up to size bytes (all that is left when size is negative)."""
        with self.errors:
            return self.body.read(size if size >= 0 else None)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Release the connection."""
        self.body.close()


class S3Storage:
    """An S3 bucket and prefix, written through boto3's transfer manager."""

    recertifies = False  # an object's metadata changes only with a copy of the object

    def __init__(self, root: str, role: str, options: storage.S3Options) -> None:
        parts = urlsplit(root)
        self.scheme, self.bucket, prefix = parts.scheme, parts.netloc, parts.path.strip("/")
        if not self.bucket:
            raise LoaderError(f"'{root}' names no bucket: s3://bucket/prefix.", EXIT_INVALID_INPUT)
        self.prefix = prefix + "/" if prefix else ""
        self.lock_key = self.prefix + storage.LOCK_NAME
        self.errors = aws.AwsErrors(self.bucket, role)
        with self.errors:
            self.client = aws.make_s3_client(options)
        self.bucket_missing = False
        sizes = {"multipart_threshold": PART_BYTES, "multipart_chunksize": PART_BYTES}
        concurrency = {"max_concurrency": aws.TRANSFER_CONCURRENCY}
        self.transfer = TransferConfig(**sizes, **concurrency, preferred_transfer_client="classic")
        self.encryption = {"ServerSideEncryption": options.sse} if options.sse else {}
        if options.kms_key_id:
            self.encryption["SSEKMSKeyId"] = options.kms_key_id
        self.put_args = {"ContentType": "application/x-ndjson", "ChecksumAlgorithm": "SHA256"}
        self.put_args.update(self.encryption)

    def key(self, path: str) -> str:
        """The object key of a path."""
        return self.prefix + path

    def describe(self, path: str) -> str:
        """Show the s3:// URI."""
        return f"s3://{self.bucket}/{self.prefix}{path}"

    def engine_path(self, path: str) -> str:
        """The URI Spark names the object by, in the root's scheme (s3 or s3a)."""
        return f"{self.scheme}://{self.bucket}/{self.prefix}{path}"

    def prepare(self, create: bool = False, dry_run: bool = False, must_exist: bool = True) -> str:
        """Check that the bucket exists, creating it when asked; a note, or ''."""
        with self.errors:
            try:
                self.client.head_bucket(Bucket=self.bucket)
                return ""
            except bce.ClientError as exc:
                if aws.error_code(exc) not in ("404", "NoSuchBucket") or not create:
                    raise
            if dry_run:
                self.bucket_missing = True
                return f"would create bucket {self.bucket}"
            region = self.client.meta.region_name
            where = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            outside = region and region not in ("us-east-1", "aws-global")
            self.client.create_bucket(Bucket=self.bucket, **(where if outside else {}))
            return f"created bucket {self.bucket}"

    def list(self, folder: str = "") -> Iterator[Listed]:
        """Every object below a folder; keys ending in `/` are folder markers, left out."""
        if self.bucket_missing:
            return
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + folder
        )
        with self.errors:
            for page in pages:
                for obj in page.get("Contents", []):
                    if not obj["Key"].endswith("/"):
                        path = obj["Key"][len(self.prefix) :]
                        yield Listed(path, obj["Size"], obj["ETag"])

    def open(self, path: str, version: str | None = None) -> IO[bytes]:
        """The object's body as a stream, only in the version (ETag) given."""
        condition = {"IfMatch": version} if version else {}
        with self.errors:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(path), **condition)
        return _Body(response["Body"], self.errors)  # type: ignore[return-value]

    def _head(self, path: str) -> dict[str, str] | None:
        with self.errors:
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self.key(path))
            except bce.ClientError as exc:
                if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
        return head.get("Metadata", {})  # type: ignore[no-any-return]

    def certificate(self, path: str) -> str | None:
        """The fingerprint in the object's metadata."""
        return (self._head(path) or {}).get(METADATA_CERTIFICATE)

    def stored(self, path: str) -> storage.Stored | None:
        """The sha256 and certificate metadata of the object, if the loader wrote it."""
        metadata = None if self.bucket_missing else self._head(path)
        if not metadata or not metadata.get(METADATA_SHA256):
            return None
        return storage.Stored(metadata[METADATA_SHA256], metadata.get(METADATA_CERTIFICATE))

    def staging(self, path: str, dry_run: bool = False) -> AbstractContextManager[IO[bytes]]:
        """A temporary file in the system's temporary folder."""
        return storage.temporary(None, path.rsplit("/", 1)[-1])

    def _extra(self, sha256: str, certificate: str | None) -> dict[str, Any]:
        certified = {METADATA_CERTIFICATE: certificate} if certificate is not None else {}
        return {**self.put_args, "Metadata": {METADATA_SHA256: sha256, **certified}}

    def place(
        self, path: str, staged: IO[bytes], sha256: str, certificate: str | None = None
    ) -> bool:
        """Upload a staged file (multipart above PART_BYTES); whether it is certified."""
        staged.flush()
        staged.seek(0)
        extra = self._extra(sha256, certificate)
        with self.errors:
            self.client.upload_fileobj(
                staged, self.bucket, self.key(path), extra, None, self.transfer
            )
        return certificate is not None

    def certify(self, *args: object) -> bool:
        """Not offered (recertifies is False)."""
        raise NotImplementedError

    def copies_from(self, source: Storage) -> bool:
        """An S3 source is copied server-side."""
        return isinstance(source, S3Storage)

    def copy_from(
        self, source: Storage, listed: Listed, path: str, sha256: str, certificate: str | None
    ) -> bool:
        """Copy an unchanged object server-side; the metadata is replaced, never copied."""
        assert isinstance(source, S3Storage)
        extra = {**self._extra(sha256, certificate), "MetadataDirective": "REPLACE"}
        extra["CopySourceIfMatch"] = listed.version
        copied = {"Bucket": source.bucket, "Key": source.key(listed.path)}
        with self.errors:
            self.client.copy(copied, self.bucket, self.key(path), extra, None, None, self.transfer)
        return certificate is not None

    def delete(self, paths: list[str]) -> None:
        """Delete objects in batches of 1,000, failing on any per-object error."""
        with self.errors:
            for start in range(0, len(paths), 1000):
                batch = [{"Key": self.key(p)} for p in paths[start : start + 1000]]
                response = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
                for error in response.get("Errors", []):
                    where = f"s3://{self.bucket}/{error['Key']}"
                    raise LoaderError(
                        f"Could not delete {where} ({error.get('Code')}).", EXIT_AWS_ERROR
                    )

    def check_writable(self, folder: str) -> None:
        """Write and delete a probe object whose name starts with `.` (no table reads it)."""
        probe = f"{folder}/.probe-{os.urandom(8).hex()}"
        with self.staging(probe) as staged:
            self.place(probe, staged, "")
        self.delete([probe])

    def _put_lock(self, me: dict[str, Any], **condition: str) -> str:
        body = {"Body": json.dumps(me).encode(), "ContentType": "application/json"}
        lock = {"Bucket": self.bucket, "Key": self.lock_key, **body, **self.encryption}
        return str(self.client.put_object(**lock, **condition).get("ETag"))

    def _take(self, me: dict[str, Any]) -> tuple[str, str]:
        """Create the lock object, or take over a stale one; its ETag and a note."""
        uri = self.describe(storage.LOCK_NAME)
        with self.errors:
            try:
                return self._put_lock(me, IfNoneMatch="*"), ""
            except bce.ClientError as exc:
                if aws.error_code(exc) not in CONFLICT_CODES:
                    raise
            try:
                held = self.client.get_object(Bucket=self.bucket, Key=self.lock_key)
                data, etag = held["Body"].read(), held["ETag"]
            except bce.ClientError:
                data, etag = None, None  # released meanwhile: refuse all the same, it is rare
            holder = storage.lock_holder(data)
            if etag and storage.holder_has_ended(data):
                try:
                    note = f"took over the stale lock {uri} of {holder}, which has ended"
                    return self._put_lock(me, IfMatch=etag), note
                except bce.ClientError as exc:
                    if aws.error_code(exc) not in CONFLICT_CODES:
                        raise
        raise LoaderError(
            f"Another {holder} holds the lock {uri}; if that run has ended, the lock is stale: "
            f"remove it with `aws s3 rm {uri}`, then run again.",
            EXIT_LOCKED,
        )

    @contextmanager
    def lock(self, holder: str) -> Iterator[str]:
        """Hold the lock object; delete it on leaving if it is still ours."""
        me = storage.about_me(holder)
        etag, note = self._take(me)
        storage.HELD_HERE.add(me["token"])
        quiet = True  # a failure to release is said unless another error is on its way
        try:
            yield note
            quiet = False
        finally:
            storage.HELD_HERE.discard(me["token"])
            self._release(etag, quiet)

    def _release(self, etag: str, quiet: bool) -> None:
        uri = self.describe(storage.LOCK_NAME)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.lock_key, IfMatch=etag)
        except (bce.BotoCoreError, bce.ClientError) as exc:
            gone = CONFLICT_CODES | {"NoSuchKey"}
            if quiet or (isinstance(exc, bce.ClientError) and aws.error_code(exc) in gone):
                return  # taken over by another run (no longer ours), or another error is on its way
            reason = str(aws.explain_aws_error(exc, self.bucket, "destination")).rstrip(".")
            raise LoaderError(
                f"The lock {uri} could not be removed ({reason}); a later run on this host takes "
                f"it over, or remove it with `aws s3 rm {uri}`.",
                EXIT_AWS_ERROR,
            ) from exc
