"""A plain-Python reading of the zone rules in docs/rules.md, to check the SQL build against.

Written apart from the models and kept simple on purpose: it reads clean JSON lines only
(bad lines are the business of test_pipeline's bad-input test) and returns the row counts
of the trusted and curated tables in either mode.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def _records(landing_root: Path, dataset: str) -> list[dict]:
    folder = landing_root / dataset / "landing"
    lines = [
        line
        for path in sorted(folder.glob("*.json"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    return [{key.lower(): value for key, value in json.loads(line).items()} for line in lines]


def _email(value: str) -> str:
    return value.strip().lower()


def _privacy_rank(record: dict) -> tuple[int, int, int]:
    """Sort key: the latest update, then the most private record (no consent, latest consent)."""
    consent = record.get("sharewithresearchasofdate") or 0
    return (record["lastupdatedate"], 1 if consent <= 0 else 0, -consent if consent > 0 else 0)


def reference_counts(landing_root: Path, rubric_compatible: bool) -> dict[str, int]:
    """Row counts of the five trusted and curated tables."""
    customers = _records(landing_root, "customer")
    current: dict[str, dict] = {}
    for record in sorted(customers, key=_privacy_rank):
        current[_email(record["email"])] = record
    consent = {
        email: record["sharewithresearchasofdate"]
        for email, record in current.items()
        if (record.get("sharewithresearchasofdate") or 0) > 0
    }

    accelerometer = {
        (_email(r["user"]), r["timestamp"], float(r["x"]), float(r["y"]), float(r["z"]))
        for r in _records(landing_root, "accelerometer")
        if _email(r["user"]) in consent
        and (rubric_compatible or r["timestamp"] >= consent[_email(r["user"])])
    }
    curated = {reading[0] for reading in accelerometer}

    owners: dict[str, set[str]] = defaultdict(set)
    for record in customers:
        owners[record["serialnumber"]].add(_email(record["email"]))
    curated_devices = {current[email]["serialnumber"] for email in curated}

    def device_kept(serial: str, time: int) -> bool:
        if serial not in curated_devices:
            return False
        if rubric_compatible:
            return True
        every_owner_consents = all(email in consent for email in owners[serial])
        return every_owner_consents and time >= max(consent[email] for email in owners[serial])

    step_trainer = {
        (r["serialnumber"], r["sensorreadingtime"], r["distancefromobject"])
        for r in _records(landing_root, "step_trainer")
        if device_kept(r["serialnumber"], r["sensorreadingtime"])
    }

    readings_at: dict[int, list[str]] = defaultdict(list)
    for email, time, *_ in accelerometer:
        readings_at[time].append(email)
    device_owners: dict[str, set[str]] = defaultdict(set)
    for email in curated:
        device_owners[current[email]["serialnumber"]].add(email)
    machine_learning = sum(
        1
        for serial, time, _ in step_trainer
        for email in readings_at[time]
        if rubric_compatible or email in device_owners[serial]
    )
    return {
        "customer_trusted": len(consent),
        "accelerometer_trusted": len(accelerometer),
        "step_trainer_trusted": len(step_trainer),
        "customer_curated": len(curated),
        "machine_learning_curated": machine_learning,
    }
