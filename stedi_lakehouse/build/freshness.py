"""The landing zone's freshness after a build: `dbt source freshness`, read and reported.

STEDI's readings arrive as a stream, so a landing zone that stopped receiving files would
otherwise train on old data without a word. The thresholds are the dbt vars
landing_warn_after_hours and landing_error_after_hours (dbt_project.yml). A dataset with no
file yet (a first delivery of readings only, say) has no age: dbt dates its newest file to 1970
or earlier, and it is reported as having no file, not as stale.
"""

from collections.abc import Callable
from typing import Any

# worst first: the status a report ends on
STATUS_ORDER = ["runtime error", "error", "warn", "pass", "no file yet"]


def landing_freshness(
    run_dbt: Callable[[list[str]], Any], common: list[str]
) -> tuple[list[str], str]:
    """Run `dbt source freshness` on the landing sources; the report's lines and worst status."""
    outcome = run_dbt(["source", "freshness", "--select", "source:stedi_landing", *common])
    # the project's hooks report a result of their own
    results = [
        result
        for result in getattr(outcome.result, "results", None) or []
        if str(getattr(result.node, "resource_type", "")) == "source"
    ]
    if not results:
        return ["Landing freshness: could not be checked (see dbt's output above)."], "error"
    lines = ["Landing freshness (when the newest delivered file was written):"]
    statuses = []
    for result in sorted(results, key=lambda r: r.node.name):
        newest = getattr(result, "max_loaded_at", None)
        empty = newest is not None and newest.year <= 1970
        status = "no file yet" if empty else str(result.status)
        statuses.append(status)
        age = getattr(result, "age", None)
        shown = "-" if empty or age is None else f"{age / 3600:.1f} h ago"
        lines.append(f"  {result.node.name:<24} {status:<11} {shown}")
    worst = min(statuses, key=STATUS_ORDER.index)
    if worst in ("warn", "error", "runtime error"):
        lines.append(
            f"WARNING: the landing zone is stale ({worst}): no new file within the hours of "
            "the vars landing_warn_after_hours / landing_error_after_hours."
        )
    return lines, worst
