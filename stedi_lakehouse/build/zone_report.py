"""The zone report as a picture: target/zone_report.html, written by every build.

A self-contained page (inline CSS, HTML bars, no script, no external address) with the
funnel of rows from the landing zone to machine_learning_curated and, for each zone table,
how many rows of its upstream table left it and why. The row counts are those of
target/zone_counts.json; the reasons are logged by the on-run-end hook report_zones
(macros/reporting/). Only counts are shown, never a row's values, so the page holds no
personal data. The page is the Jinja2 template zone_report.html.j2 beside this module.
"""

from dataclasses import dataclass
from pathlib import Path

import jinja2

# the funnel's bars, from the landing zone to the table the data scientists train on
FUNNEL = [
    "customer_landing",
    "customer_trusted",
    "customer_curated",
    "accelerometer_landing",
    "accelerometer_trusted",
    "step_trainer_landing",
    "step_trainer_trusted",
    "machine_learning_curated",
]
# the rows machine_learning_curated starts from: readings paired on the same millisecond
PAIRS = "same_millisecond_pairs"

REASONS = {
    "quarantined": "quarantined: the line breaks the landing contract",
    "erased": "erased on request: a line of a customer on the tombstone list",
    "held_back": "held back: the customer has a quarantined record (it may be a withdrawal)",
    "superseded": "an earlier record of the same customer (the latest one counts)",
    "withdrawn": "withdrawn: the customer's latest record takes consent back",
    "no_consent": "no consent to research use",
    "before_consent": "taken before consent (strict mode)",
    "duplicate_delivery": "duplicate delivery: the same reading delivered again",
    "no_trusted_reading": "no accelerometer reading after consent",
    "no_curated_owner": "device of no curated customer",
    "non_consenting_owner": "device of a non-consenting owner (a shared serial number)",
    "cross_person_pair": "cross-person pair excluded: another person's phone (strict mode)",
}


@dataclass(frozen=True)
class Step:
    """One zone table: the upstream rows it starts from and the reasons rows leave."""

    table: str
    upstream: str
    reasons: tuple[str, ...]


STEPS = [
    Step(
        "customer_trusted",
        "customer_landing",
        ("quarantined", "erased", "held_back", "superseded", "withdrawn", "no_consent"),
    ),
    Step("customer_curated", "customer_trusted", ("no_trusted_reading",)),
    Step(
        "accelerometer_trusted",
        "accelerometer_landing",
        ("quarantined", "erased", "held_back", "withdrawn", "no_consent", "before_consent")
        + ("duplicate_delivery",),
    ),
    Step(
        "step_trainer_trusted",
        "step_trainer_landing",
        ("quarantined", "no_curated_owner", "non_consenting_owner", "before_consent")
        + ("duplicate_delivery",),
    ),
    Step("machine_learning_curated", PAIRS, ("cross_person_pair",)),
]

TEMPLATE = Path(__file__).with_name("zone_report.html.j2")


def exclusion_table(rows: list[list[object]]) -> dict[str, dict[str, int]]:
    """The logged rows (zone_table, reason, row_count) as {zone table: {reason: rows}}."""
    table: dict[str, dict[str, int]] = {}
    for zone, reason, count in rows:
        table.setdefault(str(zone), {})[str(reason)] = int(count)  # type: ignore[call-overload]
    return table


def render(counts: dict[str, int | None], exclusions: dict[str, object] | None, title: str) -> str:
    """The page: the funnel of `counts`, then each zone's reasons from `exclusions`."""
    left = exclusion_table(exclusions["rows"]) if exclusions else None  # type: ignore[arg-type]
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    names = {"funnel": FUNNEL, "steps": STEPS, "reasons": REASONS, "pairs": PAIRS}
    largest = max((counts.get(name) or 0 for name in FUNNEL), default=0)
    return page.render(title=title, counts=counts, left=left, funnel_largest=largest, **names)


def write(path: Path, counts: dict[str, int | None], exclusions: dict[str, object] | None) -> None:
    """Write the page of one build to `path` (target/zone_report.html)."""
    mode = exclusions.get("mode") if exclusions else None
    target = exclusions.get("target") if exclusions else None
    detail = ", ".join(str(part) for part in (target, mode) if part)
    title = "STEDI zone report" + (f" ({detail})" if detail else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(counts, exclusions, title), encoding="utf-8")
