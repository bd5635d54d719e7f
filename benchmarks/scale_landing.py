"""Write a STEDI landing set N times the size of a source landing set, for `make bench`.

    python -m benchmarks.scale_landing OUT --copies N [--source DIR] [--increment]  # project root

The output holds N copies (k = 0 .. N-1) of every source record of every dataset of the landing
contract (stedi_lakehouse/contract.py). Copy 0 is the source unchanged, byte for byte. Copy
k > 0 adds ``+k`` to the e-mails, appends ``-k`` to the serial numbers and shifts the epoch
milliseconds by k x 30 days (benchmarks/scale_copies.py says exactly which fields and how).

No copy shares a customer, a device or a millisecond with another (as long as the source spans
less than 30 days, which is checked), so every zone of a build holds exactly N times the
source's rows. Lines that are not JSON objects are copied unchanged into every copy, with a
warning, since they break that rule.

Each source file ``<dataset>/landing/<name>.json`` gives one JSON-lines file per copy,
``<dataset>/landing/<name>-k<k>.json``. Files are streamed (each source line is parsed once
and written N times), so memory stays flat at any N. A marker file (``.scale_landing.json``)
records the source's SHA-256, N and the format version: a rerun with the same arguments
returns at once, and any other run first removes the landing files it finds under OUT.

``--increment`` adds a further delivery of new readings: the accelerometer and step-trainer
records of copy 0 once more, shifted by N x 30 days so that they collide with no copy, as
``<dataset>/landing/<name>-increment.json``. They are new readings of existing customers and
devices. A run without ``--increment`` removes such files again, so OUT always holds exactly
what the arguments say.

The default source is ``../shared/data/udacity-starter`` next to the repository or, when that
is absent, the generated sample set (``stedi_lakehouse/sample_data.py data/bench/sample``).

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
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from benchmarks.scale_copies import SHIFT_MS, Variants, write_copies
from stedi_lakehouse.contract import DATASETS as CONTRACT

PROJECT_DIR = Path(__file__).resolve().parents[1]
STARTER = PROJECT_DIR.parent / "shared" / "data" / "udacity-starter"
SAMPLE = PROJECT_DIR / "data" / "bench" / "sample"
VERSION = 1  # raise when the output for the same source and N changes
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
    bytes: int  # of the N copies, without the increment
    lines: int
    increment: bool = False
    increment_bytes: int = 0
    increment_lines: int = 0


def default_source() -> Path:
    """Return the starter data, or else the generated sample set (made here if needed)."""
    if STARTER.is_dir():
        return STARTER
    generator = [sys.executable, "-m", "stedi_lakehouse.sample_data", str(SAMPLE)]
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


def write_set(files: dict[str, list[Path]], out: Path, copies: int) -> tuple[int, int]:
    """Write the N copies of every source file; return (bytes, lines)."""
    width = len(str(copies - 1))
    total_bytes = total_lines = 0
    span: list[int] = []
    unparsed = 0
    for dataset in DATASETS:
        folder = out / dataset / "landing"
        folder.mkdir(parents=True, exist_ok=True)
        variants = Variants(dataset)
        for path in files[dataset]:
            with ExitStack() as stack:
                outputs = [
                    (k, k * SHIFT_MS, stack.enter_context(open_out(folder, path, f"k{k:0{width}}")))
                    for k in range(copies)
                ]
                written, lines = write_copies(path, outputs, variants)
            total_bytes += written
            total_lines += lines
        unparsed += variants.unparsed
        span += [t for t in (variants.low, variants.high) if t is not None]
    if span and max(span) - min(span) >= SHIFT_MS:
        print(
            f"warning: the source spans {(max(span) - min(span)) / 86_400_000:.1f} days, so copies "
            "may share milliseconds and zone counts may not scale exactly.",
            file=sys.stderr,
        )
    if unparsed:
        print(
            f"warning: {unparsed} source lines are not JSON objects; they were copied unchanged "
            "into every copy, so zone counts may not scale exactly.",
            file=sys.stderr,
        )
    return total_bytes, total_lines


def write_increment(files: dict[str, list[Path]], out: Path, copies: int) -> tuple[int, int]:
    """Write copy 0's readings shifted by N x 30 days as *-increment.json; return (bytes, lines)."""
    total_bytes = total_lines = 0
    for dataset in READING_DATASETS:
        folder = out / dataset / "landing"
        variants = Variants(dataset)
        for path in files[dataset]:
            with open_out(folder, path, "increment") as handle:
                written, lines = write_copies(path, [(0, copies * SHIFT_MS, handle)], variants)
            total_bytes += written
            total_lines += lines
    return total_bytes, total_lines


def open_out(folder: Path, source: Path, suffix: str) -> BinaryIO:
    """Open the output file of a source file for writing."""
    return (folder / f"{source.stem}-{suffix}.json").open("wb", buffering=1 << 16)


def remove_increment(out: Path) -> None:
    """Delete an earlier increment's files."""
    for dataset in READING_DATASETS:
        for path in (out / dataset / "landing").glob("*-increment.json"):
            path.unlink()


def read_marker(out: Path) -> Scaled | None:
    """Return the marker of an earlier run, or None."""
    try:
        return Scaled(**json.loads((out / MARKER).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def scale(source: Path, out: Path, copies: int, increment: bool = False) -> Scaled:
    """Make OUT hold N copies of SOURCE (plus the increment if asked); return what it holds."""
    source = source.resolve()
    files = source_files(source)
    digest = sha256_of(files)
    state = read_marker(out)
    fresh = (VERSION, str(source), digest, copies)
    if state is None or (state.version, state.source, state.source_sha256, state.copies) != fresh:
        (out / MARKER).unlink(missing_ok=True)
        for dataset in DATASETS:
            for path in (out / dataset / "landing").glob("*.json"):
                path.unlink()
        started = time.monotonic()
        written, lines = write_set(files, out, copies)
        state = Scaled(VERSION, str(source), digest, copies, written, lines)
        print(
            f"scaled {source} x{copies} into {out}: {written / 1e6:,.1f} MB, {lines:,} lines "
            f"in {time.monotonic() - started:.1f} s"
        )
    if increment and not state.increment:
        state.increment_bytes, state.increment_lines = write_increment(files, out, copies)
        state.increment = True
        print(f"added the increment: {state.increment_lines:,} new readings")
    elif not increment and state.increment:
        remove_increment(out)
        state.increment, state.increment_bytes, state.increment_lines = False, 0, 0
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
    parser.add_argument("out", type=Path, help="output folder (e.g. data/bench/scale-10/source)")
    parser.add_argument("--copies", "-n", type=int, required=True, help="N, the scale factor")
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
    options = parser.parse_args(argv)
    if options.copies < 1:
        parser.error("--copies must be at least 1")
    try:
        scale(options.source or default_source(), options.out, options.copies, options.increment)
    except LayoutError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
