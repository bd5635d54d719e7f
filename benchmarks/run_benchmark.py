"""Scale benchmark: the lakehouse build against the peer baseline, on N times the data.

    make bench SCALE=100 RUNS=3 INCREMENT=1 [LAYOUTS=copies,compact]
    make bench SCALE=100 STRESS=1 [LAYOUTS=copies,compact]
    python -m benchmarks.run_benchmark --scale 100 --runs 3 --increment  # from the project root
    python -m benchmarks.run_benchmark --stress --scale 100 --layouts compact

The data: the source landing set (the starter data) N times, in each of two file layouts
(benchmarks/scale_landing.py, benchmarks/scale_layouts.py), with the same records in both:
``copies``, one file per source file and copy (about 1,300 small files at 100x), and
``compact``, 20 files of about the same size per dataset. --layouts picks them (default both).

What a benchmark run does, for each layout in turn, everything under data/bench/ (git-ignored):

1. Scales the source landing set N times into data/bench/scale-<N>-<layout>/source.
2. Times the first load on its own: load_landing.py SOURCE data/bench/scale-<N>-<layout>/landing
   --delete, into an empty landing root.
3. Times RUNS rounds, alternating
   a. a full build as `make run` does it: the loader's re-check of the loaded landing root (it
      writes nothing) plus stedi_lakehouse/build/runner.py --target session --full-refresh
      --skip-unit-tests, in strict mode. Its time is the sum of both, and its peak memory the
      larger of theirs, each the summed RSS of the process and all its descendants (the JVM),
      sampled every 0.2 s;
   b. the peer baseline: the five Glue jobs of benchmarks/glue_jobs/, five processes one after
      another, timed together.
4. Builds once more in rubric-compatible mode (untimed).
5. With --increment: RUNS rounds, each timing two incremental builds, each from the state
   before its increment (an untimed full build of the scaled set): after the delivery of 1 %
   more readings at N = 100 (copy 0's readings once more; scale_landing.py --increment), and
   after the same delivery plus a customer file in which K consenting customers withdraw
   consent (--withdrawals K, default 20; benchmarks/scale_withdrawals.py). Each is a build as
   `make run` does it (the loader, which loads the new files, plus stedi_lakehouse/build/runner.py
   without --full-refresh), followed by a timed full build of the same data; the two builds'
   zone counts must be equal.
6. Checks the counts: every zone count of every full build of the scaled set, in both modes
   and both layouts, and the baseline's five row counts must be exactly N times the same
   build's counts on the unscaled source. Those 1x counts are built once and cached in
   data/bench/reference-counts.json (at N = 1 the copies layout's own builds are the 1x builds;
   benchmarks/reference_counts.py). On the starter data, the 1x rubric-mode and baseline
   counts must be the course rubric's figures.
7. Prints the layouts side by side: medians, the ratio build/baseline, the peak memory of every
   timed build, the incremental/full ratios; then one Markdown table row per layout for
   BENCHMARKS.md and the machine's facts (benchmarks/bench_report.py).

--stress instead checks that a build passes, and counts right, every time at scale: for each
layout, three rounds of a 1x build, an N x build as `make run` does it (every file new to it), a
full-refresh build and an incremental build after the increment with withdrawals, printing a
table of every build (benchmarks/bench_stress.py says exactly what; --runs and --increment do
not apply).

The builds use their own schema (stedi_bench), Spark home (data/bench/spark), dbt target and
log folders (data/bench/target, data/bench/logs), so they never touch the user's .spark/ or
target/. Every command's output is kept in data/bench/runs/scale-<N>[-stress]/, named after
its order, layout and command.

Exit codes:
    0  every build passed and every count is right
    1  a count is wrong, or a load, build or baseline job failed (the tail of its output is
       printed)
    2  bad arguments (including a source that is not a landing set)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.bench_report import report
from benchmarks.bench_rounds import Plan, measure
from benchmarks.bench_runner import BENCH_DIR, PROJECT_DIR, Bench, BenchmarkError, CommandFailed
from benchmarks.bench_stress import ROUNDS, Stress
from benchmarks.reference_counts import References, build_references
from benchmarks.scale_landing import STARTER, LayoutError, default_source, sha256_of, source_files
from benchmarks.scale_layouts import LAYOUTS


def layout_list(text: str) -> list[str]:
    """Parse --layouts: layout names separated by commas."""
    layouts = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in layouts if name not in LAYOUTS]
    if unknown or not layouts or len(set(layouts)) < len(layouts):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give layouts from {', '.join(LAYOUTS)}, separated by commas, each once"
        )
    return layouts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; exit 2 on bad arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_benchmark",  # run as a module: it imports stedi_lakehouse
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=int, default=1, help="N, the scale factor (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument(
        "--layouts",
        type=layout_list,
        default=list(LAYOUTS),
        help=f"file layouts to run, in order (default: {','.join(LAYOUTS)})",
    )
    parser.add_argument(
        "--increment",
        action="store_true",
        help="also time incremental builds after a delivery of readings, and of readings "
        "plus withdrawals",
    )
    parser.add_argument(
        "--withdrawals",
        type=int,
        default=20,
        metavar="K",
        help="customers who withdraw consent in the increment (default 20; 0: no such increment)",
    )
    parser.add_argument(
        "--stress",
        action="store_true",
        help=f"instead of timing: {ROUNDS} rounds per layout of 1x, N x, full-refresh and "
        "incremental builds, each of which must pass and count right",
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="landing set to scale (default: ../shared/data/udacity-starter, else the sample set)",
    )
    options = parser.parse_args(argv)
    if options.scale < 1 or options.runs < 1 or options.withdrawals < 0:
        parser.error("--scale and --runs must be at least 1, --withdrawals at least 0")
    if options.stress and options.increment:
        parser.error("--stress always builds the increment; leave out --increment")
    if "DBT_PROFILES_DIR" not in os.environ and not (PROJECT_DIR / "profiles.yml").exists():
        parser.error("no profiles.yml: run `make bench`, or copy profiles.yml.example first")
    return options


def prepare(options: argparse.Namespace) -> Plan:
    """Return the plan of the run, with a fresh log folder; raise LayoutError on a bad source."""
    n = options.scale
    original = (options.source or default_source()).resolve()
    refs = References(sha256_of(source_files(original)))
    bench = Bench(BENCH_DIR / "runs" / f"scale-{n}{'-stress' if options.stress else ''}")
    shutil.rmtree(bench.log_dir, ignore_errors=True)
    if (options.increment or options.stress) and not bench.full_refresh:
        raise BenchmarkError(
            "--increment and --stress need stedi_lakehouse/build/runner.py --full-refresh"
        )
    plan = Plan(bench, refs, original, n, options.runs, options.increment, options.withdrawals)
    return plan


def benchmark(plan: Plan, layouts: list[str]) -> None:
    """Time every layout, then report; raise BenchmarkError on a failure or a wrong count."""
    n, refs = plan.scale, plan.refs
    rounds = f"{plan.runs} round(s)" + (", increments" if plan.increment else "")
    print(f"== Scale benchmark: {n}x {plan.original}, {', '.join(layouts)}, {rounds} ==")
    if refs.missing() and (n > 1 or layouts[0] != "copies"):
        build_references(plan.bench, refs, plan.original)
    done = []
    for layout in layouts:
        plan.bench.label = layout
        done.append(measure(plan, layout))
    if plan.original == STARTER.resolve():
        refs.check_rubric_figures()
    refs.save()
    report(n, done)


def stress(plan: Plan, layouts: list[str]) -> None:
    """Run the stress rounds of every layout, print the table; raise BenchmarkError on a failure."""
    print(f"== Stress: {plan.scale}x {plan.original}, {', '.join(layouts)}, {ROUNDS} rounds ==")
    run = Stress(plan)
    failure: CommandFailed | None = None
    try:
        for layout in layouts:
            plan.bench.label = layout
            run.layout_rounds(layout)
    except CommandFailed as error:
        failure = error
    print()
    print("\n".join(run.summary()))
    if failure is not None:
        raise failure
    if run.wrong:
        raise BenchmarkError(f"{len(run.wrong)} builds counted wrong:\n" + "\n".join(run.wrong))
    plan.refs.save()
    print(f"every build passed, every count right ({len(run.steps)} builds)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark or the stress rounds; return the exit code."""
    options = parse_args(argv)
    started = time.monotonic()
    try:
        plan = prepare(options)
        (stress if options.stress else benchmark)(plan, options.layouts)
    except LayoutError as error:
        print(error, file=sys.stderr)
        return 2
    except BenchmarkError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    finally:
        print(f"took {(time.monotonic() - started) / 60:.1f} min", file=sys.stderr)
    print(f"Logs: {plan.bench.log_dir.relative_to(PROJECT_DIR)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
