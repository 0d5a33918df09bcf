"""Entry point of the ``profilefit`` command.

Each sub-command lives in its own module under ``profilefit.apps.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed arguments and returning an exit code.

The exit codes are :class:`~profilefit.apps.cli._exit.ExitCode`. An interrupted or failed command
leaves no partial output.
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

from profilefit._extras import EXTRA_OF, missing_extra
from profilefit._version import installed_version
from profilefit.apps.cli._exit import (
    EXIT_HUNG_UP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MODEL_REFUSED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ExitCode,
)
from profilefit.exceptions import MissingExtraError, ModelIntegrityError, ModelVersionError


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM or SIGHUP, so that a run cleans up as it does on Ctrl-C."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


#: The stop signals a run cleans up after, as after Ctrl-C (SIGHUP: a closed terminal or SSH session; not on
#: Windows), with the exit code each gives.
_STOPS: dict[int, tuple[str, ExitCode]] = {signal.SIGTERM: ("SIGTERM", EXIT_TERMINATED)}
if hasattr(signal, "SIGHUP"):
    _STOPS[signal.SIGHUP] = ("SIGHUP", EXIT_HUNG_UP)


# Sub-command modules (under profilefit.apps.cli), in the order `profilefit --help` lists them, with the
# sub-commands each registers (tests/apps/test_cli_core.py checks these against what each one registers).
_COMMANDS: dict[str, tuple[str, ...]] = {
    "_model_commands": ("train", "score-one"),
    "_model_file_commands": ("model",),
    "_instrument_commands": ("schema", "reliability", "instrument-check", "norms"),
    "_calibrate_command": ("calibrate",),
    "_audit_command": ("audit",),
    "_dif_commands": ("dif",),
    "_batch_commands": ("score",),
    "_report_commands": ("report", "shortlist"),
    "_decision_log_commands": ("decision-log",),
    "_validation_commands": ("validate", "role"),
    "_service_commands": ("serve", "export-results", "purge-expired"),
}


def _command_module(name: str) -> Any:
    return importlib.import_module(f"profilefit.apps.cli.{name}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered, or only ``command``'s module's.

    Registering a sub-command imports what its help names (the DIF's groups and languages, the audit's
    and the reports' pages, the forecast's...), so a command line that names its sub-command builds only
    that one: ``profilefit score`` starts without the statistics, the simulation and the page layer.
    """
    parser = argparse.ArgumentParser(
        prog="profilefit",
        description="Screen contact-centre candidates for complex-case support. "
        "Results support a human decision; the reference model is trained on simulated data.",
    )
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    parser.add_argument("--version", action="version", version=f"profilefit {installed_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [name for name, commands in _COMMANDS.items() if command in commands] or list(_COMMANDS)
    for name in names:
        _command_module(name).register(subparsers)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The sub-command a command line names: its first word, after ``--debug``.

    ``None`` (every sub-command is registered) when anything else comes first: ``--help``, ``--version``,
    ``--`` or an unknown option. The whole parser then answers, and an error lists every command.
    """
    for word in argv:
        if word == "--debug":
            continue
        return None if word.startswith("-") else word
    return None


def _on_stop(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    With ``argv`` left out (the process's own command line), Ctrl-C and SIGTERM are ignored once the
    command has finished, so that its exit code and what it printed stand while the process exits.
    """
    parser = build_parser(_named_command(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not in_main_thread:
        return _run(args)
    code: int | None = None
    try:
        # SIGTERM always; SIGHUP only where it would end the process (under nohup it is ignored, and stays so).
        stops = [n for n in _STOPS if n == signal.SIGTERM or signal.getsignal(n) is signal.SIG_DFL]
        previous = {number: signal.signal(number, _on_stop) for number in stops}
        try:
            code = _run(args)
        finally:
            if code is not None and argv is None:
                # This process's own command line, finished: a stop request from now until the process
                # has exited is ignored, so its exit code stands (Python's default action during the
                # exit used to end it by SIGINT, exit -2 with no message, its outputs in place).
                for number in (signal.SIGINT, *previous):
                    signal.signal(number, signal.SIG_IGN)
            else:
                # SIGTERM last: an interrupt that lands while the handlers are put back leaves none of ours.
                for number, handler in reversed(previous.items()):
                    signal.signal(number, handler)
    except (KeyboardInterrupt, Terminated):
        # Once the command has finished, a stop request changes nothing: its exit code and what it
        # printed stand.
        if code is None:
            raise
    assert code is not None
    return code


def _run(args: argparse.Namespace) -> int:
    """Run the chosen sub-command; turn every error into one line on standard error and an exit code."""
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `profilefit ... | head` closes the pipe early
        return EXIT_OK
    except KeyboardInterrupt as error:
        print(f"profilefit: interrupted; {_left_behind(error)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated as error:
        name, code = _STOPS.get(error.signum, ("SIGTERM", EXIT_TERMINATED))
        # A service writes no output file: "no output was written" would alarm its operator.
        said = "" if args.command == "serve" else f"; {_left_behind(error)}"
        print(f"profilefit: stopped ({name}){said}", file=sys.stderr)
        return code
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


def _left_behind(interrupt: BaseException) -> str:
    """What an interrupted run left: nothing, or the files of a finished run.

    The files are named by the note :func:`profilefit.data.batch.score_file` puts on an interrupt that
    came once its outputs were in place.
    """
    notes = getattr(interrupt, "__notes__", None)
    if notes:
        return f"the run had finished: {'; '.join(notes)}"
    return "no output was written"


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
