"""Erase customers from the STEDI landing zone on request (the right to erasure).

    python erase_customer.py EMAIL [EMAIL ...] --landing-root DIR|s3://bucket/prefix [--dry-run]

The logic lives in stedi_lakehouse/erasure/ (also `python -m stedi_lakehouse.erasure.erase`);
README "Erasing a customer" and docs/erasure.md describe what it does and what it does not.
"""

import sys

from stedi_lakehouse.erasure.erase import main

if __name__ == "__main__":
    sys.exit(main())
