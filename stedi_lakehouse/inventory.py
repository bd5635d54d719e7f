"""What the landing zone holds, listed and counted apart from the engine that parses it.

Spark's and Athena's file sources skip names that begin with `_` or `.`, read any other file
of a landing folder as lines, and cannot read a UTF-16 file, a compressed one or a line of tens
of megabytes. So before a build the landing folders are listed here, file by file: a file the
models cannot read stops the build with a sentence naming it (load_landing.py lands such
deliveries readably), operating-system files are skipped and said, and the lines of every
readable file are counted as Hadoop's line reader ends them (LF, CRLF or CR). The accounting
test compares the models' lines with these counts ($STEDI_LANDING_LINES), so a file the parse
cannot see fails the build instead of vanishing. The files the loader certified under the
current contract (docs/loader.md) are listed too: the parse reads them with Spark's JSON source.
Counts and certificates are kept per file version in the dbt target folder, so an incremental
build reads only new files.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stedi_lakehouse import names
from stedi_lakehouse.aws import aws_errors, make_s3_client
from stedi_lakehouse.contract import DATASETS, ENGINE_MAX_LINE_BYTES
from stedi_lakehouse.decoding import GZIP_MAGIC, encoding_of
from stedi_lakehouse.destinations import METADATA_CERTIFICATE, read_local_certificate

CHUNK = 16 * 1024 * 1024
BY_NAME = {dataset.name: dataset for dataset in DATASETS}
LOADER_HINT = "load it with load_landing.py, which lands it readably"
# The certified files reach the parse in one environment variable, which Linux limits to 128 KiB
# and every process a build starts (the JVM, multiprocessing's helper) inherits.
FAST_PATH_BUDGET = 96 * 1024


@dataclass(frozen=True)
class Entry:
    """One file of a landing folder: dataset, path below the folder, where it is, its version."""

    dataset: str
    parts: tuple[str, ...]
    location: str  # a local path or an s3:// URI
    size: int
    version: str  # changes when the file is written again (mtime, or the S3 ETag)
    engine_path: str  # as Spark names the file (file:/... or the landing root's s3a://...)


@dataclass
class Inventory:
    """The landing zone as listed: lines per dataset, files skipped, files that stop a build."""

    lines: dict[str, int] = field(default_factory=lambda: {d.name: 0 for d in DATASETS})
    # the files whose lines the loader certified valid and plain, and the others, as the engine
    # names them
    certified: dict[str, list[str]] = field(default_factory=lambda: {d.name: [] for d in DATASETS})
    uncertified: dict[str, list[str]] = field(
        default_factory=lambda: {d.name: [] for d in DATASETS}
    )
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fast_path(self) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
        """The certified files of each dataset for the parse, and the datasets left out.

        Each dataset's as the shorter list: `only` those files, or every file `except` those.
        A dataset whose list does not fit FAST_PATH_BUDGET is left out: parsed strictly, the
        same rows, only slower.
        """
        chosen: dict[str, dict[str, list[str]]] = {}
        for dataset, only in self.certified.items():
            rest = self.uncertified[dataset]
            if only:
                shorter = len(json.dumps(only)) <= len(json.dumps(rest))
                chosen[dataset] = {"only": only} if shorter else {"except": rest}
        left_out = []
        while len(json.dumps(chosen)) > FAST_PATH_BUDGET:
            largest = max(chosen, key=lambda name: len(json.dumps(chosen[name])))
            del chosen[largest]
            left_out.append(largest)
        return chosen, left_out


def _local_entries(root: Path) -> Iterator[Entry]:
    """Every file below each dataset's landing folder of a local landing root."""
    for dataset in DATASETS:
        folder = root / dataset.name / "landing"
        for directory, _, files in os.walk(folder):
            for name in files:
                path = Path(directory, name)
                status = path.stat()
                yield Entry(
                    dataset.name,
                    path.relative_to(folder).parts,
                    str(path),
                    status.st_size,
                    str(status.st_mtime_ns),
                    f"file:{path.absolute()}",
                )


def _s3_entries(client: Any, bucket: str, prefix: str, scheme: str) -> Iterator[Entry]:
    """Every object below each dataset's landing prefix (folder markers left out)."""
    paginator = client.get_paginator("list_objects_v2")
    for dataset in DATASETS:
        folder = f"{prefix}{dataset.name}/landing/"
        for page in paginator.paginate(Bucket=bucket, Prefix=folder):
            for obj in page.get("Contents", []):
                if not obj["Key"].endswith("/"):
                    yield Entry(
                        dataset.name,
                        tuple(obj["Key"][len(folder) :].split("/")),
                        f"s3://{bucket}/{obj['Key']}",
                        obj["Size"],
                        obj["ETag"],
                        f"{scheme}://{bucket}/{obj['Key']}",
                    )


def _problem(entry: Entry, head: bytes) -> str | None:
    """Why the models cannot read a file, from its name and first bytes; None when they can."""
    name = entry.parts[-1]
    shown = "/".join((entry.dataset, "landing", *entry.parts))
    if len(entry.parts) > 1:
        return f"{shown} is in a subfolder; deliveries belong in {entry.dataset}/landing/ itself"
    if problem := names.name_problem(name):
        return f"{shown}: {problem}; rename it"
    if name.startswith(("_", ".")):
        return f"{shown} is skipped by Spark and Athena, as its name begins with {name[0]}; " + (
            LOADER_HINT
        )
    if names.is_compressed(name) or head.startswith(GZIP_MAGIC):
        return f"{shown} is compressed; {LOADER_HINT}"
    if not names.is_delivery(name):
        return f"{shown} is not a delivery (a .json or .jsonl file of JSON lines)"
    if encoding := encoding_of(head):
        return f"{shown} is {encoding[1]}, which the engines cannot read; {LOADER_HINT}"
    return None


def count_lines(chunks: Iterable[bytes]) -> tuple[int, int]:
    """Lines as Hadoop's reader ends them (LF, CRLF, CR), and the longest line that spans chunks.

    A line inside one chunk (CHUNK bytes) is shorter than ENGINE_MAX_LINE_BYTES anyway, so only
    the lines that span chunks are measured.
    """
    lines, run, longest, after_cr, last = 0, 0, 0, False, b""
    for chunk in chunks:
        ends = chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if after_cr and chunk.startswith(b"\n"):
            ends -= 1  # a CRLF split between two chunks ends one line
        lines += ends
        if ends:
            first = min(i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0)
            longest = max(longest, run + first)
            run = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
        else:
            run += len(chunk)
        after_cr, last = chunk.endswith(b"\r"), chunk[-1:] or last
    if last and last not in (b"\r", b"\n"):
        lines += 1  # a last line without its line ending
    return lines, max(longest, run)


def _chunks(entry: Entry, client: Any, metadata: dict[str, str]) -> Iterator[bytes]:
    """A file's bytes in chunks, from disk or from S3 (whose object metadata fills `metadata`)."""
    if entry.location.startswith("s3://"):
        bucket, key = entry.location[len("s3://") :].split("/", 1)
        response = client.get_object(Bucket=bucket, Key=key)
        metadata.update(response.get("Metadata", {}))
        yield from iter(lambda: response["Body"].read(CHUNK), b"")
        return
    with open(entry.location, "rb") as handle:
        yield from iter(lambda: handle.read(CHUNK), b"")


def _head(entry: Entry, client: Any) -> bytes:
    """A file's first bytes, to tell its encoding and compression."""
    if entry.location.startswith("s3://"):
        bucket, key = entry.location[len("s3://") :].split("/", 1)
        if entry.size == 0:
            return b""
        return client.get_object(Bucket=bucket, Key=key, Range="bytes=0-3")["Body"].read()
    with open(entry.location, "rb") as handle:
        return handle.read(4)


def take(landing_root: str, cache_file: Path | None = None) -> Inventory:
    """List and count the landing zone at a local path or an s3:// (s3a://) URI.

    Raises OSError for a local folder that cannot be read, LoaderError for an S3 error.
    """
    location = urlsplit(landing_root)
    if location.scheme not in ("s3", "s3a"):
        return _take(_local_entries(Path(landing_root.removeprefix("file://"))), None, cache_file)
    options = dict(profile=None, region=None, endpoint_url=None, max_attempts=None, workers=1)
    client = make_s3_client(argparse.Namespace(**options))
    prefix = location.path.strip("/")
    with aws_errors(location.netloc, "landing root"):
        folder = f"{prefix}/" if prefix else ""
        entries = _s3_entries(client, location.netloc, folder, location.scheme)
        return _take(entries, client, cache_file)


def _take(entries: Iterable[Entry], client: Any, cache_file: Path | None) -> Inventory:
    """The inventory of the listed files, counting those not counted before."""
    cache = _read_cache(cache_file)
    counted: dict[str, list[Any]] = {}
    inventory = Inventory()
    for entry in sorted(entries, key=lambda e: (e.dataset, e.parts)):
        shown = "/".join((entry.dataset, "landing", *entry.parts))
        if names.is_litter(entry.parts) or (len(entry.parts) == 1 and _is_loader_temp(entry)):
            inventory.skipped.append(shown)
            continue
        key = f"{entry.location}|{entry.size}|{entry.version}"
        if len(cache.get(key, ())) == 3:
            lines, longest, certificate = cache[key]
        else:
            problem = _problem(entry, _head(entry, client))
            if problem:
                inventory.problems.append(problem)
                continue
            metadata: dict[str, str] = {}
            lines, longest = count_lines(_chunks(entry, client, metadata))
            if entry.location.startswith("s3://"):
                certificate = metadata.get(METADATA_CERTIFICATE)
            else:
                certificate = read_local_certificate(Path(entry.location))
        if longest > ENGINE_MAX_LINE_BYTES:
            inventory.problems.append(
                f"{shown} holds a line of {longest:,} bytes, more than any engine reads "
                f"({ENGINE_MAX_LINE_BYTES:,}); split it or remove that line"
            )
            continue
        counted[key] = [lines, longest, certificate]
        inventory.lines[entry.dataset] += lines
        inventory.files += 1
        certified = certificate == BY_NAME[entry.dataset].fingerprint
        (inventory.certified if certified else inventory.uncertified)[entry.dataset].append(
            entry.engine_path
        )
    _write_cache(cache_file, counted)
    return inventory


def _is_loader_temp(entry: Entry) -> bool:
    """A temporary file of load_landing.py or erase_customer.py, written then renamed."""
    name = entry.parts[-1]
    return name.startswith(".") and name.endswith(".tmp")


def _read_cache(cache_file: Path | None) -> dict[str, list[Any]]:
    """The counts of file versions counted before; none when there is no readable cache."""
    try:
        return json.loads(cache_file.read_text()) if cache_file else {}
    except (OSError, ValueError):
        return {}


def _write_cache(cache_file: Path | None, counted: dict[str, list[Any]]) -> None:
    """Keep the counts of the file versions now in the landing zone."""
    if cache_file is None:
        return
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(counted))
