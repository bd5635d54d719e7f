"""Which files of a dataset folder are deliveries, and the name each has in the landing zone.

A delivery is a file named `*.json` or `*.jsonl`, in any case, optionally gzip-compressed
(`*.json.gz`). Spark's and Athena's file sources skip names that begin with `_` or `.`, so the
landing name of such a file escapes its first character (`_x.json` lands as `%5Fx.json`), and
of a name beginning with `%` too, so that no two names land as one. A compressed delivery lands
decompressed, without its `.gz`. Operating-system files (macOS's `.DS_Store`, `._*` and
`__MACOSX/`, Windows's `Thumbs.db` and `desktop.ini`) are no delivery and no problem either:
they are skipped and said. docs/loader.md states these rules.
"""

import re
from collections.abc import Sequence

DELIVERY = re.compile(r"\.jsonl?(\.gz)?$", re.IGNORECASE)
LITTER_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
LITTER_FOLDER = "__MACOSX"
ESCAPED_FIRST = "_.%"  # Spark and Athena hide names beginning with _ or .; % is the escape
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_litter(parts: Sequence[str]) -> bool:
    """Tell whether a path (its parts below the dataset folder) is an operating system's file."""
    name = parts[-1]
    return LITTER_FOLDER in parts[:-1] or name.lower() in LITTER_NAMES or name.startswith("._")


def is_delivery(name: str) -> bool:
    """Tell whether a file name is that of a delivery (JSON lines, maybe gzip-compressed)."""
    return bool(DELIVERY.search(name))


def is_compressed(name: str) -> bool:
    """Tell whether a delivery's name says it is gzip-compressed."""
    return name.lower().endswith(".gz")


def name_problem(name: str) -> str | None:
    """Why a name cannot land as it is, or None: control characters break engines' file lists."""
    if CONTROL.search(name):
        return "its name holds a control character"
    return None


def landing_name(name: str) -> str:
    """The name a delivery has in the landing zone: decompressed, and visible to every engine."""
    if is_compressed(name):
        name = name[: -len(".gz")]
    if name[:1] in ESCAPED_FIRST:
        name = f"%{ord(name[0]):02X}{name[1:]}"
    return name
