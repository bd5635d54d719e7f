"""What the contract found, and the zone counts of both engines side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.layout import ZONE_TABLES


@dataclass
class Report:
    """What the contract found; written as JSON with --report."""

    statements: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    statement_problems: list[str] = field(default_factory=list)
    tests_checked: int = 0
    iam_calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    iam_problems: list[str] = field(default_factory=list)
    sqlglot_checked: int = 0
    trino_checked: int = 0
    s3_problems: list[str] = field(default_factory=list)
    landing_files_kept: int = 0
    athena_counts: dict[str, dict[str, int | None]] = field(default_factory=dict)
    spark_counts: dict[str, dict[str, int | None]] = field(default_factory=dict)
    rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    spark_rejected: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    lint_files: int = 0
    lint_problems: list[str] = field(default_factory=list)
    replay_problems: list[str] = field(default_factory=list)
    unit_tests: dict[str, Any] = field(default_factory=dict)  # unit_tests.UnitTestRun.as_dict
    # per mode, the trusted and curated Glue tables and columns whose descriptions were checked
    docs_checked: dict[str, list[int]] = field(default_factory=dict)
    docs_problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """Every failed check, one line each."""
        mismatches = [
            f"zone counts differ for {key}: Spark {self.spark_counts[key]}, Athena SQL on "
            f"DuckDB {self.athena_counts[key]}"
            for key in self.spark_counts
            if self.spark_counts[key] != self.athena_counts.get(key)
        ]
        mismatches += [
            f"the quarantine differs for {key}: Spark {self.spark_rejected[key]}, Athena SQL on "
            f"DuckDB {self.rejected.get(key)}"
            for key in self.spark_rejected
            if self.spark_rejected[key] != self.rejected.get(key)
        ]
        return (
            self.statement_problems
            + self.iam_problems
            + self.s3_problems
            + self.replay_problems
            + self.unit_tests.get("problems", [])
            + self.docs_problems
            + mismatches
            + self.lint_problems
        )


def print_counts(report: Report) -> None:
    """The zone counts of both engines side by side, `!` where they differ."""
    keys = list(report.athena_counts)
    if not keys:
        return
    print("\nZone counts: Spark build | Athena SQL on DuckDB")
    print("".ljust(25) + "".join(key.center(22) for key in keys))
    print("".ljust(25) + "".join(f"{'spark':>10} {'athena':>10} " for _ in keys))
    for table in ZONE_TABLES:
        cells = ""
        for key in keys:
            athena = report.athena_counts[key].get(table)
            spark = report.spark_counts[key].get(table) if key in report.spark_counts else "-"
            mark = "!" if spark not in ("-", athena) else " "
            cells += f"{_number(spark):>10} {_number(athena):>10}{mark}"
        print(table.ljust(25) + cells)


def _number(value: object) -> str:
    """A count with thousands separators; `missing` for a table that was not built."""
    if value is None:
        return "missing"
    return f"{value:,}" if isinstance(value, int) else str(value)
