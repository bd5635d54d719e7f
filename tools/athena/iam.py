"""The documented IAM policy against the AWS calls a dbt build makes, as moto recorded them.

moto's recorder keeps every request the stand-in received. Each becomes the IAM action and the
resources AWS authorizes it on (Glue: catalog, database and table; Athena: the work group; S3:
the bucket with the listed prefix, or the object), and each must be allowed by an Allow
statement of docs/iam/dbt-build-policy.json, its example names replaced by the stand-in's. As in
AWS, `*` and `?` are wildcards, actions match in any case, and a statement whose condition does
not hold does not apply. Calls that Athena makes on the caller's behalf while it runs DDL are not
recorded (moto runs no SQL); docs/athena.md lists them.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tools.athena import PROJECT_DIR

POLICY_FILE = PROJECT_DIR / "docs" / "iam" / "dbt-build-policy.json"
# the policy's example names, and what the athena_local stand-in calls them
EXAMPLE_NAMES = [
    (':database/stedi"', ':database/{database}"'),
    (":table/stedi/", ":table/{database}/"),
    ("my-stedi-bucket/stedi/stedi/", "{bucket}/stedi/{database}/"),
    ("my-stedi-bucket", "{bucket}"),
]
SERVICE = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/")


@dataclass(frozen=True)
class Call:
    """One authorization AWS makes: an action on a resource, with its condition keys."""

    action: str
    resource: str
    conditions: tuple[tuple[str, str], ...] = ()  # condition keys and values, e.g. s3:prefix


def policy_for_stand_in(text: str, bucket: str, database: str) -> str:
    """The documented policy with the stand-in's bucket and database in place of the examples."""
    for example, name in EXAMPLE_NAMES:
        text = text.replace(example, name.format(bucket=bucket, database=database))
    return text


def calls_of(recording: list[dict[str, Any]], work_group: str) -> list[Call]:
    """The authorizations behind the recorded requests (STS GetCallerIdentity needs none)."""
    calls: list[Call] = []
    for entry in recording:
        headers = {key.lower(): value for key, value in entry["headers"].items()}
        scope = SERVICE.search(headers.get("authorization", ""))
        region, service = scope.groups() if scope else ("us-east-1", "")
        body = _body(entry)
        if service == "s3":
            calls += _s3_calls(entry["method"], entry["url"], headers, body)
        elif "x-amz-target" in headers:
            operation = headers["x-amz-target"].split(".")[-1]
            request = json.loads(body or "{}")
            if service == "glue":
                calls += _glue_calls(operation, request, region)
            elif service == "athena":
                group = request.get("WorkGroup", work_group)
                arn = f"arn:aws:athena:{region}:123456789012:workgroup/{group}"
                calls.append(Call(f"athena:{operation}", arn))
    return calls


def denied(policy: str, calls: list[Call]) -> list[str]:
    """The calls that no Allow statement of the policy permits, one line each."""
    statements = json.loads(policy)["Statement"]
    problems = []
    for call in dict.fromkeys(calls):
        if not any(_allows(statement, call) for statement in statements):
            conditions = f" with {dict(call.conditions)}" if call.conditions else ""
            problems.append(f"{call.action} on {call.resource}{conditions}")
    return problems


def _allows(statement: dict[str, Any], call: Call) -> bool:
    """Whether an Allow statement applies to a call: action, resource and every condition."""
    if statement["Effect"] != "Allow":
        return False
    actions = [a.lower() for a in _listed(statement["Action"])]
    if not any(fnmatchcase(call.action.lower(), action) for action in actions):
        return False
    if not any(fnmatchcase(call.resource, r) for r in _listed(statement["Resource"])):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        if operator not in ("StringLike", "StringEquals"):
            raise ValueError(f"the policy check knows no condition operator {operator}")
        for key, expected in keys.items():
            value = dict(call.conditions).get(key)
            match = fnmatchcase if operator == "StringLike" else str.__eq__
            if value is None or not any(match(value, e) for e in _listed(expected)):
                return False  # as in AWS: the statement does not apply
    return True


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _body(entry: dict[str, Any]) -> str:
    body = entry.get("body") or ""
    return base64.b64decode(body).decode("utf-8", "replace") if entry.get("body_encoded") else body


def _glue_calls(operation: str, request: dict[str, Any], region: str) -> list[Call]:
    """Glue authorizes on the catalog, the database and (for table calls) the table."""
    prefix = f"arn:aws:glue:{region}:123456789012"
    database = request.get("DatabaseName") or request.get("Name") or "*"
    if operation == "GetDatabases":
        database = "*"
    resources = [f"{prefix}:catalog", f"{prefix}:database/{database}"]
    if "Table" in operation or "Partition" in operation:
        table = request.get("Name") or request.get("TableName") or "*"
        if operation == "CreateTable" or operation == "UpdateTable":
            table = request.get("TableInput", {}).get("Name", "*")
        if operation == "GetTables":
            table = "*"
        resources.append(f"{prefix}:table/{database}/{table}")
    return [Call(f"glue:{operation}", resource) for resource in resources]


def _s3_calls(method: str, url: str, headers: dict[str, str], body: str) -> list[Call]:
    """S3's action for a path-style request, on the bucket or the object."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if not key:
        if method == "POST" and "delete" in query:
            keys = re.findall(r"<Key>(.*?)</Key>", body)
            return [Call("s3:DeleteObject", f"{bucket_arn}/{k}") for k in keys]
        if "uploads" in query:
            return [Call("s3:ListBucketMultipartUploads", bucket_arn)]
        if "location" in query:
            return [Call("s3:GetBucketLocation", bucket_arn)]
        prefix = (("s3:prefix", query["prefix"][0]),) if query.get("prefix") else ()
        return [Call("s3:ListBucket", bucket_arn, prefix)]
    object_arn = f"{bucket_arn}/{key}"
    if method == "DELETE":
        action = "s3:AbortMultipartUpload" if "uploadId" in query else "s3:DeleteObject"
        return [Call(action, object_arn)]
    if method in ("GET", "HEAD"):
        parts_listed = "uploadId" in query and method == "GET"
        return [Call("s3:ListMultipartUploadParts" if parts_listed else "s3:GetObject", object_arn)]
    calls = [Call("s3:PutObject", object_arn)]
    if "x-amz-copy-source" in headers:
        source = unquote(headers["x-amz-copy-source"]).lstrip("/").split("?")[0]
        calls.append(Call("s3:GetObject", f"arn:aws:s3:::{source}"))
    return calls
