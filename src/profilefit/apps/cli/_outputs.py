"""The one way a command writes its ``--json``, ``--html`` and ``--csv`` files.

Each command declares its output options with :func:`add_output_options` and writes them with
:func:`write_outputs`, so every command behaves alike:

- an output path that names one of the command's input files, or another of its outputs, is
  refused before anything runs (exit 2), so a report never overwrites the data it came from;
- each file is written beside its final path and renamed into place when complete, so an
  interrupted run, a full disk or an unwritable folder leaves no half-written file (and an older
  file of that name untouched);
- one line on standard error names each file written (standard output holds only the report).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from profilefit.apps.cli._exit import EXIT_OK, EXIT_USAGE

#: What each output option writes, and its metavar.
_FORMATS = {
    "json": ("OUT.json", "also write the {what} as JSON"),
    "html": ("OUT.html", "also write the {what} as a self-contained HTML page"),
    "csv": ("OUT.csv", "also write the {what} as CSV"),
}


def add_output_options(
    parser: argparse.ArgumentParser, *, what: str, formats: Iterable[str] = ("json", "html")
) -> None:
    """Add ``--json``, ``--html`` (and ``--csv``) options that write ``what``."""
    for name in formats:
        metavar, help_text = _FORMATS[name]
        parser.add_argument(f"--{name}", metavar=metavar, help=help_text.format(what=what))


def refused_outputs(command: str, args: argparse.Namespace, *, inputs: Iterable[str | Path | None]) -> bool:
    """True (after saying why) when an output option names an input file or repeats another output."""
    inputs_resolved = {Path(path).resolve() for path in inputs if path not in (None, "", "-")}
    seen: dict[Path, str] = {}
    for name in _FORMATS:
        value = getattr(args, name, None)
        if not value:
            continue
        path = Path(value).resolve()
        if path in inputs_resolved:
            print(f"profilefit {command}: refusing to write {value}: it is one of the input files", file=sys.stderr)
            return True
        if path in seen:
            print(f"profilefit {command}: --{seen[path]} and --{name} name the same file {value}", file=sys.stderr)
            return True
        seen[path] = name
    return False


def write_outputs(command: str, args: argparse.Namespace, writers: Mapping[str, Callable[[Path], Any]]) -> int:
    """Write each requested output through its writer; return the exit code.

    ``writers`` maps an option name (``"json"``, ``"html"``, ``"csv"``) to a function that writes
    the file at the path it is given. The path given is a temporary name beside the final one;
    the file is renamed into place once the writer returns.
    """
    for name, writer in writers.items():
        value = getattr(args, name, None)
        if not value:
            continue
        final = Path(value)
        partial = final.with_name(f".{final.stem}.partial{final.suffix}")
        try:
            writer(partial)
            os.replace(partial, final)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            print(f"profilefit {command}: cannot write {value}: {error.strerror or error}", file=sys.stderr)
            return EXIT_USAGE
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        print(f"wrote {value}", file=sys.stderr)
    return EXIT_OK
