"""The loader's S3 destination: a bucket and prefix, written through boto3's transfer manager.

Each object carries its SHA-256 and, when certified, its contract's fingerprint as metadata
(destinations.py says what a certificate is).
"""

from __future__ import annotations

import argparse
import io
from contextlib import AbstractContextManager
from typing import IO, Any

import botocore.exceptions as bce
from boto3.s3.transfer import TransferConfig

from stedi_lakehouse.aws import TRANSFER_CONCURRENCY, aws_errors
from stedi_lakehouse.contract import DATASETS
from stedi_lakehouse.destinations import METADATA_CERTIFICATE, Stored, temporary
from stedi_lakehouse.errors import EXIT_AWS_ERROR, LoaderError
from stedi_lakehouse.sources import S3Location, SourceFile

MULTIPART_THRESHOLD = 8 * 1024 * 1024
CONTENT_TYPE = "application/x-ndjson"
METADATA_SHA256 = "sha256"  # stored as x-amz-meta-sha256


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
        return temporary(None, target.rsplit("/", 1)[-1])

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
