"""The statements that reached Athena: which node sent them, and whether they are Athena SQL."""

from __future__ import annotations

import contextlib
import json
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

QUERY_COMMENT = re.compile(r"/\*\s*(\{.*?\})\s*\*/")


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
