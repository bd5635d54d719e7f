"""Peer baseline, Glue job 4: step-trainer landing to step_trainer_trusted.

Joins the step-trainer readings to the distinct serial numbers of customer_curated.
"""

import sys

from spark_job import landing, start, table, write


def main() -> int:
    """Run the job."""
    spark, landing_root, output_root = start("step_trainer_trusted", __doc__.split("\n")[0])
    readings = spark.read.json(landing(landing_root, "step_trainer"))
    customers = spark.read.json(table(output_root, "customer_curated"))
    serial_numbers = customers.select("serialNumber").distinct()
    trusted = readings.join(serial_numbers, "serialNumber", "inner")
    return write(spark, trusted, output_root, "step_trainer_trusted")


if __name__ == "__main__":
    sys.exit(main())
