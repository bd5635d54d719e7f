"""An erasure's reading and rewriting of the landing files, streamed: memory stays bounded.

Every file is streamed through the loader's line splitter (loader/line_stream.py) and judged
line by line (lines.py). A file with lines to remove is streamed a second time, in the version
that was listed, into the storage's staging without them, and put in place atomically with the
SHA-256 of its bytes, as the loader writes a file (shared/storage.py): a rerun of the loader
over the same delivery finds it unchanged. No file, nor any line longer than a chunk, is ever
whole in memory.
"""

from collections.abc import Iterator
from contextlib import closing
from typing import Any

from stedi_lakehouse.erasure.lines import (
    Devices,
    Erasure,
    device_owners,
    erased_devices,
    owners,
    whole_lines,
)
from stedi_lakehouse.loader.decoding import CHUNK_BYTES
from stedi_lakehouse.loader.line_stream import HashingWriter, split_lines
from stedi_lakehouse.shared.storage import Listed, Storage

# the customer records name the devices, so they are rewritten last: a rerun after an
# interruption finds the same devices and finishes the job
DATASET_ORDER = ("step_trainer", "accelerometer", "customer")


def landing_files(store: Storage, dataset: str) -> list[Listed]:
    """The files of a dataset's landing folder, at any depth, that a landing table reads.

    Names that start with `.` or `_` are skipped, as the landing tables skip them (a temporary
    file of an interrupted write is one); so is a symbolic link, which is never followed.
    """
    listed = sorted(store.list(f"{dataset}/landing/"), key=lambda item: item.path)
    return [i for i in listed if not i.problem and i.path.rsplit("/", 1)[-1][0] not in "._"]


def chunks(store: Storage, listed: Listed) -> Iterator[bytes]:
    """A file's bytes in chunks, in the version that was listed."""
    with closing(store.open(listed.path, listed.version)) as handle:
        yield from iter(lambda: handle.read(CHUNK_BYTES), b"")


def plan(store: Storage, emails: list[str], tombstoned: set[str]) -> tuple[Erasure, Devices]:
    """Which customers and devices go: the devices from the customer records."""
    files = landing_files(store, "customer")
    lines = (line for listed in files for line in whole_lines(chunks(store, listed)))
    devices = erased_devices(device_owners(lines), emails, tombstoned)
    return Erasure(emails, serials=devices.removed), devices


def rewrite_file(store: Storage, listed: Listed, going: set[int]) -> None:
    """Stream a file into the storage's staging without the lines going; put it in place."""
    with store.staging(listed.path) as staged:
        out = HashingWriter(staged, store.describe(listed.path))
        number = 1
        for text, ending in split_lines(chunks(store, listed)):
            if number not in going:
                out.write(text + (ending or b""))
            number += ending is not None
        out.flush()
        store.place(listed.path, staged, out.hash.hexdigest(), None)


def rewrite(store: Storage, erasure: Erasure, dry_run: bool) -> dict[str, Any]:
    """Remove the lines from every file, dataset by dataset; count them per file and owner."""
    removed: dict[str, dict[str, int]] = {}
    found: set[str] = set()
    for dataset in DATASET_ORDER:
        removed[dataset] = {}
        for listed in landing_files(store, dataset):
            going = enumerate(owners(chunks(store, listed), dataset, erasure), 1)
            lines = {number: owner for number, owner in going if owner}
            if not lines:
                continue
            found.update(lines.values())
            removed[dataset][store.describe(listed.path)] = len(lines)
            if not dry_run:
                rewrite_file(store, listed, set(lines))
    return {"removed": removed, "found": found}


def check_folders(store: Storage) -> None:
    """Fail, changing nothing, when a landing folder with files cannot be written."""
    for dataset in DATASET_ORDER:
        if landing_files(store, dataset):
            store.check_writable(f"{dataset}/landing")
