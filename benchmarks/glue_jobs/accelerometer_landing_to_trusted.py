"""Peer baseline, Glue job 2: accelerometer landing to accelerometer_trusted.

Joins the accelerometer readings to customer_trusted on ``user = email`` and keeps the
accelerometer columns.
"""

import sys

from spark_job import landing, start, table, write


def main() -> int:
    """Run the job."""
    spark, landing_root, output_root = start(
        "accelerometer_landing_to_trusted", __doc__.split("\n")[0]
    )
    readings = spark.read.json(landing(landing_root, "accelerometer"))
    customers = spark.read.json(table(output_root, "customer_trusted"))
    trusted = readings.join(customers, readings["user"] == customers["email"], "inner").select(
        *[readings[column] for column in readings.columns]
    )
    return write(spark, trusted, output_root, "accelerometer_trusted")


if __name__ == "__main__":
    sys.exit(main())
