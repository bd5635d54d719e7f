"""Load the STEDI landing datasets into an S3 bucket or a local directory.

    python load_landing.py SOURCE DEST [options]

SOURCE is a local directory or ``s3://bucket/prefix`` holding ``customer/`` (or the public
bucket's ``customers/``), ``accelerometer/`` and ``step_trainer/`` folders, with the JSON files
either in a ``landing/`` subfolder or directly in the dataset folder. DEST is
``s3://bucket/prefix`` or a local directory; every file lands at
``{prefix}/{dataset}/landing/{file name}``.

Each file is checked line by line against the data contract (docs/rules.md) before it is
written: bad lines are reported with file, line number and reason, and loaded as they are
(the landing zone keeps raw data) unless ``--strict`` refuses the whole file. Files are
normalised to JSON lines (CRLF to LF, JSON arrays and pretty-printed objects to one compact
object per line, a trailing newline); valid one-object-per-line input is never re-serialised.

Runs are idempotent: a file whose normalised SHA-256 equals the one stored with the
destination object (S3 metadata ``sha256``) or the existing local file's is skipped; a file
whose bytes the destination already holds is skipped without being parsed again (its lines
were checked when it was written), so that a rerun over a large landing zone is quick. S3 writes
go through boto3's transfer manager with a SHA-256 checksum on every PUT and part; an S3 source
that needs no normalisation is copied server-side. Local writes go to a temporary file that is
renamed into place, so no partial file is ever visible.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from stedi_lakehouse.aws import add_s3_options, make_s3_client, positive_int
from stedi_lakehouse.contract import DATASETS
from stedi_lakehouse.destinations import Destination, LocalDestination, S3Destination
from stedi_lakehouse.errors import (
    EXIT_AWS_ERROR,
    EXIT_INTERRUPTED,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_REFUSED,
    LoaderError,
)
from stedi_lakehouse.load import FileResult, Job, Reporter, run_files, summarise, summary_line
from stedi_lakehouse.sources import S3Location, discover_local, discover_s3, parse_location

EXIT_CODES_HELP = f"""\
exit codes:
  {EXIT_OK}    every file loaded or skipped unchanged (bad lines without --strict are
       reported, loaded as they are, and do not change the exit code)
  {EXIT_INVALID_INPUT}    invalid input: bad arguments, missing or empty source, no dataset
       folders, unreadable source file, unwritable local destination
  {EXIT_REFUSED}    --strict refused at least one file with malformed lines (the other files
       were loaded)
  {EXIT_AWS_ERROR}    AWS/S3 error: missing bucket, access denied, no credentials, endpoint
       unreachable, or another S3 error; the run stopped (rerunning is safe)

environment: AWS_ENDPOINT_URL, AWS_PROFILE, AWS_REGION and AWS_MAX_ATTEMPTS are honoured.
example: python load_landing.py data/sample data/landing --delete
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser; --help documents the exit codes."""
    parser = argparse.ArgumentParser(
        prog="load_landing.py",
        description="Validate, normalise and load the STEDI landing datasets (customer, "
        "accelerometer, step_trainer) from SOURCE into DEST/{dataset}/landing/.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="SOURCE", help="local directory or s3://bucket/prefix")
    parser.add_argument("dest", metavar="DEST", help="local directory or s3://bucket/prefix")
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would happen, write nothing"
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse every file that has a malformed line"
    )
    parser.add_argument(
        "--delete",
        action="store_true",
        help="remove files under DEST's three landing prefixes that are not in SOURCE",
    )
    parser.add_argument(
        "--workers", type=positive_int, default=4, help="parallel files (default 4)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    aws = add_s3_options(parser)
    aws.add_argument(
        "--create-bucket", action="store_true", help="create a missing destination bucket"
    )
    return parser


def _check_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace, dest: S3Location | Path
) -> None:
    """Reject option combinations that make no sense (argparse exits with code 2)."""
    if args.kms_key_id and args.sse != "aws:kms":
        parser.error("--kms-key-id needs --sse aws:kms")
    if isinstance(dest, Path):
        for flag, value in (("--sse", args.sse), ("--create-bucket", args.create_bucket)):
            if value:
                parser.error(f"{flag} only applies to an s3:// destination")


def _open_destination(
    dest: S3Location | Path, client: Any, args: argparse.Namespace
) -> tuple[Destination, str | None]:
    """Create the destination object and check that it can be written."""
    if isinstance(dest, S3Location):
        s3 = S3Destination(client, dest, args)
        return s3, s3.prepare(args.create_bucket, args.dry_run)
    if dest.exists() and not dest.is_dir():
        raise LoaderError(f"Destination {dest} exists and is not a directory.", EXIT_INVALID_INPUT)
    return LocalDestination(dest), None


def main(argv: list[str] | None = None) -> int:
    """Run the loader and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.monotonic()
    out = sys.stderr if args.json else sys.stdout
    results: list[FileResult] = []
    deleted: list[str] = []
    error: LoaderError | None = None
    reporter: Reporter | None = None
    try:
        source, dest = parse_location(args.source), parse_location(args.dest)
        _check_arguments(parser, args, dest)
        needs_s3 = isinstance(source, S3Location) or isinstance(dest, S3Location)
        client = make_s3_client(args) if needs_s3 else None
        if isinstance(source, S3Location):
            files = discover_s3(client, source)
        else:
            files = discover_local(source)
        destination, note = _open_destination(dest, client, args)
        if note:
            print(note, file=out, flush=True)
        missing = {d.name for d in DATASETS} - {f.dataset.name for f in files}
        if missing:
            print(f"note: no {', '.join(sorted(missing))} files in {source}", file=out, flush=True)
        job = Job(client, destination, args.strict, args.dry_run, threading.Event())
        reporter = Reporter(out, len(files), sum(f.size for f in files))
        results, error = run_files(files, job, args.workers, reporter)
        if args.delete and error is None:
            keep = {f.target for f in files}
            deleted = [t for t in destination.list_landing() if t not in keep]
            for target in deleted:
                verb = "would delete" if args.dry_run else "deleted"
                reporter.say(f"{verb:<12} {destination.describe(target)}")
            if not args.dry_run:
                destination.delete(deleted)
    except LoaderError as exc:
        error = exc
    except KeyboardInterrupt:
        error = LoaderError("Interrupted; rerunning is safe.", EXIT_INTERRUPTED)
    finally:
        if reporter:
            reporter.close()
    totals = summarise(results, deleted, time.monotonic() - started)
    exit_code = EXIT_REFUSED if totals["refused"] else EXIT_OK
    if error:
        exit_code = error.exit_code
    if args.json:
        document = {
            "source": args.source,
            "destination": args.dest,
            "dry_run": args.dry_run,
            "strict": args.strict,
            "exit_code": exit_code,
            "error": str(error) if error else None,
            "totals": totals,
            "files": [asdict(r) for r in results],
            "deleted": deleted,
        }
        print(json.dumps(document, indent=2))
    elif results or not error:
        print(summary_line(totals, args.dry_run), flush=True)
    if error:
        print(f"load_landing.py: error: {error}", file=sys.stderr, flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
