"""The report of `make bench`: every layout's medians and ratios side by side, Markdown rows.

One column per file layout (benchmarks/scale_layouts.py) of what benchmarks/bench_rounds.py
measured, then one Markdown table row per layout for BENCHMARKS.md, then the machine's facts.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from benchmarks.bench_rounds import Increment, Rounds
from benchmarks.bench_runner import MIB, machine_facts

INCREMENT_NAMES = {"readings": "readings", "withdrawals": "readings + withdrawals"}
MARKDOWN_HEADER = (
    "| scale | layout | files | data (MB) | lines | full build, median (s) "
    "| peer baseline, median (s) | build/baseline | peak RSS of the builds (MiB) "
    "| incremental after readings, median (s) | incremental/full "
    "| incremental after readings + withdrawals, median (s) | incremental/full |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def median(values: list[float]) -> float:
    """Return the median."""
    return statistics.median(values)


def build_s(done: Rounds) -> float:
    """Return the median full build time."""
    return median([b.seconds for b in done.builds])


def baseline_s(done: Rounds) -> float:
    """Return the median peer baseline time."""
    return median([b.seconds for b in done.baselines])


def increment_s(increment: Increment | None) -> tuple[float, float] | None:
    """Return the medians of the incremental and the full builds after an increment, or None."""
    if increment is None or not increment.incremental:
        return None
    return (
        median([b.seconds for b in increment.incremental]),
        median([b.seconds for b in increment.full]),
    )


def side_by_side(done: list[Rounds]) -> list[str]:
    """Return the lines of the table with one column per layout."""
    runs = len(done[0].builds)

    def each(show: Callable[[Rounds], str]) -> list[str]:
        return [show(d) for d in done]

    rows = [
        ("landing files", each(lambda d: f"{d.files:,}")),
        ("data (MB)", each(lambda d: f"{d.scaled.bytes / 1e6:,.1f}")),
        ("first load (s)", each(lambda d: f"{d.first_load.seconds:.1f}")),
        (f"full build, median of {runs} (s)", each(lambda d: f"{build_s(d):.1f}")),
        (
            "  loader check (s)",
            each(lambda d: f"{median([b.loader.seconds for b in d.builds]):.1f}"),
        ),
        ("  build (s)", each(lambda d: f"{median([b.build.seconds for b in d.builds]):.1f}")),
        (f"peer baseline, median of {runs} (s)", each(lambda d: f"{baseline_s(d):.1f}")),
        ("ratio build/baseline", each(lambda d: f"{build_s(d) / baseline_s(d):.2f}")),
        ("peak RSS, every timed build (MiB)", each(lambda d: f"{d.peak_rss() / MIB:,.0f}")),
        (
            "peak RSS, the peer's largest job (MiB)",
            each(lambda d: f"{max(b.peak_rss for b in d.baselines) / MIB:,.0f}"),
        ),
    ]
    for name, words in INCREMENT_NAMES.items():
        times = [increment_s(d.increments.get(name)) for d in done]
        if not any(times):
            continue
        rows += [
            (f"incremental build after {words} (s)", [f"{t[0]:.1f}" if t else "–" for t in times]),
            ("  full build of the same data (s)", [f"{t[1]:.1f}" if t else "–" for t in times]),
            ("  ratio incremental/full", [f"{t[0] / t[1]:.2f}" if t else "–" for t in times]),
        ]
    width = max(len(label) for label, _ in rows) + 2
    lines = [" " * width + "".join(f"{d.layout:>12}" for d in done)]
    lines += [label.ljust(width) + "".join(f"{v:>12}" for v in values) for label, values in rows]
    return lines


def markdown_row(n: int, done: Rounds) -> str:
    """Return the layout's row of the BENCHMARKS.md table."""
    cells = [
        f"{n}x",
        done.layout,
        f"{done.files:,}",
        f"{done.scaled.bytes / 1e6:,.1f}",
        f"{done.scaled.lines:,}",
        f"{build_s(done):.1f}",
        f"{baseline_s(done):.1f}",
        f"{build_s(done) / baseline_s(done):.2f}",
        f"{done.peak_rss() / MIB:,.0f}",
    ]
    for name in INCREMENT_NAMES:
        times = increment_s(done.increments.get(name))
        cells += ["–", "–"] if times is None else [f"{times[0]:.1f}", f"{times[0] / times[1]:.2f}"]
    return "| " + " | ".join(cells) + " |"


def report(n: int, done: list[Rounds]) -> None:
    """Print the layouts side by side, a Markdown row per layout, and the machine."""
    print()
    print("\n".join(side_by_side(done)))
    print(
        f"counts: every full build (strict and rubric-compatible) and the peer = {n} x the 1x, "
        "in every layout; every incremental build = a full build of the same data"
    )
    print()
    print(MARKDOWN_HEADER)
    for layout in done:
        print(markdown_row(n, layout))
    print()
    print(machine_facts())
