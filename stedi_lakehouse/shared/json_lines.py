"""The JSON reader of landing lines: what Spark's parser accepts, read without recursion.

Python's json keeps only the last of a repeated key and accepts NaN; Spark's parser (Jackson)
refuses very long numbers and keys. DECODER reads a line's object as the contract judges it
(contract.py): every pair kept, a repeated key marked, those limits enforced. Nesting is
measured on the text before parsing, without recursion, so that no depth can exhaust a stack.
"""

import json
import re
from typing import Any

# What Spark's JSON parser (Jackson 2.18) refuses, so a line holding it is not a JSON object to
# the models: a number of more than 1,000 digits, a key of more than 50,000 UTF-16 units.
MAX_NUMBER_DIGITS = 1000
MAX_KEY_UNITS = 50_000


def _as_number(text: str, kind: type) -> Any:
    """Read a JSON number as Spark's parser would accept it: at most 1,000 digits."""
    if len(text) > MAX_NUMBER_DIGITS and sum(char.isdigit() for char in text) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of more than {MAX_NUMBER_DIGITS} digits")
    return kind(text)


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not valid JSON")


class Record(dict):  # type: ignore[type-arg]
    """A JSON object that keeps every key-value pair and knows whether a key came twice."""

    pairs: list[tuple[str, Any]]
    repeated = False


def _record(pairs: list[tuple[str, Any]]) -> Record:
    """Build an object; json keeps only the last of a repeated key, the contract refuses it."""
    if any(len(key.encode("utf-16-le")) > 2 * MAX_KEY_UNITS for key, _ in pairs):
        raise ValueError(f"a key of more than {MAX_KEY_UNITS:,} characters")
    record = Record(pairs)
    record.pairs = pairs
    record.repeated = len(record) < len(pairs)
    return record


DECODER = json.JSONDecoder(
    object_pairs_hook=_record,
    parse_constant=_reject_constant,
    parse_int=lambda text: _as_number(text, int),
    parse_float=lambda text: _as_number(text, float),
)
# Spark's reader would stop after a first object: the models refuse any line holding `}{`,
# even inside a string value (docs/rules.md), and so does the loader.
SECOND_OBJECT = re.compile(r"[}][ \t]*[{]")
# a string (possessive: no backtracking into it) or a bracket, to measure nesting without a parser
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[{}\[\]]')


def nests_deeper_than(text: str, limit: int) -> bool:
    """Tell whether brackets outside strings nest deeper than `limit`, without recursion."""
    if text.count("{") + text.count("[") <= limit:
        return False
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in "{[":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "}]":
            depth -= 1
    return False
