"""What the dbt project declares, read from the manifest of `dbt parse` (no engine needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builds import PROJECT_DIR


@pytest.fixture(scope="session")  # xdist may end a module scope between tests
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    target = tmp_path_factory.mktemp("parse")
    if not (PROJECT_DIR / "profiles.yml").exists():
        shutil.copy(PROJECT_DIR / "profiles.yml.example", PROJECT_DIR / "profiles.yml")
    dbt = str(Path(sys.executable).parent / "dbt")
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_LOG_PATH": str(target)}
    command = [dbt, "parse", "--target", "session", "--target-path", str(target)]
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    return json.loads((target / "manifest.json").read_text())


def test_every_trusted_and_curated_model_has_an_enforced_contract_with_typed_columns(manifest):
    zone_models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:-1] in (["trusted"], ["curated"])
    ]
    assert {node["name"] for node in zone_models} >= {
        "machine_learning_curated",
        "customer_trusted",
    }
    for node in zone_models:
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["columns"], node["name"]
        untyped = [name for name, column in node["columns"].items() if not column["data_type"]]
        assert not untyped, f"{node['name']}: {untyped}"
        # checked before the old table is dropped (dbt checks it only while writing the new one)
        hooks = [hook["sql"] for hook in node["config"]["pre-hook"]]
        assert "{{ enforce_contract_before_write() }}" in hooks, node["name"]


def test_the_model_training_is_an_exposure_of_machine_learning_curated(manifest):
    exposures = [e for e in manifest["exposures"].values() if e["type"] == "ml"]
    assert len(exposures) == 1
    training = exposures[0]
    assert training["depends_on"]["nodes"] == ["model.stedi_lakehouse.machine_learning_curated"]
    assert training["owner"]["name"] and training["owner"]["email"]
    assert "research" in training["description"]


def test_every_trusted_and_curated_model_persists_its_descriptions(manifest):
    """Their descriptions and their columns' become comments on Spark and in Glue on Athena."""
    zone_models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:-1] in (["trusted"], ["curated"])
    ]
    for node in zone_models:
        assert node["config"]["persist_docs"] == {"relation": True, "columns": True}, node["name"]
        assert node["description"].strip(), node["name"]
        undescribed = [name for name, c in node["columns"].items() if not c["description"].strip()]
        assert not undescribed, f"{node['name']}: {undescribed}"
