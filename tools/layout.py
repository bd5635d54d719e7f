"""Where the zones live: the zone report's tables and the Athena folders."""

from __future__ import annotations

from pathlib import Path

# the zone report's tables, in the order of macros/reporting/report_zones.sql
ZONE_TABLES = [
    "customer_landing",
    "accelerometer_landing",
    "step_trainer_landing",
    "customer_trusted",
    "accelerometer_trusted",
    "step_trainer_trusted",
    "customer_curated",
    "machine_learning_curated",
    "landing_rejected_records",
]
# the S3 folders of the trusted and curated tables on Athena (macros/athena_zone_location.sql)
ATHENA_ZONE_FOLDERS = [
    "customer/trusted",
    "accelerometer/trusted",
    "step_trainer/trusted",
    "customer/curated",
    "step_trainer/curated",
]


def landing_files(landing_root: Path, dataset: str) -> list[Path]:
    """The files of a local dataset's landing folder that an external table over it reads.

    Like Hadoop's input formats, names that start with `_` or `.` are skipped.
    """
    folder = landing_root / dataset / "landing"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))
