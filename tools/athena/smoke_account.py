"""Where `make athena-smoke` runs, and what it does to the account: settings, refusal, clean-up.

The settings are those of the `athena` target of profiles.yml.example (or of athena_local on
moto). The run owns two S3 folders, its prefix and its database's folder, and one Glue
database: it refuses to start when any of them holds data, and empties them when it ends.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions as bce

NO_ROOT = (
    "STEDI_S3_ROOT is not set: export it (s3://your-bucket/prefix) with AWS credentials to "
    "smoke-test an account (docs/athena.md)."
)
NO_CREDENTIALS = (
    "No AWS credentials were found: set AWS_PROFILE, or credentials in the usual AWS chain, "
    "to smoke-test an account (docs/athena.md)."
)
# a probe on one literal line takes a second or two; a query still queued after this is stuck
QUERY_TIMEOUT_SECONDS = 120


class SmokeError(RuntimeError):
    """The smoke test could not run; the message is one sentence."""


@dataclass(frozen=True)
class Settings:
    """Where the smoke test builds: target, account root, run id and Athena settings."""

    target: str
    s3_root: str
    run_id: str
    work_group: str
    region: str
    data_dir: str  # the target's s3_data_dir: dbt puts the database's folder below it

    @property
    def prefix(self) -> str:
        """The fresh prefix of the landing files and the zones."""
        return f"{self.s3_root}/smoke-{self.run_id}"

    @property
    def schema(self) -> str:
        """The Glue database of the run."""
        return f"stedi_smoke_{self.run_id}"

    @property
    def stand_in(self) -> bool:
        """Whether this runs against moto, which executes no SQL."""
        return self.target == "athena_local"

    @property
    def folders(self) -> list[str]:
        """Every S3 folder the run writes; it must start empty and ends empty."""
        return list(dict.fromkeys([f"{self.prefix}/", f"{self.data_dir}/{self.schema}/"]))


def account_settings(run_id: str) -> Settings | str:
    """Settings of the `athena` target from the environment, or why there are none."""
    root = os.environ.get("STEDI_S3_ROOT", "").rstrip("/")
    if not root.startswith("s3://"):
        return NO_ROOT
    try:
        if aws_session().get_credentials() is None:
            return NO_CREDENTIALS
    except bce.ProfileNotFound:
        return f"The AWS profile {os.environ.get('AWS_PROFILE')} is not configured."
    work_group = os.environ.get("STEDI_ATHENA_WORK_GROUP", "stedi")
    region = os.environ.get("STEDI_AWS_REGION", "us-east-1")
    # the build gets STEDI_S3_ROOT=<prefix>: data dir and query results land in the prefix
    return Settings("athena", root, run_id, work_group, region, f"{root}/smoke-{run_id}")


def stand_in_settings(run_id: str) -> Settings:
    """Settings of the athena_local target, whose bucket and data dir profiles.yml fixes."""
    from tools.athena.aws_stand_in import S3_ROOT, WORK_GROUP
    from tools.fake_aws import REGION

    return Settings("athena_local", S3_ROOT, run_id, WORK_GROUP, REGION, S3_ROOT)


def aws_session(region: str | None = None) -> boto3.Session:
    """A boto3 session as the athena target makes one: AWS_PROFILE, else the default chain."""
    return boto3.Session(profile_name=os.environ.get("AWS_PROFILE") or None, region_name=region)


def split_s3(uri: str) -> tuple[str, str]:
    """Bucket and key prefix of an s3:// URI."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def objects_under(s3: Any, folder: str) -> list[str]:
    """The keys of every object below an s3:// folder."""
    bucket, key = split_s3(folder)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def refusal(session: boto3.Session, settings: Settings) -> str | None:
    """Why the run must not start: a folder that holds objects, or an existing database."""
    s3 = session.client("s3")
    for folder in settings.folders:
        if objects_under(s3, folder):
            return (
                f"Refusing to run: {folder} already holds objects, and the smoke test deletes "
                "everything below its prefix when it ends."
            )
    try:
        session.client("glue").get_database(Name=settings.schema)
    except bce.ClientError as error:
        if error.response["Error"]["Code"] == "EntityNotFoundException":
            return None
        raise
    return f"Refusing to run: the Glue database {settings.schema} already exists."


def athena_rows(session: boto3.Session, settings: Settings, sql: str) -> list[list[str | None]]:
    """The rows of one query on Athena (no header), results written in the prefix."""
    athena = session.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": settings.schema},
        WorkGroup=settings.work_group,
        ResultConfiguration={"OutputLocation": f"{settings.prefix}/athena-results/"},
    )["QueryExecutionId"]
    deadline = time.monotonic() + QUERY_TIMEOUT_SECONDS
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        if time.monotonic() > deadline:
            athena.stop_query_execution(QueryExecutionId=query_id)
            raise SmokeError(f"Athena did not answer within {QUERY_TIMEOUT_SECONDS} s.")
        time.sleep(0.5)
    if status["State"] != "SUCCEEDED":
        raise SmokeError(f"Athena {status['State']}: {status.get('StateChangeReason', '')}")
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        rows += [
            [cell.get("VarCharValue") for cell in r["Data"]] for r in page["ResultSet"]["Rows"]
        ]
    return rows[1:]


def clean_up(session: boto3.Session, settings: Settings) -> tuple[bool, str]:
    """Drop the database and its tables, and delete every object the run wrote."""
    try:
        return _clean_up(session, settings)
    except (bce.BotoCoreError, bce.ClientError) as error:
        return False, (
            f"clean-up failed ({error}): drop the database {settings.schema} and delete "
            f"{settings.prefix}/ by hand (docs/athena.md)"
        )


def _clean_up(session: boto3.Session, settings: Settings) -> tuple[bool, str]:
    """The clean-up's AWS calls: Glue tables and database, then the objects, then a check."""
    glue, s3 = session.client("glue"), session.client("s3")
    with contextlib.suppress(glue.exceptions.EntityNotFoundException):
        for page in glue.get_paginator("get_tables").paginate(DatabaseName=settings.schema):
            for table in page["TableList"]:
                glue.delete_table(DatabaseName=settings.schema, Name=table["Name"])
        glue.delete_database(Name=settings.schema)
    deleted = 0
    for folder in settings.folders:
        bucket, _ = split_s3(folder)
        keys = objects_under(s3, folder)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        deleted += len(keys)
    left = sum(len(objects_under(s3, folder)) for folder in settings.folders)
    if left:
        return False, f"clean-up: {left} objects are left under {', '.join(settings.folders)}"
    return True, f"clean-up: database {settings.schema} dropped, {deleted} objects deleted"


def prepare_stand_in(settings: Settings) -> None:
    """The bucket and the work group of the athena_local target on moto, unless they exist."""
    session = aws_session(settings.region)
    s3, athena = session.client("s3"), session.client("athena")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=split_s3(settings.s3_root)[0])
    if any(g["Name"] == settings.work_group for g in athena.list_work_groups()["WorkGroups"]):
        return
    athena.create_work_group(
        Name=settings.work_group,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"{settings.s3_root}/athena-results/"},
            "EnforceWorkGroupConfiguration": False,
        },
    )
