"""The build (`python -m stedi_lakehouse.build`): take the landing inventory, run dbt, report.

`runner` stages and builds with dbt's Python API, `inventory` lists and counts the landing zone
through the storage, `zone_report` draws target/zone_report.html from its Jinja2 template,
`freshness` reads `dbt source freshness` and `spark_jvm` tunes the embedded Spark JVM. It may
import `stedi_lakehouse.shared` and the loader's decoding (to tell a file the engines cannot
read); nothing imports it (the erasure runs it as a command).
"""
