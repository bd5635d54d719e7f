"""The commands of `make bench`, run and measured: wall time, peak memory, output, counts.

benchmarks/run_benchmark.py, bench_rounds.py and bench_stress.py decide what to run and
benchmarks/reference_counts.py checks the counts; this module runs a build as `make run` does
it, the loader, and the peer baseline's five jobs (each a script run as its own process, never
imported), and states the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path

import psutil

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCH_DIR = PROJECT_DIR / "data" / "bench"
GLUE_JOBS_DIR = Path(__file__).resolve().parent / "glue_jobs"
GLUE_JOBS = (  # (job, the table it writes), in the order they run
    ("customer_landing_to_trusted", "customer_trusted"),
    ("accelerometer_landing_to_trusted", "accelerometer_trusted"),
    ("customer_trusted_to_curated", "customer_curated"),
    ("step_trainer_trusted", "step_trainer_trusted"),
    ("machine_learning_curated", "machine_learning_curated"),
)
SAMPLE_EVERY_S = 0.2
STRICT_VARS = "{}"  # the --vars of a build in each mode: strict (the default), rubric-compatible
RUBRIC_VARS = "{rubric_compatible: true}"
MIB = 1 << 20
ROWS = re.compile(r"^rows=(\d+)\s*$", re.MULTILINE)


Counts = dict[str, int | None]


class BenchmarkError(Exception):
    """A command failed or a count is wrong: the message says which (exit code 1)."""


class CommandFailed(BenchmarkError):
    """A load, build or baseline job exited with an error: the message holds its output's tail."""


@dataclass
class Timed:
    """Wall time and peak RSS of one command or sequence of commands."""

    seconds: float
    peak_rss: int  # bytes, summed over the process tree
    output: str = ""


@dataclass
class Build:
    """One build as `make run` does it: the loader, then build_lakehouse.py."""

    loader: Timed
    build: Timed
    counts: Counts

    @property
    def seconds(self) -> float:
        """Return loader plus build wall time."""
        return self.loader.seconds + self.build.seconds

    @property
    def peak_rss(self) -> int:
        """Return the peak RSS of the loader or the build, whichever is larger (bytes)."""
        return max(self.loader.peak_rss, self.build.peak_rss)


def tree_rss(process: psutil.Process) -> int:
    """Return the summed RSS of a process and all its descendants (0 once it has gone)."""
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


class Bench:
    """Runs and times the commands of one benchmark, keeping every command's output."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.label = ""  # e.g. the layout: the log files' names begin with it
        self.commands = 0
        self.build_env = {
            **os.environ,
            "STEDI_SCHEMA": "stedi_bench",
            "STEDI_SPARK_HOME": str(BENCH_DIR / "spark"),
            "DBT_TARGET_PATH": str(BENCH_DIR / "target"),
            "DBT_LOG_PATH": str(BENCH_DIR / "logs"),
            "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR)),
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
        self.full_refresh = ["--full-refresh"] if self.has_full_refresh() else []

    def run(self, name: str, command: list[str], cwd: Path = PROJECT_DIR) -> Timed:
        """Run a command, sampling its process tree's RSS; raise BenchmarkError if it fails."""
        self.commands += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        label = f"{self.label}-" if self.label else ""
        log = self.log_dir / f"{self.commands:03d}-{label}{name}.log"
        peak = 0
        with log.open("wb") as out:
            started = time.monotonic()
            process = psutil.Popen(
                command, cwd=cwd, env=self.build_env, stdout=out, stderr=subprocess.STDOUT
            )
            while process.poll() is None:
                peak = max(peak, tree_rss(process))
                with contextlib.suppress(psutil.TimeoutExpired):
                    process.wait(timeout=SAMPLE_EVERY_S)
            seconds = time.monotonic() - started
        output = log.read_text(errors="replace")
        if process.returncode != 0:
            tail = "\n".join(output.splitlines()[-40:])
            raise CommandFailed(
                f"{name} failed with exit code {process.returncode}: {' '.join(command)}\n"
                f"--- last lines of {log} ---\n{tail}"
            )
        return Timed(seconds, peak, output)

    def has_full_refresh(self) -> bool:
        """Tell whether stedi_lakehouse/build/runner.py takes --full-refresh yet."""
        command = [sys.executable, "-m", "stedi_lakehouse.build", "--help"]
        help_text = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_DIR)
        if "--full-refresh" in help_text.stdout:
            return True
        print(
            "note: stedi_lakehouse/build/runner.py has no --full-refresh yet, so full builds run "
            "without it.",
            file=sys.stderr,
        )
        return False

    def load(self, source: Path, landing: Path) -> Timed:
        """Run the loader as `make run` does: SOURCE into the landing root, with --delete."""
        command = [sys.executable, str(PROJECT_DIR / "load_landing.py"), str(source)]
        return self.run("load", [*command, str(landing), "--delete"])

    def build(self, source: Path, landing: Path, vars_yaml: str, full: bool = True) -> Build:
        """Load (normally a re-check) and build as `make run` does; return times and counts."""
        loader = self.load(source, landing)
        command = [
            sys.executable, "-m", "stedi_lakehouse.build",
            "--target", "session", "--landing-root", str(landing), "--vars", vars_yaml,
            "--skip-unit-tests",  # as `make run`: unit tests check SQL logic, `make test` runs them
            *(self.full_refresh if full else []),
        ]  # fmt: skip
        name = "build-full" if full else "build-incremental"
        report = Path(self.build_env["DBT_TARGET_PATH"]) / "zone_counts.json"
        report.unlink(missing_ok=True)  # so that an earlier build's counts are never read
        build = self.run(name, command)
        if not report.exists():
            raise CommandFailed(f"the build passed but wrote no {report}")
        return Build(loader, build, json.loads(report.read_text()))

    def baseline(self, landing: Path, out: Path) -> tuple[Timed, Counts]:
        """Run the five baseline jobs one after another into an empty OUT; time them together."""
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        runs: list[Timed] = []
        counts: Counts = {}
        for job, table in GLUE_JOBS:
            command = [sys.executable, str(GLUE_JOBS_DIR / f"{job}.py"), str(landing), str(out)]
            # run beside OUT, so that anything Spark leaves in its working folder stays there
            runs.append(self.run(f"baseline-{job}", command, cwd=out.parent))
            rows = ROWS.findall(runs[-1].output)
            if not rows:
                raise BenchmarkError(f"the baseline job {job} printed no rows=<n> line")
            counts[table] = int(rows[-1])
        timed = Timed(sum(r.seconds for r in runs), max(r.peak_rss for r in runs))
        return timed, counts


def java_version() -> str:
    """Return e.g. 'OpenJDK 17.0.15', as `java -version` tells it."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else "java"
    try:
        banner = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    except OSError:
        return "Java (not found)"
    found = re.search(r'version "([^"]+)"', banner)
    name = "OpenJDK" if "openjdk" in banner.lower() else "Java"
    return f"{name} {found.group(1) if found else '?'}"


def machine_facts() -> str:
    """Return one line: cores, RAM, Python, Java, pyspark, dbt-core, dbt-spark, date."""
    ram = psutil.virtual_memory().total / (1 << 30)
    return (
        f"Machine: {os.cpu_count()} cores, {ram:.1f} GiB RAM, Python {platform.python_version()}, "
        f"{java_version()}, pyspark {version('pyspark')}, dbt-core {version('dbt-core')}, "
        f"dbt-spark {version('dbt-spark')}; {date.today().isoformat()}."
    )
