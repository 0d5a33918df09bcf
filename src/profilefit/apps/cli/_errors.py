"""Turning the errors users meet into clear messages and exit codes."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from profilefit.core.instrument import Instrument
from profilefit.core.schema import describe_errors


def print_problems(problems: Sequence[Mapping[str, Any]], *, where: str = "") -> None:
    """Print field, value and reason of each problem to standard error."""
    for problem in problems:
        row = f"row {problem['row']}, " if "row" in problem else ""
        print(f"{where}{row}field {problem['field']}: value {problem['value']!r}: {problem['reason']}", file=sys.stderr)


def print_validation_error(error: ValidationError, *, instrument: Instrument | None = None, where: str = "") -> None:
    """Print a pydantic validation error as plain records."""
    print_problems(describe_errors(error, instrument), where=where)


@contextlib.contextmanager
def notes_to_stderr(command: str) -> Iterator[None]:
    """Print each warning raised inside the block as one ``profilefit COMMAND: note: ...`` line on standard error."""

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        print(f"profilefit {command}: note: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield
