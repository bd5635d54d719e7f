"""Load the files of a run: read, normalise, validate, write; report and count."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from stedi_lakehouse.contract import DATASETS
from stedi_lakehouse.destinations import Destination, S3Destination
from stedi_lakehouse.errors import LoaderError
from stedi_lakehouse.normalise import Problem, normalise, sha256_hex
from stedi_lakehouse.sources import SourceFile, read_source

PROBLEMS_SHOWN_PER_FILE = 5  # in the report of a file; the JSON summary has up to PROBLEMS_KEPT
PROBLEMS_KEPT = 1000


@dataclass
class FileResult:
    """What happened to one source file."""

    dataset: str
    source: str
    destination: str
    action: str  # uploaded | copied | skipped | refused | would-upload | would-copy
    records: int
    bad_lines: int
    bytes: int
    sha256: str
    normalised: list[str]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Job:
    """Everything the workers share for one run."""

    client: Any
    destination: Destination
    strict: bool
    dry_run: bool
    stop: threading.Event


def already_loaded(file: SourceFile, job: Job, raw: bytes) -> FileResult:
    """The result of a file whose bytes the destination already holds: skipped unchanged."""
    return FileResult(
        dataset=file.dataset.name,
        source=file.location,
        destination=job.destination.describe(file.target),
        action="skipped",
        records=sum(1 for line in raw.splitlines() if line.strip()),
        bad_lines=0,
        bytes=0,
        sha256=sha256_hex(raw),
        normalised=[],
    )


def load_file(file: SourceFile, job: Job) -> FileResult | None:
    """Read, normalise, validate and (unless unchanged or refused) write one file."""
    if job.stop.is_set():
        return None
    raw = read_source(job.client, file)
    if not job.strict and job.destination.stored_sha256(file.target) == sha256_hex(raw):
        # the destination holds these very bytes, validated when they were written: a rerun
        # over a large landing zone must not parse every line again
        return already_loaded(file, job, raw)
    checked = normalise(raw, file.dataset)
    digest = sha256_hex(checked.data)
    result = FileResult(
        dataset=file.dataset.name,
        source=file.location,
        destination=job.destination.describe(file.target),
        action="",
        records=checked.records,
        bad_lines=len(checked.problems),
        bytes=0,
        sha256=digest,
        normalised=checked.changes,
        problems=checked.problems[:PROBLEMS_KEPT],
    )
    server_side = file.key is not None and checked.data == raw
    if job.strict and checked.problems:
        result.action = "refused"
    elif job.destination.stored_sha256(file.target) == digest:
        result.action = "skipped"
    elif job.dry_run:
        s3_to_s3 = server_side and isinstance(job.destination, S3Destination)
        result.action = "would-copy" if s3_to_s3 else "would-upload"
        result.bytes = len(checked.data)
    elif job.stop.is_set():
        return None
    elif server_side and isinstance(job.destination, S3Destination):
        job.destination.copy_from(file, file.target, digest)
        result.action, result.bytes = "copied", len(checked.data)
    else:
        job.destination.write(file.target, checked.data, digest)
        result.action, result.bytes = "uploaded", len(checked.data)
    return result


def describe_result(result: FileResult) -> list[str]:
    """Render one file's outcome as a line plus its bad-line report."""
    verb = {"skipped": "unchanged", "refused": "REFUSED"}.get(result.action, result.action)
    line = f"{verb:<12} {result.destination}  {result.records:,} records"
    if result.normalised:
        line += f"; normalised: {', '.join(result.normalised)}"
    lines = [line]
    for problem in result.problems[:PROBLEMS_SHOWN_PER_FILE]:
        detail = f" ({problem.detail})" if problem.detail else ""
        lines.append(f"  {result.source}: line {problem.line}: {problem.reason}{detail}")
    hidden = result.bad_lines - min(len(result.problems), PROBLEMS_SHOWN_PER_FILE)
    if hidden:
        lines.append(f"  {result.source}: ... and {hidden:,} more bad lines")
    return lines


class Reporter:
    """Progress output: tqdm bars (files, bytes) on a terminal, a plain line per file otherwise."""

    def __init__(self, stream: Any, files: int, total_bytes: int) -> None:
        self.stream = stream
        self.bars: list[tqdm] = []
        if stream.isatty():
            self.bars = [
                tqdm(total=files, unit="file", desc="files", file=stream, position=0),
                tqdm(
                    total=total_bytes,
                    unit="B",
                    unit_scale=True,
                    desc="bytes",
                    file=stream,
                    position=1,
                ),
            ]

    def say(self, text: str) -> None:
        """Print a line without disturbing the progress bars."""
        if self.bars:
            tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def file_done(self, result: FileResult) -> None:
        """Report a file: every file as a plain line, only notable ones under a progress bar."""
        notable = result.normalised or result.bad_lines or result.action == "refused"
        if notable or not self.bars:
            for line in describe_result(result):
                self.say(line)

    def advance(self, size: int) -> None:
        """Count one more file of the given size as done."""
        if self.bars:
            self.bars[0].update(1)
            self.bars[1].update(size)

    def close(self) -> None:
        """Close the progress bars."""
        for bar in reversed(self.bars):
            bar.close()


def run_files(
    files: list[SourceFile], job: Job, workers: int, reporter: Reporter
) -> tuple[list[FileResult], LoaderError | None]:
    """Load files with a pool of workers; stop at the first error that ends the run."""
    results: list[FileResult] = []
    error: LoaderError | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(load_file, file, job): file for file in files}
        for future in as_completed(futures):
            try:
                result = future.result()
            except CancelledError:
                continue
            except LoaderError as exc:
                if error is None:
                    error = exc
                    job.stop.set()
                    for other in futures:
                        other.cancel()
                continue
            reporter.advance(futures[future].size)
            if result is not None:
                results.append(result)
                reporter.file_done(result)
    results.sort(key=lambda r: r.destination)
    return results, error


def summarise(results: list[FileResult], deleted: list[str], seconds: float) -> dict[str, Any]:
    """Count what happened, overall and per dataset."""
    written = ("uploaded", "copied", "would-upload", "would-copy")
    kept = [r for r in results if r.action != "refused"]
    return {
        "files": len(results),
        "uploaded": sum(r.action in written for r in results),
        "copied_server_side": sum(r.action in ("copied", "would-copy") for r in results),
        "skipped_unchanged": sum(r.action == "skipped" for r in results),
        "normalised": sum(bool(r.normalised) for r in results),
        "refused": sum(r.action == "refused" for r in results),
        "deleted": len(deleted),
        "records": sum(r.records for r in kept),
        "bad_lines": sum(r.bad_lines for r in kept),
        "bytes": sum(r.bytes for r in results),
        "seconds": round(seconds, 3),
        "records_by_dataset": {
            d.name: sum(r.records for r in kept if r.dataset == d.name) for d in DATASETS
        },
    }


def summary_line(totals: dict[str, Any], dry_run: bool) -> str:
    """Render the closing summary as one line."""
    would = "would be " if dry_run else ""
    by_dataset = ", ".join(f"{k} {v:,}" for k, v in totals["records_by_dataset"].items())
    return (
        f"{'Dry run (nothing written)' if dry_run else 'Done'} in {totals['seconds']:.1f} s: "
        f"{totals['files']} files, {totals['uploaded']} {would}uploaded "
        f"({totals['copied_server_side']} copied server-side), "
        f"{totals['skipped_unchanged']} skipped unchanged, {totals['normalised']} normalised, "
        f"{totals['refused']} refused; {totals['deleted']} {would}deleted; "
        f"{totals['records']:,} records ({by_dataset}), {totals['bad_lines']:,} bad lines; "
        f"{totals['bytes']:,} bytes {would}written."
    )
