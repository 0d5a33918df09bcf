"""``python -m profilefit``: the ``profilefit`` command."""

import sys

from profilefit.apps.cli import main

sys.exit(main())
