"""sqlfluff's athena dialect over the compiled Athena SQL this project writes."""

from __future__ import annotations

import json
from pathlib import Path

from tools.athena import PROJECT_DIR


def compiled_tests(target_dir: Path) -> dict[str, str]:
    """Compiled SQL of every data test, dbt's own generic tests included, by node id."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    return {
        node_id: node["compiled_code"]
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node.get("compiled_code")
    }


def authored_sql(target_dir: Path, project_name: str = "stedi_lakehouse") -> dict[str, str]:
    """Compiled SQL of the models and of the data tests this project writes, by node id.

    dbt's own generic tests (unique, not_null, ...) are left out: their SQL is dbt's.
    """
    manifest = json.loads((target_dir / "manifest.json").read_text())
    sql: dict[str, str] = {}
    for node_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "test") or not node.get("compiled_code"):
            continue
        macros = node["depends_on"]["macros"]
        builtin_test = node.get("test_metadata") and not any(
            m.startswith(f"macro.{project_name}.test_") for m in macros
        )
        if not builtin_test:
            sql[node_id] = node["compiled_code"]
    return sql


def lint(sql_by_name: dict[str, str]) -> list[str]:
    """Violations that sqlfluff finds (athena dialect, the project's rules but layout).

    Layout rules judge whitespace that Jinja produced, and RF06 the quoting that dbt-athena
    chose; the authored layout is linted on the sources by `sqlfluff lint models tests`.
    """
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(
        str(PROJECT_DIR),
        overrides={
            "dialect": "athena",
            "templater": "raw",
            "exclude_rules": "ambiguous.column_count,layout,references.quoting",
        },
    )
    linter = Linter(config=config)
    problems = []
    for name, sql in sql_by_name.items():
        result = linter.lint_string(sql.strip() + "\n", fname=name)
        for violation in result.get_violations():
            problems.append(
                f"{name}:{violation.line_no}: {violation.rule_code()} {violation.desc()}"
            )
    return problems
