"""Load the files of a run: read, normalise, judge, write; and --delete what the source lacks.

A file is streamed from its source through the normaliser into the destination's staging file,
which is put in place (shared/storage.py) unless the destination already holds the same bytes.
A landing file whose every line Spark's JSON source reads as the contract does is written
certified (docs/loader.md "Certified files"). Whatever goes wrong with one file refuses
that file in one sentence and the run goes on; only a failure of the destination or of AWS (a
LoaderError) ends the run.
"""

import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from contextlib import closing
from dataclasses import dataclass, field
from typing import IO, Any

from stedi_lakehouse.loader.discover import SourceFile
from stedi_lakehouse.loader.line_stream import Problem
from stedi_lakehouse.loader.normalise import normalise_stream, raw_digest
from stedi_lakehouse.shared.contract import datasets
from stedi_lakehouse.shared.errors import FileRefused, LoaderError, failure_sentence
from stedi_lakehouse.shared.storage import Storage, Stored


@dataclass
class FileResult:
    """What happened to one source file."""

    dataset: str
    source: str
    destination: str
    action: str  # uploaded | copied | skipped | refused | would-upload | would-copy
    records: int = 0
    bad_lines: int = 0
    bytes: int = 0
    sha256: str = ""
    normalised: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refusal: str | None = None  # why the file was refused, in one sentence
    certified: bool = False  # the landing file carries its dataset's certificate (a dry run: would)


@dataclass
class Job:
    """Everything the workers share for one run."""

    source: Storage
    destination: Storage
    strict: bool
    dry_run: bool
    stop: threading.Event


def _result(file: SourceFile, job: Job, action: str, **counts: Any) -> FileResult:
    """A result with nothing counted but what is given."""
    where = job.destination.describe(file.target)
    return FileResult(file.dataset.name, file.location, where, action, **counts)


def load_file(file: SourceFile, job: Job) -> FileResult | None:
    """Load one file; a failure of the file itself refuses it, never with a traceback."""
    if job.stop.is_set():
        return None
    try:
        return _load(file, job)
    except LoaderError:
        raise
    except FileRefused as exc:
        return _result(file, job, "refused", refusal=str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. MemoryError: one sentence, the run goes on
        return _result(file, job, "refused", refusal=failure_sentence(file.location, exc))


def _load(file: SourceFile, job: Job) -> FileResult | None:
    """Read, normalise, judge and (unless unchanged or refused) write one file."""
    destination = job.destination
    stored = destination.stored(file.target)
    if stored and not job.strict:
        # the destination may hold these very bytes, judged when they were written: a rerun
        # over a large landing zone must not parse every line again, unless a local file lacks
        # the certificate its lines may deserve
        judge = destination.recertifies and stored.certificate != file.dataset.fingerprint
        with closing(_open(file, job)) as handle:
            digest, records, alike = raw_digest(handle, file.dataset if judge else None)
        if digest == stored.sha256:
            certified = _certify_kept(file, job, stored, alike if judge else None)
            kept = {"records": records, "sha256": digest, "certified": certified}
            return _result(file, job, "skipped", **kept)
    where = f"a temporary file for {destination.describe(file.target)}"
    with (
        destination.staging(file.target, job.dry_run) as staged,
        closing(_open(file, job)) as handle,
    ):
        checked = normalise_stream(handle, file.name, file.location, file.dataset, staged, where)
        counts = {"records": checked.records, "bad_lines": checked.bad_lines}
        counts |= {"sha256": checked.sha256, "normalised": checked.changes}
        result = _result(file, job, "", **counts, problems=checked.problems)
        unchanged = checked.source_sha256 == checked.sha256
        server_side = destination.copies_from(job.source) and unchanged
        certificate = file.dataset.fingerprint if checked.certified else None
        if job.strict and checked.bad_lines:
            result.action = "refused"
            result.refusal = f"{file.location} has {checked.bad_lines:,} bad lines (--strict)."
        elif stored and stored.sha256 == checked.sha256:
            result.action = "skipped"
            result.certified = _certify_kept(file, job, stored, checked.certified)
        elif job.dry_run:
            result.action = "would-copy" if server_side else "would-upload"
            result.bytes, result.certified = checked.size, checked.certified
        elif job.stop.is_set():
            return None
        elif server_side:
            result.certified = destination.copy_from(
                job.source, file.listed, file.target, checked.sha256, certificate
            )
            result.action, result.bytes = "copied", checked.size
        else:
            result.certified = destination.place(file.target, staged, checked.sha256, certificate)
            result.action, result.bytes = "uploaded", checked.size
    return result


def _open(file: SourceFile, job: Job) -> IO[bytes]:
    """Open a delivery in the version that was listed."""
    return job.source.open(file.listed.path, file.listed.version)


def _certify_kept(file: SourceFile, job: Job, stored: Stored, certifiable: bool | None) -> bool:
    """Whether a landing file kept as it is ends the run certified.

    A local file's certificate is made to match its lines, certifiable (None: not judged again,
    as it holds the certificate): set, or removed. An S3 object keeps its metadata, which only
    a copy of the object could change.
    """
    fingerprint = file.dataset.fingerprint
    holds = stored.certificate == fingerprint
    destination = job.destination
    if certifiable is None or not destination.recertifies:
        return holds
    if job.dry_run or (certifiable and holds):
        return certifiable
    return destination.certify(file.target, fingerprint if certifiable else None, stored.version)


def run_files(
    files: list[SourceFile], job: Job, workers: int, reporter: Any
) -> tuple[list[FileResult], LoaderError | None]:
    """Load files with a pool of workers; stop at the first error that ends the run."""
    results: list[FileResult] = []
    error: LoaderError | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(load_file, file, job): file for file in files}
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except CancelledError:
                    continue
                except LoaderError as exc:
                    if error is None:
                        error = exc
                        _stop(job, futures)
                    continue
                reporter.advance(futures[future].listed.size)
                if result is not None:
                    results.append(result)
                    reporter.file_done(result)
        except BaseException:  # an interrupt: let no queued file start
            _stop(job, futures)
            raise
    results.sort(key=lambda r: r.destination)
    return results, error


def _stop(job: Job, futures: dict[Any, SourceFile]) -> None:
    """Let no file start, and no running one write."""
    job.stop.set()
    for future in futures:
        future.cancel()


def delete_missing(files: list[SourceFile], job: Job, say: Any) -> tuple[list[str], list[str]]:
    """--delete: remove landing files the source does not have, in its datasets only.

    A dataset of which the source has no delivery keeps its landing files: a source that lacks
    a folder is far more often incomplete than meant to empty a dataset. Returns the targets
    deleted (or that would be) and the datasets kept.
    """
    present = {file.dataset.name for file in files}
    kept = [dataset.name for dataset in datasets() if dataset.name not in present]
    for name in kept:
        say(f"kept {name} landing files: the source has none")
    keep = {file.target for file in files}
    deleted = sorted(
        listed.path
        for name in sorted(present)
        for listed in job.destination.list(f"{name}/landing/")
        if listed.path not in keep
    )
    verb = "would delete" if job.dry_run else "deleted"
    for target in deleted:
        say(f"{verb:<12} {job.destination.describe(target)}")
    if not job.dry_run:
        job.destination.delete(deleted)
    return deleted, kept
