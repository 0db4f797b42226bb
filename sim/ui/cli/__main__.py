"""``python -m sim.ui.cli``."""

import sys

from sim.ui.cli import main

sys.exit(main())
