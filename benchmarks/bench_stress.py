"""The stress mode of `make bench`: a build passes, and counts right, every time at scale.

    make bench STRESS=1 SCALE=N [LAYOUTS=copies,compact]
    python -m benchmarks.run_benchmark --stress --scale N [--layouts copies,compact]

For each layout, three rounds in a row of these builds into one landing root
(data/bench/scale-<N>-<layout>/landing), each as `make run` does it (the loader with --delete,
then stedi_lakehouse/build/runner.py --skip-unit-tests):

a. the 1x set, the unscaled source: other data than the last build's, whose counts must be the
   1x counts (data/bench/reference-counts.json; when they are not known yet, the first such
   build gives them);
b. the N x set without --full-refresh: every landing file is new to the build, whose counts
   must be exactly N times the 1x;
c. the same set with --full-refresh, again N times the 1x;
d. the increment delivery with withdrawals (scale_landing.py --increment --withdrawals K) and
   a build without --full-refresh, then (d') an untimed full-refresh build of the same data:
   the two must count the same, and the consenting customers must be N times the 1x less the
   withdrawals.

Every build must exit 0. Each build's seconds and peak RSS are printed as it ends, and a summary
table (layout, round, step, seconds, peak RSS, counts right) at the end. A wrong count is
reported and the rounds go on; a failed command stops them, and its output's tail is printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from benchmarks.bench_rounds import Plan
from benchmarks.bench_runner import MIB, STRICT_VARS, BenchmarkError, Build, Counts
from benchmarks.reference_counts import check, check_withdrawn

ROUNDS = 3


@dataclass
class Step:
    """One build of the stress mode and its verdict."""

    layout: str
    round_no: int
    step: str
    build: Build | None  # None: the build failed
    counts_right: bool | None = None  # None: nothing to check (the build failed)


def times(reference: Counts, factor: int) -> Callable[[str, Counts], None]:
    """Return a check that counts are FACTOR times the reference counts."""
    return partial(check, reference=reference, factor=factor)


class Stress:
    """Runs the stress rounds, keeping every step for the summary."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.steps: list[Step] = []
        self.wrong: list[str] = []  # the messages of the wrong counts

    def step(self, layout: str, round_no: int, step: str, full: bool, one_x: bool = False) -> Step:
        """Load and build (the 1x source, or the layout's scaled set); raise CommandFailed."""
        folder = self.plan.folder(layout)
        source = self.plan.original if one_x else folder / "source"
        done = Step(layout, round_no, step, None)
        self.steps.append(done)
        done.build = self.plan.bench.build(source, folder / "landing", STRICT_VARS, full=full)
        print(
            f"[{layout} round {round_no}/{ROUNDS}] {step}: {done.build.seconds:.1f} s, peak RSS "
            f"{done.build.peak_rss / MIB:,.0f} MiB",
            flush=True,
        )
        return done

    def verdict(self, step: Step, *checks: Callable[[str, Counts], None]) -> None:
        """Record whether a step's counts pass every check (each raises BenchmarkError if not)."""
        assert step.build is not None
        try:
            for one in checks:
                one(f"{step.layout} round {step.round_no}, {step.step}", step.build.counts)
        except BenchmarkError as error:
            self.wrong.append(str(error))
            print(f"WRONG: {error}", flush=True)
            step.counts_right = False
        else:
            step.counts_right = True

    def layout_rounds(self, layout: str) -> None:
        """Run the three rounds of a layout; raise CommandFailed if a command fails."""
        plan, n = self.plan, self.plan.scale
        for r in range(1, ROUNDS + 1):
            plan.deliver(layout)  # the N x set without the increment
            one_x = self.step(layout, r, "a 1x set, make run", full=False, one_x=True)
            assert one_x.build is not None
            # the first 1x build gives the 1x counts when they are not cached yet
            reference = plan.refs.counts.setdefault("strict", one_x.build.counts)
            self.verdict(one_x, times(reference, 1))
            self.verdict(
                self.step(layout, r, f"b {n}x set, make run", full=False), times(reference, n)
            )
            self.verdict(
                self.step(layout, r, f"c {n}x set, full refresh", full=True), times(reference, n)
            )
            delivery = plan.deliver(layout, plan.withdrawals)
            words = f"d increment, {delivery.withdrawn} withdrawals, make run"
            inc = self.step(layout, r, words, full=False)
            after = self.step(layout, r, "d' the same, full refresh (check of d)", full=True)
            assert after.build is not None
            withdrawn = partial(
                check_withdrawn, one_x=reference, factor=n, withdrawn=delivery.withdrawn
            )
            self.verdict(inc, times(after.build.counts, 1), withdrawn)
        plan.deliver(layout)  # leave the scaled set as its marker says

    def summary(self) -> list[str]:
        """Return the summary table's lines."""
        lines = [
            f"{'layout':<8} {'round':>5}  {'step':<44} {'seconds':>8} {'peak RSS MiB':>13}  counts"
        ]
        for s in self.steps:
            seconds = f"{s.build.seconds:.1f}" if s.build else "FAILED"
            peak = f"{s.build.peak_rss / MIB:,.0f}" if s.build else "–"
            right = {True: "right", False: "WRONG", None: "–"}[s.counts_right]
            lines.append(
                f"{s.layout:<8} {s.round_no:>5}  {s.step:<44} {seconds:>8} {peak:>13}  {right}"
            )
        return lines
