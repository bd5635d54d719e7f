"""The embedded Spark JVM's options (stedi_lakehouse/build/spark_jvm.py): JIT and class archive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from stedi_lakehouse.build import spark_jvm


def landing_of(tmp_path: Path, size: int) -> Path:
    """A landing root holding one (sparse) file of SIZE bytes."""
    root = tmp_path / "landing" / "accelerometer" / "landing"
    root.mkdir(parents=True)
    with (root / "readings.json").open("wb") as file:
        file.truncate(size)
    return tmp_path / "landing"


def test_small_landing_zone_gets_the_quick_compiler(tmp_path, monkeypatch):
    monkeypatch.delenv("STEDI_SPARK_JIT", raising=False)
    root = landing_of(tmp_path, spark_jvm.QUICK_JIT_MAX_BYTES)
    assert spark_jvm.jit_options(str(root)) == spark_jvm.QUICK_JIT


def test_large_landing_zone_keeps_the_optimising_compiler(tmp_path, monkeypatch):
    monkeypatch.delenv("STEDI_SPARK_JIT", raising=False)
    root = landing_of(tmp_path, spark_jvm.QUICK_JIT_MAX_BYTES + 1)
    assert spark_jvm.jit_options(str(root)) == ""


def test_remote_landing_zone_keeps_the_optimising_compiler(monkeypatch):
    monkeypatch.delenv("STEDI_SPARK_JIT", raising=False)
    assert spark_jvm.jit_options("s3a://bucket/landing") == ""


@pytest.mark.parametrize(("choice", "expected"), [("quick", spark_jvm.QUICK_JIT), ("full", "")])
def test_the_choice_can_be_forced(tmp_path, monkeypatch, choice, expected):
    monkeypatch.setenv("STEDI_SPARK_JIT", choice)
    small, large = landing_of(tmp_path, 10), "s3a://bucket/landing"
    assert spark_jvm.jit_options(str(small)) == spark_jvm.jit_options(large) == expected


def test_an_unknown_choice_is_refused_in_one_sentence(monkeypatch):
    monkeypatch.setenv("STEDI_SPARK_JIT", "fast")
    with pytest.raises(ValueError, match="must be auto, quick or full"):
        spark_jvm.jit_options(None)


@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime on PATH")
def test_archive_is_written_once_and_then_read(tmp_path):
    java = Path(shutil.which("java"))
    archive = spark_jvm.ClassArchive(tmp_path / "cds", java)
    writing = archive.jvm_options()
    assert f"-XX:ArchiveClassesAtExit={archive.partial}" in writing
    assert str(os.getpid()) in archive.partial.name  # side-by-side builds never share a file

    archive.partial.write_bytes(b"archive")  # what the JVM writes as it exits
    archive.keep(jvm_exit_code=0)
    assert archive.path.read_bytes() == b"archive" and not archive.partial.exists()
    assert archive.jvm_options().endswith(f"-XX:SharedArchiveFile={archive.path}")


@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime on PATH")
def test_archive_of_a_failed_jvm_is_dropped(tmp_path):
    archive = spark_jvm.ClassArchive(tmp_path / "cds", Path(shutil.which("java")))
    archive.jvm_options()
    archive.partial.write_bytes(b"half an archive")
    archive.keep(jvm_exit_code=137)
    assert not archive.partial.exists() and not archive.path.exists()
    assert "ArchiveClassesAtExit" in archive.jvm_options()  # the next build writes it anew


def test_archive_name_changes_with_the_java_runtime(tmp_path):
    first, second = tmp_path / "jdk-a" / "java", tmp_path / "jdk-b" / "java"
    for binary in (first, second):
        binary.parent.mkdir()
        binary.write_text("")
    one = spark_jvm.ClassArchive(tmp_path, first)
    other = spark_jvm.ClassArchive(tmp_path, second)
    assert one.path != other.path
