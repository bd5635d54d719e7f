"""Fixtures: a Spark Thrift server for the build tests; moto's S3 server on loopback."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tools.fake_aws import DUMMY_AWS_ENVIRONMENT, variables_to_remove
from tools.net import free_port
from tools.thrift_server import thrift_server


class MotoS3Server:
    """moto's ThreadedMotoServer on 127.0.0.1 that can be stopped and restarted on its port.

    moto keeps its backends (buckets, objects) in module-level state of this process, so a
    restarted server serves the objects written before the stop.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._server: ThreadedMotoServer | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        # ThreadedMotoServer.start() waits forever when the port cannot be bound: check first.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", self.port))
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _served() -> Iterator[MotoS3Server]:
    """A moto S3 server on a free loopback port, stopped even when the test fails."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = MotoS3Server(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_s3_server() -> Iterator[MotoS3Server]:
    """A moto S3 server shared by the session; tests isolate themselves by bucket name."""
    yield from _served()


@pytest.fixture
def restartable_moto_s3_server() -> Iterator[MotoS3Server]:
    """A moto S3 server of the test's own, which the test may stop and restart."""
    yield from _served()


@pytest.fixture
def aws_dummy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and no shared AWS config, so nothing can reach a real account."""
    for name in variables_to_remove(os.environ):
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")


@pytest.fixture
def moto_s3_env(
    aws_dummy_env: None, moto_s3_server: MotoS3Server, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Point AWS_ENDPOINT_URL at the session's moto server; return the endpoint URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3_server.endpoint_url)
    return moto_s3_server.endpoint_url


@pytest.fixture
def moto_s3_client(moto_s3_env: str) -> object:
    """A boto3 S3 client on the session's moto server, for setting up and checking."""
    return boto3.client("s3", endpoint_url=moto_s3_env, region_name="us-east-1")


@pytest.fixture
def moto_s3_bucket(moto_s3_client: object) -> str:
    """A new, empty bucket on the session's moto server."""
    name = f"stedi-test-{uuid.uuid4().hex[:12]}"
    moto_s3_client.create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


@pytest.fixture(scope="session")
def thrift_port() -> Iterator[int]:
    """The port of a running Spark Thrift server: make test's, or one started here."""
    if os.environ.get("STEDI_THRIFT_PORT"):
        yield int(os.environ["STEDI_THRIFT_PORT"])
        return
    with thrift_server() as port:
        yield port
