"""Entry point of the ``profilefit`` command.

Each sub-command lives in its own module under ``profilefit.apps.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed arguments and returning an exit code.

Exit codes: 0 success; 1 the input was read but some rows were rejected or a
check failed (the command says which); 2 usage error, unreadable input, or a missing optional extra
(the message names the extra and how to install it from the checkout);
3 the model file was refused (checksum, or a format this version does not read); 4 an internal error (a bug in
profilefit: one line, and the traceback with ``--debug``); 5 ``score`` read the input and scored nothing
(every row rejected, or no rows): a broken feed, not a normal day; 130 interrupted (Ctrl-C);
143 stopped by SIGTERM. An interrupted or failed command leaves no partial output.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

import profilefit
from profilefit._extras import EXTRA_OF, missing_extra
from profilefit.exceptions import MissingExtraError, ModelIntegrityError, ModelVersionError

EXIT_OK = 0
EXIT_REJECTS = 1
EXIT_USAGE = 2
EXIT_MODEL_REFUSED = 3
EXIT_INTERNAL = 4
#: ``score`` read the input but scored no row (all rejected, or none there): a feed a pipeline should stop on.
EXIT_NOTHING_SCORED = 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so that a run cleans up as it does on Ctrl-C."""


# Sub-command modules, in the order `profilefit --help` lists them.
_COMMAND_MODULES = (
    "profilefit.apps.cli._model_commands",
    "profilefit.apps.cli._model_file_commands",
    "profilefit.apps.cli._instrument_commands",
    "profilefit.apps.cli._audit_command",
    "profilefit.apps.cli._dif_commands",
    "profilefit.apps.cli._batch_commands",
    "profilefit.apps.cli._report_commands",
    "profilefit.apps.cli._decision_log_commands",
    "profilefit.apps.cli._validation_commands",
    "profilefit.apps.cli._service_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="profilefit",
        description="Screen contact-centre candidates for complex-case support. "
        "Results support a human decision; the reference model is trained on simulated data.",
    )
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    parser.add_argument("--version", action="version", version=f"profilefit {profilefit.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        return _run(args)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen sub-command; turn every error into one line on standard error and an exit code."""
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `profilefit ... | head` closes the pipe early
        return EXIT_OK
    except KeyboardInterrupt:
        print("profilefit: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("profilefit: stopped (SIGTERM); no output was written", file=sys.stderr)
        return EXIT_TERMINATED
    except (ModelIntegrityError, ModelVersionError) as error:
        print(f"profilefit: {error}", file=sys.stderr)
        return EXIT_MODEL_REFUSED
    except MissingExtraError as error:
        print(f"profilefit {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as error:
        # An optional library imported directly (not through profilefit.data.batch's require): name its extra.
        if (error.name or "").partition(".")[0] not in EXTRA_OF:
            return _internal(args, error)
        print(f"profilefit {args.command}: {missing_extra(error.name or '', purpose=args.command)}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as error:
        print(f"profilefit: {error.title} is not valid:", file=sys.stderr)
        for problem in error.errors(include_url=False):
            where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
            print(f"  {where}: {problem['msg']} (got {_short(problem.get('input'))})", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        where = f"{error.filename}: " if error.filename and str(error.filename) not in str(error) else ""
        print(f"profilefit: {where}{error.strerror if where and error.strerror else error}", file=sys.stderr)
        return EXIT_USAGE
    except (UnicodeDecodeError, ValueError) as error:
        print(f"profilefit: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        return _internal(args, error)


def _internal(args: argparse.Namespace, error: Exception) -> int:
    if args.debug:
        traceback.print_exc()
    print(
        f"profilefit: internal error ({type(error).__name__}: {_short(str(error))}); this is a bug in profilefit. "
        "Run again with --debug for the traceback, and report it.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _short(value: Any, limit: int = 200) -> str:
    """``repr``-like text of a value, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


if __name__ == "__main__":
    sys.exit(main())
