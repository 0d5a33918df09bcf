"""Options several commands share, declared once so that they read and behave alike."""

from __future__ import annotations

import argparse
from collections.abc import Iterable


def add_language_option(parser: argparse.ArgumentParser, *, what: str, languages: Iterable[str]) -> None:
    """``--lang``: the language of what the command prints and writes (the ones ``languages`` offers; default en)."""
    parser.add_argument(
        "--lang", choices=tuple(languages), default="en", help=f"language of the {what} (default: %(default)s)"
    )
