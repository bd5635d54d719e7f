"""Time the lakehouse build: embedded Spark session and a warm Spark Thrift server.

Runs scripts/build_lakehouse.py several times on one landing root and prints, per engine, the
median of the whole command's wall time (Spark start included) and of the `dbt build` step
alone, as a Markdown table for BENCHMARKS.md.

    python scripts/benchmark_build.py --landing-root ../shared/data/udacity-starter --runs 3

Exit codes:
    0  every build passed
    1  a build failed (its output is printed)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spark_thrift_server import thrift_server

PROJECT_DIR = Path(__file__).resolve().parents[1]
BUILD_TIME = re.compile(r"dbt build took ([0-9.]+) s")


def timed_build(
    target: str, landing_root: Path, vars_yaml: str, env: dict[str, str]
) -> tuple[float, float]:
    """Run one build; return (wall seconds, dbt build seconds)."""
    command = [
        sys.executable, str(PROJECT_DIR / "scripts" / "build_lakehouse.py"),
        "--target", target, "--landing-root", str(landing_root), "--vars", vars_yaml,
    ]  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    match = BUILD_TIME.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(
            f"the {target} build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return wall, float(match.group(1))


def main(argv: list[str] | None = None) -> int:
    """Benchmark both engines; print a Markdown table."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--landing-root", type=Path, required=True, help="data to build from")
    parser.add_argument("--runs", type=int, default=3, help="builds per engine (default 3)")
    parser.add_argument("--vars", default="{}", help="dbt vars as YAML")
    options = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="stedi-benchmark-") as scratch:
        env = {
            **os.environ,
            "STEDI_SCHEMA": "stedi_benchmark",
            "STEDI_SPARK_HOME": str(Path(scratch) / "spark"),
            "DBT_TARGET_PATH": str(Path(scratch) / "target"),
            "DBT_LOG_PATH": str(Path(scratch) / "logs"),
        }
        try:
            session = [
                timed_build("session", options.landing_root, options.vars, env)
                for _ in range(options.runs)
            ]
            rows.append(("embedded session (`make run`)", session))
            with thrift_server() as port:
                env["STEDI_THRIFT_PORT"] = str(port)
                timed_build("ci", options.landing_root, options.vars, env)  # warms the server
                thrift = [
                    timed_build("ci", options.landing_root, options.vars, env)
                    for _ in range(options.runs)
                ]
            rows.append(("warm Thrift server (`ci` target)", thrift))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1

    print("| engine | runs | command wall time, median (s) | `dbt build` step, median (s) |")
    print("|---|---:|---:|---:|")
    for name, timings in rows:
        wall = statistics.median(t[0] for t in timings)
        build = statistics.median(t[1] for t in timings)
        print(f"| {name} | {len(timings)} | {wall:.1f} | {build:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
