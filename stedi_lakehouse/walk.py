"""Which files of a source are deliveries: every file under each dataset folder, local or on S3.

A delivery (stedi_lakehouse/names.py) lies directly in a dataset folder or in its `landing/`
subfolder. Everything else found under a dataset folder is named with the reason it is not
loaded: operating-system litter (no problem), other extensions, other subfolders, names with
control characters, symbolic links (never followed) and FIFOs, sockets or devices. Files outside
the dataset folders are not the loader's business.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stedi_lakehouse.aws import aws_errors
from stedi_lakehouse.contract import DATASETS, Dataset
from stedi_lakehouse.errors import EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.names import is_delivery, is_litter, name_problem
from stedi_lakehouse.sources import S3Location, Skipped, SourceFile

LITTER = "an operating system's file, not a delivery"
NOT_DELIVERY = "not a delivery (deliveries are named *.json, *.jsonl or *.json.gz)"
SUBFOLDER = "in a subfolder other than landing/, where no delivery is looked for"
SYMLINK = "a symbolic link, which is not followed"
SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass
class Discovery:
    """A source's deliveries (sorted by target) and the files of its dataset folders skipped."""

    files: list[SourceFile]
    skipped: list[Skipped]


def why_not_loaded(parts: list[str]) -> str | None:
    """Why a file (its path parts below the dataset folder) is no delivery, or None if it is."""
    name = parts[-1]
    if is_litter(parts):
        return LITTER
    problem = name_problem(name)
    if problem:
        return problem
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system could not decode, kept as surrogates
        return "its name is not valid UTF-8"
    if not is_delivery(name):
        return NOT_DELIVERY
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "landing"):
        return SUBFOLDER
    return None


def _special(mode: int) -> str:
    """Name a file that is neither regular, a folder nor a link."""
    return f"not a regular file ({SPECIAL_KINDS.get(stat.S_IFMT(mode), 'a special file')})"


def _walk_local(folder: Path, dataset: Dataset, found: Discovery) -> None:
    """Add every file under a local dataset folder, without following any symbolic link."""
    if folder.is_symlink():
        found.skipped.append(Skipped(str(folder), SYMLINK))
        return
    if not folder.is_dir():
        return
    stack: list[tuple[Path, list[str]]] = [(folder, [])]
    while stack:
        directory, parts = stack.pop()
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                rel, path = [*parts, entry.name], Path(entry.path)
                if entry.is_symlink():
                    found.skipped.append(Skipped(str(path), SYMLINK))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((path, rel))
                elif not entry.is_file(follow_symlinks=False):
                    mode = entry.stat(follow_symlinks=False).st_mode
                    found.skipped.append(Skipped(str(path), _special(mode)))
                elif reason := why_not_loaded(rel):
                    found.skipped.append(Skipped(str(path), reason, litter=reason == LITTER))
                else:
                    size = entry.stat(follow_symlinks=False).st_size
                    found.files.append(SourceFile(dataset, entry.name, size, path=path))


def discover_local(root: Path) -> Discovery:
    """Find the deliveries under a local source directory."""
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise LoaderError(f"Source directory {root} {what}.", EXIT_INVALID_INPUT)
    found = Discovery([], [])
    try:
        anything = any(root.iterdir())
        for dataset in DATASETS:
            for folder in dataset.folders:
                _walk_local(root / folder, dataset, found)
    except OSError as exc:
        where = exc.filename or root
        raise LoaderError(f"Cannot read {where}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
    return _check_found(found, str(root), anything)


def discover_s3(client: Any, source: S3Location) -> Discovery:
    """Find the deliveries under an S3 source prefix; keys ending in `/` are folder markers."""
    found, anything = Discovery([], []), False
    with aws_errors(source.bucket, "source"):
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=source.bucket, Prefix=source.prefix
        )
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith("/"):
                    continue
                anything = True
                parts = key[len(source.prefix) :].split("/")
                dataset = next((d for d in DATASETS if parts[0] in d.folders), None)
                if dataset is None or len(parts) < 2:
                    continue
                uri = f"s3://{source.bucket}/{key}"
                reason = why_not_loaded(parts[1:])
                if reason:
                    found.skipped.append(Skipped(uri, reason, litter=reason == LITTER))
                    continue
                found.files.append(
                    SourceFile(
                        dataset,
                        parts[-1],
                        obj["Size"],
                        bucket=source.bucket,
                        key=key,
                        etag=obj["ETag"],
                    )
                )
    return _check_found(found, str(source), anything)


def _check_found(found: Discovery, source: str, anything: bool) -> Discovery:
    """Fail clearly when a source is empty, holds no delivery, or two files would collide."""
    if not anything:
        raise LoaderError(f"Source {source} is empty.", EXIT_INVALID_INPUT)
    if not found.files:
        raise LoaderError(
            f"No dataset files found in {source}; expected customer/ (or customers/), "
            "accelerometer/ and step_trainer/ folders with *.json, *.jsonl or *.json.gz files.",
            EXIT_INVALID_INPUT,
        )
    seen: dict[str, str] = {}
    for file in sorted(found.files, key=lambda f: f.location):
        if file.target in seen:
            raise LoaderError(
                f"{seen[file.target]} and {file.location} would both land at {file.target}.",
                EXIT_INVALID_INPUT,
            )
        seen[file.target] = file.location
    found.files.sort(key=lambda f: f.target)
    found.skipped.sort(key=lambda s: s.source)
    return found
