"""Athena's Trino SQL as DuckDB SQL: sqlglot's translation, and rewrites where Trino differs."""

from __future__ import annotations

import sqlglot
from sqlglot import exp


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


def trino_utf8_length(node: exp.Expression) -> exp.Expression:
    """length(to_utf8(text)), the bytes of a text: DuckDB's strlen counts bytes."""
    if not (isinstance(node, exp.Length) and isinstance(node.this, exp.Encode)):
        return node
    return sqlglot.parse_one(f"strlen({node.this.this.sql('duckdb')})", read="duckdb")


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
        trino_utf8_length,
    ]
    for rewrite in rewrites:
        # again until nothing changes: a rewritten map lambda may hold another one
        for _ in range(5):
            before = query.sql("duckdb")
            query = query.transform(rewrite)
            if query.sql("duckdb") == before:
                break
    return query.sql("duckdb")
