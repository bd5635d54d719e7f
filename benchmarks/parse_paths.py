"""Ways Spark can read the accelerometer lines of a landing root, timed side by side.

    .venv/bin/python benchmarks/parse_paths.py data/bench/scale-10/landing --rounds 3

A measurement for designing the landing parse (BENCHMARKS.md, "Reading the lines"), not part of
the build. One local Spark session reads `<landing root>/accelerometer/landing/*.json` in each
of the ways below, once to warm up and then ROUNDS times, the ways alternated within a round so
that the machine's drift hits them alike, and prints the median seconds of each. Every way
computes its columns for every line (Spark's `noop` sink discards the rows, so no write is
timed), except `text_count`, which only counts the lines.

The ways are the engine's primitives, not the project's models: the models' SQL (the
`*_landing_parsed` models and macros/cross_engine/) adds the quarantine and the casts.

Exit codes: 0 measured, 2 bad arguments (no accelerometer folder under the landing root).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

SCHEMA = "user string, timestamp string, x string, y string, z string"
# One JSON object per line: the old guard trimmed every line twice and counted its braces by
# copying it; the new one trims only lines that do not begin or end with a brace. The models
# trim a longer set of white space (macros/cross_engine/spark_white_space.sql).
WHITE_SPACE = "'\\t\\n\\r '"
OLD_GUARD = f"""
    startswith(btrim(value, {WHITE_SPACE}), '{{') and endswith(btrim(value, {WHITE_SPACE}), '}}')
    and not (length(value) - length(replace(value, '{{', '')) > 1 and value rlike '[}}][ ]*[{{]')
"""
NEW_GUARD = f"""
    (startswith(value, '{{') or startswith(btrim(value, {WHITE_SPACE}), '{{'))
    and (endswith(value, '}}') or endswith(btrim(value, {WHITE_SPACE}), '}}'))
    and not (locate('{{', value, locate('{{', value) + 1) > 0 and value rlike '[}}][ ]*[{{]')
"""
MAPS = "(select from_json(value, 'map<string, string>') m from lines)"
NUMBERS = "translate(m['{0}'], '0123456789.eE+-', '') = ''"
PLAIN_CASTS = ", ".join(
    ["try_cast(m['timestamp'] as bigint)"] + [f"try_cast(m['{k}'] as double)" for k in "xyz"]
)
CONTRACT_CASTS = ", ".join(
    [
        "case when cast(try_cast(m['timestamp'] as bigint) as string) = m['timestamp']"
        " then try_cast(m['timestamp'] as bigint) end"
    ]
    + [
        f"case when {NUMBERS.format(k)} and try_cast(m['{k}'] as double)"
        f" between -1.7976931348623157e308 and 1.7976931348623157e308"
        f" then try_cast(m['{k}'] as double) end"
        for k in "xyz"
    ]
)
WAYS = {
    "text_count": "select count(*) from lines",
    "from_json_map": "select from_json(value, 'map<string, string>') from lines",
    "from_json_struct": f"select from_json(value, '{SCHEMA}') from lines",
    "json_tuple": "select json_tuple(value, 'user', 'timestamp', 'x', 'y', 'z') from lines",
    "json_object_keys": "select json_object_keys(value) from lines",
    "json_source": "select * from json_lines",
    "old_guard": f"select case when {OLD_GUARD} then 1 end from lines",
    "new_guard": f"select case when {NEW_GUARD} then 1 end from lines",
    # the four numbers cast as a plain try_cast reads them, and as the contract reads them
    # (macros/landing/contract_value.sql: canonical integers, a JSON number's characters)
    "plain_casts": f"select {PLAIN_CASTS} from {MAPS}",
    "contract_casts": f"select {CONTRACT_CASTS} from {MAPS}",
}


def main(argv: list[str] | None = None) -> int:
    """Time every way; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "landing_root", type=Path, help="a landing root, e.g. data/bench/scale-10/landing"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    options = parser.parse_args(argv)
    folder = (options.landing_root / "accelerometer" / "landing").resolve()
    if not folder.is_dir():
        print(f"No accelerometer folder at {folder}: give a landing root.", file=sys.stderr)
        return 2

    from pyspark.sql import SparkSession  # imported here: --help needs no JVM

    spark = (
        SparkSession.builder.master("local[*]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.text(str(folder)).createOrReplaceTempView("lines")
    spark.read.schema(SCHEMA).json(str(folder)).createOrReplaceTempView("json_lines")

    def run(query: str) -> float:
        started = time.monotonic()
        spark.sql(query).write.format("noop").mode("overwrite").save()
        return time.monotonic() - started

    lines = spark.sql("select count(*) from lines").collect()[0][0]
    for query in WAYS.values():
        run(query)  # warm-up: the JIT, and the files in the page cache
    times: dict[str, list[float]] = {name: [] for name in WAYS}
    for _ in range(options.rounds):
        for name, query in WAYS.items():
            times[name].append(run(query))
    spark.stop()

    print(f"{lines:,} accelerometer lines in {folder}, median of {options.rounds} rounds:")
    for name, seconds in times.items():
        rounds = " ".join(f"{s:.2f}" for s in seconds)
        print(f"  {name:<18} {statistics.median(seconds):6.2f} s   ({rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
