"""Which files of a source are deliveries: every file under each dataset folder, in one listing.

A delivery (shared/names.py) lies directly in a dataset folder or in its `landing/` subfolder.
Everything else found under a dataset folder is named with the reason it is not loaded:
operating-system litter (no problem), other extensions, other subfolders, names with control
characters, symbolic links (never followed) and FIFOs, sockets or devices. Files outside the
dataset folders are not the loader's business.
"""

from dataclasses import dataclass

from stedi_lakehouse.shared.contract import Dataset, datasets
from stedi_lakehouse.shared.errors import EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.shared.names import is_delivery, is_litter, landing_name, name_problem
from stedi_lakehouse.shared.storage import Listed, Storage

LITTER = "an operating system's file, not a delivery"
NOT_DELIVERY = "not a delivery (deliveries are named *.json, *.jsonl or *.json.gz)"
SUBFOLDER = "in a subfolder other than landing/, where no delivery is looked for"


@dataclass(frozen=True)
class SourceFile:
    """One delivery: its dataset, where it is in the source (and in which version), its name."""

    dataset: Dataset
    listed: Listed  # its path in the source, size and version
    location: str  # the local path or s3:// URI it is read from
    name: str  # its file name

    @property
    def target(self) -> str:
        """The file's path relative to the destination root, under its landing name."""
        return f"{self.dataset.name}/landing/{landing_name(self.name)}"


@dataclass(frozen=True)
class Skipped:
    """A file of a dataset folder that is not loaded, and why; litter is no problem."""

    source: str
    reason: str
    litter: bool = False


@dataclass
class Discovery:
    """A source's deliveries (sorted by target) and the files of its dataset folders skipped."""

    files: list[SourceFile]
    skipped: list[Skipped]


def why_not_loaded(parts: list[str]) -> str | None:
    """Why a file (its path parts below the dataset folder) is no delivery, or None if it is."""
    name = parts[-1]
    if is_litter(parts):
        return LITTER
    problem = name_problem(name)
    if problem:
        return problem
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system could not decode, kept as surrogates
        return "its name is not valid UTF-8"
    if not is_delivery(name):
        return NOT_DELIVERY
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "landing"):
        return SUBFOLDER
    return None


def discover(source: Storage) -> Discovery:
    """Find the deliveries of a source, listing it once."""
    source.prepare()
    by_folder = {folder: dataset for dataset in datasets() for folder in dataset.folders}
    found, anything = Discovery([], []), False
    for listed in source.list():
        anything = True
        parts = listed.path.split("/")
        dataset = by_folder.get(parts[0])
        if dataset is None or (len(parts) < 2 and not listed.problem):
            continue  # outside the dataset folders, or a file named like one
        location = source.describe(listed.path)
        reason = listed.problem or why_not_loaded(parts[1:])
        if reason:
            found.skipped.append(Skipped(location, reason, litter=reason == LITTER))
        else:
            found.files.append(SourceFile(dataset, listed, location, parts[-1]))
    return _check_found(found, source.describe(""), anything)


def _check_found(found: Discovery, source: str, anything: bool) -> Discovery:
    """Fail clearly when a source is empty, holds no delivery, or two files would collide."""
    if not anything:
        raise LoaderError(f"Source {source} is empty.", EXIT_INVALID_INPUT)
    if not found.files:
        raise LoaderError(
            f"No dataset files found in {source}; expected customer/ (or customers/), "
            "accelerometer/ and step_trainer/ folders with *.json, *.jsonl or *.json.gz files.",
            EXIT_INVALID_INPUT,
        )
    seen: dict[str, str] = {}
    for file in sorted(found.files, key=lambda f: f.location):
        if file.target in seen:
            raise LoaderError(
                f"{seen[file.target]} and {file.location} would both land at {file.target}.",
                EXIT_INVALID_INPUT,
            )
        seen[file.target] = file.location
    found.files.sort(key=lambda f: f.target)
    found.skipped.sort(key=lambda s: s.source)
    return found
