"""The zone report as a picture: target/zone_report.html, written by every build.

A self-contained page (inline CSS, HTML bars, no script, no external address) with the
funnel of rows from the landing zone to machine_learning_curated and, for each zone table,
how many rows of its upstream table left it and why. The row counts are those of
target/zone_counts.json; the reasons are logged by the on-run-end hook report_zone_exclusions
(macros/reporting/). Only counts are shown, never a row's values, so the page holds no
personal data.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

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

STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
td, th { padding: 0.2em 0.5em; text-align: left; }
td.rows, td.left { text-align: right; font-variant-numeric: tabular-nums; width: 7em; }
td.graph { width: 40%; }
.bar { height: 1em; background: #2a7ab0; }
.bar.left { background: #d9822b; }
tr.total td { border-top: 1px solid #999; font-weight: bold; }
.note { color: #666; }
"""


def _figure(value: int | None) -> str:
    return "not built" if value is None else f"{value:,}"


def _bar(value: int | None, largest: int, kind: str = "") -> str:
    width = 0.0 if not value or largest <= 0 else max(0.5, 100 * value / largest)
    return f'<div class="bar {kind}" style="width: {width:.1f}%"></div>'


def exclusion_table(rows: list[list[object]]) -> dict[str, dict[str, int]]:
    """The logged rows (zone_table, reason, row_count) as {zone table: {reason: rows}}."""
    table: dict[str, dict[str, int]] = {}
    for zone, reason, count in rows:
        table.setdefault(str(zone), {})[str(reason)] = int(count)  # type: ignore[call-overload]
    return table


def _funnel(counts: dict[str, int | None]) -> list[str]:
    largest = max((counts.get(name) or 0 for name in FUNNEL), default=0)
    lines = ["<h2>Rows per zone</h2>", '<table id="funnel">']
    for name in FUNNEL:
        value = counts.get(name)
        lines.append(
            f'<tr><th>{name}</th><td class="rows" data-table="{name}">{_figure(value)}</td>'
            f'<td class="graph">{_bar(value, largest)}</td></tr>'
        )
    quarantined = counts.get("landing_rejected_records")
    lines.append(
        '<tr><th>landing_rejected_records</th><td class="rows" '
        f'data-table="landing_rejected_records">{_figure(quarantined)}</td>'
        f'<td class="graph">{_bar(quarantined, largest, "left")}</td></tr>'
    )
    lines.append("</table>")
    return lines


def _step(step: Step, counts: dict[str, int | None], left: dict[str, int]) -> list[str]:
    upstream = left.get(PAIRS) if step.upstream == PAIRS else counts.get(step.upstream)
    upstream_name = "readings paired on the same millisecond" if step.upstream == PAIRS else None
    largest = upstream or 0
    lines = [f'<h3>{step.table}</h3><table class="step" data-zone="{step.table}">']
    lines.append(
        f"<tr><th>{upstream_name or 'rows of ' + step.upstream}</th>"
        f'<td class="rows" data-table="{step.upstream}">{_figure(upstream)}</td>'
        f'<td class="graph">{_bar(upstream, largest)}</td></tr>'
    )
    for reason in step.reasons:
        value = left.get(reason, 0)
        lines.append(
            f"<tr><td>− {html.escape(REASONS[reason])}</td>"
            f'<td class="left" data-reason="{reason}">{value:,}</td>'
            f'<td class="graph">{_bar(value, largest, "left")}</td></tr>'
        )
    value = counts.get(step.table)
    lines.append(
        f'<tr class="total"><td>= rows of {step.table}</td>'
        f'<td class="rows" data-table="{step.table}">{_figure(value)}</td>'
        f'<td class="graph">{_bar(value, largest)}</td></tr></table>'
    )
    return lines


def render(counts: dict[str, int | None], exclusions: dict[str, object] | None, title: str) -> str:
    """The page: the funnel of `counts`, then each zone's reasons from `exclusions`."""
    body = [f"<h1>{html.escape(title)}</h1>", *_funnel(counts), "<h2>Why rows left each zone</h2>"]
    if exclusions is None:
        body.append('<p class="note">Not known: this build did not rebuild every zone table.</p>')
    else:
        left = exclusion_table(exclusions["rows"])  # type: ignore[arg-type]
        body.append(
            '<p class="note">Each row that leaves is counted once, under the first reason '
            "that applies (docs/rules.md).</p>"
        )
        for step in STEPS:
            body += _step(step, counts, left.get(step.table, {}))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def write(path: Path, counts: dict[str, int | None], exclusions: dict[str, object] | None) -> None:
    """Write the page of one build to `path` (target/zone_report.html)."""
    mode = exclusions.get("mode") if exclusions else None
    target = exclusions.get("target") if exclusions else None
    detail = ", ".join(str(part) for part in (target, mode) if part)
    title = "STEDI zone report" + (f" ({detail})" if detail else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(counts, exclusions, title), encoding="utf-8")
