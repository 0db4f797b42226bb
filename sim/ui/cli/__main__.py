"""``python -m sim.ui.cli``."""

import sys

from sim.ui.cli import console

sys.exit(console())
