"""The installed version of profilefit, looked up on first use (so that importing reads no files)."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def installed_version() -> str:
    """The installed distribution's version, or ``0+unknown`` in a source tree that is not installed."""
    try:
        return metadata.version("profilefit")
    except metadata.PackageNotFoundError:
        return "0+unknown"
