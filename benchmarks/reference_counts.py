"""The 1x reference counts of `make bench`: what every zone count must be N times.

Every build of the scaled data, in both modes and in both file layouts, and the peer baseline's
five tables must hold exactly N times the counts of the same build on the unscaled source. Those
1x counts are built once (untimed) and cached in data/bench/reference-counts.json, keyed by the
fingerprints of the source, the dbt project and the baseline jobs, so that a change to any of
them builds them anew. On the starter data, the 1x rubric-mode and baseline counts must be the
course rubric's figures. After an increment delivery the zones are not N times the 1x any more:
those builds are checked with check() against a full build of the same data instead, and with
check_withdrawn() for the one count the increment fixes, the consenting customers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from benchmarks.bench_runner import (
    BENCH_DIR,
    GLUE_JOBS_DIR,
    PROJECT_DIR,
    RUBRIC_VARS,
    STRICT_VARS,
    Bench,
    BenchmarkError,
    Counts,
)
from benchmarks.scale_landing import scale

REFERENCE_CACHE = BENCH_DIR / "reference-counts.json"
RUBRIC_FIGURES = {
    "customer_trusted": 482,
    "accelerometer_trusted": 40_981,
    "customer_curated": 482,
    "step_trainer_trusted": 14_460,
    "machine_learning_curated": 43_681,
}


def fingerprint(paths: list[Path]) -> str:
    """Return a short SHA-256 over the names and bytes of files (folders: all files in them)."""
    digest = hashlib.sha256()
    for top in paths:
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


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


def check_withdrawn(what: str, got: Counts, one_x: Counts, factor: int, withdrawn: int) -> None:
    """Raise BenchmarkError unless customer_trusted is N x the 1x less the withdrawn customers.

    An increment adds no customer, and each withdrawal removes one who consented, so this shows
    that the withdrawals took effect (an incremental build equal to a full build does not).
    """
    one = one_x.get("customer_trusted")
    expected = None if one is None else one * factor - withdrawn
    if got.get("customer_trusted") != expected:
        raise BenchmarkError(
            f"wrong counts in {what}:\n  customer_trusted: expected {expected} ({factor} x the "
            f"1x less {withdrawn} withdrawals), got {got.get('customer_trusted')}"
        )


class References:
    """The 1x counts of each kind of build, cached in data/bench/reference-counts.json."""

    KINDS = ("strict", "rubric", "baseline")

    def __init__(self, source_sha256: str) -> None:
        project = fingerprint(
            [
                PROJECT_DIR / p
                for p in ("models", "macros", "seeds", "tombstones", "dbt_project.yml")
            ]
        )
        jobs = fingerprint([GLUE_JOBS_DIR])
        source = source_sha256[:16]
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
    one = BENCH_DIR / "scale-1-copies"  # at N = 1 the copies layout is the source itself
    print(f"1x counts: building the unscaled source ({', '.join(refs.missing())})", flush=True)
    scale(source, one / "source", 1, "copies")
    landing = one / "landing"
    if "strict" in refs.missing():
        refs.counts["strict"] = bench.build(one / "source", landing, STRICT_VARS).counts
    if "rubric" in refs.missing():
        refs.counts["rubric"] = bench.build(one / "source", landing, RUBRIC_VARS).counts
    if "baseline" in refs.missing():
        bench.load(one / "source", landing)
        refs.counts["baseline"] = bench.baseline(landing, one / "baseline-out")[1]
