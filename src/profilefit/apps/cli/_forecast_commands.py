"""``profilefit audit forecast``: adverse-impact forecast of a role before any real candidate is screened.

``audit`` takes a results file as its first argument, so ``forecast`` cannot be an ordinary
argparse sub-command of it without changing how ``profilefit audit RESULTS`` parses.
:func:`register_under` instead lets the audit parser hand the arguments after the word
``forecast`` to a parser of its own; every other audit command line parses as before.

:func:`print_role_forecast` is the one call other commands (``profilefit train``,
``profilefit role learn``) use to print the forecast of the model or role they produce.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from profilefit.apps.cli._exit import EXIT_USAGE
from profilefit.apps.cli._options import add_language_option
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs

#: The word after ``audit`` that selects the forecast.
FORECAST = "forecast"


def _forecast_parser(prog: str) -> argparse.ArgumentParser:
    from profilefit.evidence.forecast import BUILTIN_DIFFERENCES, SELECTABLE_BANDS, forecast_languages

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Simulate applicants of groups whose traits differ as published (by default: sex differences in "
        "personality, with their sources), score them with the model and ROLE, and forecast selection-rate and "
        "scoring-rate impact ratios per band with simulation intervals. A warning light before use, not a verdict: "
        "only the audit of real results shows actual impact. See docs/forecast.md.",
    )
    parser.add_argument("--role", required=True, metavar="ROLE", help="a built-in role id or a role file")
    parser.add_argument(
        "--differences",
        default="sex",
        metavar="FILE",
        help=f"group differences: built-in {', '.join(BUILTIN_DIFFERENCES)} (default) or a .json/.toml file",
    )
    parser.add_argument("--select-band", choices=SELECTABLE_BANDS, default="possible", help="headline band")
    parser.add_argument("--n", type=int, default=2000, metavar="N", help="applicants per group and draw (2000)")
    parser.add_argument("--draws", type=int, default=40, metavar="D", help="repeated draws for the interval (40)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed (default: 0)")
    parser.add_argument("--model", metavar="PATH", help="a model file with its manifest; default: the reference model")
    add_language_option(parser, what="text and page", languages=forecast_languages())
    add_output_options(parser, what="forecast")
    parser.set_defaults(func=run_forecast)
    return parser


def register_under(audit_parser: argparse.ArgumentParser) -> None:
    """Make ``profilefit audit forecast ...`` run the forecast; leave every other audit command line alone."""
    prog = f"{audit_parser.prog} {FORECAST}"
    plain = audit_parser.parse_known_args

    def parse_known_args(  # the subparsers action calls this with the arguments after "audit"
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if args and args[0] == FORECAST:
            # Built only when asked for: its choices come from profilefit.evidence.forecast, which imports the
            # simulation (scipy.stats and the rest, about 0.7 s that every other command, `score` included,
            # would spend at start-up).
            return _forecast_parser(prog).parse_known_args(list(args[1:]), namespace)
        return plain(args, namespace)

    setattr(audit_parser, "parse_known_args", parse_known_args)  # noqa: B010 (an instance attribute on purpose)
    audit_parser.epilog = (
        f"Before use: `{audit_parser.prog} {FORECAST} --role ROLE` forecasts impact from published group "
        f"differences (see `{audit_parser.prog} {FORECAST} --help`)."
    )


def print_role_forecast(
    *,
    role: str | Path | Any | None = None,
    model: str | Path | None = None,
    differences: str | Path | None = None,
    select_band: str = "possible",
    n_per_group: int = 2000,
    draws: int = 40,
    seed: int = 0,
    language: str = "en",
    file: TextIO | None = None,
) -> Any:
    """Print the adverse-impact forecast of a role and model, and return it.

    For commands that produce a model or a role (``profilefit train``, ``profilefit role learn``):
    call this with the new model file or role after writing it.

    Parameters
    ----------
    role : str, Path or RoleProfile, optional
        The role; by default the model's default role (complex-case support for the shipped instrument).
    model : str or Path, optional
        A model file; by default the reference model.
    differences : str or Path, optional
        Built-in name or file; by default the shipped sex differences.
    select_band, n_per_group, draws, seed
        As :func:`profilefit.evidence.forecast.forecast_impact`.
    language : {"en", "nb", "sv", "nl"}, default="en"
    file : text stream, optional
        Where to print; by default standard output.

    Returns
    -------
    profilefit.evidence.forecast.ImpactForecast

    Raises
    ------
    ValueError
        When the model has no role, or its instrument's scales are not those of the reference
        simulation (a model trained on an organisation's own instrument): there is nothing
        published to simulate its applicants from. A caller that trains such models catches this
        and says so instead of printing a forecast.
    """
    from profilefit.core.screening import Screener
    from profilefit.evidence.forecast import forecast_impact, format_forecast_text

    screener = Screener.load(model, role="default" if role is None else role)
    forecast = forecast_impact(
        screener, differences=differences, select_band=select_band, n_per_group=n_per_group, draws=draws, seed=seed
    )
    (file or sys.stdout).write(format_forecast_text(forecast, language))
    return forecast


def run_forecast(args: argparse.Namespace) -> int:
    """Run the forecast, print it, write the JSON if asked; return the exit code."""
    from profilefit.evidence.forecast import write_forecast_html, write_forecast_json

    if args.n < 10 or args.draws < 2:
        print("profilefit audit forecast: give --n of at least 10 and --draws of at least 2", file=sys.stderr)
        return EXIT_USAGE
    if refused_outputs("audit forecast", args, inputs=(args.role, args.model, args.differences)):
        return EXIT_USAGE
    forecast = print_role_forecast(
        role=args.role,
        model=args.model,
        differences=args.differences,
        select_band=args.select_band,
        n_per_group=args.n,
        draws=args.draws,
        seed=args.seed,
        language=args.lang,
    )
    return write_outputs(
        "audit forecast",
        args,
        {
            "json": lambda path: write_forecast_json(forecast, path),
            "html": lambda path: write_forecast_html(forecast, path, args.lang),
        },
    )
