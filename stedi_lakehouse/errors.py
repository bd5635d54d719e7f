"""The loader's exit codes; the error that ends a run and the refusal of a file, in one sentence."""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1  # a failure nobody foresaw, said in one sentence (never a traceback)
EXIT_INVALID_INPUT = 2
EXIT_REFUSED = 3
EXIT_AWS_ERROR = 4
EXIT_LOCKED = 5  # another run holds the landing root's lock
EXIT_INTERRUPTED = 130


class LoaderError(Exception):
    """A failure that ends the run with a one-sentence message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FileRefused(Exception):
    """One file cannot be loaded: the run goes on without it; the message is one sentence."""


def failure_sentence(location: str, exc: BaseException) -> str:
    """Say in one sentence why an unforeseen failure refused a file."""
    if isinstance(exc, MemoryError):
        return f"{location} needs more memory than there is to read it."
    if isinstance(exc, RecursionError):
        return f"{location} nests too deeply to be read."
    if isinstance(exc, UnicodeError):
        reason = getattr(exc, "reason", None) or str(exc)
        return f"{location} holds text that cannot be decoded ({reason})."
    if isinstance(exc, OSError):
        return f"Cannot read {location}: {exc.strerror or exc}."
    detail = " ".join(str(exc).split()).rstrip(".")
    return f"{location} could not be loaded ({type(exc).__name__}{': ' if detail else ''}{detail})."
