"""Peer baseline, Glue job 3: customer_trusted to customer_curated.

Joins customer_trusted to accelerometer_trusted on ``email = user``, keeps the customer
columns and drops duplicate rows.
"""

import sys

from spark_job import start, table, write


def main() -> int:
    """Run the job."""
    spark, _, output_root = start("customer_trusted_to_curated", __doc__.split("\n")[0])
    customers = spark.read.json(table(output_root, "customer_trusted"))
    readings = spark.read.json(table(output_root, "accelerometer_trusted"))
    curated = (
        customers.join(readings, customers["email"] == readings["user"], "inner")
        .select(*[customers[column] for column in customers.columns])
        .dropDuplicates()
    )
    return write(spark, curated, output_root, "customer_curated")


if __name__ == "__main__":
    sys.exit(main())
