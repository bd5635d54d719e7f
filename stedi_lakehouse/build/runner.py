"""Build the STEDI lakehouse: stage the landing tables, run `dbt build`, write the zone report.

After a whole build, `dbt source freshness` says when the landing zone last received a file
(stedi_lakehouse/build/freshness.py); a stale zone is reported and never passes silently.

Both steps run in one process through dbt's Python API, so an embedded Spark session (the
`session` target) starts once. The zone counts that the project's on-run-end hook logs are
written to `target/zone_counts.json` as a flat JSON object, and drawn with the reasons rows
left each zone (also logged on run end) in `target/zone_report.html` (zone_report.py).

On the `session` target the embedded Spark JVM is started with the options of
`stedi_lakehouse/build/spark_jvm.py` (a class-data archive, the quick compiler for small landing
zones) and the build waits for it to exit, so that Derby's metastore lock is free for the
next command.

Exit codes:
    0  the build and all its tests passed
    1  the build ran, but a model, test or unit test failed, or the landing zone is staler
       than the var landing_error_after_hours (`dbt source freshness`, printed after the build)
    2  dbt could not run (bad arguments, profile, connection, compilation)
    3  Java, which Spark needs, was not found
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import yaml
from dbt.cli.main import dbtRunner, dbtRunnerResult

from stedi_lakehouse.build import inventory, spark_jvm, zone_report
from stedi_lakehouse.build.freshness import landing_freshness
from stedi_lakehouse.shared import tombstones
from stedi_lakehouse.shared.errors import LoaderError
from stedi_lakehouse.shared.storage import local_root

PROJECT_DIR = Path(__file__).resolve().parents[2]
ZONE_COUNTS_PREFIX = "zone_counts="
ZONE_EXCLUSIONS_PREFIX = "zone_exclusions="
JAVA_MISSING = (
    "Spark needs Java 17, which was not found: install it (Debian/Ubuntu: "
    "'sudo apt-get install openjdk-17-jre-headless', macOS: 'brew install openjdk@17') "
    "and put 'java' on PATH or set JAVA_HOME."
)


def java_available() -> bool:
    """Tell whether a Java runtime can be found the way PySpark looks for one."""
    return spark_jvm.java_binary() is not None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("Exit codes:")[1].join(["exit codes:", ""]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", default="session", help="dbt target (default: session)")
    parser.add_argument(
        "--landing-root",
        help="directory or URI of the landing zone; default: $STEDI_LANDING_ROOT",
    )
    parser.add_argument(
        "--vars", default="{}", help="dbt vars as YAML, e.g. '{rubric_compatible: true}'"
    )
    parser.add_argument(
        "--select", help="dbt node selection for the build step (default: everything)"
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="parse every landing file again instead of only new or rewritten ones",
    )
    parser.add_argument(
        "--skip-unit-tests",
        action="store_true",
        help="leave out dbt's unit tests (they check SQL logic, not data; `make test` runs them)",
    )
    parser.add_argument(
        "--skip-tests",
        action="store_true",
        help="leave out data tests and unit tests: the zones are built, but nothing guards them",
    )
    parser.add_argument(
        "--no-java-check",
        action="store_true",
        help="skip the Java check (for targets that reach a remote Spark)",
    )
    return parser.parse_args(argv)


def run_dbt(
    args: list[str], counts: dict[str, int | None], exclusions: dict[str, object] | None = None
) -> dbtRunnerResult:
    """Run one dbt command in this process, collecting the zone counts and exclusions it logs."""

    def collect_zone_counts(event: object) -> None:
        message = getattr(getattr(event, "data", None), "msg", "")
        if not isinstance(message, str):
            return
        if message.startswith(ZONE_COUNTS_PREFIX):
            counts.update(json.loads(message[len(ZONE_COUNTS_PREFIX) :]))
        elif message.startswith(ZONE_EXCLUSIONS_PREFIX) and exclusions is not None:
            exclusions.update(json.loads(message[len(ZONE_EXCLUSIONS_PREFIX) :]))

    runner = dbtRunner(callbacks=[collect_zone_counts])
    return runner.invoke([*args, "--project-dir", str(PROJECT_DIR)])


def _file_versions(counts_file: Path) -> dict[str, int]:
    """The file versions (location, size, version) the inventory counted last, with their sizes."""
    try:
        keys = json.loads(counts_file.read_text())
    except (OSError, ValueError):
        return {}
    return {key: int(key.rsplit("|", 2)[1]) for key in keys if key.count("|") >= 2}


def mostly_changed(before: dict[str, int], now: dict[str, int]) -> bool:
    """Whether the bytes of file versions added and retired since `before` outweigh those kept.

    An incremental build then does more work than a full one: its parsed tables still hold the
    retired versions' lines, and it would rebuild nearly every day anyway.
    """
    kept = sum(size for key, size in now.items() if key in before)
    changed = sum(size for key, size in now.items() if key not in before)
    changed += sum(size for key, size in before.items() if key not in now)
    return changed > kept


def count_landing_lines(vars_text: str, target_dir: Path) -> bool | None:
    """Count the delivered lines for the accounting test; None when the build must stop.

    True when most of the landing zone changed since the last build with this target folder
    (`mostly_changed`), False otherwise.

    The landing root is the var landing_root, else $STEDI_LANDING_ROOT, as dbt reads it. A file
    the models cannot read stops the build here, with a sentence naming it. The counts go to
    the test as $STEDI_LANDING_LINES; the files the loader certified go to the parse in the
    file target/certified_files.jsonl, which $STEDI_CERTIFIED_FILES names, as many as there
    are. Environment variables, not vars: a changed var makes dbt parse the whole project
    again, a changed variable only the files that read it.
    """
    dbt_vars = yaml.safe_load(vars_text) or {}
    root = dbt_vars.get("landing_root") or os.environ.get("STEDI_LANDING_ROOT")
    for name in ("STEDI_LANDING_LINES", "STEDI_CERTIFIED_FILES"):
        os.environ.pop(name, None)
    if not root:
        return False  # dbt says the landing location is not set
    counts_file = target_dir / "landing_line_counts.json"
    built_before = _file_versions(counts_file)
    try:
        found = inventory.take(str(root), counts_file)
    except (OSError, LoaderError) as error:
        print(f"build: error: cannot list the landing zone {root}: {error}", file=sys.stderr)
        return None
    if found.skipped:
        print(f"Skipped (operating-system files, not deliveries): {', '.join(found.skipped)}")
    if found.problems:
        print("build: error: the landing zone holds files the models cannot read:", file=sys.stderr)
        for problem in found.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
    os.environ["STEDI_LANDING_LINES"] = json.dumps(found.lines)
    certified = target_dir / "certified_files.jsonl"
    found.write_certified(certified)
    os.environ["STEDI_CERTIFIED_FILES"] = str(certified.resolve())
    return mostly_changed(built_before, _file_versions(counts_file))


def stage_and_build(
    options: argparse.Namespace,
    counts: dict[str, int | None],
    exclusions: dict[str, object] | None = None,
) -> tuple[dbtRunnerResult, float] | None:
    """Stage the landing tables, then `dbt build`; the build's result and seconds, or None."""
    target_dir = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
    changed = count_landing_lines(options.vars, target_dir)
    if changed is None:
        return None
    if changed and not options.full_refresh:
        print(
            "Most of the landing zone is new or retired since the last build into this target "
            "folder: rebuilding every zone, as --full-refresh does, faster here than an "
            "incremental build"
        )
    common = ["--target", options.target, "--vars", options.vars]
    staged = run_dbt(["run-operation", "stage_landing_tables", *common], counts)
    if not staged.success:
        return None

    started = time.monotonic()
    build_args = ["build", *common]
    if options.select:
        build_args += ["--select", options.select]
    if options.full_refresh or changed:
        build_args.append("--full-refresh")
    if options.skip_unit_tests or options.skip_tests:
        skipped = ["unit_test", *(["test"] if options.skip_tests else [])]
        build_args += ["--exclude-resource-type", *skipped]
    built = run_dbt(build_args, counts, exclusions)
    return built, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Stage, build, report; return the exit code."""
    options = parse_args(argv)
    if options.landing_root is not None:
        root = options.landing_root  # a URI such as s3a://bucket/prefix stays as it is
        local = local_root(root)
        os.environ["STEDI_LANDING_ROOT"] = str(local.resolve()) if local else root
    try:
        tombstones.default_path()  # dbt would overwrite a tombstone list outside the project
    except LoaderError as error:
        print(f"build: error: {error}", file=sys.stderr)
        return 2
    if options.target == "session" and not options.no_java_check and not java_available():
        print(JAVA_MISSING, file=sys.stderr)
        return 3
    # Spark binds to loopback instead of guessing a network interface.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))

    archive = None
    if options.target == "session" and (java := spark_jvm.java_binary()) is not None:
        archive = spark_jvm.ClassArchive(PROJECT_DIR / ".spark", java)
        jit = spark_jvm.jit_options(os.environ.get("STEDI_LANDING_ROOT"))
        # read by profiles.yml.example's session target
        os.environ["STEDI_SPARK_JVM_OPTIONS"] = f"{jit} {archive.jvm_options()}".strip()

    target_dir = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
    report = target_dir / "zone_counts.json"
    picture = target_dir / "zone_report.html"
    for stale in (report, picture):
        stale.unlink(missing_ok=True)  # never leave an earlier build's counts behind
    counts: dict[str, int | None] = {}
    exclusions: dict[str, object] = {}
    freshness: tuple[list[str], str] = ([], "pass")
    try:
        outcome = stage_and_build(options, counts, exclusions)
        # after a whole build only: a selected part of the project is a developer's check
        if outcome is not None and outcome[0].exception is None and not options.select:
            common = ["--target", options.target, "--vars", options.vars]
            freshness = landing_freshness(lambda args: run_dbt(args, counts), common)
    finally:
        if options.target == "session":
            exit_code = spark_jvm.stop_embedded_spark()
            if archive is not None:
                archive.keep(exit_code)
    if outcome is None:
        return 2
    built, elapsed = outcome

    if counts:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(counts, indent=2) + "\n")
        print(f"Zone counts written to {report}")
        zone_report.write(picture, counts, exclusions or None)
        print(f"Zone report written to {picture}")
    print(f"dbt build took {elapsed:.1f} s")
    print("\n".join(freshness[0]))
    if built.exception is not None:
        return 2
    stale = freshness[1] in ("error", "runtime error")
    return 0 if built.success and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
