"""Where the loader reads and writes: S3 or local locations, and the files of the datasets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stedi_lakehouse.aws import aws_errors
from stedi_lakehouse.contract import DATASETS, Dataset
from stedi_lakehouse.errors import EXIT_INVALID_INPUT, LoaderError


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
    """One source file: its dataset, file name, size and where to read it."""

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
        """Return the file's path relative to the destination prefix."""
        return f"{self.dataset.name}/landing/{self.name}"


def _match_dataset(parts: list[str]) -> Dataset | None:
    """Map relative path parts (folder[/landing]/name.json) to a dataset."""
    if len(parts) not in (2, 3) or not parts[-1].endswith(".json") or parts[-1].startswith("."):
        return None
    if len(parts) == 3 and parts[1] != "landing":
        return None
    return next((d for d in DATASETS if parts[0] in d.folders), None)


def _check_found(files: list[SourceFile], source: str, anything: bool) -> list[SourceFile]:
    """Fail clearly when a source holds no dataset files or two files collide."""
    if not anything:
        raise LoaderError(f"Source {source} is empty.", EXIT_INVALID_INPUT)
    if not files:
        raise LoaderError(
            f"No dataset files found in {source}; expected customer/ (or customers/), "
            "accelerometer/ and step_trainer/ folders with .json files.",
            EXIT_INVALID_INPUT,
        )
    seen: dict[str, str] = {}
    for file in files:
        if file.target in seen:
            raise LoaderError(
                f"{seen[file.target]} and {file.location} would both land at {file.target}.",
                EXIT_INVALID_INPUT,
            )
        seen[file.target] = file.location
    return sorted(files, key=lambda f: f.target)


def discover_local(root: Path) -> list[SourceFile]:
    """List the dataset files under a local source directory."""
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise LoaderError(f"Source directory {root} {what}.", EXIT_INVALID_INPUT)
    files = []
    try:
        anything = any(root.iterdir())
        for dataset in DATASETS:
            for folder in dataset.folders:
                for directory in (root / folder, root / folder / "landing"):
                    files += [
                        SourceFile(dataset, path.name, path.stat().st_size, path=path)
                        for path in directory.glob("*.json")
                        if path.is_file() and not path.name.startswith(".")
                    ]
    except OSError as exc:
        where = exc.filename or root
        raise LoaderError(f"Cannot read {where}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
    return _check_found(files, str(root), anything)


def discover_s3(client: Any, source: S3Location) -> list[SourceFile]:
    """List the dataset objects under an S3 source prefix."""
    files, anything = [], False
    with aws_errors(source.bucket, "source"):
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=source.bucket, Prefix=source.prefix
        )
        for page in pages:
            for obj in page.get("Contents", []):
                anything = True
                parts = obj["Key"][len(source.prefix) :].split("/")
                dataset = _match_dataset(parts)
                if dataset:
                    files.append(
                        SourceFile(
                            dataset,
                            parts[-1],
                            obj["Size"],
                            bucket=source.bucket,
                            key=obj["Key"],
                            etag=obj["ETag"],
                        )
                    )
    return _check_found(files, str(source), anything)


def read_source(client: Any, file: SourceFile) -> bytes:
    """Read a source file's bytes (an S3 object only in the version that was listed)."""
    if file.path is not None:
        try:
            return file.path.read_bytes()
        except OSError as exc:
            raise LoaderError(
                f"Cannot read {file.path}: {exc.strerror}.", EXIT_INVALID_INPUT
            ) from exc
    with aws_errors(file.bucket or "", "source"):
        response = client.get_object(Bucket=file.bucket, Key=file.key, IfMatch=file.etag)
        return response["Body"].read()
