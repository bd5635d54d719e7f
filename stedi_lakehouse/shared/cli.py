"""What the two commands share on the command line: the S3 options, as plain S3Options."""

import argparse

from stedi_lakehouse.shared.storage import S3Options


def positive_int(text: str) -> int:
    """Parse a positive integer argument."""
    value = int(text) if text.isdigit() else 0
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


def s3_options(args: argparse.Namespace, workers: int = 1, writes: bool = True) -> S3Options:
    """The S3 options given on the command line; the encryption only for a root written to."""
    names = ("profile", "region", "endpoint_url", "max_attempts")
    names += ("sse", "kms_key_id") if writes else ()
    return S3Options(**{name: getattr(args, name) for name in names}, workers=workers)
