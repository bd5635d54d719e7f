"""Headless Chromium for the tests that look at a page as a person would, and a static server.

Chromium is Debian's `chromium` package (README set-up; .ci/run installs it); tests that need
it are skipped with a message where it is absent.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.net import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium; see README set-up)",
)

# no network beyond the page itself, no first-run chores, no sandbox (CI runs as root)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *flags, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def rendered_dom(url: str, budget_ms: int = 15_000) -> str:
    """The page's DOM after its scripts ran (a single-page app gets `budget_ms` to render)."""
    return _chromium(url, f"--virtual-time-budget={budget_ms}", "--dump-dom").stdout


@contextmanager
def served(directory: Path) -> Iterator[str]:
    """A static HTTP server over `directory` on 127.0.0.1; its base URL, stopped on exit."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
