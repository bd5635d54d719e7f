"""Erase customers on request: their landing lines, a tombstone, and a report.

    python erase_customer.py EMAIL [EMAIL ...] --landing-root DIR|s3://bucket/prefix

1. Every landing file is streamed through the loader's line splitter; the lines of the
   customers (stedi_lakehouse/erasure/lines.py) and the readings of devices that only erased
   customers own are removed. A file with such lines is streamed a second time, through the
   storage's staging, without them, and put in place atomically as the loader writes a file
   (shared/storage.py): memory stays bounded whatever the size of a file.
2. The landing root's lock is taken first (shared/storage.py), so that no loader writes it
   meanwhile. Before anything changes, the landing folders and the tombstone
   list are checked to be writable. The tombstones are recorded first, so that a build
   excludes the customers even if the run stops halfway; then the files are rewritten,
   step-trainer files first and customer files last: the customer records name the devices,
   so a rerun after an interruption finds the same devices and finishes the job.
3. A report (lines removed per dataset and file, devices kept because shared, tombstone ids)
   is printed and written as JSON. It holds no e-mail; neither does any message.

`--dry-run` reads and reports the same, and writes nothing. Then rebuild every zone with
`--full-refresh` (or pass `--rebuild`), so that no parsed table keeps an old line.

exit codes (the table of both commands: docs/erasure.md):
  0    erased (or, with --dry-run, would erase)
  1    an unexpected error, said in one sentence; rerunning finishes the job
  2    invalid input: no e-mail, a landing root that is missing or cannot be written (nothing
       was changed), an unwritable tombstone list
  4    AWS/S3 error; rerunning finishes the job
  5    another erase_customer.py or load_landing.py is writing to the landing root (its
       lock .load_landing.lock there names it); nothing was changed
  6    an e-mail had no landing line (its tombstone is recorded all the same)
  130  interrupted; rerunning finishes the job
"""

import argparse
import datetime
import json
import subprocess
import sys
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from stedi_lakehouse.erasure.lines import email_sha256, normalise_email
from stedi_lakehouse.erasure.rewrite import check_folders, plan, rewrite
from stedi_lakehouse.shared.cli import add_s3_options, s3_options
from stedi_lakehouse.shared.errors import (
    EXIT_INVALID_INPUT,
    EXIT_NOT_FOUND,
    EXIT_OK,
    LoaderError,
    last_resort,
)
from stedi_lakehouse.shared.storage import Storage, open_storage
from stedi_lakehouse.shared.tombstones import (
    Tombstone,
    check_writable,
    default_path,
    read_tombstones,
    write_tombstones,
)

REBUILD_HINT = (
    "python -m stedi_lakehouse.build --full-refresh --landing-root {root} on Spark (make erase "
    "does this), or dbt build --target athena on Athena, which rebuilds every table anyway."
)


def build_parser() -> argparse.ArgumentParser:
    """The command line; --help lists the exit codes."""
    parser = argparse.ArgumentParser(
        prog="erase_customer.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("\nexit codes") + 1 :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    email = "e-mail of a customer; `-` reads them from standard input, one per line, so that they "
    parser.add_argument("emails", metavar="EMAIL", nargs="+", help=email + "stay out of `ps`")
    parser.add_argument("--landing-root", required=True, help="directory or s3://bucket/prefix")
    parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    tombstones = "the tombstone list (default: erased_customers.csv in $STEDI_TOMBSTONES_DIR)"
    parser.add_argument("--tombstones", type=Path, help=tombstones)
    parser.add_argument("--report", type=Path, help="JSON report (default target/erasure/)")
    parser.add_argument("--rebuild", action="store_true", help="then a full-refresh build")
    parser.add_argument("--target", default="session", help="dbt target of --rebuild")
    add_s3_options(parser)
    return parser


def normalised_emails(given: list[str]) -> list[str]:
    """The e-mails as the models compare them, each once; one sentence for a bad one."""
    if given == ["-"]:
        given = [line for line in sys.stdin.read().splitlines() if line.strip()]
    emails: list[str] = []
    for position, text in enumerate(given, start=1):
        email = normalise_email(text)
        if not email or "@" not in email:
            raise LoaderError(f"E-mail {position} is no e-mail address.", EXIT_INVALID_INPUT)
        if email not in emails:
            emails.append(email)
    return emails


def record_tombstones(
    path: Path, emails: list[str], request: str, dry_run: bool
) -> list[Tombstone]:
    """The tombstone of each e-mail: one recorded earlier (a rerun), else a new one."""
    existing = read_tombstones(path)
    by_hash = {tombstone.email_sha256: tombstone for tombstone in existing}
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    chosen = [
        by_hash.get(email_sha256(email)) or Tombstone(email_sha256(email), now, request)
        for email in emails
    ]
    new = [tombstone for tombstone in chosen if tombstone.email_sha256 not in by_hash]
    if new and not dry_run:
        write_tombstones(path, existing + new)
    return chosen


def customer_state(email: str, found: set[str], tombstone: Tombstone, tombstoned: set[str]) -> str:
    """Erased now, erased by an earlier run (a rerun finds no line), or not found."""
    if email in found:
        return "erased"
    return "already erased" if tombstone.email_sha256 in tombstoned else "not found"


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as text, without any e-mail."""
    verb = "Would remove" if report["dry_run"] else "Removed"
    lines = []
    for dataset, files in report["lines_removed"].items():
        total = sum(files.values())
        lines.append(f"{verb} {total:,} {dataset} lines from {len(files)} files")
        lines += [f"  {count:>6,}  {name}" for name, count in sorted(files.items())]
    for serial, others in report["devices_kept_shared"].items():
        lines.append(f"Kept the readings of device {serial}: other owners not erased: {others}")
    for customer in report["customers"]:
        state = f"{customer['state']}, tombstone {customer['request_id']}"
        lines.append(f"E-mail {customer['position']}: {state}")
    return lines


def erase(
    store: Storage, emails: list[str], tombstone_path: Path, dry_run: bool, request_id: str
) -> dict[str, Any]:
    """Run the erasure (or the dry run) of normalised e-mails and return the report."""
    store.prepare()
    # the loader must not write the files between their reading and their rewriting
    with nullcontext() if dry_run else store.lock("erase_customer.py"):
        tombstoned = {tombstone.email_sha256 for tombstone in read_tombstones(tombstone_path)}
        erasure, devices = plan(store, emails, tombstoned)
        if not dry_run:
            check_writable(tombstone_path)
            check_folders(store)
        tombstones = record_tombstones(tombstone_path, emails, request_id, dry_run)
        outcome = rewrite(store, erasure, dry_run)
    return {
        "request_id": request_id,
        "dry_run": dry_run,
        "landing_root": store.describe(""),
        "customers": [
            {
                "position": position,
                "state": customer_state(email, outcome["found"], tombstone, tombstoned),
                "email_sha256": tombstone.email_sha256,
                "request_id": tombstone.request_id,
                "erased_at": tombstone.erased_at,
            }
            for position, (email, tombstone) in enumerate(zip(emails, tombstones, strict=True), 1)
        ],
        "lines_removed": outcome["removed"],
        "devices_removed": len(devices.removed),
        "devices_kept_shared": devices.kept,
    }


def rebuild(args: argparse.Namespace) -> int:
    """Rebuild every zone from the landing zone, so that no parsed table keeps an old line."""
    command = [sys.executable, "-m", "stedi_lakehouse.build", "--target", args.target]
    command += ["--landing-root", args.landing_root, "--full-refresh", "--skip-unit-tests"]
    return subprocess.run(command, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Run the command and return its exit code."""
    args = build_parser().parse_args(argv)
    request_id = uuid.uuid4().hex
    try:
        store = open_storage(args.landing_root, "landing root", s3_options(args))
        emails, tombstones = normalised_emails(args.emails), args.tombstones or default_path()
        report = erase(store, emails, tombstones, args.dry_run, request_id)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - never a traceback
        error = last_resort(exc, "rerunning finishes the job")
        print(f"erase_customer.py: error: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    print("\n".join(report_lines(report)), flush=True)
    if not args.dry_run:
        path = args.report or Path("target") / "erasure" / f"erasure-{request_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"Report: {path}", flush=True)
    missing = [c["position"] for c in report["customers"] if c["state"] == "not found"]
    for position in missing:
        recorded = "would be recorded" if args.dry_run else "is recorded"
        notice = f"notice: e-mail {position} has no line in the landing zone; its tombstone"
        print(
            f"{notice} {recorded}, so that no later delivery brings the customer in.",
            file=sys.stderr,
        )
    if args.dry_run:
        return EXIT_NOT_FOUND if missing else EXIT_OK
    if args.rebuild:
        code = rebuild(args)
        if code:
            return code
    else:
        hint = REBUILD_HINT.format(root=args.landing_root)
        print(f"Now rebuild every zone from the landing zone: {hint}", flush=True)
    return EXIT_NOT_FOUND if missing else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
