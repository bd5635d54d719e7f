"""JVM options for the embedded Spark session, and its orderly stop.

A build on the `session` target is one short-lived JVM. Two things dominate its time on small
data, neither of them the data: loading Spark's, Hive's and Derby's classes, and the JIT
compilers (on the starter data, C2 alone spent about 117 s of CPU compiling during a build of
about 100 s on 2 cores). So:

* classes are mapped from a class-data archive (AppCDS) that the first build writes as its JVM
  exits (`ClassArchive`);
* on a landing zone up to `QUICK_JIT_MAX_BYTES`, only the quick C1 compiler runs
  (`jit_options`). On more data the optimising C2 compiler pays for itself: at 100 times the
  starter data, C1 alone parsed the accelerometer lines about four times slower. BENCHMARKS.md
  has the measurements. $STEDI_SPARK_JIT (`quick` or `full`) overrides the choice.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from stedi_lakehouse.shared.storage import local_root, open_storage

QUICK_JIT_MAX_BYTES = 200 * 1024 * 1024
QUICK_JIT = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"  # room for generated code


def java_binary() -> Path | None:
    """The Java runtime PySpark would start: $JAVA_HOME/bin/java, else `java` on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return Path(java_home) / "bin" / "java"
    found = shutil.which("java")
    return Path(found) if found else None


def local_bytes(root: str) -> int | None:
    """Total size of the files under a local landing root; None for a remote one (s3a://)."""
    if local_root(root) is None:
        return None
    return sum(item.size for item in open_storage(root, "landing root").list())


def jit_options(landing_root: str | None) -> str:
    """JIT options for a build of this landing root: the quick compiler on small data."""
    choice = os.environ.get("STEDI_SPARK_JIT", "auto")
    if choice not in ("auto", "quick", "full"):
        raise ValueError(f"STEDI_SPARK_JIT must be auto, quick or full, not {choice!r}.")
    if choice == "auto":
        size = local_bytes(landing_root) if landing_root else None
        choice = "quick" if size is not None and size <= QUICK_JIT_MAX_BYTES else "full"
    return QUICK_JIT if choice == "quick" else ""


class ClassArchive:
    """The embedded JVM's class-data archive: read it when a complete one exists, else write it.

    The archive is valid only for the Java runtime and the jars that wrote it, so its name
    carries both: an upgrade writes a new archive instead of the JVM silently ignoring the old
    one. It is written under a temporary name and renamed once the JVM has exited cleanly, so a
    killed build never leaves a half-written archive in use. Builds with metastores of their own
    ($STEDI_SPARK_HOME) share the one archive of the project.
    """

    def __init__(self, directory: Path, java: Path) -> None:
        import pyspark  # imported here: only the session target needs it

        jars = Path(pyspark.__file__).parent / "jars"
        runtime = java.resolve()
        key = f"{runtime}|{runtime.stat().st_mtime_ns}|{jars}|{pyspark.__version__}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        self.path = directory / f"classes-{digest}.jsa"
        # one name per process: builds running side by side never write the same file
        self.partial = directory / f"classes-{digest}.{os.getpid()}.partial"

    def jvm_options(self) -> str:
        """The JVM options that read the archive, or write it at exit when there is none."""
        # The JVM's notes about classes it cannot archive (old class-file versions) are noise.
        quiet = "-Xlog:cds=off -Xlog:cds+dynamic=off"
        if self.path.exists():
            return f"{quiet} -XX:SharedArchiveFile={self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return f"{quiet} -XX:ArchiveClassesAtExit={self.partial}"

    def keep(self, jvm_exit_code: int | None) -> None:
        """Put a freshly written archive in place if its JVM exited cleanly; else drop it."""
        if self.partial.exists():
            if jvm_exit_code == 0:
                self.partial.replace(self.path)
            else:
                self.partial.unlink()


def stop_embedded_spark(timeout: float = 120.0) -> int | None:
    """Stop the Spark session dbt started in this process and wait for its JVM; its exit code.

    Returns None when this process started no JVM (a Thrift or Athena target, or a failure
    before the first query).
    """
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None:
        return None
    if SparkContext._active_spark_context is not None:
        SparkContext._active_spark_context.stop()
    process = getattr(gateway, "proc", None)
    if process is None:
        return None
    process.stdin.close()  # the JVM exits when the pipe to its parent closes
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return None
