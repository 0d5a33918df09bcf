"""The ``profilefit`` command: thin sub-commands over plain, tested functions."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (:func:`profilefit.apps.cli._main.main`).

    Ctrl-C while the command is still loading (its imports, the parsing of its arguments) ends it with
    the same one line and exit code as an interrupt later on, not a traceback: nothing was written yet.
    """
    try:
        from profilefit.apps.cli._main import main as run

        return run(argv)
    except KeyboardInterrupt:
        from profilefit.apps.cli._exit import EXIT_INTERRUPTED

        print("profilefit: interrupted; no output was written", file=sys.stderr)
        return int(EXIT_INTERRUPTED)


__all__ = ["main"]
