"""Write a STEDI landing set N times the size of a source landing set, for `make bench`.

    python -m benchmarks.scale_landing OUT --copies N [--layout copies|compact]
        [--source DIR] [--increment [--withdrawals K]]  # from the project root

The output holds N copies (k = 0 .. N-1) of every source record of every dataset of the landing
contract (stedi_lakehouse/shared/contract.py). Copy 0 is the source unchanged, byte for byte. Copy
k > 0 adds ``+k`` to the e-mails, appends ``-k`` to the serial numbers and shifts the epoch
milliseconds by k x 30 days (benchmarks/scale_copies.py says exactly which fields and how).

No copy shares a customer, a device or a millisecond with another (as long as the source spans
less than 30 days, which is checked), so every zone of a build holds exactly N times the
source's rows. Lines that are not JSON objects are copied unchanged into every copy, with a
warning, since they break that rule.

``--layout`` says how the records are cut into files (benchmarks/scale_layouts.py): ``copies``
(the default) writes one JSON-lines file per source file and copy,
``<dataset>/landing/<name>-k<k>.json``; ``compact`` writes the same records into 20 files of
about the same size per dataset, ``<dataset>/landing/<dataset>-part<ii>.json``. Give each
layout its own OUT (`make bench` uses data/bench/scale-<N>-<layout>/source). Files are
streamed (each source line is parsed once and written N times), so memory stays flat at any N.
A marker file (``.scale_landing.json``) records the source's SHA-256, N, the layout and the
format version: a rerun with the same arguments returns at once, and any other run first
removes the landing files it finds under OUT.

``--increment`` adds a further delivery of new readings: the accelerometer and step-trainer
records of copy 0 once more, shifted by N x 30 days so that they collide with no copy (1 % more
readings at N = 100), as ``*-increment.json`` files laid out like the rest. They are new
readings of existing customers and devices. ``--withdrawals K`` adds to that delivery a customer
file, ``customer/landing/customer-withdrawals-increment.json``, in which K consenting customers
of copy 0 withdraw research consent (benchmarks/scale_withdrawals.py says which and how), so
that after it the zones no longer hold N times the 1x rows. A run without ``--increment`` (or
with other withdrawals) removes an earlier increment's files again, so OUT always holds exactly
what the arguments say.

The default source is ``../shared/data/udacity-starter`` next to the repository or, when that
is absent, the generated sample set (``tools/sample_data.py data/bench/sample``).

Exit codes:
    0  the scaled set is in place
    2  bad arguments, or the source is not laid out as <dataset>/landing/*.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.scale_layouts import INCREMENT_SUFFIX, LAYOUTS, write_readings, write_set
from benchmarks.scale_withdrawals import write_withdrawals
from stedi_lakehouse.shared.contract import DATASETS as CONTRACT

PROJECT_DIR = Path(__file__).resolve().parents[1]
STARTER = PROJECT_DIR.parent / "shared" / "data" / "udacity-starter"
SAMPLE = PROJECT_DIR / "data" / "bench" / "sample"
VERSION = 2  # raise when the output for the same source, N and layout changes
MARKER = ".scale_landing.json"
DATASETS = tuple(dataset.name for dataset in CONTRACT)  # each one's folder: <name>/landing/
READING_DATASETS = ("accelerometer", "step_trainer")


class LayoutError(Exception):
    """The source is not a landing set laid out as <dataset>/landing/*.json."""


@dataclass
class Scaled:
    """What a scaled landing set holds (the marker file's content)."""

    version: int
    source: str
    source_sha256: str
    copies: int
    layout: str
    bytes: int  # of the N copies, without the increment
    lines: int
    increment: bool = False
    withdrawals: int = 0  # asked for
    increment_bytes: int = 0  # of the increment's readings and withdrawals
    increment_lines: int = 0  # the increment's readings
    withdrawn: int = 0  # the withdrawals written (fewer if fewer customers consent)


def default_source() -> Path:
    """Return the starter data, or else the generated sample set (made here if needed)."""
    if STARTER.is_dir():
        return STARTER
    generator = [sys.executable, "-m", "tools.sample_data", str(SAMPLE)]
    subprocess.run(generator, check=True, cwd=PROJECT_DIR)
    return SAMPLE


def source_files(source: Path) -> dict[str, list[Path]]:
    """Return each dataset's landing files, sorted by name."""
    files = {ds: sorted((source / ds / "landing").glob("*.json")) for ds in DATASETS}
    missing = [ds for ds, found in files.items() if not found]
    if missing:
        raise LayoutError(
            f"{source} has no {', '.join(f'{ds}/landing/*.json' for ds in missing)}: "
            "the source must be laid out like the starter data."
        )
    return files


def sha256_of(files: dict[str, list[Path]]) -> str:
    """Return one SHA-256 over the names and bytes of every source file."""
    digest = hashlib.sha256()
    for dataset in DATASETS:
        for path in files[dataset]:
            digest.update(f"{dataset}/{path.name}\0".encode())
            with path.open("rb") as data:
                for block in iter(lambda: data.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def remove_increment(out: Path) -> None:
    """Delete an earlier increment's files (its readings and its withdrawals)."""
    for dataset in DATASETS:
        for path in (out / dataset / "landing").glob(f"*{INCREMENT_SUFFIX}"):
            path.unlink()


def read_marker(out: Path) -> Scaled | None:
    """Return the marker of an earlier run, or None."""
    try:
        return Scaled(**json.loads((out / MARKER).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def write_increment(files: dict[str, list[Path]], out: Path, state: Scaled) -> None:
    """Write the increment the marker asks for: copy 0's readings, then the withdrawals."""
    for dataset in READING_DATASETS:
        written, lines = write_readings(dataset, files[dataset], out, state.copies, state.layout)
        state.increment_bytes += written
        state.increment_lines += lines
    if state.withdrawals:
        written, state.withdrawn = write_withdrawals(files["customer"], out, state.withdrawals)
        state.increment_bytes += written
    print(
        f"added the increment: {state.increment_lines:,} new readings"
        + (f", {state.withdrawn} withdrawals" if state.withdrawals else "")
    )


def scale(
    source: Path,
    out: Path,
    copies: int,
    layout: str = "copies",
    increment: bool = False,
    withdrawals: int = 0,
) -> Scaled:
    """Make OUT hold N copies of SOURCE in a layout (plus the increment if asked); return it."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")
    source = source.resolve()
    files = source_files(source)
    digest = sha256_of(files)
    state = read_marker(out)
    fresh = (VERSION, str(source), digest, copies, layout)
    old = state and (state.version, state.source, state.source_sha256, state.copies, state.layout)
    if state is None or old != fresh:
        (out / MARKER).unlink(missing_ok=True)
        for dataset in DATASETS:
            for path in (out / dataset / "landing").glob("*.json"):
                path.unlink()
        started = time.monotonic()
        written, lines = write_set(files, out, copies, layout)
        state = Scaled(VERSION, str(source), digest, copies, layout, written, lines)
        print(
            f"scaled {source} x{copies} ({layout}) into {out}: {written / 1e6:,.1f} MB, "
            f"{lines:,} lines in {time.monotonic() - started:.1f} s"
        )
    wanted = (increment, withdrawals if increment else 0)
    if (state.increment, state.withdrawals) != wanted:
        remove_increment(out)
        state.increment, state.withdrawals = wanted
        state.increment_bytes = state.increment_lines = state.withdrawn = 0
        if increment:
            write_increment(files, out, state)
    (out / MARKER).write_text(json.dumps(asdict(state), indent=2) + "\n")
    return state


def main(argv: list[str] | None = None) -> int:
    """Scale the source set; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale_landing",  # run as a module: it imports stedi_lakehouse
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "out", type=Path, help="output folder (e.g. data/bench/scale-10-copies/source)"
    )
    parser.add_argument("--copies", "-n", type=int, required=True, help="N, the scale factor")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="copies",
        help="one file per source file and copy, or 20 files per dataset (default: copies)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="landing set to scale (default: ../shared/data/udacity-starter, else the sample set)",
    )
    parser.add_argument(
        "--increment",
        action="store_true",
        help="also write the increment delivery (copy 0's readings shifted by N x 30 days)",
    )
    parser.add_argument(
        "--withdrawals",
        type=int,
        default=0,
        metavar="K",
        help="with --increment: K consenting customers of copy 0 withdraw consent (default 0)",
    )
    options = parser.parse_args(argv)
    if options.copies < 1:
        parser.error("--copies must be at least 1")
    if options.withdrawals < 0 or (options.withdrawals and not options.increment):
        parser.error("--withdrawals takes a count of at least 0, and needs --increment")
    try:
        scale(
            options.source or default_source(),
            options.out,
            options.copies,
            options.layout,
            options.increment,
            options.withdrawals,
        )
    except LayoutError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
