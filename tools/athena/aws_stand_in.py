"""moto's server on loopback standing in for S3, Glue, Athena and STS, set up like an account."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from stedi_lakehouse.shared.contract import DATASETS
from tools.fake_aws import DUMMY_AWS_ENVIRONMENT, REGION, variables_to_remove
from tools.layout import ATHENA_ZONE_FOLDERS, landing_files
from tools.net import free_port

# The athena_local target of profiles.yml.example: its bucket, data dir and work group.
BUCKET = "stedi-athena-local"
S3_ROOT = f"s3://{BUCKET}/stedi"
WORK_GROUP = "stedi"
SCHEMA = "stedi_athena"


@contextlib.contextmanager
def recorded_requests() -> Iterator[list[dict[str, Any]]]:
    """Record the requests moto's stand-in receives in the block; the list fills at its end."""
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    recording: list[dict[str, Any]] = []

    def recorder(verb: str) -> bytes:
        method = "GET" if verb == "download" else "POST"
        url = f"{endpoint}/moto-api/recorder/{verb}-recording"
        with urllib.request.urlopen(urllib.request.Request(url, method=method)) as response:
            return response.read()

    recorder("reset")
    recorder("start")
    try:
        yield recording
    finally:
        recorder("stop")
        lines = recorder("download").decode("utf-8").splitlines()
        recording += [json.loads(line) for line in lines if line.strip()]


@contextlib.contextmanager
def moto_athena() -> Iterator[str]:
    """Run moto's server on a free 127.0.0.1 port with dummy credentials; yield its URL.

    The environment points every AWS client of this process at it (AWS_ENDPOINT_URL) and
    away from any real account; it is restored afterwards, and the server stopped. As on
    Athena, a model's CREATE TABLE AS or view leaves its table in Glue, typed by DuckDB
    (moto_answers.registering_tables).
    """
    # moto's request recorder writes here (read when moto is first imported)
    os.environ.setdefault("MOTO_RECORDER_FILEPATH", str(Path(tempfile.mkdtemp()) / "recording"))
    from moto.server import ThreadedMotoServer

    # imported here: moto_answers replays on DuckDB, whose module names this one's SCHEMA
    from tools.athena.moto_answers import registering_tables

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    endpoint = f"http://127.0.0.1:{port}"
    stand_in = {**DUMMY_AWS_ENVIRONMENT, "AWS_ENDPOINT_URL": endpoint, "STEDI_SCHEMA": SCHEMA}
    removed = variables_to_remove(os.environ)
    saved = {name: os.environ.get(name) for name in [*stand_in, *removed]}
    server.start()
    try:
        os.environ.update(stand_in)
        for name in removed:
            os.environ.pop(name, None)
        with registering_tables():
            yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


def prepare_account(landing_root: Path | None) -> None:
    """Create what the athena_local target expects, as docs/athena.md does on AWS.

    The bucket, the work group (without an enforced result location, so that tables keep
    their S3 locations), the landing files, and a stale object in every zone folder.
    """
    s3 = boto3.client("s3", region_name=REGION)
    athena = boto3.client("athena", region_name=REGION)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    if not any(g["Name"] == WORK_GROUP for g in athena.list_work_groups()["WorkGroups"]):
        athena.create_work_group(
            Name=WORK_GROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": f"{S3_ROOT}/athena-results/"},
                "EnforceWorkGroupConfiguration": False,
            },
        )
    prefix = S3_ROOT.removeprefix(f"s3://{BUCKET}/")
    if landing_root is not None:
        for dataset in (d.name for d in DATASETS):
            for path in landing_files(landing_root, dataset):
                key = f"{prefix}/{dataset}/landing/{path.name}"
                s3.upload_file(str(path), BUCKET, key)
    for folder in ATHENA_ZONE_FOLDERS:
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{folder}/stale-from-an-earlier-run.parquet")


def s3_keys() -> list[str]:
    """Every key in the stand-in bucket."""
    s3 = boto3.client("s3", region_name=REGION)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def athena_statements() -> list[dict[str, str]]:
    """Every query the stand-in Athena received, oldest first: id, query and statement type."""
    athena = boto3.client("athena", region_name=REGION)
    ids: list[str] = []
    for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=WORK_GROUP):
        ids += page["QueryExecutionIds"]
    executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    executions.sort(key=lambda e: e["Status"]["SubmissionDateTime"])
    return [
        {
            "id": e["QueryExecutionId"],
            "query": e["Query"],
            "type": e.get("StatementType", ""),
        }
        for e in executions
    ]
