"""Scale benchmark: the lakehouse build against the peer baseline, on N times the data.

    make bench SCALE=100 RUNS=3 INCREMENT=1
    python benchmarks/run_benchmark.py --scale 100 --runs 3 --increment

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
   (loader, which loads the new files, plus build_lakehouse.py without --full-refresh), then a
   timed full build of the same data. The two builds' zone counts must be equal.
6. Checks the counts: every zone count of every build, in both modes, and the baseline's five
   row counts must be exactly N times the same build's counts on the unscaled source. Those 1x
   counts are built once and cached in data/bench/reference-counts.json (at N = 1 the run's own
   builds are the 1x builds). On the starter data, the 1x rubric-mode and baseline counts must
   be the course rubric's figures.
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
import hashlib
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

from bench_runner import (
    BENCH_DIR,
    GLUE_JOBS_DIR,
    MIB,
    PROJECT_DIR,
    Bench,
    BenchmarkError,
    Build,
    Counts,
    Timed,
    machine_facts,
)
from scale_landing import STARTER, LayoutError, Scaled, default_source, scale

REFERENCE_CACHE = BENCH_DIR / "reference-counts.json"
RUBRIC_FIGURES = {
    "customer_trusted": 482,
    "accelerometer_trusted": 40_981,
    "customer_curated": 482,
    "step_trainer_trusted": 14_460,
    "machine_learning_curated": 43_681,
}
STRICT_VARS = "{}"
RUBRIC_VARS = "{rubric_compatible: true}"


def fingerprint(paths: list[Path]) -> str:
    """Return a short SHA-256 over the names and bytes of files (folders: all files in them)."""
    digest = hashlib.sha256()
    for top in paths:
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def median(values: list[float]) -> float:
    """Return the median."""
    return statistics.median(values)


def check(what: str, got: Counts, reference: Counts, factor: int) -> None:
    """Raise BenchmarkError unless every count is FACTOR times the reference count."""
    wrong = []
    for table in sorted(reference.keys() | got.keys()):
        one = reference.get(table)
        expected = None if one is None else one * factor
        if got.get(table) != expected:
            wrong.append(f"  {table}: expected {expected}, got {got.get(table)}")
    if wrong:
        raise BenchmarkError(f"wrong counts in {what}:\n" + "\n".join(wrong))


class References:
    """The 1x counts of each kind of build, cached in data/bench/reference-counts.json."""

    KINDS = ("strict", "rubric", "baseline")

    def __init__(self, scaled: Scaled) -> None:
        project = fingerprint(
            [PROJECT_DIR / p for p in ("models", "macros", "seeds", "dbt_project.yml")]
        )
        jobs = fingerprint([GLUE_JOBS_DIR])
        source = scaled.source_sha256[:16]
        self.keys = {
            "strict": f"build strict source={source} project={project}",
            "rubric": f"build rubric source={source} project={project}",
            "baseline": f"baseline source={source} jobs={jobs}",
        }
        try:
            self.cache: dict[str, Counts] = json.loads(REFERENCE_CACHE.read_text())
        except (OSError, ValueError):
            self.cache = {}
        self.counts = {k: self.cache[key] for k, key in self.keys.items() if key in self.cache}

    def missing(self) -> list[str]:
        """Return the kinds whose 1x counts are not known yet."""
        return [kind for kind in self.KINDS if kind not in self.counts]

    def expect(self, kind: str, what: str, got: Counts, factor: int) -> None:
        """Check counts against N x the 1x counts; at N = 1 the first ones seen are the 1x."""
        if kind not in self.counts and factor == 1:
            self.counts[kind] = got
        check(what, got, self.counts[kind], factor)

    def save(self) -> None:
        """Store the 1x counts."""
        self.cache.update({self.keys[kind]: counts for kind, counts in self.counts.items()})
        REFERENCE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE_CACHE.write_text(json.dumps(self.cache, indent=2, sort_keys=True) + "\n")

    def check_rubric_figures(self) -> None:
        """On the starter data, the 1x rubric-mode and baseline counts are the rubric's."""
        for kind in ("rubric", "baseline"):
            rubric_tables = {t: self.counts[kind].get(t) for t in RUBRIC_FIGURES}
            check(f"the 1x {kind} counts (the rubric's figures)", rubric_tables, RUBRIC_FIGURES, 1)


def build_references(bench: Bench, refs: References, source: Path) -> None:
    """Build the unscaled source once in each missing kind (untimed) to get its counts."""
    one = BENCH_DIR / "scale-1"
    print(f"1x counts: building the unscaled source ({', '.join(refs.missing())})", flush=True)
    scale(source, one / "source", 1)
    landing = one / "landing"
    if "strict" in refs.missing():
        refs.counts["strict"] = bench.build(one / "source", landing, STRICT_VARS).counts
    if "rubric" in refs.missing():
        refs.counts["rubric"] = bench.build(one / "source", landing, RUBRIC_VARS).counts
    if "baseline" in refs.missing():
        bench.load(one / "source", landing)
        refs.counts["baseline"] = bench.baseline(landing, one / "baseline-out")[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; exit 2 on bad arguments."""
    parser = argparse.ArgumentParser(
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
    first_load = bench.load(source_dir, landing)
    print(f"first load (fresh landing root): {first_load.seconds:.1f} s", flush=True)

    builds: list[Build] = []
    baselines: list[Timed] = []
    for round_no in range(1, runs + 1):
        built = bench.build(source_dir, landing, STRICT_VARS)
        refs.expect("strict", f"the strict build of round {round_no}", built.counts, n)
        builds.append(built)
        print(
            f"[round {round_no}/{runs}] full build {built.seconds:.1f} s (loader check "
            f"{built.loader.seconds:.1f} s + build {built.build.seconds:.1f} s), peak RSS "
            f"{built.build.peak_rss / MIB:,.0f} MiB",
            flush=True,
        )
        timed, counts = bench.baseline(landing, scale_dir / "baseline-out")
        refs.expect("baseline", f"the peer baseline of round {round_no}", counts, n)
        baselines.append(timed)
        print(f"[round {round_no}/{runs}] peer baseline {timed.seconds:.1f} s", flush=True)

    rubric = bench.build(source_dir, landing, RUBRIC_VARS)
    refs.expect("rubric", "the rubric-compatible build", rubric.counts, n)
    print(f"rubric-compatible build (untimed check): {rubric.seconds:.1f} s, counts right")
    if original == STARTER.resolve():
        refs.check_rubric_figures()

    incremental: list[Build] = []
    full_after: list[Build] = []
    if options.increment:
        for round_no in range(1, runs + 1):
            scale(original, source_dir, n)  # back to the state before the increment
            before = bench.build(source_dir, landing, STRICT_VARS)  # untimed
            refs.expect("strict", "the full build before the increment", before.counts, n)
            delivery = scale(original, source_dir, n, increment=True)
            inc = bench.build(source_dir, landing, STRICT_VARS, full=False)
            full = bench.build(source_dir, landing, STRICT_VARS)
            check(f"incremental build {round_no} (vs the full build)", inc.counts, full.counts, 1)
            if full_after:  # every full build of the same data counts the same
                check(
                    f"full build {round_no} after the increment",
                    full.counts,
                    full_after[0].counts,
                    1,
                )
            incremental.append(inc)
            full_after.append(full)
            print(
                f"[increment {round_no}/{runs}] {delivery.increment_lines:,} new readings: "
                f"incremental build {inc.seconds:.1f} s (loader "
                f"{inc.loader.seconds:.1f} s + build {inc.build.seconds:.1f} s), full "
                f"{full.seconds:.1f} s",
                flush=True,
            )
        scale(original, source_dir, n)  # leave the scaled set as its marker says
    refs.save()

    build_s = median([b.seconds for b in builds])
    baseline_s = median([b.seconds for b in baselines])
    peak = max(b.build.peak_rss for b in builds) / MIB
    print()
    print(f"first load                      {first_load.seconds:8.1f} s")
    print(
        f"full build, median of {runs}        {build_s:8.1f} s   (loader check "
        f"{median([b.loader.seconds for b in builds]):.1f} s + build "
        f"{median([b.build.seconds for b in builds]):.1f} s)"
    )
    print(f"peer baseline, median of {runs}     {baseline_s:8.1f} s   (five Spark applications)")
    print(f"ratio build/baseline            {build_s / baseline_s:8.2f}")
    print(
        f"peak RSS of the build           {peak:8,.0f} MiB (the baseline's largest job: "
        f"{max(b.peak_rss for b in baselines) / MIB:,.0f} MiB)"
    )
    inc_cells = "| – | – |"
    if incremental:
        inc_s = median([b.seconds for b in incremental])
        full_s = median([b.seconds for b in full_after])
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
    print(f"Logs: {bench.log_dir.relative_to(PROJECT_DIR)}/")


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
