"""Trino's own grammar (the ANTLR SqlBase.g4 that trino-query-parser ships) over Athena's SQL.

Athena runs DML, views and CREATE TABLE AS on its Trino engine and DDL on Hive. sqlglot's athena
dialect also accepts Spark SQL (`rlike`, `insert overwrite`); Trino's grammar does not, and it
knows Trino's reserved words (a column named `json_object` fails there). The grammar takes any
identifier as a type name, so Spark's `string` is checked here by name.
"""

from __future__ import annotations

import re

from sqlglot.errors import TokenError
from sqlglot.tokens import Tokenizer, TokenType

# statements that Athena runs on Hive, not on Trino: checked by sqlglot only
HIVE_DDL = re.compile(
    r"(?is)^\s*(create\s+external\s+table|drop\s+(table|database|schema)|alter\s+table"
    r"|create\s+(database|schema)|msck|show|describe)\b"
)
COMMENTS = re.compile(r"(?s)/\*.*?\*/|--[^\n]*")
SPARK_TYPES = {"STRING": "varchar"}


def runs_on_trino(sql: str) -> bool:
    """Tell whether Athena runs a statement on its Trino engine (DML, views, CTAS)."""
    return HIVE_DDL.match(COMMENTS.sub(" ", sql)) is None


def trino_problem(sql: str) -> str | None:
    """Why Trino's grammar refuses a statement; None when it parses."""
    from trino_query_parser import parse_statement  # imported here: its parser loads slowly

    statement = sql.strip().rstrip(";").strip()
    try:
        parse_statement(statement)
    except Exception as error:  # noqa: BLE001 - the parser raises its own and ANTLR's errors
        return f"Trino's grammar refuses it: {str(error).splitlines()[0][:200]}"
    return _spark_type_name(statement)


def _spark_type_name(sql: str) -> str | None:
    """A cast to a type name that Spark has and Trino has not (`cast(x as string)`)."""
    try:
        tokens = Tokenizer().tokenize(sql)
    except TokenError:
        return None
    # `as <type>)` closes a cast; `as <name>` elsewhere is an alias
    for before, token, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        name = token.text.upper()
        quoted = token.token_type in (TokenType.STRING, TokenType.IDENTIFIER)
        closes = after.token_type == TokenType.R_PAREN
        if before.token_type == TokenType.ALIAS and name in SPARK_TYPES and closes and not quoted:
            return f"casts to Spark's type `{token.text}`; Trino's is {SPARK_TYPES[name]}"
    return None
