"""The one way a command writes its ``--json``, ``--html`` and ``--csv`` files.

Each command declares its output options with :func:`add_output_options` and writes them with
:func:`write_outputs`, so every command behaves alike:

- an output path that names one of the command's input files (by any name: a link, a hard
  link), or another of its outputs, or a folder that does not exist, is refused before anything
  runs (exit 2), so a report never overwrites the data it came from;
- each file is written beside its final path and renamed into place when complete, so an
  interrupted run, a full disk or an unwritable folder leaves no half-written file (and an older
  file of that name untouched); a link is written through to its target, and a device or pipe
  such as ``/dev/stdout`` is written as it is;
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


def _same_file(one: Path, other: Path) -> bool:
    """One file by either name: the same path once links are followed, or the same inode (a hard link)."""
    if one.resolve() == other.resolve():
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def refused_outputs(
    command: str,
    args: argparse.Namespace,
    *,
    inputs: Iterable[str | Path | None],
    outputs: Iterable[str] = tuple(_FORMATS),
    written_elsewhere: Mapping[str, str | Path | None] | None = None,
) -> bool:
    """True (after saying why) when an output option names an input, repeats another output, or has no folder.

    ``outputs`` are the names of the options that name files to write (``json``, ``html``, ``csv`` by
    default; ``out``, ``decision_log``, ...); an option left out is skipped. ``written_elsewhere``
    names the command's other outputs by their option (``{"-o": args.output}``), which these must not repeat.
    """
    given = [Path(path) for path in inputs if path not in (None, "", "-")]
    seen: dict[str, Path] = {
        option: Path(path) for option, path in (written_elsewhere or {}).items() if path not in (None, "", "-")
    }
    for name in outputs:
        value = getattr(args, name, None)
        if not value:
            continue
        path = Path(value)
        option = "--" + name.replace("_", "-")
        if any(_same_file(path, source) for source in given):
            print(f"profilefit {command}: refusing to write {value}: it is one of the input files", file=sys.stderr)
            return True
        for other, other_path in seen.items():
            if _same_file(path, other_path):
                print(f"profilefit {command}: {other} and {option} name the same file {value}", file=sys.stderr)
                return True
        folder = path.resolve().parent
        if not folder.is_dir():
            print(f"profilefit {command}: cannot write {value}: the folder {folder} does not exist", file=sys.stderr)
            return True
        seen[option] = path
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
        # A link is written through (its target is replaced), and a device or a pipe (/dev/stdout)
        # is written as it is: only a regular file, or none, is written beside and renamed.
        final = Path(os.path.realpath(value))
        if final.exists() and not final.is_file():
            try:
                writer(final)
            except OSError as error:
                print(f"profilefit {command}: cannot write {value}: {error.strerror or error}", file=sys.stderr)
                return EXIT_USAGE
            print(f"wrote {value}", file=sys.stderr)
            continue
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
