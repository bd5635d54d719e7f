"""The two file layouts of a scaled landing set: which file each record of each copy goes to.

Both layouts hold the same records, the N copies of every source record (benchmarks/
scale_copies.py), so a build counts the same rows in either; only the files differ:

* ``copies`` (the default): each source file ``<dataset>/landing/<name>.json`` gives one file
  per copy k, ``<name>-k<k>.json``. At 100 times the starter data that is about 1,300 small
  files, as a landing zone that receives many small deliveries looks.
* ``compact``: each dataset's records of all N copies go into FILES_PER_DATASET files,
  ``<dataset>-part<ii>.json``, the customer dataset too (fewer when there are fewer records).
  Each record goes into the file that holds the fewest bytes so far, so the files are the same
  size to within one line: a landing zone of a few large files.

The increment's readings (copy 0's readings shifted by N x 30 days) are laid out likewise: one
``<name>-increment.json`` per source file, or one ``<dataset>-increment.json`` per dataset.

Every layout streams: each source line is parsed once and written N times, through at most
FILES_PER_DATASET open files, so memory stays flat at any N.
"""

from __future__ import annotations

import heapq
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from benchmarks.scale_copies import SHIFT_MS, Sink, Variants, write_copies

LAYOUTS = ("copies", "compact")
FILES_PER_DATASET = 20
INCREMENT_SUFFIX = "-increment.json"  # every file of the increment delivery ends so


class Spread:
    """Writes each line into the file that holds the fewest bytes so far."""

    def __init__(self, handles: list[BinaryIO]) -> None:
        self.handles = handles
        self.sizes = [(0, index) for index in range(len(handles))]  # a heap: (bytes, file)

    def write(self, line: bytes) -> None:
        """Write one line, ending it with a newline if the source did not."""
        if not line.endswith(b"\n"):
            line += b"\n"  # the last line of a file may lack one; the next line follows it here
        size, index = self.sizes[0]
        self.handles[index].write(line)
        heapq.heapreplace(self.sizes, (size + len(line), index))


def open_out(path: Path) -> BinaryIO:
    """Open an output file for writing."""
    return path.open("wb", buffering=1 << 16)


def line_count(paths: list[Path]) -> int:
    """Return the number of lines in the files."""
    total = 0
    for path in paths:
        with path.open("rb") as lines:
            total += sum(1 for _ in lines)
    return total


def per_copy(
    path: Path, targets: list[Path], shifts: list[tuple[int, int]], variants: Variants
) -> tuple[int, int]:
    """Stream a source file into one target per (copy k, shift); return (bytes, lines)."""
    with ExitStack() as stack:
        outputs: list[tuple[int, int, Sink]] = [
            (k, shift, stack.enter_context(open_out(target)))
            for (k, shift), target in zip(shifts, targets, strict=True)
        ]
        return write_copies(path, outputs, variants)


def spread(
    paths: list[Path], targets: list[Path], shifts: list[tuple[int, int]], variants: Variants
) -> tuple[int, int]:
    """Stream source files into TARGETS, each line of each (copy k, shift) into the smallest."""
    written = lines = 0
    with ExitStack() as stack:
        sink = Spread([stack.enter_context(open_out(target)) for target in targets])
        outputs: list[tuple[int, int, Sink]] = [(k, shift, sink) for k, shift in shifts]
        for path in paths:
            counted = write_copies(path, outputs, variants)
            written, lines = written + counted[0], lines + counted[1]
    return written, lines


def write_dataset(
    dataset: str, paths: list[Path], folder: Path, copies: int, layout: str, variants: Variants
) -> tuple[int, int]:
    """Write the N copies of a dataset's source files in a layout; return (bytes, lines)."""
    shifts = [(k, k * SHIFT_MS) for k in range(copies)]
    if layout == "compact":
        files = max(1, min(FILES_PER_DATASET, copies * line_count(paths)))
        width = len(str(files - 1))
        targets = [folder / f"{dataset}-part{i:0{width}}.json" for i in range(files)]
        return spread(paths, targets, shifts, variants)
    width = len(str(copies - 1))
    written = lines = 0
    for path in paths:
        targets = [folder / f"{path.stem}-k{k:0{width}}.json" for k in range(copies)]
        counted = per_copy(path, targets, shifts, variants)
        written, lines = written + counted[0], lines + counted[1]
    return written, lines


def write_set(files: dict[str, list[Path]], out: Path, copies: int, layout: str) -> tuple[int, int]:
    """Write the N copies of every dataset in a layout; return (bytes, lines); warn of doubts."""
    total_bytes = total_lines = unparsed = 0
    span: list[int] = []
    for dataset, paths in files.items():
        folder = out / dataset / "landing"
        folder.mkdir(parents=True, exist_ok=True)
        variants = Variants(dataset)
        written, lines = write_dataset(dataset, paths, folder, copies, layout, variants)
        total_bytes, total_lines = total_bytes + written, total_lines + lines
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


def write_readings(
    dataset: str, paths: list[Path], out: Path, copies: int, layout: str
) -> tuple[int, int]:
    """Write copy 0's readings of a dataset shifted by N x 30 days; return (bytes, lines)."""
    folder = out / dataset / "landing"
    variants = Variants(dataset)
    shifts = [(0, copies * SHIFT_MS)]
    if layout == "compact":
        return spread(paths, [folder / f"{dataset}{INCREMENT_SUFFIX}"], shifts, variants)
    written = lines = 0
    for path in paths:
        counted = per_copy(path, [folder / f"{path.stem}{INCREMENT_SUFFIX}"], shifts, variants)
        written, lines = written + counted[0], lines + counted[1]
    return written, lines
