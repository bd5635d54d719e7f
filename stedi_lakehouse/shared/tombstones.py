"""The erasure tombstone list: the dbt seed `erased_customers`, which holds no personal data.

One row per erased customer: the SHA-256 of the normalised e-mail, when the erasure was
recorded and the request's id. The parsed landing models read it, so that no line of an erased
customer reaches a zone, even from an old file delivered again. The seed lives in
`tombstones/` of the project, or in the folder that STEDI_TOMBSTONES_DIR names (a test, or a
second landing root, keeps a list of its own); dbt_project.yml reads the same variable.

That folder must lie inside the project: dbt writes each seed's SQL to target/run/ under the
seed's path, which for an absolute path is the seed file itself.
"""

import csv
import io
import os
from dataclasses import astuple, dataclass
from pathlib import Path

from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.shared.local_storage import LocalStorage

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOMBSTONES_DIR_VARIABLE = "STEDI_TOMBSTONES_DIR"
SEED_FILE = "erased_customers.csv"
COLUMNS = ("email_sha256", "erased_at", "request_id")


@dataclass(frozen=True)
class Tombstone:
    """One erased customer, without personal data."""

    email_sha256: str
    erased_at: str  # ISO 8601, UTC
    request_id: str


def default_path() -> Path:
    """The seed file the build reads: in STEDI_TOMBSTONES_DIR or tombstones/."""
    folder = Path(os.environ.get(TOMBSTONES_DIR_VARIABLE) or "tombstones")
    if folder.is_absolute() or ".." in folder.parts:
        raise LoaderError(
            f"{TOMBSTONES_DIR_VARIABLE} must name a folder inside the project, relative to it "
            f"(it is {folder}).",
            EXIT_INVALID_INPUT,
        )
    return (PROJECT_DIR / folder) / SEED_FILE


def read_tombstones(path: Path) -> list[Tombstone]:
    """The tombstones recorded so far; none when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise LoaderError(f"Cannot read {path}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise LoaderError(
            f"{path} is no tombstone list: its first line must be {','.join(COLUMNS)}.",
            EXIT_INVALID_INPUT,
        )
    return [Tombstone(*(row[c] for c in COLUMNS)) for row in reader]


def check_writable(path: Path) -> None:
    """Fail before anything changes when the tombstone list cannot be written."""
    LocalStorage(path.parent, "tombstone list").check_writable("")


def write_tombstones(path: Path, tombstones: list[Tombstone]) -> None:
    """Write the whole list atomically, as the storage writes a file: renamed into place."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(astuple(tombstone) for tombstone in tombstones)
    storage = LocalStorage(path.parent, "tombstone list")
    with storage.staging(path.name) as staged:
        staged.write(buffer.getvalue().encode("utf-8"))
        storage.place(path.name, staged, "")
