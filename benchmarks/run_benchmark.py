"""Scale benchmark: the lakehouse build against the peer baseline, on N times the data.

    make bench SCALE=100 RUNS=3 INCREMENT=1
    python -m benchmarks.run_benchmark --scale 100 --runs 3 --increment  # from the project root

What it does, everything under data/bench/ (git-ignored):

1. Scales the source landing set N times (benchmarks/scale_landing.py) into
   data/bench/scale-<N>/source.
2. Times the first load on its own: load_landing.py SOURCE data/bench/scale-<N>/landing
   --delete, into an empty landing root.
3. Times RUNS rounds, alternating
   a. a full build as `make run` does it: the loader's re-check of the loaded landing root (it
      writes nothing) plus stedi_lakehouse/build.py --target session --full-refresh
      --skip-unit-tests, in strict mode. Its time is the sum of both, and the peak memory is
      the summed RSS of the build process and all its descendants (the JVM), sampled every
      0.2 s;
   b. the peer baseline: the five Glue jobs of benchmarks/glue_jobs/, five processes one after
      another, timed together.
4. Builds once more in rubric-compatible mode (untimed).
5. With --increment: RUNS rounds of: an untimed full build of the data, then the increment
   delivery (scale_landing.py --increment) and a timed incremental build as `make run` does it
   (loader, which loads the new files, plus stedi_lakehouse/build.py without --full-refresh),
   then a timed full build of the same data. The two builds' zone counts must be equal.
6. Checks the counts: every zone count of every build, in both modes, and the baseline's five
   row counts must be exactly N times the same build's counts on the unscaled source. Those 1x
   counts are built once and cached in data/bench/reference-counts.json (at N = 1 the run's own
   builds are the 1x builds; benchmarks/reference_counts.py). On the starter data, the 1x
   rubric-mode and baseline counts must be the course rubric's figures.
7. Prints the medians, the ratio build/baseline, the peak memory, a Markdown table row for
   BENCHMARKS.md and the machine's facts.

The builds use their own schema (stedi_bench), Spark home (data/bench/spark), dbt target and
log folders (data/bench/target, data/bench/logs), so they never touch the user's .spark/ or
target/. Every command's output is kept in data/bench/scale-<N>/logs/.

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
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench_runner import (
    BENCH_DIR,
    MIB,
    PROJECT_DIR,
    RUBRIC_VARS,
    STRICT_VARS,
    Bench,
    BenchmarkError,
    Build,
    Timed,
    machine_facts,
)
from benchmarks.reference_counts import References, build_references, check
from benchmarks.scale_landing import STARTER, LayoutError, Scaled, default_source, scale


@dataclass
class Rounds:
    """What the timed rounds measured, for the report."""

    first_load: Timed
    builds: list[Build] = field(default_factory=list)
    baselines: list[Timed] = field(default_factory=list)
    incremental: list[Build] = field(default_factory=list)
    full_after: list[Build] = field(default_factory=list)  # the full build after each increment


def median(values: list[float]) -> float:
    """Return the median."""
    return statistics.median(values)


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
        "--increment",
        action="store_true",
        help="also time an incremental build after a further delivery of readings",
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="landing set to scale (default: ../shared/data/udacity-starter, else the sample set)",
    )
    options = parser.parse_args(argv)
    if options.scale < 1 or options.runs < 1:
        parser.error("--scale and --runs must be at least 1")
    if "DBT_PROFILES_DIR" not in os.environ and not (PROJECT_DIR / "profiles.yml").exists():
        parser.error("no profiles.yml: run `make bench`, or copy profiles.yml.example first")
    return options


def benchmark(options: argparse.Namespace) -> None:
    """Run the benchmark; raise BenchmarkError on a failure or a wrong count."""
    n, runs = options.scale, options.runs
    scale_dir = BENCH_DIR / f"scale-{n}"
    source_dir, landing = scale_dir / "source", scale_dir / "landing"
    original = (options.source or default_source()).resolve()
    bench = Bench(scale_dir / "logs")
    if options.increment and not bench.full_refresh:
        raise BenchmarkError("--increment needs stedi_lakehouse/build.py --full-refresh")
    shutil.rmtree(bench.log_dir, ignore_errors=True)

    scaled = scale(original, source_dir, n)
    data = f"{scaled.bytes / 1e6:,.1f} MB, {scaled.lines:,} lines"
    print(f"== Scale benchmark: {n}x {original} ({data}), {runs} round(s) ==", flush=True)
    refs = References(scaled)
    if n > 1 and refs.missing():
        build_references(bench, refs, original)

    shutil.rmtree(landing, ignore_errors=True)
    done = Rounds(bench.load(source_dir, landing))
    print(f"first load (fresh landing root): {done.first_load.seconds:.1f} s", flush=True)

    for round_no in range(1, runs + 1):
        built = bench.build(source_dir, landing, STRICT_VARS)
        refs.expect("strict", f"the strict build of round {round_no}", built.counts, n)
        done.builds.append(built)
        print(
            f"[round {round_no}/{runs}] full build {built.seconds:.1f} s (loader check "
            f"{built.loader.seconds:.1f} s + build {built.build.seconds:.1f} s), peak RSS "
            f"{built.build.peak_rss / MIB:,.0f} MiB",
            flush=True,
        )
        timed, counts = bench.baseline(landing, scale_dir / "baseline-out")
        refs.expect("baseline", f"the peer baseline of round {round_no}", counts, n)
        done.baselines.append(timed)
        print(f"[round {round_no}/{runs}] peer baseline {timed.seconds:.1f} s", flush=True)

    rubric = bench.build(source_dir, landing, RUBRIC_VARS)
    refs.expect("rubric", "the rubric-compatible build", rubric.counts, n)
    print(f"rubric-compatible build (untimed check): {rubric.seconds:.1f} s, counts right")
    if original == STARTER.resolve():
        refs.check_rubric_figures()

    if options.increment:
        for round_no in range(1, runs + 1):
            scale(original, source_dir, n)  # back to the state before the increment
            before = bench.build(source_dir, landing, STRICT_VARS)  # untimed
            refs.expect("strict", "the full build before the increment", before.counts, n)
            delivery = scale(original, source_dir, n, increment=True)
            inc = bench.build(source_dir, landing, STRICT_VARS, full=False)
            full = bench.build(source_dir, landing, STRICT_VARS)
            check(f"incremental build {round_no} (vs the full build)", inc.counts, full.counts, 1)
            if done.full_after:  # every full build of the same data counts the same
                first = done.full_after[0].counts
                check(f"full build {round_no} after the increment", full.counts, first, 1)
            done.incremental.append(inc)
            done.full_after.append(full)
            print(
                f"[increment {round_no}/{runs}] {delivery.increment_lines:,} new readings: "
                f"incremental build {inc.seconds:.1f} s (loader "
                f"{inc.loader.seconds:.1f} s + build {inc.build.seconds:.1f} s), full "
                f"{full.seconds:.1f} s",
                flush=True,
            )
        scale(original, source_dir, n)  # leave the scaled set as its marker says
    refs.save()
    report(n, scaled, done)
    print(f"Logs: {bench.log_dir.relative_to(PROJECT_DIR)}/")


def report(n: int, scaled: Scaled, done: Rounds) -> None:
    """Print the medians, the ratios, a Markdown row for BENCHMARKS.md and the machine."""
    runs = len(done.builds)
    build_s = median([b.seconds for b in done.builds])
    baseline_s = median([b.seconds for b in done.baselines])
    peak = max(b.build.peak_rss for b in done.builds) / MIB
    print()
    print(f"first load                      {done.first_load.seconds:8.1f} s")
    print(
        f"full build, median of {runs}        {build_s:8.1f} s   (loader check "
        f"{median([b.loader.seconds for b in done.builds]):.1f} s + build "
        f"{median([b.build.seconds for b in done.builds]):.1f} s)"
    )
    print(f"peer baseline, median of {runs}     {baseline_s:8.1f} s   (five Spark applications)")
    print(f"ratio build/baseline            {build_s / baseline_s:8.2f}")
    print(
        f"peak RSS of the build           {peak:8,.0f} MiB (the baseline's largest job: "
        f"{max(b.peak_rss for b in done.baselines) / MIB:,.0f} MiB)"
    )
    inc_cells = "| – | – |"
    if done.incremental:
        inc_s = median([b.seconds for b in done.incremental])
        full_s = median([b.seconds for b in done.full_after])
        print(f"incremental build, median       {inc_s:8.1f} s")
        print(f"full build after the increment  {full_s:8.1f} s")
        print(f"ratio incremental/full          {inc_s / full_s:8.2f}")
        inc_cells = f"| {inc_s:.1f} | {inc_s / full_s:.2f} |"
    print(f"counts: every build (strict and rubric-compatible) and the baseline = {n} x the 1x")
    print()
    print(
        "| scale | data (MB) | lines | full build, median (s) | peer baseline, median (s) "
        "| build/baseline | peak RSS of the build (MiB) | incremental build, median (s) "
        "| incremental/full |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {n}x | {scaled.bytes / 1e6:,.1f} | {scaled.lines:,} | {build_s:.1f} | "
        f"{baseline_s:.1f} | {build_s / baseline_s:.2f} | {peak:,.0f} {inc_cells}"
    )
    print()
    print(machine_facts())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    options = parse_args(argv)
    try:
        benchmark(options)
    except LayoutError as error:
        print(error, file=sys.stderr)
        return 2
    except BenchmarkError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
