"""Fixtures: a Spark Thrift server, the builds tests share, moto's S3 server on loopback.

A build costs tens of seconds, so each landing set is built once per mode and session and the
tests that read it share it; the sample set in strict mode is `make test`'s own build, which
runs dbt's unit tests too (STEDI_CI_SCHEMA, STEDI_CI_TARGET, STEDI_CI_SAMPLE, STEDI_CI_LANDING).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from builds import STARTER_DATA, Build, bad_delivery, build
from moto.server import ThreadedMotoServer

from tools import sample_data
from tools.fake_aws import DUMMY_AWS_ENVIRONMENT, variables_to_remove
from tools.net import free_port
from tools.thrift_server import thrift_server

RUBRIC = "{rubric_compatible: true}"


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


def built(outcome: Build) -> Build:
    """A shared build, which must have passed for any test that reads it to mean anything."""
    assert outcome.returncode == 0, outcome.output[-3000:]
    return outcome


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample set (seed 42): make test's, or one generated here."""
    if os.environ.get("STEDI_CI_SAMPLE"):
        return Path(os.environ["STEDI_CI_SAMPLE"])
    sample = tmp_path_factory.mktemp("sample") / "sample"
    assert sample_data.main([str(sample)]) == 0  # as `make run` generates it
    return sample


@pytest.fixture(scope="session")
def sample_strict(
    tmp_path_factory: pytest.TempPathFactory, thrift_port: int, sample_set: Path
) -> Build:
    """The sample set built in strict mode with its data tests: make test's build, if any."""
    if os.environ.get("STEDI_CI_SCHEMA"):
        target = Path(os.environ["STEDI_CI_TARGET"])
        landing = Path(os.environ["STEDI_CI_LANDING"])
        return Build(0, "", target, os.environ["STEDI_CI_SCHEMA"], landing)
    return built(build(tmp_path_factory.mktemp("sample_strict"), thrift_port, sample_set))


@pytest.fixture(scope="session")
def sample_rubric(
    tmp_path_factory: pytest.TempPathFactory, thrift_port: int, sample_set: Path
) -> Build:
    """The sample set built in rubric-compatible mode, with its data tests."""
    return built(build(tmp_path_factory.mktemp("sample_rubric"), thrift_port, sample_set, RUBRIC))


@pytest.fixture(scope="session")
def starter_strict(tmp_path_factory: pytest.TempPathFactory, thrift_port: int) -> Build:
    """The public starter data built in strict mode, with its data tests."""
    if not STARTER_DATA.is_dir():
        pytest.skip(f"the public starter data is not at {STARTER_DATA}; see README 'Starter data'")
    return built(build(tmp_path_factory.mktemp("starter_strict"), thrift_port, STARTER_DATA))


@pytest.fixture(scope="session")
def starter_rubric(tmp_path_factory: pytest.TempPathFactory, thrift_port: int) -> Build:
    """The public starter data built in rubric-compatible mode, with its data tests."""
    if not STARTER_DATA.is_dir():
        pytest.skip(f"the public starter data is not at {STARTER_DATA}; see README 'Starter data'")
    tmp_path = tmp_path_factory.mktemp("starter_rubric")
    return built(build(tmp_path, thrift_port, STARTER_DATA, RUBRIC))


@pytest.fixture(scope="session")
def bad_input_strict(tmp_path_factory: pytest.TempPathFactory, thrift_port: int) -> Build:
    """A landing set with each kind of bad input (builds.bad_delivery), strict, data tests on."""
    tmp_path = tmp_path_factory.mktemp("bad_input")
    bad_delivery(tmp_path / "landing")
    return built(build(tmp_path, thrift_port, tmp_path / "landing"))
