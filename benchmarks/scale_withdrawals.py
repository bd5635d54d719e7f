"""The withdrawals of the increment delivery: K customers of copy 0 withdraw research consent.

A withdrawal is the customer's current record once more, with a ``lastUpdateDate`` one day
later than any of their records and without the ``shareWithResearchAsOfDate`` key, which by the
lakehouse's rules (docs/rules.md, "Latest record wins") removes the customer from every trusted
and curated zone. It is written as a new customer file of the increment,
``customer/landing/customer-withdrawals-increment.json``.

The customers are chosen deterministically, so a rerun delivers the same file: the first K, by
their e-mail (trimmed, lower-case), of the copy-0 customers who consent, that is whose latest
record (the greatest positive integer ``lastUpdateDate``; on a tie, one without consent) has a
``shareWithResearchAsOfDate`` > 0. Copy 0 is the source unchanged, so they are read from the
source's customer files; only one record per customer is held, so memory is bounded by the
source, not by N.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WITHDRAWALS_FILE = "customer-withdrawals-increment.json"
LATER_MS = 86_400_000  # a withdrawal is this much later than the customer's latest record


def lower_keys(record: dict[str, Any]) -> dict[str, str]:
    """Return lower-case key -> the record's spelling of it (the contract ignores case)."""
    return {key.lower(): key for key in record}


def consents(record: dict[str, Any], keys: dict[str, str]) -> bool:
    """Tell whether a customer record gives research consent (a positive integer time)."""
    value = record.get(keys.get("sharewithresearchasofdate", ""))
    return type(value) is int and value > 0


def current_records(paths: list[Path]) -> dict[str, tuple[int, bool, dict[str, Any]]]:
    """Return each customer's e-mail -> (latest lastUpdateDate, consents, latest record)."""
    current: dict[str, tuple[int, bool, dict[str, Any]]] = {}
    for path in paths:
        with path.open("rb") as lines:
            for raw in lines:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(record, dict):
                    continue
                keys = lower_keys(record)
                email = record.get(keys.get("email", ""))
                updated = record.get(keys.get("lastupdatedate", ""))
                if not isinstance(email, str) or type(updated) is not int or updated <= 0:
                    continue
                customer = email.strip().lower()
                agreed = consents(record, keys)
                known = current.get(customer)
                # later wins; on a tie the record without consent wins (the most private)
                if known is None or (updated, not agreed) > (known[0], not known[1]):
                    current[customer] = (updated, agreed, record)
    return current


def withdrawals(paths: list[Path], count: int) -> list[dict[str, Any]]:
    """Return the withdrawal records of the first COUNT consenting customers by e-mail."""
    current = current_records(paths)
    chosen = sorted(customer for customer, (_, agreed, _) in current.items() if agreed)[:count]
    records = []
    for customer in chosen:
        updated, _, record = current[customer]
        keys = lower_keys(record)
        consent_key = keys["sharewithresearchasofdate"]
        withdrawal = {key: value for key, value in record.items() if key != consent_key}
        withdrawal[keys["lastupdatedate"]] = updated + LATER_MS
        records.append(withdrawal)
    return records


def write_withdrawals(paths: list[Path], out: Path, count: int) -> tuple[int, int]:
    """Write the withdrawal file into OUT's customer folder; return (bytes, lines)."""
    records = withdrawals(paths, count)
    if not records:
        return 0, 0  # no consenting customer: no file, rather than an empty one
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records]
    data = "".join(lines).encode()
    (out / "customer" / "landing" / WITHDRAWALS_FILE).write_bytes(data)
    return len(data), len(lines)
