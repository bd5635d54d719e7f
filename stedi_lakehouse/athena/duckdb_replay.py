"""The Athena SQL run on DuckDB over the landing files, standing in for Athena's Trino engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from stedi_lakehouse.athena.aws_stand_in import SCHEMA
from stedi_lakehouse.athena.model_contracts import contract_problems
from stedi_lakehouse.athena.seeds import seed_csv_table
from stedi_lakehouse.athena.statements import origin
from stedi_lakehouse.layout import ZONE_TABLES, landing_files


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
    keys = f"json_keys({value})"
    # DuckDB keeps every entry of a repeated key, Trino's json_parse the last one only
    last = f"list_filter(range(len({keys})), i -> not list_contains({keys}[i + 2:], {keys}[i + 1]))"
    entry = f"{{'key': {keys}[i + 1], 'value': ({value} -> '$.*')[i + 1]}}"
    return sqlglot.parse_one(
        f"case when json_type({value}) = 'OBJECT' "
        f"then map_from_entries(list_transform({last}, i -> {entry})) end",
        read="duckdb",
    )


def strict_json(text: str) -> str:
    """DuckDB SQL of `text` as JSON, NULL unless it is JSON as Trino's parser reads it.

    DuckDB's reader also takes NaN, Infinity and a trailing comma, which Trino refuses: with the
    strings blanked, no letter may remain but those of true, false, null and an exponent.
    """
    blanked = (
        f"regexp_replace(regexp_replace({text}, '\"([^\"\\\\]|\\\\.)*\"', '0', 'g'), "
        "'true|false|null', '0', 'g')"
    )
    strict = f"not regexp_matches({blanked}, '[a-df-zA-DF-Z]|,\\s*[]}}]')"
    return f"case when json_valid({text}) and {strict} then json({text}) end"


def trino_json_parse(node: exp.Expression) -> exp.Expression:
    """json_parse: NULL for text that is not JSON, as try(json_parse(...)) gives on Trino.

    DuckDB's json() raises, and try() does not reach the copies of it inside list lambdas.
    """
    if not isinstance(node, exp.ParseJSON):
        return node
    return sqlglot.parse_one(strict_json(node.this.sql("duckdb")), read="duckdb")


def trino_json_size(node: exp.Expression) -> exp.Expression:
    """json_size(text, '$'), which DuckDB lacks: the keys of an object as written, repeats too."""
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "json_size"):
        return node
    text = node.expressions[0].sql("duckdb")
    value = strict_json(text)
    return sqlglot.parse_one(
        f"case when json_type({value}) = 'OBJECT' then len(json_keys({value})) "
        f"when json_type({value}) = 'ARRAY' then json_array_length({value}) "
        f"when {value} is not null then 0 end",
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
    query = query.transform(trino_json_parse)  # once: its result holds a json() call again
    rewrites = [
        trino_json_to_map,
        trino_json_size,
        trino_is_json_scalar,
        trino_map_lambda,
        trino_integer_cast,
    ]
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


def duckdb_statement(
    query: str, landing_root: Path, seeds: dict[str, Path] | None = None
) -> tuple[str, str] | None:
    """The DuckDB statement replaying an Athena statement of a build, and what it creates.

    A landing table of raw lines becomes a view over the landing files (lines_stand_in);
    dbt-athena's external CSV table of a seed (`<seed>__dbt_tmp`, over the file it uploaded)
    a table of the seed's file in `seeds` (seed_csv_table); a model's or seed's view or
    CREATE TABLE AS a view or table of DuckDB's, named as on Athena in the catalog
    `awsdatacatalog` (the schema SCHEMA when the statement names none). Return the DuckDB SQL
    and the relation's `"schema"."name"`; None for a statement with nothing to replay or that
    does not parse (the adapter-path check reports it).
    """
    try:
        expression = sqlglot.parse_one(query, read="athena")
    except (ParseError, TokenError):
        return None
    if not isinstance(expression, exp.Create):
        return None
    table = expression.this if isinstance(expression.this, exp.Table) else None
    table = table or expression.this.find(exp.Table)
    if table is None:
        return None
    kind = expression.args.get("kind", "").upper()
    relation = f'"{table.db or SCHEMA}"."{table.name}"'
    name = f"awsdatacatalog.{relation}"
    location = expression.find(exp.LocationProperty)
    node_id = origin(query)
    seed = node_id.split(".")[-1] if node_id.startswith("seed.") else ""
    if kind == "TABLE" and seed and table.name == f"{seed}__dbt_tmp":
        return seed_csv_table(name, expression, (seeds or {}).get(seed)), relation
    if kind == "TABLE" and table.name.endswith("__lines") and location:
        stand_in = lines_stand_in(landing_root, location.this.name)
        return f"create or replace view {name} as {stand_in}", relation
    if kind == "VIEW" and expression.expression is not None:
        return f"create or replace view {name} as {to_duckdb(expression.expression)}", relation
    if (
        kind == "TABLE"
        and expression.expression is not None
        and node_id.startswith(("model.", "seed."))
    ):
        return f"create or replace table {name} as {to_duckdb(expression.expression)}", relation
    return None


def duckdb_catalog() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the catalog `awsdatacatalog` and its schema SCHEMA."""
    con = duckdb.connect()
    con.execute("attach ':memory:' as awsdatacatalog")
    con.execute(f"create schema awsdatacatalog.{SCHEMA}")
    return con


def build_in_duckdb(
    statements: list[dict[str, str]], landing_root: Path, seeds: dict[str, Path] | None = None
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """Run the landing views and the models' and seeds' CREATE TABLE AS on DuckDB.

    The tables and views land in the schema SCHEMA of the catalog `awsdatacatalog`
    (duckdb_statement; `seeds` are the seeds' files). Return the connection and the
    statements DuckDB could not run.
    """
    con = duckdb_catalog()
    problems: list[str] = []
    for statement in statements:
        replayed = duckdb_statement(statement["query"], landing_root, seeds)
        if replayed is None:
            continue
        try:
            con.execute(replayed[0])
        except duckdb.Error as error:
            first = str(error).splitlines()[0]
            problems.append(f"DuckDB could not run {origin(statement['query'])}: {first}")
    return con, problems


def replay_in_duckdb(
    statements: list[dict[str, str]],
    landing_root: Path,
    contracts: dict[str, dict[str, str]] | None = None,
    seeds: dict[str, Path] | None = None,
) -> Replay:
    """Build on DuckDB (build_in_duckdb) and count: a table that was not built is missing.

    Return the zone counts, the (dataset, rejection_reason) rows of the quarantine, and the
    statements DuckDB could not run or tables that break their model contract (`contracts`,
    model_contracts.py).
    """
    con, problems = build_in_duckdb(statements, landing_root, seeds)
    problems += contract_problems(con, contracts or {})
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
