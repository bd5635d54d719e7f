"""What the landing zone holds, listed and counted apart from the engine that parses it.

Spark's and Athena's file sources skip names that begin with `_` or `.`, read any other file
of a landing folder as lines, and cannot read a UTF-16 file, a compressed one or a line of tens
of megabytes. So before a build the landing folders are listed here, file by file: a file the
models cannot read stops the build with a sentence naming it (load_landing.py lands such
deliveries readably), operating-system files are skipped and said, and the lines of every
readable file are counted as Hadoop's line reader ends them (LF, CRLF or CR). The accounting
test compares the models' lines with these counts ($STEDI_LANDING_LINES), so a file the parse
cannot see fails the build instead of vanishing. The files the loader certified under the
current contract (docs/loader.md) are listed too, for the parse to read them with Spark's JSON
source (`write_certified`). The landing root is read through the storage (shared/storage.py),
local or on S3 alike. Counts and certificates are kept per file version in the dbt target
folder, so an incremental build reads only new files.
"""

import itertools
import json
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stedi_lakehouse.loader.decoding import GZIP_MAGIC, encoding_of
from stedi_lakehouse.shared import names
from stedi_lakehouse.shared.contract import ENGINE_MAX_LINE_BYTES, datasets
from stedi_lakehouse.shared.storage import open_storage

CHUNK = 16 * 1024 * 1024
LOADER_HINT = "load it with load_landing.py, which lands it readably"


def _per_dataset() -> dict[str, Any]:
    return {dataset.name: [] for dataset in datasets()}


@dataclass
class Inventory:
    """The landing zone as listed: lines per dataset, files skipped, files that stop a build."""

    lines: dict[str, int] = field(default_factory=lambda: {d.name: 0 for d in datasets()})
    # the files whose lines the loader certified valid and plain, and the others, as the engine
    # names them
    certified: dict[str, list[str]] = field(default_factory=_per_dataset)
    uncertified: dict[str, list[str]] = field(default_factory=_per_dataset)
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def fast_path(self) -> dict[str, dict[str, list[str]]]:
        """The certified files of each dataset for the parse, as the shorter list of two.

        `only` those files, or every file `except` those: the parse names them in its SQL.
        """
        chosen: dict[str, dict[str, list[str]]] = {}
        for dataset, only in self.certified.items():
            rest = self.uncertified[dataset]
            if only:
                shorter = len(json.dumps(only)) <= len(json.dumps(rest))
                chosen[dataset] = {"only": only} if shorter else {"except": rest}
        return chosen

    def write_certified(self, path: Path) -> None:
        """Write the fast path as JSON lines for the parse (macro landing_files_to_parse).

        A line per dataset names its mode; a line per file adds the file's path.
        """
        lines = []
        for dataset, named in self.fast_path().items():
            for mode, paths in named.items():
                lines.append({"dataset": dataset, "mode": mode})
                lines += [{"dataset": dataset, "mode": mode, "path": p} for p in paths]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def _problem(shown: str, parts: list[str], head: bytes) -> str | None:
    """Why the models cannot read a file, from its name and first bytes; None when they can."""
    name = parts[-1]
    if len(parts) > 1:
        folder = shown.rsplit("/", len(parts))[0]
        return f"{shown} is in a subfolder; deliveries belong in {folder}/ itself"
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


def take(landing_root: str, cache_file: Path | None = None) -> Inventory:
    """List and count the landing zone at a local path or an s3:// (s3a://) URI.

    Raises LoaderError for a folder or bucket that cannot be read.
    """
    storage = open_storage(landing_root, "landing root")
    cache = _read_cache(cache_file)
    counted: dict[str, list[Any]] = {}
    inventory = Inventory()
    for dataset in datasets():
        listed = sorted(storage.list(f"{dataset.name}/landing/"), key=lambda item: item.path)
        for item in listed:
            parts = item.path.split("/")[2:]
            if names.is_litter(parts) or (len(parts) == 1 and _is_loader_temp(parts[-1])):
                inventory.skipped.append(item.path)
                continue
            if item.problem:
                inventory.problems.append(f"{item.path} is {item.problem}; {LOADER_HINT}")
                continue
            key = f"{storage.describe(item.path)}|{item.size}|{item.version}"
            if len(cache.get(key, ())) != 3:
                with closing(storage.open(item.path)) as handle:
                    chunks = iter(lambda h=handle: h.read(CHUNK), b"")  # type: ignore[misc]
                    first = next(chunks, b"")
                    problem = _problem(item.path, parts, first[:4])
                    if problem:
                        inventory.problems.append(problem)
                        continue
                    cache[key] = [*count_lines(itertools.chain([first], chunks)), None]
                cache[key][2] = storage.certificate(item.path)
            lines, longest, certificate = cache[key]
            if longest > ENGINE_MAX_LINE_BYTES:
                inventory.problems.append(
                    f"{item.path} holds a line of {longest:,} bytes, more than any engine reads "
                    f"({ENGINE_MAX_LINE_BYTES:,}); split it or remove that line"
                )
                continue
            counted[key] = cache[key]
            inventory.lines[dataset.name] += lines
            inventory.files += 1
            certified = certificate == dataset.fingerprint
            named = inventory.certified if certified else inventory.uncertified
            named[dataset.name].append(storage.engine_path(item.path))
    _write_cache(cache_file, counted)
    return inventory


def _is_loader_temp(name: str) -> bool:
    """A temporary file of load_landing.py or erase_customer.py, written then renamed."""
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
