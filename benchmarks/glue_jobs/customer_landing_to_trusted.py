"""Peer baseline, Glue job 1: customer landing to customer_trusted.

Keeps the customer records whose ``shareWithResearchAsOfDate`` is not null.
"""

import sys

from spark_job import landing, start, write


def main() -> int:
    """Run the job."""
    spark, landing_root, output_root = start("customer_landing_to_trusted", __doc__.split("\n")[0])
    customers = spark.read.json(landing(landing_root, "customer"))
    trusted = customers.filter(customers["shareWithResearchAsOfDate"].isNotNull())
    return write(spark, trusted, output_root, "customer_trusted")


if __name__ == "__main__":
    sys.exit(main())
