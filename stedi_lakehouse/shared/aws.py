"""AWS for the S3 storage: the client, and every AWS failure said in one sentence (exit code 4)."""

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions as bce
from botocore.config import Config

from stedi_lakehouse.shared.errors import EXIT_AWS_ERROR, LoaderError
from stedi_lakehouse.shared.storage import S3Options

TRANSFER_CONCURRENCY = 4  # parallel parts of one S3 transfer
ACCESS_DENIED_CODES = {"AccessDenied", "403", "Forbidden", "AllAccessDisabled", "AccountProblem"}
ACCESS_DENIED_CODES |= {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}
ACCESS_DENIED_CODES |= {"InvalidToken"}


def error_code(exc: bce.ClientError) -> str:
    """The error code of an S3 response."""
    return str(exc.response.get("Error", {}).get("Code"))


def explain_aws_error(exc: Exception, bucket: str, role: str) -> LoaderError:
    """Translate a boto3/botocore exception into a one-sentence LoaderError."""
    return LoaderError(_sentence(exc, bucket, role), EXIT_AWS_ERROR)


def _sentence(exc: Exception, bucket: str, role: str) -> str:
    """What went wrong with AWS, in one sentence that names the bucket and its role."""
    if isinstance(exc, bce.ProfileNotFound):
        return f"AWS profile '{exc.kwargs.get('profile')}' is not configured."
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return (
            "No AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or pass --profile."
        )
    if isinstance(exc, bce.CredentialRetrievalError):
        return "AWS credentials could not be retrieved."
    if isinstance(exc, bce.ConnectionError | bce.HTTPClientError):
        parts = urlsplit(str(getattr(exc, "kwargs", {}).get("endpoint_url", "") or ""))
        host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
        endpoint = urlunsplit((parts.scheme, host, "", "", "")) or "S3"  # no user:password
        return (
            f"Cannot reach the S3 endpoint {endpoint} ({type(exc).__name__}); check "
            "--endpoint-url/AWS_ENDPOINT_URL and the network, then run again."
        )
    if not isinstance(exc, bce.ClientError):
        return f"AWS error: {' '.join(str(exc).split()).rstrip('.')}."
    error, code = exc.response.get("Error", {}), error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    name = error.get("BucketName") or bucket
    bucket_lookup = exc.operation_name in ("HeadBucket", "ListObjectsV2")
    if code == "NoSuchBucket" or (code in ("404", "NotFound") and bucket_lookup):
        hint = "; create it or pass --create-bucket" if role == "destination" else ""
        return f"The {role} bucket '{name}' does not exist{hint}."
    if code in ACCESS_DENIED_CODES or status == 403:
        checks = "check the credentials, --profile and the bucket policy"
        return f"Access denied to the {role} bucket '{name}' ({code}); {checks}."
    if code in ("PreconditionFailed", "412"):
        return "A source object changed while it was being loaded; run the loader again."
    message = " ".join(str(error.get("Message", "")).split()).rstrip(".")
    return f"S3 error {code} on {exc.operation_name} in bucket '{name}': {message}."


def make_s3_client(options: S3Options) -> Any:
    """An S3 client with the standard retry mode and the chosen profile/endpoint."""
    retries: dict[str, Any] = {"mode": "standard"}
    if options.max_attempts:
        retries["total_max_attempts"] = options.max_attempts
    pool = options.workers * TRANSFER_CONCURRENCY + 4
    config = Config(retries=retries, connect_timeout=10, read_timeout=60, max_pool_connections=pool)
    session = boto3.Session(profile_name=options.profile, region_name=options.region)
    return session.client("s3", endpoint_url=options.endpoint_url, config=config)


class AwsErrors:
    """A context that turns AWS exceptions into LoaderErrors naming a bucket and its role."""

    def __init__(self, bucket: str, role: str) -> None:
        self.bucket, self.role = bucket, role

    def __enter__(self) -> None:
        """Nothing to set up."""

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        """Translate an AWS exception."""
        if isinstance(exc, bce.BotoCoreError | bce.ClientError):
            raise explain_aws_error(exc, self.bucket, self.role) from exc
