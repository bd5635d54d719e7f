"""What the loader says: a line per file (source -> landing file), the skipped files, the totals."""

from typing import Any

from tqdm import tqdm

from stedi_lakehouse.loader.discover import Skipped
from stedi_lakehouse.loader.load import FileResult
from stedi_lakehouse.shared.contract import datasets
from stedi_lakehouse.shared.names import CONTROL

PROBLEMS_SHOWN_PER_FILE = 5  # in the report of a file; the JSON summary has up to 1,000


def describe_result(result: FileResult) -> list[str]:
    """Render one file's outcome as a line plus its refusal or bad-line report."""
    verb = {"skipped": "unchanged", "refused": "REFUSED"}.get(result.action, result.action)
    line = f"{verb:<12} {result.source} -> {result.destination}"
    if result.action != "refused" or result.bad_lines:  # a file refused unread has no count
        line += f"  {result.records:,} records"
    if result.certified:
        line += ", certified"
    if result.normalised:
        line += f"; normalised: {', '.join(result.normalised)}"
    lines = [line]
    if result.refusal:
        lines.append(f"  {result.refusal}")
    for problem in result.problems[:PROBLEMS_SHOWN_PER_FILE]:
        detail = f" ({problem.detail})" if problem.detail else ""
        lines.append(f"  {result.source}: line {problem.line}: {problem.reason}{detail}")
    hidden = result.bad_lines - min(len(result.problems), PROBLEMS_SHOWN_PER_FILE)
    if hidden:
        lines.append(f"  {result.source}: ... and {hidden:,} more bad lines")
    return lines


def describe_skipped(skipped: Skipped) -> str:
    """Render a file of a dataset folder that is not loaded; a control character is escaped."""
    verb = "litter" if skipped.litter else "NOT LOADED"
    source = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", skipped.source)
    return f"{verb:<12} {source}: {skipped.reason}"


class Reporter:
    """Progress output: tqdm bars (files, bytes) on a terminal, a plain line per file otherwise."""

    def __init__(self, stream: Any, files: int, total_bytes: int) -> None:
        self.stream = stream
        self.bars: list[tqdm] = []
        if stream.isatty():
            by_bytes = {"unit": "B", "unit_scale": True, "desc": "bytes", "position": 1}
            self.bars = [tqdm(total=files, unit="file", desc="files", file=stream, position=0)]
            self.bars.append(tqdm(total=total_bytes, file=stream, **by_bytes))

    def say(self, text: str) -> None:
        """Print a line without disturbing the progress bars."""
        if self.bars:
            tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def file_done(self, result: FileResult) -> None:
        """Report a file: every file as a plain line, only notable ones under a progress bar."""
        notable = result.normalised or result.bad_lines or result.action == "refused"
        if notable or not self.bars:
            for line in describe_result(result):
                self.say(line)

    def advance(self, size: int) -> None:
        """Count one more file of the given size as done."""
        if self.bars:
            self.bars[0].update(1)
            self.bars[1].update(size)

    def close(self) -> None:
        """Close the progress bars."""
        for bar in reversed(self.bars):
            bar.close()


def summarise(
    results: list[FileResult], deleted: list[str], skipped: list[Skipped], seconds: float
) -> dict[str, Any]:
    """Count what happened, overall and per dataset."""
    written = ("uploaded", "copied", "would-upload", "would-copy")
    kept = [r for r in results if r.action != "refused"]
    return {
        "files": len(results),
        "uploaded": sum(r.action in written for r in results),
        "copied_server_side": sum(r.action in ("copied", "would-copy") for r in results),
        "skipped_unchanged": sum(r.action == "skipped" for r in results),
        "normalised": sum(bool(r.normalised) for r in results),
        "certified": sum(r.certified for r in results),
        "refused": sum(r.action == "refused" for r in results),
        "not_loaded": sum(not s.litter for s in skipped),
        "litter": sum(s.litter for s in skipped),
        "deleted": len(deleted),
        "records": sum(r.records for r in kept),
        "bad_lines": sum(r.bad_lines for r in kept),
        "bytes": sum(r.bytes for r in results),
        "seconds": round(seconds, 3),
        "records_by_dataset": {
            d.name: sum(r.records for r in kept if r.dataset == d.name) for d in datasets()
        },
    }


def summary_line(totals: dict[str, Any], dry_run: bool) -> str:
    """Render the closing summary as one line."""
    would = "would be " if dry_run else ""
    by_dataset = ", ".join(f"{k} {v:,}" for k, v in totals["records_by_dataset"].items())
    others = ""
    if totals["not_loaded"] or totals["litter"]:
        others = f"{totals['not_loaded']} other files not loaded, {totals['litter']} litter; "
    return (
        f"{'Dry run (nothing written)' if dry_run else 'Done'} in {totals['seconds']:.1f} s: "
        f"{totals['files']} files, {totals['uploaded']} {would}uploaded "
        f"({totals['copied_server_side']} copied server-side), "
        f"{totals['skipped_unchanged']} skipped unchanged, {totals['normalised']} normalised, "
        f"{totals['certified']} certified, {totals['refused']} refused; "
        f"{others}{totals['deleted']} {would}deleted; "
        f"{totals['records']:,} records ({by_dataset}), {totals['bad_lines']:,} bad lines; "
        f"{totals['bytes']:,} bytes {would}written."
    )
