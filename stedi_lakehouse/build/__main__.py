"""`python -m stedi_lakehouse.build`: the build runner (stedi_lakehouse/build/runner.py)."""

import sys

from stedi_lakehouse.build.runner import main

sys.exit(main())
