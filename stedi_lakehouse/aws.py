"""S3 for the loader and erase_customer.py: options, client, one-sentence AWS errors."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions as bce
from botocore.config import Config

from stedi_lakehouse.errors import EXIT_AWS_ERROR, LoaderError

TRANSFER_CONCURRENCY = 4  # parallel parts of one S3 transfer


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


def positive_int(text: str) -> int:
    """Parse a positive integer argument."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


def add_s3_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The S3 options of a command that writes a landing root; returns their group."""
    aws = parser.add_argument_group("S3 options")
    aws.add_argument("--endpoint-url", help="S3 endpoint (default: AWS_ENDPOINT_URL or AWS)")
    aws.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    aws.add_argument("--region", help="AWS region (default: AWS_REGION / profile)")
    aws.add_argument("--sse", choices=("AES256", "aws:kms"), help="server-side encryption")
    aws.add_argument("--kms-key-id", help="KMS key for --sse aws:kms")
    aws.add_argument(
        "--max-attempts",
        type=positive_int,
        help="attempts per S3 request, standard retry mode (default: AWS_MAX_ATTEMPTS or 3)",
    )
    return aws
