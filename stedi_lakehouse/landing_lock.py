"""One writer per landing root: load_landing.py and erase_customer.py take this lock to write.

Locally it is an exclusive, non-blocking `flock` on `{root}/.load_landing.lock`, a hidden file
at the root that no landing table reads, removed when the run ends; the kernel releases the
flock when the process ends, however it ends, so a local lock is never stale. On S3 it is the
object `{prefix}.load_landing.lock`, created only when absent (a conditional PUT,
`If-None-Match: *`) and holding who took it, when and where; it is deleted when the run ends,
also on failure or interrupt. A run killed hard, or cut off from S3, leaves it behind: a later
run on the same host takes over a lock whose process is gone, and any other run refuses,
saying how to remove a stale lock.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any

import botocore.exceptions as bce

from stedi_lakehouse.aws import aws_errors, explain_aws_error
from stedi_lakehouse.destinations import Destination
from stedi_lakehouse.errors import EXIT_AWS_ERROR, EXIT_INVALID_INPUT, LoaderError
from stedi_lakehouse.s3_destination import S3Destination
from stedi_lakehouse.sources import S3Location

LOCK_NAME = ".load_landing.lock"
CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_HELD_HERE: set[str] = set()  # tokens of the locks this process holds now


def _about_me(holder: str) -> dict[str, Any]:
    """Who takes the lock: the program, host, process, time and a token of this taking."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "holder": holder,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": now,
        "token": uuid.uuid4().hex,
    }


def _who(info: dict[str, Any] | None) -> str:
    """Name a lock's holder: 'load_landing.py (pid 12 on host h, since 2025-01-01T00:00:00Z)'."""
    if not info:
        return "load_landing.py or erase_customer.py"
    return (
        f"{info.get('holder', 'run')} (pid {info.get('pid', '?')} on host "
        f"{info.get('host', '?')}, since {info.get('since', '?')})"
    )


def _parse(data: bytes) -> dict[str, Any] | None:
    """The holder recorded in a lock, if it can be read."""
    try:
        info = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def _gone(info: dict[str, Any] | None) -> bool:
    """Tell whether a lock's holder ran on this host and has ended (or is an earlier run here)."""
    if not info or info.get("host") != socket.gethostname() or not isinstance(info.get("pid"), int):
        return False
    if info["pid"] == os.getpid():
        return info.get("token") not in _HELD_HERE
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, as another user
    return False


def _same_file(fd: int, path: Path) -> bool:
    """Tell whether an open file is still the one at path (not removed by its last holder)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


class LandingLock:
    """The lock of one landing root (a local directory or an S3 prefix)."""

    def __init__(
        self,
        root: Path | S3Location,
        client: Any,
        holder: str,
        exit_code: int,
        put_args: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.client = client
        self.put_args = put_args or {}  # the destination's server-side encryption, if any
        self.exit_code = exit_code
        self.me = _about_me(holder)
        self.note: str | None = None  # said when a stale lock was taken over
        self._fd: int | None = None
        self._path = Path()
        self._etag: str | None = None

    def __enter__(self) -> LandingLock:
        """Take the lock, or refuse with one sentence naming who holds it."""
        if isinstance(self.root, S3Location):
            self._take_s3(self.root)
        else:
            self._take_local(self.root)
        _HELD_HERE.add(self.me["token"])
        return self

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        """Release the lock; a failure to release is said unless another error is on its way."""
        self.release(quiet=exc is not None)

    def _take_local(self, root: Path) -> None:
        path = root / LOCK_NAME
        while True:
            try:
                root.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                message = f"Cannot create {path}: {exc.strerror}."
                raise LoaderError(message, EXIT_INVALID_INPUT) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                info = _parse(os.pread(fd, 4096, 0))
                os.close(fd)
                raise LoaderError(
                    f"Another {_who(info)} is writing to {root}; wait for it to finish, then "
                    "run again.",
                    self.exit_code,
                ) from None
            except OSError as exc:
                os.close(fd)
                message = f"Cannot lock {path}: {exc.strerror}."
                raise LoaderError(message, EXIT_INVALID_INPUT) from exc
            if _same_file(fd, path):
                break
            os.close(fd)  # the holder removed the file as we opened it: take the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(self.me).encode() + b"\n", 0)
        self._fd, self._path = fd, path

    def _put(self, location: S3Location, **condition: str) -> None:
        response = self.client.put_object(
            Bucket=location.bucket,
            Key=location.prefix + LOCK_NAME,
            Body=json.dumps(self.me).encode(),
            ContentType="application/json",
            **self.put_args,
            **condition,
        )
        self._etag = response.get("ETag")

    def _take_s3(self, location: S3Location) -> None:
        uri = f"s3://{location.bucket}/{location.prefix}{LOCK_NAME}"
        with aws_errors(location.bucket, "destination"):
            try:
                self._put(location, IfNoneMatch="*")
                return
            except bce.ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) not in CONFLICT_CODES:
                    raise
            try:
                held = self.client.get_object(
                    Bucket=location.bucket, Key=location.prefix + LOCK_NAME
                )
                info, etag = _parse(held["Body"].read()), held["ETag"]
            except bce.ClientError:
                info, etag = None, None  # released meanwhile: refuse all the same, it is rare
            if etag and _gone(info):
                try:
                    self._put(location, IfMatch=etag)
                    self.note = f"took over the stale lock {uri} of {_who(info)}, which has ended"
                    return
                except bce.ClientError as exc:
                    if str(exc.response.get("Error", {}).get("Code")) not in CONFLICT_CODES:
                        raise
        raise LoaderError(
            f"Another {_who(info)} holds the lock {uri}; if that run has ended, the lock is "
            f"stale: remove it with `aws s3 rm {uri}`, then run again.",
            self.exit_code,
        )

    def release(self, quiet: bool = False) -> None:
        """Give the lock up: close the local file, or delete the S3 object if it is still ours."""
        _HELD_HERE.discard(self.me["token"])
        if self._fd is not None:
            # removed while still locked, so that no later run can lock a file gone from the root
            self._path.unlink(missing_ok=True)
            os.close(self._fd)  # the kernel drops the flock with the last descriptor
            self._fd = None
        if self._etag is None or not isinstance(self.root, S3Location):
            return
        location, etag, self._etag = self.root, self._etag, None
        try:
            self.client.delete_object(
                Bucket=location.bucket, Key=location.prefix + LOCK_NAME, IfMatch=etag
            )
        except bce.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in CONFLICT_CODES | {"NoSuchKey"}:
                return  # taken over by another run: no longer ours to delete
            if not quiet:
                raise self._not_released(location, exc) from exc
        except bce.BotoCoreError as exc:
            if not quiet:
                raise self._not_released(location, exc) from exc

    def _not_released(self, location: S3Location, exc: Exception) -> LoaderError:
        uri = f"s3://{location.bucket}/{location.prefix}{LOCK_NAME}"
        reason = str(explain_aws_error(exc, location.bucket, "destination")).rstrip(".")
        return LoaderError(
            f"The lock {uri} could not be removed ({reason}); a later run on this host takes it "
            f"over, or remove it with `aws s3 rm {uri}`.",
            EXIT_AWS_ERROR,
        )


def open_lock(destination: Destination, holder: str, exit_code: int) -> LandingLock:
    """The lock of a destination's landing root."""
    if isinstance(destination, S3Destination):  # the lock object gets the same encryption
        sse = {k: v for k, v in destination.extra_args.items() if k.startswith(("SSE", "Server"))}
        return LandingLock(destination.location, destination.client, holder, exit_code, sse)
    return LandingLock(destination.root, None, holder, exit_code)
