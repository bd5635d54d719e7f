"""The loader's exit codes and the error that ends a run with one sentence."""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_REFUSED = 3
EXIT_AWS_ERROR = 4
EXIT_INTERRUPTED = 130


class LoaderError(Exception):
    """A failure that ends the run with a one-sentence message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code
