"""What a person sees after a build: the docs' row counts and target/zone_report.html.

The shared strict build of the sample set (conftest.py), then `dbt docs generate` into its
target folder; the docs page and the zone report are opened in headless Chromium.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from builds import PROJECT_DIR, Build, check_zone_report, query
from chromium import needs_chromium, rendered_dom, served

from stedi_lakehouse.build import zone_report
from stedi_lakehouse.build.zone_report import PAIRS, STEPS
from tools.layout import ZONE_TABLES

# the tests of this module share their builds: one pytest-xdist worker runs them all
pytestmark = pytest.mark.xdist_group("sample")


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def documented_build(
    tmp_path_factory: pytest.TempPathFactory, thrift_port: int, sample_strict: Build
) -> Build:
    """The strict build of the sample set, its target folder holding the docs' catalog too."""
    env = {
        **os.environ,
        "STEDI_THRIFT_PORT": str(thrift_port),
        "STEDI_SCHEMA": sample_strict.schema,
        "STEDI_LANDING_ROOT": str(sample_strict.landing_root.resolve()),
        "DBT_TARGET_PATH": str(sample_strict.target_dir),
        "DBT_LOG_PATH": str(tmp_path_factory.mktemp("logs_docs")),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    dbt = str(Path(sys.executable).parent / "dbt")
    # as `make docs` does it: a build computes no statistics, the operation does
    for command in (["run-operation", "compute_statistics"], ["docs", "generate"]):
        done = subprocess.run(
            [dbt, *command, "--target", "ci", "--project-dir", str(PROJECT_DIR)],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-3000:]
    return sample_strict


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


def test_the_zone_report_is_self_contained_and_holds_no_personal_data(documented_build: Build):
    page = (documented_build.target_dir / "zone_report.html").read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"(https?:|//[a-z]|url\()", page, re.IGNORECASE)
    assert "@" not in html.unescape(page)  # no e-mail; only counts and reasons


@needs_chromium
def test_the_zone_report_shows_the_zone_counts_and_why_rows_left(documented_build: Build):
    counts = documented_build.counts
    assert list(counts) == ZONE_TABLES
    dom = rendered_dom((documented_build.target_dir / "zone_report.html").as_uri(), 2_000)
    assert "strict" in dom
    every_reason = check_zone_report(dom, counts)
    # the sample set has each kind of exclusion of strict mode
    for zone, reason in [
        ("customer_trusted", "no_consent"),
        ("customer_trusted", "withdrawn"),
        ("accelerometer_trusted", "before_consent"),
        ("step_trainer_trusted", "non_consenting_owner"),
        ("machine_learning_curated", "cross_person_pair"),
    ]:
        assert every_reason[zone, reason] > 0, reason


@needs_chromium
def test_the_docs_overview_links_the_zone_report(documented_build: Build):
    with served(documented_build.target_dir) as base_url:
        dom = rendered_dom(f"{base_url}/index.html#!/overview")
        links = re.findall(r'href="([^"]*zone_report\.html)"', dom)
        assert links, "the overview page has no link to the zone report"
        with urllib.request.urlopen(f"{base_url}/{links[0]}") as response:
            assert "Why rows left each zone" in response.read().decode()


def test_the_zone_report_template_draws_every_count_and_reason(tmp_path: Path):
    """The page from its Jinja2 template, without a build: every figure is the count it names,
    each zone's upstream rows less the rows that left are its rows, text is escaped."""
    counts: dict[str, int | None] = {name: 0 for name in ZONE_TABLES}
    rows: list[list[object]] = []
    for number, step in enumerate(STEPS):
        if not counts.get(step.upstream):  # a landing table, or the pairs: not built here
            counts[step.upstream] = 1000 + 10 * number
        left = {reason: index + 1 for index, reason in enumerate(step.reasons)}
        rows += [[step.table, reason, value] for reason, value in left.items()]
        counts[step.table] = (counts.get(step.upstream) or 0) - sum(left.values())
    rows.append(["machine_learning_curated", PAIRS, counts[PAIRS]])
    counts.pop(PAIRS)
    page = tmp_path / "zone_report.html"
    zone_report.write(page, counts, {"rows": rows, "mode": "<strict>", "target": "ci"})
    text = page.read_text()
    every_reason = check_zone_report(text, counts)
    assert len(every_reason) == sum(len(step.reasons) for step in STEPS)
    assert "<title>STEDI zone report (ci, &lt;strict&gt;)</title>" in text
    assert "<script" not in text and "customer&#39;s latest record" in text
    zone_report.write(page, counts, None)
    assert "Not known: this build did not rebuild every zone table." in page.read_text()
