"""The timed rounds of `make bench` on one file layout: full builds, the peer, the increments.

benchmarks/run_benchmark.py runs measure() once per layout and prints what it returns
(benchmarks/bench_report.py). Every build is checked as it finishes: a full build of the scaled
set must count N times the 1x (benchmarks/reference_counts.py), an incremental build after an
increment delivery must count what a full build of the same data counts, and its consenting
customers must be N times the 1x less the withdrawals.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench_runner import (
    BENCH_DIR,
    MIB,
    RUBRIC_VARS,
    STRICT_VARS,
    Bench,
    Build,
    Timed,
)
from benchmarks.reference_counts import References, check, check_withdrawn
from benchmarks.scale_landing import Scaled, scale

# the increments timed in each round: (name, deliver the withdrawals too)
INCREMENTS = (("readings", False), ("withdrawals", True))


@dataclass
class Plan:
    """What every layout's benchmark runs: the same source, N, rounds and increments."""

    bench: Bench
    refs: References
    original: Path  # the unscaled source landing set
    scale: int
    runs: int
    increment: bool = False
    withdrawals: int = 20

    def folder(self, layout: str) -> Path:
        """Return the layout's folder: source/, landing/ and baseline-out/ are under it."""
        return BENCH_DIR / f"scale-{self.scale}-{layout}"

    def deliver(self, layout: str, withdrawals: int | None = None) -> Scaled:
        """Scale the source into the layout's folder; with WITHDRAWALS, add the increment."""
        source = self.folder(layout) / "source"
        increment = withdrawals is not None
        return scale(self.original, source, self.scale, layout, increment, withdrawals or 0)


@dataclass
class Increment:
    """The timed builds after one kind of increment delivery, one of each per round."""

    incremental: list[Build] = field(default_factory=list)
    full: list[Build] = field(default_factory=list)  # the full build of the same data


@dataclass
class Rounds:
    """What the timed rounds of one layout measured, for the report."""

    layout: str
    scaled: Scaled
    files: int  # landing files of the scaled set
    first_load: Timed
    builds: list[Build] = field(default_factory=list)
    baselines: list[Timed] = field(default_factory=list)
    increments: dict[str, Increment] = field(default_factory=dict)  # by INCREMENTS name

    def peak_rss(self) -> int:
        """Return the peak RSS of every timed build of the layout (bytes)."""
        timed = [*self.builds]
        for increment in self.increments.values():
            timed += increment.incremental + increment.full
        return max(build.peak_rss for build in timed)


def describe(build: Build) -> str:
    """Return a build's time, split into loader and build, and its peak RSS."""
    return (
        f"{build.seconds:.1f} s (loader {build.loader.seconds:.1f} s + build "
        f"{build.build.seconds:.1f} s), peak RSS {build.peak_rss / MIB:,.0f} MiB"
    )


def measure(plan: Plan, layout: str) -> Rounds:
    """Time the first load and RUNS rounds of full builds and the peer; raise on a failure."""
    bench, refs, n = plan.bench, plan.refs, plan.scale
    source, landing = plan.folder(layout) / "source", plan.folder(layout) / "landing"
    scaled = plan.deliver(layout)
    files = sum(1 for _ in source.glob("*/landing/*.json"))
    data = f"{scaled.bytes / 1e6:,.1f} MB, {scaled.lines:,} lines, {files:,} files"
    print(f"-- layout {layout}: {data} --", flush=True)
    shutil.rmtree(landing, ignore_errors=True)
    done = Rounds(layout, scaled, files, bench.load(source, landing))
    print(f"[{layout}] first load (fresh landing root): {done.first_load.seconds:.1f} s")

    for round_no in range(1, plan.runs + 1):
        built = bench.build(source, landing, STRICT_VARS)
        refs.expect("strict", f"the {layout} strict build of round {round_no}", built.counts, n)
        done.builds.append(built)
        print(f"[{layout} round {round_no}/{plan.runs}] full build {describe(built)}", flush=True)
        timed, counts = bench.baseline(landing, plan.folder(layout) / "baseline-out")
        refs.expect("baseline", f"the {layout} peer baseline of round {round_no}", counts, n)
        done.baselines.append(timed)
        print(f"[{layout} round {round_no}/{plan.runs}] peer baseline {timed.seconds:.1f} s")

    rubric = bench.build(source, landing, RUBRIC_VARS)
    refs.expect("rubric", f"the {layout} rubric-compatible build", rubric.counts, n)
    print(f"[{layout}] rubric-compatible build (untimed check): {rubric.seconds:.1f} s, right")

    if plan.increment:
        for round_no in range(1, plan.runs + 1):
            for name, with_withdrawals in INCREMENTS:
                if with_withdrawals and not plan.withdrawals:
                    continue
                withdrawals = plan.withdrawals if with_withdrawals else 0
                timed_increment(plan, done, layout, name, withdrawals, round_no)
        plan.deliver(layout)  # leave the scaled set as its marker says
    return done


def timed_increment(
    plan: Plan, done: Rounds, layout: str, name: str, withdrawals: int, round_no: int
) -> None:
    """From a full build of the scaled set, deliver an increment; time incremental and full."""
    bench, n = plan.bench, plan.scale
    source, landing = plan.folder(layout) / "source", plan.folder(layout) / "landing"
    plan.deliver(layout)  # back to the state before the increment
    before = bench.build(source, landing, STRICT_VARS)  # untimed
    plan.refs.expect("strict", f"the {layout} full build before the increment", before.counts, n)
    delivery = plan.deliver(layout, withdrawals)
    inc = bench.build(source, landing, STRICT_VARS, full=False)
    full = bench.build(source, landing, STRICT_VARS)
    what = f"the {layout} incremental build after the {name} increment {round_no}"
    check(f"{what} (vs the full build)", inc.counts, full.counts, 1)
    one_x = plan.refs.counts["strict"]
    check_withdrawn(f"{what} (the consenting customers)", inc.counts, one_x, n, delivery.withdrawn)
    done_kind = done.increments.setdefault(name, Increment())
    if done_kind.full:  # every full build of the same data counts the same
        first = done_kind.full[0].counts
        check(
            f"the {layout} full build after the {name} increment {round_no}", full.counts, first, 1
        )
    done_kind.incremental.append(inc)
    done_kind.full.append(full)
    withdrawn = f" and {delivery.withdrawn} withdrawals" if withdrawals else ""
    print(
        f"[{layout} increment {round_no}/{plan.runs}] {delivery.increment_lines:,} new readings"
        f"{withdrawn}: incremental build {describe(inc)}; full {full.seconds:.1f} s",
        flush=True,
    )
