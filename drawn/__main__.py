"""python -m drawn: see drawn/cli.py."""

import sys

from drawn.cli import main

sys.exit(main())
