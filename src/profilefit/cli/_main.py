"""Entry point of the ``profilefit`` command.

Each sub-command lives in its own module under ``profilefit.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed arguments and returning an exit code.

Exit codes: 0 success; 1 the input was read but some rows were rejected or a
check failed (the command says which); 2 usage error or unreadable input;
3 the model file was refused (checksum or version).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from profilefit.artifact import ModelIntegrityError, ModelVersionError

EXIT_OK = 0
EXIT_REJECTS = 1
EXIT_USAGE = 2
EXIT_MODEL_REFUSED = 3

# Sub-command modules, in the order `profilefit --help` lists them.
_COMMAND_MODULES = (
    "profilefit.cli._model_commands",
    "profilefit.cli._instrument_commands",
    "profilefit.cli._audit_command",
    "profilefit.cli._batch_commands",
    "profilefit.cli._report_commands",
    "profilefit.cli._service_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="profilefit",
        description="Screen contact-centre candidates for complex-case support. "
        "Results support a human decision; the reference model is trained on simulated data.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `profilefit ... | head` closes the pipe early
        return EXIT_OK
    except (ModelIntegrityError, ModelVersionError) as error:
        print(f"profilefit: {error}", file=sys.stderr)
        return EXIT_MODEL_REFUSED
    except ValidationError as error:
        print(f"profilefit: {error.title} is not valid:", file=sys.stderr)
        for problem in error.errors(include_url=False):
            where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
            print(f"  {where}: {problem['msg']} (got {problem.get('input')!r})", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError, ValueError) as error:
        print(f"profilefit: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
