"""The ``profilefit`` command: thin sub-commands over plain, tested functions."""

from profilefit.apps.cli._main import main

__all__ = ["main"]
