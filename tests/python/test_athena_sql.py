"""The Athena contract in parts: the parse rule, the DuckDB stand-in, the profile."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
import yaml

from tools.athena.statements import statement_problem
from tools.athena.trino_grammar import runs_on_trino, trino_problem
from tools.athena.trino_to_duckdb import to_duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]

SECRET_KEYS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "password"}


def test_athena_sql_passes_the_parse_rule():
    assert (
        statement_problem("alter table `s`.`t` set tblproperties ('classification' = 'x')") is None
    )
    assert (
        statement_problem('create table "s"."t" with (format=\'parquet\') as select 1 as a') is None
    )


def test_a_statement_that_does_not_parse_fails():
    assert statement_problem("select `customer_email` from t").startswith("does not parse")


def test_an_opaque_command_fails_unless_its_select_body_parses():
    # sqlglot keeps UNLOAD and SHOW only as opaque commands
    unload = "unload ({}) to 's3://b/x/' with (format = 'PARQUET')"
    assert statement_problem(unload.format("select 1 as a from t")) is None
    assert "SELECT body does not parse" in statement_problem(unload.format("select `a` from t"))
    assert "no SELECT body" in statement_problem("show tables in stedi")


def run_on_duckdb(athena_sql: str, *lines: str) -> list[tuple]:
    """Rows of an Athena query over a table `t` of raw lines, transpiled and run on DuckDB."""
    con = duckdb.connect()
    con.execute("create table t as select unnest(?::varchar[]) as line", [list(lines)])
    return con.execute(to_duckdb(sqlglot.parse_one(athena_sql, read="athena"))).fetchall()


def test_duckdb_stand_in_rejects_fractional_integers_like_trino():
    rows = run_on_duckdb(
        "select try_cast(line as integer), try_cast(line as bigint) from t", "2.5", "42", " 7 ", "x"
    )
    assert rows == [(None, None), (42, 42), (7, 7), (None, None)]


def test_duckdb_stand_in_runs_the_athena_json_macros():
    record = (
        "transform_values(try(cast(json_parse(line) as map(varchar, json))), (k, v) -> "
        "if(is_json_scalar(v), json_extract_scalar(v, '$'), json_format(v)))"
    )
    value = "element_at(map_values(map_filter(record, (k, v) -> lower(k) = '{}')), 1)"
    sql = (
        f"select {value.format('timestamp')}, {value.format('user')}, {value.format('x')} "
        f"from (select {record} as record from t)"
    )
    rows = run_on_duckdb(
        sql,
        '{"user":"Ann@Test.com","timeStamp":1655564444103,"x":{"a":1}}',
        '{"user":null,"timestamp":"abc","x":true}',
        '{"user":"ann@test.com","timestamp":1',
        "[1, 2, 3]",
    )
    assert rows == [
        ("1655564444103", "Ann@Test.com", '{"a":1}'),
        ("abc", None, "true"),
        (None, None, None),
        (None, None, None),
    ]


def test_duckdb_stand_in_keeps_a_json_null_in_a_map_as_trino_does():
    # Trino: cast(json '{"n":null}' as map(varchar, json)) holds JSON 'null', not SQL NULL
    sql = (
        "select json_format(element_at(m, 'n')), json_extract_scalar(element_at(m, 'n'), '$') "
        "from (select try(cast(json_parse(line) as map(varchar, json))) as m from t)"
    )
    assert run_on_duckdb(sql, '{"n":null}') == [("null", None)]


def test_athena_profiles_take_credentials_from_the_aws_chain_only():
    outputs = yaml.safe_load((PROJECT_DIR / "profiles.yml.example").read_text())
    outputs = outputs["stedi_lakehouse"]["outputs"]
    for name in ["athena", "athena_local"]:
        assert outputs[name]["type"] == "athena"
        assert not SECRET_KEYS & set(outputs[name]), name
    # the stand-in target cannot reach AWS: without AWS_ENDPOINT_URL dbt refuses to start
    assert outputs["athena_local"]["endpoint_url"] == "{{ env_var('AWS_ENDPOINT_URL') }}"
    assert "env_var('AWS_PROFILE'" in outputs["athena"]["aws_profile_name"]


@pytest.mark.parametrize(
    "sql",
    [
        "select a from t where a rlike 'x'",
        "select cast(a as string) from t",
        "insert overwrite table t select 1",
        "select 1 as json_object",
    ],
)
def test_trinos_grammar_refuses_spark_sql(sql):
    assert trino_problem(sql) is not None


@pytest.mark.parametrize(
    "sql",
    [
        '/* {"node_id": "model.x"} */ create table "db"."t" with (format = \'parquet\') '
        "as select try_cast(a as integer) as a, 1 as string from s",
        "create or replace view db.v as select regexp_like(a, '[}]') as b from t",
        "select count(*) from (select a from t where a is null) dbt_internal_test",
    ],
)
def test_trinos_grammar_accepts_athena_sql(sql):
    assert runs_on_trino(sql)
    assert trino_problem(sql) is None


def test_hive_ddl_is_left_to_sqlglot():
    assert not runs_on_trino("create external table `db`.`t` (`a` string) location 's3://b/p/'")
    assert not runs_on_trino("-- staging\ndrop table if exists `db`.`t`")
