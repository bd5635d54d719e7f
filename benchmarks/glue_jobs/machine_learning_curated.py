"""Peer baseline, Glue job 5: machine_learning_curated.

Joins step_trainer_trusted to accelerometer_trusted on ``sensorReadingTime = timestamp`` and
drops ``user``.
"""

import sys

from spark_job import start, table, write


def main() -> int:
    """Run the job."""
    spark, _, output_root = start("machine_learning_curated", __doc__.split("\n")[0])
    steps = spark.read.json(table(output_root, "step_trainer_trusted"))
    readings = spark.read.json(table(output_root, "accelerometer_trusted"))
    curated = steps.join(
        readings, steps["sensorReadingTime"] == readings["timestamp"], "inner"
    ).drop("user")
    return write(spark, curated, output_root, "machine_learning_curated")


if __name__ == "__main__":
    sys.exit(main())
