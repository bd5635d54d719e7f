"""The Spark Thrift server of tools/thrift_server.py, as `make test` runs it."""

from __future__ import annotations

from builds import query

FUNCTION_REGISTRY = "org.apache.hadoop.hive.ql.exec.FunctionRegistry"


def test_hive_function_registry_initialises_despite_the_missing_llap_jar(thrift_port: int):
    # Closing a session may be the first use of Hive's FunctionRegistry; when it cannot
    # initialise, the server fails or hangs on that session (the pyspark wheel has no LLAP jar).
    rows = query(
        thrift_port, f"select reflect('java.lang.Class', 'forName', '{FUNCTION_REGISTRY}')"
    )
    assert rows == [(f"class {FUNCTION_REGISTRY}",)]
