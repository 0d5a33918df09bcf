"""``python -m profilefit``: the ``profilefit`` command."""

import sys

from profilefit.cli import main

sys.exit(main())
