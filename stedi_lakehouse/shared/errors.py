"""The exit codes of load_landing.py and erase_customer.py, one table for both, and their errors.

| code | load_landing.py                           | erase_customer.py                       |
|------|-------------------------------------------|-----------------------------------------|
| 0    | every delivery loaded or skipped          | erased (or, with --dry-run, would be)   |
| 1    | an unexpected error, in one sentence      | the same                                |
| 2    | invalid input                             | invalid input                           |
| 3    | a file was refused                        | (not used)                              |
| 4    | AWS/S3 error                              | AWS/S3 error                            |
| 5    | another run holds the landing root's lock | the same                                |
| 6    | (not used)                                | an e-mail had no landing line           |
| 130  | interrupted                               | interrupted                             |

docs/loader.md and docs/erasure.md say what each means for each command.
"""

EXIT_OK = 0
EXIT_UNEXPECTED = 1  # a failure nobody foresaw, said in one sentence (never a traceback)
EXIT_INVALID_INPUT = 2
EXIT_REFUSED = 3
EXIT_AWS_ERROR = 4
EXIT_LOCKED = 5  # another run holds the landing root's lock
EXIT_NOT_FOUND = 6  # an erased customer had no landing line
EXIT_INTERRUPTED = 130


class LoaderError(Exception):
    """A failure that ends the run with a one-sentence message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FileRefused(Exception):
    """One file cannot be loaded: the run goes on without it; the message is one sentence."""


def _detail(exc: BaseException) -> str:
    """An exception's type and message on one line: 'RuntimeError: the disk is on fire'."""
    detail = " ".join(str(exc).split()).rstrip(".")
    return f"{type(exc).__name__}{': ' if detail else ''}{detail}"


def last_resort(exc: BaseException, rerun: str) -> LoaderError:
    """Any failure of a command as the error it ends with: never a traceback.

    rerun says what running the command again does ('rerunning is safe').
    """
    if isinstance(exc, LoaderError):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        return LoaderError(f"Interrupted; {rerun}.", EXIT_INTERRUPTED)
    return LoaderError(f"Unexpected {_detail(exc)}; {rerun}.", EXIT_UNEXPECTED)


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
    return f"{location} could not be loaded ({_detail(exc)})."
