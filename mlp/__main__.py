"""python -m mlp: see mlp/cli.py."""

import sys

from mlp.cli import main

sys.exit(main())
