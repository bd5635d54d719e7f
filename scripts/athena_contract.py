"""Prove that the project builds on Amazon Athena, without an AWS account.

1. Adapter path: stage the landing tables and run `dbt build --target athena_local` against
   moto's server on 127.0.0.1 standing in for S3, Glue, Athena and STS. Every statement that
   reached Athena is read back (ListQueryExecutions, GetQueryExecution) and parsed with
   sqlglot's athena dialect. A statement fails when it does not parse, or when the parser keeps
   it only as an opaque command and its SELECT body does not parse either. Before the build,
   a stale object is put in every zone folder: the build must remove it (a rebuild replaces a
   table's data, never appends to it) and must leave the landing files alone.
2. Same answers: the Athena SQL that reached moto (the landing views and the CREATE TABLE AS
   of every model) is transpiled from Athena's dialect to DuckDB's and run by DuckDB over the
   landing files, with views over the files standing in for the external tables. Its zone
   counts and its quarantine (dataset, reason) must equal those of Spark builds of the models
   (through the Spark Thrift server of `make test`, or one started here) for every landing set
   and mode. DuckDB stands in for Athena's Trino
   engine; docs/athena.md says what this proves and what it does not.
3. Lint: sqlfluff with the athena dialect over the compiled Athena SQL that this project
   writes (models, its data tests, the landing DDL): zero violations.

    python scripts/athena_contract.py --landing sample=data/athena/landing \
        --landing starter=../shared/data/udacity-starter

A landing set whose directory is absent is skipped with a message.

Exit codes:
    0  every check passed
    1  a check failed
    2  a build could not run (dbt on athena_local, or Spark)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

PROJECT_DIR = Path(__file__).resolve().parents[1]
MODES = {"strict": "false", "rubric": "true"}  # mode -> rubric_compatible
ZONE_TABLES = [
    "customer_landing",
    "accelerometer_landing",
    "step_trainer_landing",
    "customer_trusted",
    "accelerometer_trusted",
    "step_trainer_trusted",
    "customer_curated",
    "machine_learning_curated",
    "landing_rejected_records",
]
# The athena_local target of profiles.yml.example: its bucket, data dir and work group.
BUCKET = "stedi-athena-local"
S3_ROOT = f"s3://{BUCKET}/stedi"
WORK_GROUP = "stedi"
SCHEMA = "stedi_athena"
REGION = "us-east-1"
ZONE_FOLDERS = [
    "customer/trusted",
    "accelerometer/trusted",
    "step_trainer/trusted",
    "customer/curated",
    "step_trainer/curated",
]
DATASETS = ["customer", "accelerometer", "step_trainer"]
QUERY_COMMENT = re.compile(r"/\*\s*(\{.*?\})\s*\*/")


STARTED = time.monotonic()


class BuildError(RuntimeError):
    """A build could not run."""


def progress(message: str) -> None:
    """One line of progress, with the seconds since the start."""
    print(f"[athena-contract {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# 1. the adapter path: dbt-athena against moto's server


def free_port() -> int:
    """Ask the kernel for a port that is free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def moto_athena() -> Iterator[str]:
    """Run moto's server on a free 127.0.0.1 port with dummy credentials; yield its URL.

    The environment points every AWS client of this process at it (AWS_ENDPOINT_URL) and
    away from any real account; it is restored afterwards, and the server stopped.
    """
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    endpoint = f"http://127.0.0.1:{port}"
    stand_in = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "STEDI_SCHEMA": SCHEMA,
    }
    # a service's own endpoint variable (AWS_ENDPOINT_URL_GLUE, ...) would win over the stand-in
    removed = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"]
    removed += [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]
    removed += ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
    saved = {name: os.environ.get(name) for name in [*stand_in, *removed]}
    server.start()
    try:
        os.environ.update(stand_in)
        for name in removed:
            os.environ.pop(name, None)
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


def prepare_account(landing_root: Path | None) -> None:
    """Create what the athena_local target expects, as docs/athena.md does on AWS.

    The bucket, the work group (without an enforced result location, so that tables keep
    their S3 locations), the landing files, and a stale object in every zone folder.
    """
    s3 = boto3.client("s3", region_name=REGION)
    athena = boto3.client("athena", region_name=REGION)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    if not any(g["Name"] == WORK_GROUP for g in athena.list_work_groups()["WorkGroups"]):
        athena.create_work_group(
            Name=WORK_GROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": f"{S3_ROOT}/athena-results/"},
                "EnforceWorkGroupConfiguration": False,
            },
        )
    prefix = S3_ROOT.removeprefix(f"s3://{BUCKET}/")
    if landing_root is not None:
        for dataset in DATASETS:
            for path in landing_files(landing_root, dataset):
                key = f"{prefix}/{dataset}/landing/{path.name}"
                s3.upload_file(str(path), BUCKET, key)
    for folder in ZONE_FOLDERS:
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{folder}/stale-from-an-earlier-run.parquet")


def s3_keys() -> list[str]:
    """Every key in the stand-in bucket."""
    s3 = boto3.client("s3", region_name=REGION)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def athena_statements() -> list[dict[str, str]]:
    """Every query the stand-in Athena received, oldest first: id, query and statement type."""
    athena = boto3.client("athena", region_name=REGION)
    ids: list[str] = []
    for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=WORK_GROUP):
        ids += page["QueryExecutionIds"]
    executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    executions.sort(key=lambda e: e["Status"]["SubmissionDateTime"])
    return [
        {
            "id": e["QueryExecutionId"],
            "query": e["Query"],
            "type": e.get("StatementType", ""),
        }
        for e in executions
    ]


def run_dbt(args: list[str]) -> None:
    """Run one dbt command in this process; raise BuildError when it does not succeed."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--profiles-dir", str(PROJECT_DIR), "--quiet"])
    if not result.success:
        raise BuildError(f"`dbt {' '.join(args[:1])}` on athena_local failed: {result.exception}")


def athena_local_build(project_dir: Path, mode: str, work_dir: Path) -> list[dict[str, str]]:
    """Stage the landing tables, build (no tests) and compile the data tests on athena_local.

    Return the statements that reached Athena during these steps. The data tests and unit
    tests are not built: moto executes no SQL, so a test gets no row back (dbt needs exactly
    one) and a unit test finds no columns of its inputs; their SQL is compiled and linted.
    """
    before = {s["id"] for s in athena_statements()}
    vars_yaml = f"{{rubric_compatible: {MODES[mode]}, landing_root: '{S3_ROOT}'}}"
    common = [
        "--project-dir", str(project_dir),
        "--target", "athena_local",
        "--target-path", str(work_dir / f"target-{mode}"),
        "--log-path", str(work_dir / "logs"),
        "--vars", vars_yaml,
    ]  # fmt: skip
    run_dbt(["run-operation", "stage_landing_tables", *common])
    run_dbt(["build", *common, "--exclude-resource-type", "test", "unit_test"])
    run_dbt(["compile", *common, "--select", "resource_type:test"])
    return [s for s in athena_statements() if s["id"] not in before]


def select_body(sql: str) -> str | None:
    """The first SELECT (or WITH ... SELECT) in a statement, up to its closing parenthesis."""
    match = re.search(r"(?is)\bwith\s+\"?\w+\"?\s+as\s*\(|\bselect\b", sql)
    if match is None:
        return None
    depth = 0
    for position in range(match.start(), len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[position], 0)
        if depth < 0:
            return sql[match.start() : position]
    return sql[match.start() :]


def statement_problem(sql: str) -> str | None:
    """Why a statement is not Athena SQL to sqlglot's athena dialect; None when it is."""
    try:
        expressions = [e for e in sqlglot.parse(sql, read="athena") if e is not None]
    except (ParseError, TokenError) as error:
        return f"does not parse: {str(error).splitlines()[0]}"
    if not any(isinstance(e, exp.Command) for e in expressions):
        return None
    body = select_body(sql)
    if body is None:
        return "the parser keeps it only as an opaque command, and it has no SELECT body"
    try:
        parsed = sqlglot.parse_one(body, read="athena")
    except (ParseError, TokenError) as error:
        return f"an opaque command whose SELECT body does not parse: {str(error).splitlines()[0]}"
    if isinstance(parsed, exp.Command):
        return "an opaque command whose SELECT body is an opaque command too"
    return None


def origin(sql: str) -> str:
    """What sent a statement: the dbt node or macro named in its query comment."""
    match = QUERY_COMMENT.search(sql)
    if match:
        with contextlib.suppress(ValueError):
            comment = json.loads(match.group(1))
            return str(comment.get("node_id") or comment.get("connection_name") or "dbt")
    return "a statement without query comment"


def first_line(sql: str) -> str:
    """The first line of a statement that is not a comment, shortened."""
    lines = [line.strip() for line in sql.splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("--")]
    return (code or lines or [""])[0][:100]


# ---------------------------------------------------------------------------------------------
# 2. the same answers: the Athena SQL on DuckDB


def landing_files(landing_root: Path, dataset: str) -> list[Path]:
    """The files of a dataset that an external table over its folder reads.

    Like Hadoop's input formats, names that start with `_` or `.` are skipped.
    """
    folder = landing_root / dataset / "landing"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))


def trino_map_lambda(node: exp.Expression) -> exp.Expression:
    """Rewrite Trino's map_filter / transform_values / transform_keys to DuckDB list lambdas."""
    if not (
        isinstance(node, exp.Anonymous)
        and node.name.lower() in ("map_filter", "transform_values", "transform_keys")
        and len(node.expressions) == 2
        and isinstance(node.expressions[1], exp.Lambda)
    ):
        return node
    mapping, function = node.expressions
    key_name, value_name = (p.name for p in function.expressions)
    fields = {key_name: "key", value_name: "value"}

    def entry_field(part: exp.Expression) -> exp.Expression:
        qualified = isinstance(part, exp.Column) and bool(part.table)
        if isinstance(part, exp.Identifier | exp.Column) and part.name in fields and not qualified:
            return exp.column(fields[part.name], table="__entry")
        return part

    body = function.this.transform(entry_field).sql("duckdb")
    entries = f"map_entries({mapping.sql('duckdb')})"
    if node.name.lower() == "map_filter":
        rewritten = f"map_from_entries(list_filter({entries}, lambda __entry: {body}))"
    else:
        new_key, new_value = (
            (body, "__entry.value")
            if node.name.lower() == "transform_keys"
            else ("__entry.key", body)
        )
        rewritten = (
            f"map_from_entries(list_transform({entries}, "
            f"lambda __entry: {{'key': {new_key}, 'value': {new_value}}}))"
        )
    return sqlglot.parse_one(rewritten, read="duckdb")


def trino_json_to_map(node: exp.Expression) -> exp.Expression:
    """cast(json as map(varchar, json)): a JSON null stays JSON 'null' as in Trino.

    DuckDB's own cast makes it SQL NULL, which would hide a mistake that Trino reveals.
    A value that is not a JSON object gives NULL here; Trino fails, which try() makes NULL.
    """
    if not (
        isinstance(node, exp.Cast)
        and node.to.is_type(exp.DataType.Type.MAP)
        and [t.this for t in node.to.expressions]
        == [exp.DataType.Type.VARCHAR, exp.DataType.Type.JSON]
    ):
        return node
    # try() here too: DuckDB evaluates the repeated value outside an enclosing try()
    value = f"try({node.this.sql('duckdb')})"
    return sqlglot.parse_one(
        f"case when json_type({value}) = 'OBJECT' "
        f"then map_from_entries(list_zip(json_keys({value}), {value} -> '$.*')) end",
        read="duckdb",
    )


def trino_is_json_scalar(node: exp.Expression) -> exp.Expression:
    """is_json_scalar, which DuckDB lacks: a JSON number, string, boolean or null."""
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "is_json_scalar"):
        return node
    value = node.expressions[0].sql("duckdb")
    return sqlglot.parse_one(f"json_type({value}) not in ('OBJECT', 'ARRAY')", read="duckdb")


INTEGER_TYPES = {exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT}
INTEGER_TYPES |= {exp.DataType.Type.INT, exp.DataType.Type.BIGINT}


def trino_integer_cast(node: exp.Expression) -> exp.Expression:
    """try_cast of text to an integer type: NULL for '2.5', as Trino and Spark (DuckDB rounds)."""
    if not (isinstance(node, exp.TryCast) and node.to.this in INTEGER_TYPES):
        return node
    text = node.this.sql("duckdb")
    return sqlglot.parse_one(
        f"case when regexp_full_match(cast({text} as varchar), '\\s*[+-]?[0-9]+\\s*') "
        f"then {node.sql('duckdb')} end",
        read="duckdb",
    )


def to_duckdb(query: exp.Expression) -> str:
    """DuckDB SQL of an Athena (Trino) query, with the rewrites above."""
    rewrites = [trino_json_to_map, trino_is_json_scalar, trino_map_lambda, trino_integer_cast]
    for rewrite in rewrites:
        # again until nothing changes: a rewritten map lambda may hold another one
        for _ in range(5):
            before = query.sql("duckdb")
            query = query.transform(rewrite)
            if query.sql("duckdb") == before:
                break
    return query.sql("duckdb")


def lines_stand_in(landing_root: Path, location: str) -> str:
    """A DuckDB query standing in for a raw-line external table over `location`.

    One row per line (Hadoop's line reader ends a line at LF, CRLF or CR), the empty line
    NULL ('serialization.null.format' = ''), `$path` the file, `$file_modified_time` its
    modification time and `$file_size` its size.
    """
    dataset = location.rstrip("/").split("/")[-2]
    files = [str(p) for p in landing_files(landing_root, dataset)]
    if not files:
        return (
            'select cast(null as varchar) as line, cast(null as varchar) as "$path", '
            'cast(null as timestamp) as "$file_modified_time", '
            'cast(null as bigint) as "$file_size" limit 0'
        )
    return (
        "select nullif(line, '') as line, filename as \"$path\", "
        'last_modified as "$file_modified_time", size as "$file_size" from ('
        "select filename, last_modified, size, "
        "unnest(regexp_split_to_array(content, '\\r\\n|\\r|\\n')) as line "
        f"from read_text({files!r}))"
    )


@dataclass
class Replay:
    """The outcome of running the Athena SQL on DuckDB over one landing set."""

    counts: dict[str, int | None]
    rejected: list[tuple[str, str]]
    problems: list[str]


def replay_in_duckdb(statements: list[dict[str, str]], landing_root: Path) -> Replay:
    """Run the landing views and the models' CREATE TABLE AS on DuckDB over the landing files.

    Statements that do not parse are skipped (the adapter-path check reports them); a table
    that is not built then counts as missing. Return the zone counts, the (dataset,
    rejection_reason) rows of the quarantine, and the statements DuckDB could not run.
    """
    con = duckdb.connect()
    con.execute("attach ':memory:' as awsdatacatalog")
    con.execute(f"create schema awsdatacatalog.{SCHEMA}")
    problems: list[str] = []
    for statement in statements:
        try:
            expression = sqlglot.parse_one(statement["query"], read="athena")
        except (ParseError, TokenError):
            continue
        if not isinstance(expression, exp.Create):
            continue
        table = expression.this if isinstance(expression.this, exp.Table) else None
        table = table or expression.this.find(exp.Table)
        kind = expression.args.get("kind", "").upper()
        name = f'awsdatacatalog."{SCHEMA}"."{table.name}"' if table else ""
        location = expression.find(exp.LocationProperty)
        duckdb_sql = None
        if kind == "TABLE" and table and table.name.endswith("__lines") and location:
            stand_in = lines_stand_in(landing_root, location.this.name)
            duckdb_sql = f"create or replace view {name} as {stand_in}"
        elif kind == "VIEW" and expression.expression is not None:
            duckdb_sql = f"create or replace view {name} as {to_duckdb(expression.expression)}"
        elif (
            kind == "TABLE"
            and expression.expression is not None
            and origin(statement["query"]).startswith("model.")
        ):
            duckdb_sql = f"create or replace table {name} as {to_duckdb(expression.expression)}"
        if duckdb_sql is not None:
            try:
                con.execute(duckdb_sql)
            except duckdb.Error as error:
                first = str(error).splitlines()[0]
                problems.append(f"DuckDB could not run {origin(statement['query'])}: {first}")
    counts: dict[str, int | None] = {}
    for zone_table in ZONE_TABLES:
        try:
            row = con.execute(f'select count(*) from awsdatacatalog."{SCHEMA}"."{zone_table}"')
            counts[zone_table] = int(row.fetchone()[0])  # type: ignore[index]
        except duckdb.CatalogException:
            counts[zone_table] = None
    rejected: list[tuple[str, str]] = []
    if counts["landing_rejected_records"] is not None:
        rows = con.execute(
            "select dataset, rejection_reason "
            f'from awsdatacatalog."{SCHEMA}".landing_rejected_records order by 1, 2 limit 1000'
        ).fetchall()
        rejected = [(str(dataset), str(reason)) for dataset, reason in rows]
    return Replay(counts, rejected, problems)


def spark_build(
    landing_root: Path, mode: str, port: int, work_dir: Path
) -> tuple[dict[str, int | None], list[tuple[str, str]]]:
    """Build the models on Spark through the Thrift server, in a schema of their own.

    Return the zone counts and the (dataset, rejection_reason) rows of the quarantine.
    """
    progress(f"Spark build of {landing_root} ({mode})")
    schema = f"stedi_contract_{uuid.uuid4().hex[:8]}"
    target_dir = work_dir / f"spark-{schema}"
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(port),
        "STEDI_SCHEMA": schema,
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        # the zone counts need the models only; `make test` runs the tests on Spark
        "DBT_INDIRECT_SELECTION": "empty",
    }
    command = [
        sys.executable, str(PROJECT_DIR / "scripts" / "build_lakehouse.py"),
        "--target", "ci", "--no-java-check",
        "--landing-root", str(landing_root.resolve()),
        "--vars", f"{{rubric_compatible: {MODES[mode]}}}",
        "--select", "resource_type:model",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    counts_file = target_dir / "zone_counts.json"
    # a model that failed counts as missing, which the comparison reports
    if result.returncode not in (0, 1) or not counts_file.exists():
        raise BuildError(
            f"the Spark build of {landing_root} ({mode}) failed:\n{result.stdout[-2000:]}"
        )
    counts = json.loads(counts_file.read_text())
    rejected: list[tuple[str, str]] = []
    from pyhive import hive

    connection = hive.connect(host="127.0.0.1", port=port)
    try:
        cursor = connection.cursor()
        if counts.get("landing_rejected_records"):
            cursor.execute(
                f"select dataset, rejection_reason from {schema}.landing_rejected_records "
                "order by 1, 2 limit 1000"
            )
            rejected = [(str(dataset), str(reason)) for dataset, reason in cursor.fetchall()]
        cursor.execute(f"drop schema if exists {schema} cascade")
    finally:
        connection.close()
    return counts, rejected


@contextlib.contextmanager
def spark_thrift_port() -> Iterator[int]:
    """The Thrift server of `make test` (STEDI_THRIFT_PORT), or one started for the block."""
    if os.environ.get("STEDI_THRIFT_PORT"):
        yield int(os.environ["STEDI_THRIFT_PORT"])
        return
    sys.path.insert(0, str(PROJECT_DIR / "scripts"))
    from spark_thrift_server import thrift_server

    progress("starting a Spark Thrift server (STEDI_THRIFT_PORT is not set)")

    with thrift_server() as port:
        yield port


# ---------------------------------------------------------------------------------------------
# 3. lint


def compiled_tests(target_dir: Path) -> dict[str, str]:
    """Compiled SQL of every data test, dbt's own generic tests included, by node id."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    return {
        node_id: node["compiled_code"]
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node.get("compiled_code")
    }


def authored_sql(target_dir: Path, project_name: str = "stedi_lakehouse") -> dict[str, str]:
    """Compiled SQL of the models and of the data tests this project writes, by node id.

    dbt's own generic tests (unique, not_null, ...) are left out: their SQL is dbt's.
    """
    manifest = json.loads((target_dir / "manifest.json").read_text())
    sql: dict[str, str] = {}
    for node_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "test") or not node.get("compiled_code"):
            continue
        macros = node["depends_on"]["macros"]
        builtin_test = node.get("test_metadata") and not any(
            m.startswith(f"macro.{project_name}.test_") for m in macros
        )
        if not builtin_test:
            sql[node_id] = node["compiled_code"]
    return sql


def lint(sql_by_name: dict[str, str]) -> list[str]:
    """Violations that sqlfluff finds (athena dialect, the project's rules but layout).

    Layout rules judge whitespace that Jinja produced, and RF06 the quoting that dbt-athena
    chose; the authored layout is linted on the sources by `sqlfluff lint models tests`.
    """
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(
        str(PROJECT_DIR),
        overrides={
            "dialect": "athena",
            "templater": "raw",
            "exclude_rules": "ambiguous.column_count,layout,references.quoting",
        },
    )
    linter = Linter(config=config)
    problems = []
    for name, sql in sql_by_name.items():
        result = linter.lint_string(sql.strip() + "\n", fname=name)
        for violation in result.get_violations():
            problems.append(
                f"{name}:{violation.line_no}: {violation.rule_code()} {violation.desc()}"
            )
    return problems


# ---------------------------------------------------------------------------------------------


@dataclass
class Report:
    """What the contract found; written as JSON with --report."""

    statements: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    statement_problems: list[str] = field(default_factory=list)
    tests_checked: int = 0
    s3_problems: list[str] = field(default_factory=list)
    landing_files_kept: int = 0
    athena_counts: dict[str, dict[str, int | None]] = field(default_factory=dict)
    spark_counts: dict[str, dict[str, int | None]] = field(default_factory=dict)
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    spark_rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    lint_files: int = 0
    lint_problems: list[str] = field(default_factory=list)
    replay_problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """Every failed check, one line each."""
        mismatches = [
            f"zone counts differ for {key}: Spark {self.spark_counts[key]}, Athena SQL on "
            f"DuckDB {self.athena_counts[key]}"
            for key in self.spark_counts
            if self.spark_counts[key] != self.athena_counts.get(key)
        ]
        mismatches += [
            f"the quarantine differs for {key}: Spark {self.spark_rejected[key]}, Athena SQL on "
            f"DuckDB {self.rejected.get(key)}"
            for key in self.spark_rejected
            if self.spark_rejected[key] != self.rejected.get(key)
        ]
        return (
            self.statement_problems
            + self.s3_problems
            + self.replay_problems
            + mismatches
            + self.lint_problems
        )


def check_s3(keys_before: list[str], keys_after: list[str]) -> list[str]:
    """A rebuild empties every zone folder; the landing files stay."""
    problems = [f"stale object survived the build: {k}" for k in keys_after if "stale-from" in k]
    landing = [k for k in keys_before if "/landing/" in k]
    problems += [f"landing file removed by the build: {k}" for k in landing if k not in keys_after]
    return problems


def check_adapter_path(
    project_dir: Path, modes: list[str], landing: dict[str, Path], work_dir: Path, report: Report
) -> None:
    """Build on athena_local in every mode; check the statements, S3 and the compiled SQL."""
    first_landing = next(iter(landing.values()), None)
    with moto_athena():
        for mode in modes:
            progress(f"dbt-athena on athena_local (moto), {mode} mode")
            prepare_account(first_landing)
            keys_before = s3_keys()
            statements = athena_local_build(project_dir, mode, work_dir)
            keys_after = s3_keys()
            report.s3_problems += [f"{mode}: {p}" for p in check_s3(keys_before, keys_after)]
            report.landing_files_kept = sum("/landing/" in k for k in keys_after)
            report.statements[mode] = statements
            for statement in statements:
                problem = statement_problem(statement["query"])
                if problem:
                    first = first_line(statement["query"])
                    source = origin(statement["query"])
                    report.statement_problems.append(f"{mode}: {source}: {problem}\n    {first}")
            # the data tests do not reach moto's Athena (see athena_local_build): parse them here
            tests = compiled_tests(work_dir / f"target-{mode}")
            report.tests_checked += len(tests)
            for node_id, sql in tests.items():
                problem = statement_problem(sql)
                if problem:
                    report.statement_problems.append(f"{mode}: {node_id}: {problem}")
            compiled = authored_sql(work_dir / f"target-{mode}")
            staging = {
                f"{mode}:{origin(s['query'])}:{i}": s["query"]
                for i, s in enumerate(statements)
                if origin(s["query"]) == "macro_stage_landing_tables"
                and re.match(r"(?is)\s*(--[^\n]*\n\s*)*create\s+(external|or)", s["query"])
            }
            report.lint_files += len(compiled) + len(staging)
            report.lint_problems += lint({f"{mode}:{k}": v for k, v in compiled.items()} | staging)


def print_counts(report: Report) -> None:
    """The zone counts of both engines side by side, `!` where they differ."""
    keys = list(report.athena_counts)
    if not keys:
        return
    print("\nZone counts: Spark build | Athena SQL on DuckDB")
    print("".ljust(25) + "".join(key.center(22) for key in keys))
    print("".ljust(25) + "".join(f"{'spark':>10} {'athena':>10} " for _ in keys))
    for table in ZONE_TABLES:
        cells = ""
        for key in keys:
            athena = report.athena_counts[key].get(table)
            spark = report.spark_counts[key].get(table) if key in report.spark_counts else "-"
            mark = "!" if spark not in ("-", athena) else " "
            cells += f"{_number(spark):>10} {_number(athena):>10}{mark}"
        print(table.ljust(25) + cells)


def _number(value: object) -> str:
    """A count with thousands separators; `missing` for a table that was not built."""
    if value is None:
        return "missing"
    return f"{value:,}" if isinstance(value, int) else str(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--landing",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="a landing set laid out like the starter data; repeatable",
    )
    parser.add_argument(
        "--modes", default="strict,rubric", help="comma-separated: strict, rubric (default both)"
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="the dbt project")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=PROJECT_DIR / "target" / "athena_contract",
        help="dbt target folders and the report go here",
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark builds")
    parser.add_argument("--report", type=Path, help="write the findings as JSON here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the three checks; return the exit code."""
    options = parse_args(argv)
    modes = [m.strip() for m in options.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        print(f"--modes takes {', '.join(MODES)}", file=sys.stderr)
        return 2
    report = Report()
    landing: dict[str, Path] = {}
    for item in options.landing:
        name, _, directory = item.partition("=")
        if Path(directory).is_dir():
            landing[name] = Path(directory)
        else:
            report.skipped.append(f"{name}: {directory} is absent, so its comparisons are skipped")
    options.work_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    try:
        check_adapter_path(options.project_dir, modes, landing, options.work_dir, report)
        for name, root in landing.items():
            for mode in modes:
                progress(f"the Athena SQL on DuckDB over {root} ({mode})")
                replay = replay_in_duckdb(report.statements[mode], root)
                report.athena_counts[f"{name} {mode}"] = replay.counts
                report.rejected[f"{name} {mode}"] = replay.rejected
                report.replay_problems += [f"{name} {mode}: {p}" for p in replay.problems]
        if not options.no_spark and landing:
            with spark_thrift_port() as port:
                for name, root in landing.items():
                    for mode in modes:
                        key = f"{name} {mode}"
                        counts, rejected = spark_build(root, mode, port, options.work_dir)
                        report.spark_counts[key] = counts
                        report.spark_rejected[key] = rejected
    except BuildError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        if options.report:
            options.report.write_text(json.dumps(report.__dict__, indent=2) + "\n")

    checked = sum(len(s) for s in report.statements.values())
    print(
        f"1. Adapter path: {checked} statements reached Athena (moto) and were checked, "
        f"and {report.tests_checked} compiled data tests"
    )
    print(f"2. Same answers: {len(report.athena_counts)} landing sets x modes on DuckDB")
    print(f"3. Lint: {report.lint_files} compiled Athena SQL files, sqlfluff athena")
    for line in report.skipped:
        print(f"skipped: {line}")
    print_counts(report)
    failures = report.failures
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"\nAthena contract: {'FAILED' if failures else 'passed'} ({len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
