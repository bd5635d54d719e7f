"""The landing root an erasure rewrites: local or S3, through the loader's destinations.

A rewritten file is written as the loader writes it (destinations.py, s3_destination.py): locally
to a temporary file renamed into place, on S3 as a new object under the same key with a SHA-256
checksum on every request and the `sha256` metadata of its bytes, so that the loader's
idempotence holds and no half-written file is ever visible.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

from stedi_lakehouse.aws import aws_errors, make_s3_client
from stedi_lakehouse.contract import DATASETS
from stedi_lakehouse.destinations import LocalDestination
from stedi_lakehouse.errors import EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.names import landing_files
from stedi_lakehouse.normalise import sha256_hex
from stedi_lakehouse.s3_destination import S3Destination
from stedi_lakehouse.sources import S3Location, parse_location


class LandingStore:
    """The files of the three landing folders: list, read, check and rewrite them."""

    def __init__(self, destination: LocalDestination | S3Destination) -> None:
        self.destination = destination

    def describe(self, target: str) -> str:
        """Show where a file lives (path or s3:// URI)."""
        return self.destination.describe(target)

    def files(self, dataset: str) -> list[str]:
        """The files of a dataset as targets such as customer/landing/customer-1.json.

        Names that start with `.` or `_` are skipped, as the landing tables skip them (a
        temporary file of an interrupted local write is one).
        """
        if isinstance(self.destination, LocalDestination):
            root = self.destination.root
            return [p.relative_to(root).as_posix() for p in landing_files(root, dataset)]
        prefix = f"{dataset}/landing/"
        return [
            target
            for target in self.destination.list_landing()
            if target.startswith(prefix) and not Path(target).name.startswith((".", "_"))
        ]

    def read(self, target: str) -> bytes:
        """The bytes of a file."""
        destination = self.destination
        if isinstance(destination, LocalDestination):
            path = destination.root / target
            try:
                return path.read_bytes()
            except OSError as exc:
                message = f"Cannot read {path}: {exc.strerror}."
                raise LoaderError(message, EXIT_INVALID_INPUT) from exc
        location = destination.location
        with aws_errors(location.bucket, "landing"):
            response = destination.client.get_object(
                Bucket=location.bucket, Key=location.prefix + target
            )
            return bytes(response["Body"].read())

    def write(self, target: str, data: bytes) -> None:
        """Replace a file atomically, with the loader's checksum and metadata."""
        self.destination.write(target, data, sha256_hex(data))

    def check_writable(self, datasets: list[str]) -> None:
        """Fail before anything changes when a dataset's landing folder cannot be written.

        Locally a temporary file is created and removed in each folder; on S3 a probe object
        whose name starts with `.` (which no landing table reads) is written and deleted.
        """
        destination = self.destination
        for dataset in datasets:
            folder = f"{dataset}/landing"
            if isinstance(destination, LocalDestination):
                path = destination.root / folder
                try:
                    with tempfile.TemporaryFile(dir=path, prefix=".erase-probe-"):
                        pass
                except OSError as exc:
                    raise LoaderError(
                        f"The landing folder {path} cannot be written ({exc.strerror}); "
                        "nothing was changed.",
                        EXIT_INVALID_INPUT,
                    ) from exc
                continue
            probe = f"{folder}/.erase-probe-{uuid.uuid4().hex}"
            destination.write(probe, b"", sha256_hex(b""))
            destination.delete([probe])


def open_store(landing_root: str, args: argparse.Namespace) -> LandingStore:
    """Open a local directory or an s3://bucket/prefix landing root that must exist."""
    location = parse_location(landing_root)
    if isinstance(location, S3Location):
        client: Any = make_s3_client(args)
        s3 = S3Destination(client, location, args)
        s3.prepare(create=False, dry_run=False)
        return LandingStore(s3)
    if not location.is_dir():
        raise LoaderError(f"The landing root {location} is not a directory.", EXIT_INVALID_INPUT)
    return LandingStore(LocalDestination(location))


def dataset_names() -> list[str]:
    """The landing datasets in the order an erasure rewrites them (see erase.py)."""
    order = {"step_trainer": 0, "accelerometer": 1, "customer": 2}
    return sorted((dataset.name for dataset in DATASETS), key=lambda name: order.get(name, 1))
