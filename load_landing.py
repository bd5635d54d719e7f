"""Load the STEDI landing datasets into an S3 bucket or a local directory.

    python load_landing.py SOURCE DEST [options]

SOURCE is a local directory or ``s3://bucket/prefix`` holding ``customer/`` (or the public
bucket's ``customers/``), ``accelerometer/`` and ``step_trainer/`` folders, with the deliveries
(``*.json``, ``*.jsonl``, ``*.json.gz``) either in a ``landing/`` subfolder or directly in the
dataset folder; any other file there is named and not loaded. DEST is ``s3://bucket/prefix`` or
a local directory; every delivery lands at ``{prefix}/{dataset}/landing/{landing name}``, the
landing name being the file name decompressed and visible to every engine (docs/loader.md).

Each file is checked line by line against the data contract (docs/rules.md) before it is
written: bad lines are reported with file, line number and reason, and loaded as they are
(the landing zone keeps raw data) unless ``--strict`` refuses the whole file. Files are
normalised to JSON lines as the engines read them (gzip decompressed, UTF-16/32 transcoded to
UTF-8, CRLF and CR line endings to LF, JSON arrays and pretty-printed objects to one compact
object per line, a trailing newline); valid one-object-per-line input is never re-serialised.
Every file is streamed: memory stays bounded whatever its size. One run at a time writes a
landing root: a second one refuses (exit code 5; docs/loader.md has the exit codes).

Runs are idempotent: a file whose normalised SHA-256 equals the one stored with the
destination object (S3 metadata ``sha256``) or the existing local file's is skipped; a file
whose bytes the destination already holds is skipped without being parsed again (its lines
were checked when it was written), so that a rerun over a large landing zone is quick. S3 writes
go through boto3's transfer manager with a SHA-256 checksum on every PUT and part; an S3 source
that needs no normalisation is copied server-side. Local writes go to a temporary file that is
renamed into place, so no partial file is ever visible. A file whose every line Spark's JSON
source reads as the contract does is certified: the fingerprint of its dataset's contract is
stored with it (extended attribute ``user.stedi.contract``, S3 metadata ``stedi-contract``).
docs/loader.md says it all for users.

exit codes (the table of both commands: docs/loader.md):
  0    every delivery loaded or skipped unchanged (bad lines without --strict are
       reported, loaded as they are, and do not change the exit code; so are files of the
       dataset folders that are no delivery)
  1    an unexpected error, said in one sentence; rerunning is safe
  2    invalid input: bad arguments, missing or empty source, no deliveries, two
       files that would land under one name, unwritable local destination
  3    at least one file was refused, by name (the other files were loaded): it cannot
       be read, is a corrupt gzip, is not valid in its UTF-16/32 encoding, holds a line of
       more than 64 MiB, or is a JSON array of more than 256 MiB; with --strict also a file
       with a malformed line, and a dataset folder holding files that are no delivery
  4    AWS/S3 error: missing bucket, access denied, no credentials, endpoint
       unreachable, or another S3 error; the run stopped (rerunning is safe)
  5    another load_landing.py or erase_customer.py is writing to DEST (its lock
       DEST/.load_landing.lock names it); nothing was written
  130  interrupted; rerunning is safe

environment: AWS_ENDPOINT_URL, AWS_PROFILE, AWS_REGION and AWS_MAX_ATTEMPTS are honoured.
example: python load_landing.py data/sample data/landing --delete
"""

import argparse
import json
import sys
import threading
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

from stedi_lakehouse.loader.discover import Skipped, discover
from stedi_lakehouse.loader.load import FileResult, Job, delete_missing, run_files
from stedi_lakehouse.loader.report import Reporter, describe_skipped, summarise, summary_line
from stedi_lakehouse.shared.cli import add_s3_options, positive_int, s3_options
from stedi_lakehouse.shared.contract import datasets
from stedi_lakehouse.shared.errors import EXIT_OK, EXIT_REFUSED, LoaderError, last_resort
from stedi_lakehouse.shared.storage import open_storage


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser; --help documents the exit codes."""
    parser = argparse.ArgumentParser(
        prog="load_landing.py",
        description="Validate, normalise and load the STEDI landing datasets (customer, "
        "accelerometer, step_trainer) from SOURCE into DEST/{dataset}/landing/.",
        epilog=__doc__[__doc__.index("\nexit codes") + 1 :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="SOURCE", help="local directory or s3://bucket/prefix")
    parser.add_argument("dest", metavar="DEST", help="local directory or s3://bucket/prefix")
    flag = {"action": "store_true"}
    parser.add_argument("--dry-run", **flag, help="report what would happen, write nothing")
    strict = "refuse files with a malformed line; exit 3 for other files in dataset folders"
    parser.add_argument("--strict", **flag, help=strict)
    delete = "remove DEST's landing files SOURCE lacks (in the datasets SOURCE has files of)"
    parser.add_argument("--delete", **flag, help=delete)
    parser.add_argument("--workers", type=positive_int, default=4, help="parallel files (4)")
    parser.add_argument("--json", **flag, help="print a JSON summary on stdout")
    add_s3_options(parser).add_argument("--create-bucket", **flag, help="create a missing bucket")
    return parser


@dataclass
class Run:
    """What a run did so far, for the report at its end."""

    results: list[FileResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    error: LoaderError | None = None
    reporter: Reporter | None = None


def _load(args: argparse.Namespace, out: Any, run: Run) -> None:
    """Find the deliveries, take the lock, load them, and delete what the source lacks."""
    source = open_storage(args.source, "source", s3_options(args, args.workers, writes=False))
    found = discover(source)
    run.skipped = found.skipped
    destination = open_storage(args.dest, "destination", s3_options(args, args.workers))
    note = destination.prepare(args.create_bucket, args.dry_run, must_exist=False)
    reporter = run.reporter = Reporter(
        out, len(found.files), sum(f.listed.size for f in found.files)
    )
    for line in [note, *map(describe_skipped, found.skipped)]:
        if line:
            reporter.say(line)
    missing = {d.name for d in datasets()} - {f.dataset.name for f in found.files}
    if missing:
        reporter.say(f"note: no {', '.join(sorted(missing))} files in {args.source}")
    job = Job(source, destination, args.strict, args.dry_run, threading.Event())
    # a dry run writes nothing, so it needs no lock
    with nullcontext("") if args.dry_run else destination.lock("load_landing.py") as note:
        if note:
            reporter.say(f"note: {note}")
        run.results, error = run_files(found.files, job, args.workers, reporter)
        if error:
            raise error
        if args.delete:
            run.deleted, run.kept = delete_missing(found.files, job, reporter.say)


def main(argv: list[str] | None = None) -> int:
    """Run the loader and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # a file name the terminal cannot show is escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    started = time.monotonic()
    out = sys.stderr if args.json else sys.stdout
    run = Run()
    if args.kms_key_id and args.sse != "aws:kms":
        parser.error("--kms-key-id needs --sse aws:kms")
    try:
        _load(args, out, run)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - never a traceback
        run.error = last_resort(exc, "rerunning is safe")
    finally:
        if run.reporter:
            run.reporter.close()
    return _finish(args, run, time.monotonic() - started)


def _finish(args: argparse.Namespace, run: Run, seconds: float) -> int:
    """Print the summary (a line, or the JSON document) and the error; return the exit code."""
    totals = summarise(run.results, run.deleted, run.skipped, seconds)
    refused = totals["refused"] or (args.strict and totals["not_loaded"])
    exit_code = run.error.exit_code if run.error else EXIT_REFUSED if refused else EXIT_OK
    if args.json:
        document = {
            "source": args.source,
            "destination": args.dest,
            "dry_run": args.dry_run,
            "strict": args.strict,
            "exit_code": exit_code,
            "error": str(run.error) if run.error else None,
            "totals": totals,
            "files": [asdict(r) for r in run.results],
            "skipped": [asdict(s) for s in run.skipped],
            "deleted": run.deleted,
            "kept_datasets": run.kept,
        }
        print(json.dumps(document, indent=2))
    elif run.results or not run.error:
        print(summary_line(totals, args.dry_run), flush=True)
    if run.error:
        print(f"load_landing.py: error: {run.error}", file=sys.stderr, flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
