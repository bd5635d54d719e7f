"""The environment of a process that talks to a stand-in for AWS (moto) and never to an account."""

from __future__ import annotations

from collections.abc import Mapping

REGION = "us-east-1"
# dummy credentials, and no shared config or instance metadata to find a real account through
DUMMY_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def variables_to_remove(environment: Mapping[str, str]) -> list[str]:
    """Variables that would lead a client elsewhere: a profile, a token, a service's endpoint."""
    names = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"]
    names += ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
    # a service's own endpoint variable (AWS_ENDPOINT_URL_GLUE, ...) would win over the stand-in
    return names + [name for name in environment if name.startswith("AWS_ENDPOINT_URL_")]
