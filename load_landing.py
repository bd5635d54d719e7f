"""Load the STEDI landing datasets into an S3 bucket or a local directory.

    python load_landing.py SOURCE DEST [options]

SOURCE is a local directory or ``s3://bucket/prefix`` holding ``customer/`` (or the public
bucket's ``customers/``), ``accelerometer/`` and ``step_trainer/`` folders, with the JSON files
either in a ``landing/`` subfolder or directly in the dataset folder. DEST is
``s3://bucket/prefix`` or a local directory; every file lands at
``{prefix}/{dataset}/landing/{file name}``.

Each file is checked line by line against the data contract (docs/rules.md) before it is
written: bad lines are reported with file, line number and reason, and loaded as they are
(the landing zone keeps raw data) unless ``--strict`` refuses the whole file. Files are
normalised to JSON lines (CRLF to LF, JSON arrays and pretty-printed objects to one compact
object per line, a trailing newline); valid one-object-per-line input is never re-serialised.

Runs are idempotent: a file whose normalised SHA-256 equals the one stored with the
destination object (S3 metadata ``sha256``) or the existing local file's is skipped; a file
whose bytes the destination already holds is skipped without being parsed again (its lines
were checked when it was written), so that a rerun over a large landing zone is quick. S3 writes
go through boto3's transfer manager with a SHA-256 checksum on every PUT and part; an S3 source
that needs no normalisation is copied server-side. Local writes go to a temporary file that is
renamed into place, so no partial file is ever visible.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions as bce
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from tqdm import tqdm

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_REFUSED = 3
EXIT_AWS_ERROR = 4
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""\
exit codes:
  {EXIT_OK}    every file loaded or skipped unchanged (bad lines without --strict are
       reported, loaded as they are, and do not change the exit code)
  {EXIT_INVALID_INPUT}    invalid input: bad arguments, missing or empty source, no dataset
       folders, unreadable source file, unwritable local destination
  {EXIT_REFUSED}    --strict refused at least one file with malformed lines (the other files
       were loaded)
  {EXIT_AWS_ERROR}    AWS/S3 error: missing bucket, access denied, no credentials, endpoint
       unreachable, or another S3 error; the run stopped (rerunning is safe)

environment: AWS_ENDPOINT_URL, AWS_PROFILE, AWS_REGION and AWS_MAX_ATTEMPTS are honoured.
example: python load_landing.py data/sample data/landing --delete
"""

PROBLEMS_SHOWN_PER_FILE = 5
MULTIPART_THRESHOLD = 8 * 1024 * 1024
TRANSFER_CONCURRENCY = 4
CONTENT_TYPE = "application/x-ndjson"
METADATA_SHA256 = "sha256"  # stored as x-amz-meta-sha256


class LoaderError(Exception):
    """A failure that ends the run with a one-sentence message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- data contract


@dataclass(frozen=True)
class Dataset:
    """One landing dataset: its name, accepted source folder names and key types."""

    name: str
    folders: tuple[str, ...]
    required: tuple[str, ...]
    types: dict[str, str]  # lower-case key -> "string" | "bigint" | "int" | "double"


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="customer",
        folders=("customer", "customers"),
        required=("email", "lastupdatedate"),  # the models need both to pick the current record
        types={
            "customername": "string",
            "email": "string",
            "phone": "string",
            "birthday": "string",
            "serialnumber": "string",
            "registrationdate": "bigint",
            "lastupdatedate": "bigint",
            "sharewithresearchasofdate": "bigint",
            "sharewithpublicasofdate": "bigint",
            "sharewithfriendsasofdate": "bigint",
        },
    ),
    Dataset(
        name="accelerometer",
        folders=("accelerometer",),
        required=("user", "timestamp"),
        types={
            "user": "string",
            "timestamp": "bigint",
            "x": "double",
            "y": "double",
            "z": "double",
        },
    ),
    Dataset(
        name="step_trainer",
        folders=("step_trainer",),
        required=("sensorreadingtime", "serialnumber"),
        types={
            "sensorreadingtime": "bigint",
            "serialnumber": "string",
            "distancefromobject": "int",
        },
    ),
)

INTEGER_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def _json_type(value: Any) -> str:
    """Name the JSON type of a parsed value without echoing (possibly personal) strings."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _type_ok(value: Any, kind: str) -> bool:
    """Tell whether a value fits a contract type; null counts as absent and fits."""
    if value is None:
        return True
    if kind == "string":
        return isinstance(value, str)
    if isinstance(value, bool):
        return False
    if kind == "double":
        return isinstance(value, int | float)
    low, high = INTEGER_RANGES[kind]
    return isinstance(value, int) and low <= value <= high


def validate_record(record: Any, dataset: Dataset) -> str | None:
    """Return why a parsed record breaks the dataset's contract, or None when it is valid."""
    if not isinstance(record, dict):
        return f"not a JSON object but {_json_type(record)}"
    spelled: dict[str, str] = {}
    for key in record:
        if key.lower() in spelled:
            return f"key '{key}' appears twice (keys are case-insensitive)"
        spelled[key.lower()] = key
    for key in dataset.required:
        if record.get(spelled.get(key, key)) is None:
            return f"required key '{key}' is missing or null"
    for key, kind in dataset.types.items():
        if key in spelled and not _type_ok(record[spelled[key]], kind):
            return (
                f"key '{spelled[key]}' should be {kind} but is {_json_type(record[spelled[key]])}"
            )
    return None


# --------------------------------------------------------------------------- normalisation


@dataclass
class Problem:
    """A bad line: its 1-based line number in the source file and the reason."""

    line: int
    reason: str


@dataclass
class Checked:
    """The outcome of normalising and validating one file."""

    data: bytes
    records: int
    problems: list[Problem]
    changes: list[str]


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _parse_error(exc: ValueError) -> str:
    """Turn a JSON or UTF-8 decoding error into a short reason."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    return f"invalid JSON ({exc})"


def _parse_document(text: str) -> tuple[bool, list[tuple[int, Any]]] | None:
    """Parse a whole file as a JSON array or a sequence of JSON values.

    Return (is_array, [(line number, value), ...]), or None when the text is neither.
    """
    values: list[tuple[int, Any]] = []
    line, seen = 1, 0

    def line_of(pos: int) -> int:
        nonlocal line, seen
        line += text.count("\n", seen, pos)
        seen = pos
        return line

    def skip(pos: int) -> int:
        return _WHITESPACE.match(text, pos).end()

    pos = skip(0)
    try:
        if not text.startswith("[", pos):
            while pos < len(text):
                value, end = _DECODER.raw_decode(text, pos)
                values.append((line_of(pos), value))
                pos = skip(end)
            return False, values
        pos = skip(pos + 1)
        while not text.startswith("]", pos):
            value, end = _DECODER.raw_decode(text, pos)
            values.append((line_of(pos), value))
            pos = skip(end)
            if text.startswith(",", pos) and not text.startswith("]", skip(pos + 1)):
                pos = skip(pos + 1)
            elif not text.startswith("]", pos):
                return None
    except ValueError:
        return None
    return (True, values) if skip(pos + 1) == len(text) else None


def _check_lines(body: bytes, dataset: Dataset) -> tuple[Checked, int]:
    """Validate a file as JSON lines; return the result and the number of unparsable lines."""
    lines = body.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    crlf = False
    records, parse_errors, problems = 0, 0, []
    for number, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = lines[number - 1] = line[:-1]
            crlf = True
        if not line.strip():
            continue
        try:
            record = _DECODER.decode(line.decode("utf-8"))
        except ValueError as exc:
            parse_errors += 1
            problems.append(Problem(number, _parse_error(exc)))
            continue
        reason = validate_record(record, dataset)
        if reason:
            problems.append(Problem(number, reason))
        else:
            records += 1
    changes = ["CRLF line endings converted to LF"] if crlf else []
    data = b"\n".join(lines) + b"\n" if lines else b""
    if lines and not body.endswith(b"\n"):
        changes.append("trailing newline added")
    return Checked(data, records, problems, changes), parse_errors


def _check_document(text: str, dataset: Dataset) -> Checked | None:
    """Convert a JSON array or pretty-printed objects to JSON lines, or return None."""
    parsed = _parse_document(text)
    if parsed is None:
        return None
    is_array, values = parsed
    records, problems, lines = 0, [], []
    for number, value in values:
        reason = validate_record(value, dataset)
        if reason:
            problems.append(Problem(number, reason))
        else:
            records += 1
        lines.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    kind = "JSON array" if is_array else "pretty-printed JSON"
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return Checked(data, records, problems, [f"{kind} converted to JSON lines"])


def normalise(raw: bytes, dataset: Dataset) -> Checked:
    """Normalise one file's bytes to JSON lines and validate every record.

    One-object-per-line files only get LF line endings and a trailing newline; their lines
    are kept byte for byte. A JSON array, or objects spread over several lines, are rewritten
    as one compact object per line, keeping key order and values.
    """
    changes: list[str] = []
    body = raw
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
        changes.append("UTF-8 byte-order mark removed")
    as_lines, parse_errors = _check_lines(body, dataset)
    looks_like_array = body.lstrip().startswith(b"[")
    if parse_errors or looks_like_array:
        try:
            document = _check_document(body.decode("utf-8"), dataset)
        except UnicodeDecodeError:
            document = None
        if document is not None:
            if b"\r\n" in body:
                document.changes.insert(0, "CRLF line endings converted to LF")
            document.changes[:0] = changes
            return document
    as_lines.changes[:0] = changes
    return as_lines


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (empty, or ending in a slash)."""

    bucket: str
    prefix: str

    def __str__(self) -> str:
        """Show the location as an s3:// URI."""
        return f"s3://{self.bucket}/{self.prefix}"


def parse_location(text: str) -> S3Location | Path:
    """Parse a SOURCE or DEST argument into an S3 location or a local path."""
    if not text.startswith("s3://"):
        return Path(text)
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not bucket:
        raise LoaderError(f"'{text}' names no bucket; use s3://bucket/prefix.", EXIT_INVALID_INPUT)
    prefix = prefix.strip("/")
    return S3Location(bucket, prefix + "/" if prefix else "")


@dataclass(frozen=True)
class SourceFile:
    """One source file: its dataset, file name, size and where to read it."""

    dataset: Dataset
    name: str
    size: int
    path: Path | None = None
    bucket: str | None = None
    key: str | None = None
    etag: str | None = None

    @property
    def location(self) -> str:
        """Show where the file is read from."""
        return str(self.path) if self.path else f"s3://{self.bucket}/{self.key}"

    @property
    def target(self) -> str:
        """Return the file's path relative to the destination prefix."""
        return f"{self.dataset.name}/landing/{self.name}"


def _match_dataset(parts: list[str]) -> Dataset | None:
    """Map relative path parts (folder[/landing]/name.json) to a dataset."""
    if len(parts) not in (2, 3) or not parts[-1].endswith(".json") or parts[-1].startswith("."):
        return None
    if len(parts) == 3 and parts[1] != "landing":
        return None
    return next((d for d in DATASETS if parts[0] in d.folders), None)


def _check_found(files: list[SourceFile], source: str, anything: bool) -> list[SourceFile]:
    """Fail clearly when a source holds no dataset files or two files collide."""
    if not anything:
        raise LoaderError(f"Source {source} is empty.", EXIT_INVALID_INPUT)
    if not files:
        raise LoaderError(
            f"No dataset files found in {source}; expected customer/ (or customers/), "
            "accelerometer/ and step_trainer/ folders with .json files.",
            EXIT_INVALID_INPUT,
        )
    seen: dict[str, str] = {}
    for file in files:
        if file.target in seen:
            raise LoaderError(
                f"{seen[file.target]} and {file.location} would both land at {file.target}.",
                EXIT_INVALID_INPUT,
            )
        seen[file.target] = file.location
    return sorted(files, key=lambda f: f.target)


def discover_local(root: Path) -> list[SourceFile]:
    """List the dataset files under a local source directory."""
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise LoaderError(f"Source directory {root} {what}.", EXIT_INVALID_INPUT)
    files = []
    try:
        anything = any(root.iterdir())
        for dataset in DATASETS:
            for folder in dataset.folders:
                for directory in (root / folder, root / folder / "landing"):
                    files += [
                        SourceFile(dataset, path.name, path.stat().st_size, path=path)
                        for path in directory.glob("*.json")
                        if path.is_file() and not path.name.startswith(".")
                    ]
    except OSError as exc:
        where = exc.filename or root
        raise LoaderError(f"Cannot read {where}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc
    return _check_found(files, str(root), anything)


def discover_s3(client: Any, source: S3Location) -> list[SourceFile]:
    """List the dataset objects under an S3 source prefix."""
    files, anything = [], False
    with aws_errors(source.bucket, "source"):
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=source.bucket, Prefix=source.prefix
        )
        for page in pages:
            for obj in page.get("Contents", []):
                anything = True
                parts = obj["Key"][len(source.prefix) :].split("/")
                dataset = _match_dataset(parts)
                if dataset:
                    files.append(
                        SourceFile(
                            dataset,
                            parts[-1],
                            obj["Size"],
                            bucket=source.bucket,
                            key=obj["Key"],
                            etag=obj["ETag"],
                        )
                    )
    return _check_found(files, str(source), anything)


def read_source(client: Any, file: SourceFile) -> bytes:
    """Read a source file's bytes (an S3 object only in the version that was listed)."""
    if file.path is not None:
        try:
            return file.path.read_bytes()
        except OSError as exc:
            raise LoaderError(
                f"Cannot read {file.path}: {exc.strerror}.", EXIT_INVALID_INPUT
            ) from exc
    with aws_errors(file.bucket or "", "source"):
        response = client.get_object(Bucket=file.bucket, Key=file.key, IfMatch=file.etag)
        return response["Body"].read()


# --------------------------------------------------------------------------- AWS errors


def _redact(url: str) -> str:
    """Drop any user:password part from an endpoint URL before showing it."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        parts = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host)
    return urlunsplit(parts)


ACCESS_DENIED_CODES = {
    "AccessDenied",
    "403",
    "Forbidden",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AccountProblem",
}


def explain_aws_error(exc: Exception, bucket: str, role: str) -> LoaderError:
    """Translate a boto3/botocore exception into a one-sentence LoaderError."""
    if isinstance(exc, bce.ProfileNotFound):
        return LoaderError(
            f"AWS profile '{exc.kwargs.get('profile')}' is not configured.", EXIT_AWS_ERROR
        )
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return LoaderError(
            "No AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or pass --profile.",
            EXIT_AWS_ERROR,
        )
    if isinstance(exc, bce.CredentialRetrievalError):
        return LoaderError("AWS credentials could not be retrieved.", EXIT_AWS_ERROR)
    if isinstance(exc, bce.ConnectionError | bce.HTTPClientError):
        endpoint = _redact(str(getattr(exc, "kwargs", {}).get("endpoint_url", "") or "S3"))
        endpoint = urlunsplit(urlsplit(endpoint)._replace(path="", query="")) or "S3"
        return LoaderError(
            f"Cannot reach the S3 endpoint {endpoint} ({type(exc).__name__}); check "
            "--endpoint-url/AWS_ENDPOINT_URL and the network, then run again.",
            EXIT_AWS_ERROR,
        )
    if isinstance(exc, bce.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        name = error.get("BucketName") or bucket
        bucket_lookup = exc.operation_name in ("HeadBucket", "ListObjectsV2")
        if code == "NoSuchBucket" or (code in ("404", "NotFound") and bucket_lookup):
            hint = "; create it or pass --create-bucket" if role == "destination" else ""
            return LoaderError(f"The {role} bucket '{name}' does not exist{hint}.", EXIT_AWS_ERROR)
        if code in ACCESS_DENIED_CODES or status == 403:
            return LoaderError(
                f"Access denied to the {role} bucket '{name}' ({code}); check the "
                "credentials, --profile and the bucket policy.",
                EXIT_AWS_ERROR,
            )
        if code in ("PreconditionFailed", "412"):
            return LoaderError(
                "A source object changed while it was being loaded; run the loader again.",
                EXIT_AWS_ERROR,
            )
        message = " ".join(str(error.get("Message", "")).split()).rstrip(".")
        return LoaderError(
            f"S3 error {code} on {exc.operation_name} in bucket '{name}': {message}.",
            EXIT_AWS_ERROR,
        )
    return LoaderError(f"AWS error: {' '.join(str(exc).split()).rstrip('.')}.", EXIT_AWS_ERROR)


@contextmanager
def aws_errors(bucket: str, role: str) -> Iterator[None]:
    """Turn AWS exceptions raised inside the block into LoaderErrors."""
    try:
        yield
    except (bce.BotoCoreError, bce.ClientError) as exc:
        raise explain_aws_error(exc, bucket, role) from exc


def make_s3_client(args: argparse.Namespace) -> Any:
    """Create an S3 client with the standard retry mode and the chosen profile/endpoint."""
    retries: dict[str, Any] = {"mode": "standard"}
    if args.max_attempts:
        retries["total_max_attempts"] = args.max_attempts
    config = Config(
        retries=retries,
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=args.workers * TRANSFER_CONCURRENCY + 4,
    )
    with aws_errors("", "destination"):
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        return session.client("s3", endpoint_url=args.endpoint_url, config=config)


# --------------------------------------------------------------------------- destinations


class LocalDestination:
    """A local directory; writes go to a temporary file renamed into place.

    Both destinations offer describe, stored_sha256, write, list_landing and delete; targets
    are paths relative to the destination such as customer/landing/customer-1.json.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        umask = os.umask(0)
        os.umask(umask)
        self.mode = 0o666 & ~umask

    def describe(self, target: str) -> str:
        """Show the local path of a target."""
        return str(self.root / target)

    def stored_sha256(self, target: str) -> str | None:
        """Hash the existing file's bytes, if there is one."""
        path = self.root / target
        try:
            with path.open("rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LoaderError(f"Cannot read {path}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc

    def write(self, target: str, data: bytes, sha256: str) -> None:
        """Write to a temporary file in the same directory, fsync it, then rename it."""
        path = self.root / target
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
            ) as handle:
                temp = Path(handle.name)
                try:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                except BaseException:
                    temp.unlink(missing_ok=True)
                    raise
            os.chmod(temp, self.mode)
            os.replace(temp, path)
        except OSError as exc:
            raise LoaderError(f"Cannot write {path}: {exc.strerror}.", EXIT_INVALID_INPUT) from exc

    def list_landing(self) -> list[str]:
        """List every file under {dataset}/landing/ for the three datasets."""
        found = []
        for dataset in DATASETS:
            folder = self.root / dataset.name / "landing"
            found += [p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file()]
        return sorted(found)

    def delete(self, targets: list[str]) -> None:
        """Remove files."""
        for target in targets:
            try:
                (self.root / target).unlink(missing_ok=True)
            except OSError as exc:
                raise LoaderError(
                    f"Cannot delete {self.root / target}: {exc.strerror}.", EXIT_INVALID_INPUT
                ) from exc


class S3Destination:
    """An S3 bucket and prefix, written through boto3's transfer manager."""

    def __init__(self, client: Any, location: S3Location, args: argparse.Namespace) -> None:
        self.client = client
        self.location = location
        self.bucket_missing = False
        self.transfer_config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_THRESHOLD,
            max_concurrency=TRANSFER_CONCURRENCY,
            preferred_transfer_client="classic",
        )
        self.extra_args: dict[str, Any] = {
            "ContentType": CONTENT_TYPE,
            "ChecksumAlgorithm": "SHA256",
        }
        if args.sse:
            self.extra_args["ServerSideEncryption"] = args.sse
        if args.kms_key_id:
            self.extra_args["SSEKMSKeyId"] = args.kms_key_id

    def _key(self, target: str) -> str:
        """Return the object key of a target."""
        return self.location.prefix + target

    def describe(self, target: str) -> str:
        """Show the s3:// URI of a target."""
        return f"s3://{self.location.bucket}/{self._key(target)}"

    def prepare(self, create: bool, dry_run: bool) -> str | None:
        """Check that the bucket exists, creating it when asked; return a note or None."""
        bucket = self.location.bucket
        with aws_errors(bucket, "destination"):
            try:
                self.client.head_bucket(Bucket=bucket)
                return None
            except bce.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                    raise
                if not create:
                    raise
            if dry_run:
                self.bucket_missing = True
                return f"would create bucket {bucket}"
            region = self.client.meta.region_name
            if region and region not in ("us-east-1", "aws-global"):
                self.client.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
                )
            else:
                self.client.create_bucket(Bucket=bucket)
            return f"created bucket {bucket}"

    def stored_sha256(self, target: str) -> str | None:
        """Read the sha256 metadata stored with the object, if there is one."""
        if self.bucket_missing:
            return None
        with aws_errors(self.location.bucket, "destination"):
            try:
                head = self.client.head_object(Bucket=self.location.bucket, Key=self._key(target))
            except bce.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
        return head.get("Metadata", {}).get(METADATA_SHA256)

    def write(self, target: str, data: bytes, sha256: str) -> None:
        """Upload bytes (multipart above the threshold) with a checksum on every request."""
        extra = {**self.extra_args, "Metadata": {METADATA_SHA256: sha256}}
        with aws_errors(self.location.bucket, "destination"):
            self.client.upload_fileobj(
                io.BytesIO(data),
                self.location.bucket,
                self._key(target),
                ExtraArgs=extra,
                Config=self.transfer_config,
            )

    def copy_from(self, source: SourceFile, target: str, sha256: str) -> None:
        """Copy an unchanged S3 source object server-side, storing its checksum."""
        extra = {
            **self.extra_args,
            "Metadata": {METADATA_SHA256: sha256},
            "MetadataDirective": "REPLACE",
            "CopySourceIfMatch": source.etag,
        }
        with aws_errors(self.location.bucket, "destination"):
            self.client.copy(
                {"Bucket": source.bucket, "Key": source.key},
                self.location.bucket,
                self._key(target),
                ExtraArgs=extra,
                Config=self.transfer_config,
            )

    def list_landing(self) -> list[str]:
        """List every object under {prefix}{dataset}/landing/ for the three datasets."""
        if self.bucket_missing:
            return []
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        with aws_errors(self.location.bucket, "destination"):
            for dataset in DATASETS:
                prefix = self._key(f"{dataset.name}/landing/")
                for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix):
                    found += [
                        o["Key"][len(self.location.prefix) :] for o in page.get("Contents", [])
                    ]
        return sorted(found)

    def delete(self, targets: list[str]) -> None:
        """Delete objects in batches of 1,000, failing on any per-object error."""
        with aws_errors(self.location.bucket, "destination"):
            for start in range(0, len(targets), 1000):
                batch = [{"Key": self._key(t)} for t in targets[start : start + 1000]]
                response = self.client.delete_objects(
                    Bucket=self.location.bucket, Delete={"Objects": batch, "Quiet": True}
                )
                for error in response.get("Errors", []):
                    raise LoaderError(
                        f"Could not delete s3://{self.location.bucket}/{error['Key']} "
                        f"({error.get('Code')}).",
                        EXIT_AWS_ERROR,
                    )


Destination = LocalDestination | S3Destination  # paths are relative to the destination prefix

# --------------------------------------------------------------------------- loading


@dataclass
class FileResult:
    """What happened to one source file."""

    dataset: str
    source: str
    destination: str
    action: str  # uploaded | copied | skipped | refused | would-upload | would-copy
    records: int
    bad_lines: int
    bytes: int
    sha256: str
    normalised: list[str]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Job:
    """Everything the workers share for one run."""

    client: Any
    destination: Destination
    strict: bool
    dry_run: bool
    stop: threading.Event


def already_loaded(file: SourceFile, job: Job, raw: bytes) -> FileResult:
    """The result of a file whose bytes the destination already holds: skipped unchanged."""
    return FileResult(
        dataset=file.dataset.name,
        source=file.location,
        destination=job.destination.describe(file.target),
        action="skipped",
        records=sum(1 for line in raw.splitlines() if line.strip()),
        bad_lines=0,
        bytes=0,
        sha256=sha256_hex(raw),
        normalised=[],
    )


def load_file(file: SourceFile, job: Job) -> FileResult | None:
    """Read, normalise, validate and (unless unchanged or refused) write one file."""
    if job.stop.is_set():
        return None
    raw = read_source(job.client, file)
    if not job.strict and job.destination.stored_sha256(file.target) == sha256_hex(raw):
        # the destination holds these very bytes, validated when they were written: a rerun
        # over a large landing zone must not parse every line again
        return already_loaded(file, job, raw)
    checked = normalise(raw, file.dataset)
    digest = sha256_hex(checked.data)
    result = FileResult(
        dataset=file.dataset.name,
        source=file.location,
        destination=job.destination.describe(file.target),
        action="",
        records=checked.records,
        bad_lines=len(checked.problems),
        bytes=0,
        sha256=digest,
        normalised=checked.changes,
        problems=checked.problems[:PROBLEMS_SHOWN_PER_FILE],
    )
    server_side = file.key is not None and checked.data == raw
    if job.strict and checked.problems:
        result.action = "refused"
    elif job.destination.stored_sha256(file.target) == digest:
        result.action = "skipped"
    elif job.dry_run:
        s3_to_s3 = server_side and isinstance(job.destination, S3Destination)
        result.action = "would-copy" if s3_to_s3 else "would-upload"
        result.bytes = len(checked.data)
    elif job.stop.is_set():
        return None
    elif server_side and isinstance(job.destination, S3Destination):
        job.destination.copy_from(file, file.target, digest)
        result.action, result.bytes = "copied", len(checked.data)
    else:
        job.destination.write(file.target, checked.data, digest)
        result.action, result.bytes = "uploaded", len(checked.data)
    return result


def describe_result(result: FileResult) -> list[str]:
    """Render one file's outcome as a line plus its bad-line report."""
    verb = {"skipped": "unchanged", "refused": "REFUSED"}.get(result.action, result.action)
    line = f"{verb:<12} {result.destination}  {result.records:,} records"
    if result.normalised:
        line += f"; normalised: {', '.join(result.normalised)}"
    lines = [line]
    for problem in result.problems:
        lines.append(f"  {result.source}: line {problem.line}: {problem.reason}")
    hidden = result.bad_lines - len(result.problems)
    if hidden:
        lines.append(f"  {result.source}: ... and {hidden:,} more bad lines")
    return lines


class Reporter:
    """Progress output: tqdm bars (files, bytes) on a terminal, a plain line per file otherwise."""

    def __init__(self, stream: Any, files: int, total_bytes: int) -> None:
        self.stream = stream
        self.bars: list[tqdm] = []
        if stream.isatty():
            self.bars = [
                tqdm(total=files, unit="file", desc="files", file=stream, position=0),
                tqdm(
                    total=total_bytes,
                    unit="B",
                    unit_scale=True,
                    desc="bytes",
                    file=stream,
                    position=1,
                ),
            ]

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


def run_files(
    files: list[SourceFile], job: Job, workers: int, reporter: Reporter
) -> tuple[list[FileResult], LoaderError | None]:
    """Load files with a pool of workers; stop at the first error that ends the run."""
    results: list[FileResult] = []
    error: LoaderError | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(load_file, file, job): file for file in files}
        for future in as_completed(futures):
            try:
                result = future.result()
            except CancelledError:
                continue
            except LoaderError as exc:
                if error is None:
                    error = exc
                    job.stop.set()
                    for other in futures:
                        other.cancel()
                continue
            reporter.advance(futures[future].size)
            if result is not None:
                results.append(result)
                reporter.file_done(result)
    results.sort(key=lambda r: r.destination)
    return results, error


def summarise(results: list[FileResult], deleted: list[str], seconds: float) -> dict[str, Any]:
    """Count what happened, overall and per dataset."""
    written = ("uploaded", "copied", "would-upload", "would-copy")
    kept = [r for r in results if r.action != "refused"]
    return {
        "files": len(results),
        "uploaded": sum(r.action in written for r in results),
        "copied_server_side": sum(r.action in ("copied", "would-copy") for r in results),
        "skipped_unchanged": sum(r.action == "skipped" for r in results),
        "normalised": sum(bool(r.normalised) for r in results),
        "refused": sum(r.action == "refused" for r in results),
        "deleted": len(deleted),
        "records": sum(r.records for r in kept),
        "bad_lines": sum(r.bad_lines for r in kept),
        "bytes": sum(r.bytes for r in results),
        "seconds": round(seconds, 3),
        "records_by_dataset": {
            d.name: sum(r.records for r in kept if r.dataset == d.name) for d in DATASETS
        },
    }


def summary_line(totals: dict[str, Any], dry_run: bool) -> str:
    """Render the closing summary as one line."""
    would = "would be " if dry_run else ""
    by_dataset = ", ".join(f"{k} {v:,}" for k, v in totals["records_by_dataset"].items())
    return (
        f"{'Dry run (nothing written)' if dry_run else 'Done'} in {totals['seconds']:.1f} s: "
        f"{totals['files']} files, {totals['uploaded']} {would}uploaded "
        f"({totals['copied_server_side']} copied server-side), "
        f"{totals['skipped_unchanged']} skipped unchanged, {totals['normalised']} normalised, "
        f"{totals['refused']} refused; {totals['deleted']} {would}deleted; "
        f"{totals['records']:,} records ({by_dataset}), {totals['bad_lines']:,} bad lines; "
        f"{totals['bytes']:,} bytes {would}written."
    )


# --------------------------------------------------------------------------- command line


def _positive_int(text: str) -> int:
    """Parse a positive integer argument."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser; --help documents the exit codes."""
    parser = argparse.ArgumentParser(
        prog="load_landing.py",
        description="Validate, normalise and load the STEDI landing datasets (customer, "
        "accelerometer, step_trainer) from SOURCE into DEST/{dataset}/landing/.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="SOURCE", help="local directory or s3://bucket/prefix")
    parser.add_argument("dest", metavar="DEST", help="local directory or s3://bucket/prefix")
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would happen, write nothing"
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse every file that has a malformed line"
    )
    parser.add_argument(
        "--delete",
        action="store_true",
        help="remove files under DEST's three landing prefixes that are not in SOURCE",
    )
    parser.add_argument(
        "--workers", type=_positive_int, default=4, help="parallel files (default 4)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    aws = parser.add_argument_group("S3 options")
    aws.add_argument("--endpoint-url", help="S3 endpoint (default: AWS_ENDPOINT_URL or AWS)")
    aws.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    aws.add_argument("--region", help="AWS region (default: AWS_REGION / profile)")
    aws.add_argument("--sse", choices=("AES256", "aws:kms"), help="server-side encryption")
    aws.add_argument("--kms-key-id", help="KMS key for --sse aws:kms")
    aws.add_argument(
        "--create-bucket", action="store_true", help="create a missing destination bucket"
    )
    aws.add_argument(
        "--max-attempts",
        type=_positive_int,
        help="attempts per S3 request, standard retry mode (default: AWS_MAX_ATTEMPTS or 3)",
    )
    return parser


def _check_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace, dest: S3Location | Path
) -> None:
    """Reject option combinations that make no sense (argparse exits with code 2)."""
    if args.kms_key_id and args.sse != "aws:kms":
        parser.error("--kms-key-id needs --sse aws:kms")
    if isinstance(dest, Path):
        for flag, value in (("--sse", args.sse), ("--create-bucket", args.create_bucket)):
            if value:
                parser.error(f"{flag} only applies to an s3:// destination")


def _open_destination(
    dest: S3Location | Path, client: Any, args: argparse.Namespace
) -> tuple[Destination, str | None]:
    """Create the destination object and check that it can be written."""
    if isinstance(dest, S3Location):
        s3 = S3Destination(client, dest, args)
        return s3, s3.prepare(args.create_bucket, args.dry_run)
    if dest.exists() and not dest.is_dir():
        raise LoaderError(f"Destination {dest} exists and is not a directory.", EXIT_INVALID_INPUT)
    return LocalDestination(dest), None


def main(argv: list[str] | None = None) -> int:
    """Run the loader and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.monotonic()
    out = sys.stderr if args.json else sys.stdout
    results: list[FileResult] = []
    deleted: list[str] = []
    error: LoaderError | None = None
    reporter: Reporter | None = None
    try:
        source, dest = parse_location(args.source), parse_location(args.dest)
        _check_arguments(parser, args, dest)
        needs_s3 = isinstance(source, S3Location) or isinstance(dest, S3Location)
        client = make_s3_client(args) if needs_s3 else None
        if isinstance(source, S3Location):
            files = discover_s3(client, source)
        else:
            files = discover_local(source)
        destination, note = _open_destination(dest, client, args)
        if note:
            print(note, file=out, flush=True)
        missing = {d.name for d in DATASETS} - {f.dataset.name for f in files}
        if missing:
            print(f"note: no {', '.join(sorted(missing))} files in {source}", file=out, flush=True)
        job = Job(client, destination, args.strict, args.dry_run, threading.Event())
        reporter = Reporter(out, len(files), sum(f.size for f in files))
        results, error = run_files(files, job, args.workers, reporter)
        if args.delete and error is None:
            keep = {f.target for f in files}
            deleted = [t for t in destination.list_landing() if t not in keep]
            for target in deleted:
                verb = "would delete" if args.dry_run else "deleted"
                reporter.say(f"{verb:<12} {destination.describe(target)}")
            if not args.dry_run:
                destination.delete(deleted)
    except LoaderError as exc:
        error = exc
    except KeyboardInterrupt:
        error = LoaderError("Interrupted; rerunning is safe.", EXIT_INTERRUPTED)
    finally:
        if reporter:
            reporter.close()
    totals = summarise(results, deleted, time.monotonic() - started)
    exit_code = EXIT_REFUSED if totals["refused"] else EXIT_OK
    if error:
        exit_code = error.exit_code
    if args.json:
        document = {
            "source": args.source,
            "destination": args.dest,
            "dry_run": args.dry_run,
            "strict": args.strict,
            "exit_code": exit_code,
            "error": str(error) if error else None,
            "totals": totals,
            "files": [asdict(r) for r in results],
            "deleted": deleted,
        }
        print(json.dumps(document, indent=2))
    elif results or not error:
        print(summary_line(totals, args.dry_run), flush=True)
    if error:
        print(f"load_landing.py: error: {error}", file=sys.stderr, flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
