"""Start a Spark Thrift server on 127.0.0.1, run a command against it, and stop it.

The server is the HiveThriftServer2 that the installed pyspark wheel carries. It gets a free
port, its own metastore and warehouse in a scratch folder under `.spark/`, and is stopped
(and its folder removed) when the command ends, fails or is interrupted. The command sees
the port as STEDI_THRIFT_PORT, which the `ci` target of profiles.yml reads.

    python -m tools.thrift_server -- dbt build --target ci

Exit codes:
    the command's own exit code, or
    2  bad arguments
    4  the server did not start (its log is printed)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyspark

from tools.net import free_port

PROJECT_DIR = Path(__file__).resolve().parents[1]
THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
SKIP_APP_CLASS_VERIFICATION = "-XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote"


class ServerStartError(RuntimeError):
    """The Thrift server exited or did not listen in time."""


def is_listening(port: int) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def server_command(port: int, work_dir: Path) -> list[str]:
    """The spark-submit command line of a Thrift server bound to loopback."""
    spark_home = Path(pyspark.__file__).parent
    return [
        str(spark_home / "bin" / "spark-submit"),
        "--class", THRIFT_SERVER_CLASS,
        "--master", "local[2]",
        "--name", "stedi-thrift-server",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2",
        # as the session target of profiles.yml.example: a file name may hold a colon
        "--conf", "spark.hadoop.fs.file.impl=org.apache.hadoop.fs.RawLocalFileSystem",
        "--conf", f"spark.sql.warehouse.dir={work_dir / 'warehouse'}",
        # The wheel leaves out hive-llap-common, whose LlapSigner the bytecode verifier loads
        # when Hive's FunctionRegistry first initialises (closing a session may do so); the
        # class is never used, so checking it is skipped (SPARK-51041: the server can hang).
        "--driver-java-options",
        f"-Dderby.system.home={work_dir} {SKIP_APP_CLASS_VERIFICATION}",
        "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
        "--hiveconf", f"hive.server2.thrift.port={port}",
        "spark-internal",
    ]  # fmt: skip


@contextlib.contextmanager
def thrift_server(port: int | None = None, startup_timeout: float = 120.0) -> Iterator[int]:
    """Run a Thrift server for the duration of the block; yield its port."""
    port = port or free_port()
    scratch = PROJECT_DIR / ".spark"
    scratch.mkdir(exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix=f"thrift-{port}-", dir=scratch))
    log_path = work_dir / "server.log"
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server_command(port, work_dir),
            cwd=work_dir,  # its metastore_db and derby.log land here
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that stopping it stops the JVM spark-submit started
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not is_listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-4000:]
                raise ServerStartError(
                    f"The Spark Thrift server did not start on 127.0.0.1:{port}; "
                    f"its log ends:\n{tail}"
                )
            time.sleep(0.5)
        yield port
    finally:
        stop(process)
        shutil.rmtree(work_dir, ignore_errors=True)


def stop(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """Stop the server's process group: politely first, then for good."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the command given after `--` with a Thrift server; return its exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="exit codes:\n" + __doc__.split("Exit codes:\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, help="port to use (default: a free one)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run, after --")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the command to run after --")

    # SIGTERM (CI cancelling, a timeout) unwinds like Ctrl-C, so the server is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with thrift_server(options.port) as port:
            print(f"Spark Thrift server listening on 127.0.0.1:{port}", flush=True)
            env = {**os.environ, "STEDI_THRIFT_PORT": str(port)}
            return subprocess.call(command, env=env)
    except ServerStartError as error:
        print(error, file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("Interrupted; the Spark Thrift server was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
