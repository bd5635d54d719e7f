"""What a person sees after a build: the docs' row counts.

One build of the sample set through the Thrift server, then `dbt docs generate` into the same
target folder; the docs page is opened in headless Chromium.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from builds import PROJECT_DIR, Build, build, query
from chromium import needs_chromium, rendered_dom, served


@pytest.fixture(scope="module")
def documented_build(tmp_path_factory: pytest.TempPathFactory, thrift_port: int) -> Build:
    """A strict build of the sample set whose target folder also holds the docs' catalog."""
    tmp_path = tmp_path_factory.mktemp("docs")
    sample = tmp_path / "sample"
    generator = [sys.executable, "-m", "stedi_lakehouse.sample_data", str(sample)]
    subprocess.run(generator, check=True, capture_output=True, cwd=PROJECT_DIR)
    outcome = build(tmp_path, thrift_port, sample, extra=["--skip-tests"])
    assert outcome.returncode == 0, outcome.output[-3000:]
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(thrift_port),
        "STEDI_SCHEMA": outcome.schema,
        "STEDI_LANDING_ROOT": str(sample.resolve()),
        "DBT_TARGET_PATH": str(outcome.target_dir),
        "DBT_LOG_PATH": str(tmp_path / "logs_docs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    dbt = str(Path(sys.executable).parent / "dbt")
    generated = subprocess.run(
        [dbt, "docs", "generate", "--target", "ci", "--project-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stdout[-3000:]
    return outcome


def test_the_catalog_holds_the_real_row_count_of_every_table(
    documented_build: Build, thrift_port: int
):
    catalog = json.loads((documented_build.target_dir / "catalog.json").read_text())
    tables = {
        node_id: node
        for node_id, node in catalog["nodes"].items()
        if node["metadata"]["type"] == "table"
    }
    assert "model.stedi_lakehouse.machine_learning_curated" in tables
    for node_id, node in tables.items():
        name = node["metadata"]["name"]
        (true_count,) = query(
            thrift_port, f"select count(*) from {documented_build.schema}.{name}"
        )[0]
        assert node["stats"].get("rows", {}).get("value") == true_count, node_id


def _rendered_row_count(dom: str) -> int:
    found = re.search(
        r'<dt[^>]*class="detail-label[^"]*"[^>]*>\s*rows\s*</dt>\s*<dd[^>]*>\s*([^<]*?)\s*</dd>',
        dom,
        re.IGNORECASE,
    )
    assert found, "the docs page shows no row count"
    return int(found.group(1).replace(",", ""))


@needs_chromium
def test_the_docs_page_of_machine_learning_curated_shows_its_row_count(
    documented_build: Build,
):
    page = "index.html#!/model/model.stedi_lakehouse.machine_learning_curated"
    with served(documented_build.target_dir) as base_url:
        dom = rendered_dom(f"{base_url}/{page}")
    assert "machine_learning_curated" in dom
    shown = _rendered_row_count(dom)
    assert shown == documented_build.counts["machine_learning_curated"] > 0
