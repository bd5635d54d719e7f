"""A one-minute smoke test of a real AWS account: the tiny landing set built on Athena.

It loads the tiny landing set (smoke_data.py) with load_landing.py to a fresh prefix
STEDI_S3_ROOT/smoke-<id>/, stages the landing tables, runs `dbt build` (models, data tests and
unit tests) on the `athena` target into the Glue database stedi_smoke_<id>, and compares the
zone counts, the quarantine and the answers of a few literal probe queries with the figures of
a Spark build of the same files (smoke_expected.json). It prints one line per check, and
removes its database, its prefix and its query results afterwards, even when a check fails.
It refuses a prefix or a database that already holds data, and touches nothing then.

Settings come from the environment, as for the `athena` target of profiles.yml.example:
STEDI_S3_ROOT (required), STEDI_ATHENA_WORK_GROUP, STEDI_AWS_REGION, AWS_PROFILE and the usual
AWS credential chain. With --stand-in it runs against moto's server on 127.0.0.1 on the
athena_local target instead, up to where SQL would execute (moto executes none).

Exit codes:
    0  every check passed
    1  a check failed
    2  could not run (a prefix or database that holds data, an AWS error, dbt could not run)
    3  no AWS credentials, or STEDI_S3_ROOT unset
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import botocore.exceptions as bce

from tools.athena import PROJECT_DIR
from tools.athena.smoke_account import (
    Settings,
    SmokeError,
    account_settings,
    athena_rows,
    aws_session,
    clean_up,
    prepare_stand_in,
    refusal,
    stand_in_settings,
)
from tools.athena.smoke_data import write_tiny_landing

EXPECTED_FILE = Path(__file__).with_name("smoke_expected.json")
EXIT_PASSED, EXIT_FAILED, EXIT_CANNOT_RUN, EXIT_NO_SETTINGS = 0, 1, 2, 3
# Each probe runs a landing macro on one literal line, the way the landing models chain them.
PROBE_TEMPLATE = """\
with probe as (select '{%% raw %%}%s{%% endraw %%}' as raw_line),
parsed as (
    select raw_line, {{ landing_json_object('raw_line', 'accelerometer_landing') }} as line_object
    from probe
),
keyed as (select *, {{ case_insensitive_keys('line_object', 'raw_line') }} as record from parsed),
judged as (
    select *, case
        when line_object is null then 'not a JSON object'
        when record is null then 'a key appears twice (keys are case-insensitive)'
        {{ landing_rejection_checks('accelerometer_landing', 'record') }}
        else 'valid'
    end as verdict from keyed
)
select cast((%s) as {{ dbt.type_string() }}) as answer from judged"""
PROBE_BOUNDARY = "\n-- athena-smoke: next probe --\n"


@contextlib.contextmanager
def dbt_environment(settings: Settings, work: Path) -> Iterator[None]:
    """The variables the dbt target reads, set for the block and restored afterwards."""
    values = {
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_QUIET": "true",  # dbt's errors only: the smoke test prints one line per check
        "STEDI_SCHEMA": settings.schema,
        "STEDI_ATHENA_WORK_GROUP": settings.work_group,
        "STEDI_AWS_REGION": settings.region,
    }
    if not settings.stand_in:
        values["STEDI_S3_ROOT"] = settings.prefix
    with mock.patch.dict(os.environ, values):
        yield


def load(settings: Settings, work: Path) -> str:
    """Write the tiny landing set and load it to the prefix with load_landing.py."""
    tiny = work / "tiny"
    write_tiny_landing(tiny)
    command = [sys.executable, str(PROJECT_DIR / "load_landing.py"), str(tiny), settings.prefix]
    command += ["--region", settings.region, "--json"]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        raise SmokeError(f"load_landing.py failed: {result.stderr.strip().splitlines()[-1:]}")
    totals = json.loads(result.stdout)["totals"]
    return (
        f"load: {totals['files']} files to the prefix, {totals['records']} valid lines, "
        f"{totals['bad_lines']} bad lines loaded as they are, {totals['normalised']} normalised"
    )


def vars_yaml(settings: Settings) -> str:
    """The dbt vars: the landing files and the zones both in the prefix."""
    return f"{{landing_root: '{settings.prefix}', athena_zone_root: '{settings.prefix}'}}"


def build(settings: Settings) -> tuple[bool, dict[str, int | None]]:
    """Stage the landing tables and run `dbt build`; whether it passed, and the zone counts.

    On the stand-in the data tests and unit tests are left out: moto executes no SQL, so a test
    gets no row back (see builds.athena_local_build).
    """
    from stedi_lakehouse.build.runner import stage_and_build

    options = argparse.Namespace(
        target=settings.target,
        vars=vars_yaml(settings),
        select=None,
        full_refresh=False,
        skip_unit_tests=False,
        skip_tests=settings.stand_in,
    )
    counts: dict[str, int | None] = {}
    outcome = stage_and_build(options, counts)
    if outcome is None:
        raise SmokeError("dbt run-operation stage_landing_tables failed (dbt's error is above).")
    result, _ = outcome
    if result.exception is not None:
        raise SmokeError(f"dbt build could not run: {result.exception}")
    return bool(result.success), counts


def compile_probes(target: str, probes: list[dict[str, Any]], vars_text: str) -> list[str]:
    """The SQL of every probe on a target, rendered by dbt in one `dbt compile --inline`."""
    from dbt.cli.main import dbtRunner

    for probe in probes:  # a quote or backslash reads differently in Spark's and Trino's literals
        if "'" in probe["line"] or "\\" in probe["line"]:
            raise ValueError(f"probe {probe['name']}: no quote or backslash in a probe line")
    inline = PROBE_BOUNDARY.join(PROBE_TEMPLATE % (p["line"], p["expression"]) for p in probes)
    # no log at all: `dbt compile --inline` would print the compiled SQL even when quiet
    args = ["compile", "--inline", inline, "--target", target, "--vars", vars_text]
    args += ["--log-level", "none"]
    result = dbtRunner().invoke([*args, "--project-dir", str(PROJECT_DIR)])
    if not result.success:
        why = result.exception or "see dbt's log"
        raise SmokeError(f"the probe queries did not compile on {target}: {why}")
    return result.result.results[0].node.compiled_code.split(PROBE_BOUNDARY.strip())


def check_counts(expected: dict[str, int], counts: dict[str, int | None]) -> tuple[bool, str]:
    """The zone counts of the build against Spark's."""
    differ = [f"{t} {counts.get(t)} (Spark {n})" for t, n in expected.items() if counts.get(t) != n]
    if differ:
        return False, f"zone counts differ from Spark's: {', '.join(differ)}"
    return True, f"zone counts: {len(expected)} tables as on Spark ({sum(expected.values())} rows)"


def check_quarantine(expected: list[list[str]], rows: list[list[str | None]]) -> tuple[bool, str]:
    """The quarantine's (dataset, rejection_reason) rows against Spark's."""
    found = sorted([str(value) for value in row] for row in rows)
    if found != sorted(expected):
        return False, f"quarantine differs from Spark's: {found} (Spark {expected})"
    return True, f"quarantine: {len(expected)} lines, dataset and reason as on Spark"


@dataclass
class Outcome:
    """What a run found: the exit code, the lines it printed and the probes' Athena SQL."""

    exit_code: int = EXIT_PASSED
    lines: list[str] = field(default_factory=list)
    probe_sql: list[str] = field(default_factory=list)

    def say(self, status: str, text: str, echo: Callable[[str], None]) -> None:
        """Print one check's line; a FAIL makes the run fail."""
        if status == "FAIL" and self.exit_code == EXIT_PASSED:
            self.exit_code = EXIT_FAILED
        self.lines.append(f"{status:<5} {text}")
        echo(self.lines[-1])


def checks(settings: Settings, session: boto3.Session, outcome: Outcome, echo: Callable) -> None:
    """Load, stage and build, then compare the zone counts, the quarantine and the probes."""
    expected = json.loads(EXPECTED_FILE.read_text())
    with tempfile.TemporaryDirectory() as tmp, dbt_environment(settings, Path(tmp)):
        outcome.say("ok", load(settings, Path(tmp)), echo)
        passed, counts = build(settings)
        scope = "models only, moto" if settings.stand_in else "models, data tests, unit tests"
        outcome.say("ok" if passed else "FAIL", f"stage and dbt build ({scope})", echo)
        outcome.probe_sql = compile_probes(settings.target, expected["probes"], vars_yaml(settings))
    if settings.stand_in:
        probes = f"{len(outcome.probe_sql)} probes (compiled for Athena)"
        outcome.say("skip", f"zone counts, quarantine and {probes}: moto executes no SQL", echo)
        return
    ok, text = check_counts(expected["zone_counts"], counts)
    outcome.say("ok" if ok else "FAIL", text, echo)
    sql = f'select dataset, rejection_reason from "{settings.schema}".landing_rejected_records'
    ok, text = check_quarantine(expected["quarantine"], athena_rows(session, settings, sql))
    outcome.say("ok" if ok else "FAIL", text, echo)
    on_athena = functools.partial(athena_rows, session, settings)
    for probe, probe_sql in zip(expected["probes"], outcome.probe_sql, strict=True):
        outcome.say(*check_probe(probe, probe_sql, on_athena), echo)


def check_probe(
    probe: dict[str, Any], sql: str, rows_of: Callable[[str], list[list[str | None]]]
) -> list[str]:
    """Status and line of one probe: Athena's answer against Spark's."""
    try:
        answer = rows_of(sql)[0][0]
    except SmokeError as error:  # a query Athena refuses is this probe's failure, not the run's
        return ["FAIL", f"probe {probe['name']}: {error}"]
    if answer != probe["spark_answer"]:
        return ["FAIL", f"probe {probe['name']}: {answer!r} (Spark {probe['spark_answer']!r})"]
    return ["ok", f"probe {probe['name']}: {answer!r}"]


def run(settings: Settings, echo: Callable[[str], None] = print) -> Outcome:
    """Run the smoke test; the clean-up runs whatever happens once the refusal check passed."""
    outcome = Outcome()
    session = aws_session(settings.region)
    echo(f"athena-smoke on {settings.target}: {settings.prefix}/, database {settings.schema}")
    try:
        reason = refusal(session, settings)
    except (bce.BotoCoreError, bce.ClientError) as error:
        reason = f"Could not check that the prefix and database are unused: {error}"
    if reason:
        outcome.say("FAIL", reason, echo)
        outcome.exit_code = EXIT_CANNOT_RUN
        return outcome
    try:
        checks(settings, session, outcome, echo)
    except (SmokeError, bce.BotoCoreError, bce.ClientError) as error:
        outcome.say("FAIL", f"could not run: {error}", echo)
        outcome.exit_code = EXIT_CANNOT_RUN
    finally:
        ok, text = clean_up(session, settings)
        outcome.say("ok" if ok else "FAIL", text, echo)
    echo(f"athena-smoke: {'passed' if outcome.exit_code == EXIT_PASSED else 'FAILED'}")
    return outcome


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.athena.smoke",
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--stand-in", action="store_true", help="run against moto on 127.0.0.1 (athena_local)"
    )
    parser.add_argument(
        "--run-id", help="the run's id (default: random); names prefix and database"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the smoke test; return the exit code."""
    options = parse_args(argv)
    run_id = options.run_id or uuid.uuid4().hex[:8]
    if not re.fullmatch("[a-z0-9]{1,16}", run_id):  # it names a Glue database and an S3 folder
        print("--run-id takes 1 to 16 lower-case letters and digits.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if not options.stand_in:
        settings = account_settings(run_id)
        if isinstance(settings, str):
            print(settings, file=sys.stderr)
            return EXIT_NO_SETTINGS
        return run(settings).exit_code
    from tools.athena.aws_stand_in import moto_athena

    with moto_athena():
        settings = stand_in_settings(run_id)
        prepare_stand_in(settings)
        return run(settings).exit_code


if __name__ == "__main__":
    sys.exit(main())
