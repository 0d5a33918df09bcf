"""``profilefit dif``: item bias (differential item functioning) of an export by one demographic dimension."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from profilefit.apps.cli._exit import EXIT_USAGE
from profilefit.apps.cli._inputs import (
    ENCODING_HELP,
    EXPORT_HELP,
    SAMPLE,
    add_layout_options,
    add_parameters_option,
    layout_of,
    read_export,
)
from profilefit.apps.cli._options import add_language_option
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs


def register(subparsers: Any) -> None:
    """Add the ``dif`` sub-command to ``subparsers``."""
    from profilefit.evidence.dif import DIMENSIONS, dif_languages

    parser = subparsers.add_parser(
        "dif",
        help="item bias (DIF) of every item (or 2.0 block statement), situational option and attention check, "
        "by sex, race/ethnicity or age",
        description="Differential item functioning: do people of the same standing answer an item differently by "
        "group? Mantel-Haenszel with ETS classes, ordinal logistic regression with Zumbo-Thomas and Jodoin-Gierl "
        "effect sizes, two-step purification and Benjamini-Hochberg adjustment. A flagged item is for content "
        "experts to review, not proof of unfairness. On instrument 2.0 (--model reference-2.0) each block statement "
        "is tested, marked most and marked least, against its scale's Thurstonian estimate from the other blocks. "
        "Exit codes: 0 the analysis ran (flags do not change it); "
        "2 unreadable input or usage error. See docs/dif.md.",
    )
    parser.add_argument("export", metavar="EXPORT", help=EXPORT_HELP)
    parser.add_argument(
        "--demographics",
        required=True,
        metavar="FILE",
        help="the audit's demographics CSV (candidate_id and sex, race_ethnicity, age or age_band), or 'sample'",
    )
    parser.add_argument(
        "--by",
        default="sex",
        metavar="COLUMN",
        help=f"the demographics column to compare groups on: {', '.join(DIMENSIONS)} (read as the audit reads "
        "them), or any other column such as language, the language the test was taken in (default: %(default)s)",
    )
    parser.add_argument(
        "--focal", action="append", metavar="GROUP", help="focal group (repeatable); default: every other group"
    )
    parser.add_argument("--reference", metavar="GROUP", help="reference group; default: the largest group")
    parser.add_argument("--instrument", metavar="FILE", help="a custom instrument file (.json or .toml)")
    parser.add_argument(
        "--model", metavar="PATH", help="read the instrument of this model file (default: the shipped instrument)"
    )
    add_parameters_option(parser)
    parser.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    add_layout_options(parser)
    parser.add_argument("--no-purify", action="store_true", help="one step only: no purification of matching scores")
    add_language_option(parser, what="text and page", languages=dif_languages())
    add_output_options(parser, what="analysis")
    parser.set_defaults(func=run_dif)


def run_dif(args: argparse.Namespace) -> int:
    """Run the analysis, print it, write the requested files; return the exit code."""
    from profilefit.core.instrument import load_instrument
    from profilefit.evidence.audit import sample_demographics_path
    from profilefit.evidence.dif import dif_files, format_dif_text, write_dif_html, write_dif_json
    from profilefit.exceptions import ColumnError, DifInputError, MissingExtraError, ParametersError

    if args.instrument and args.model:
        print("profilefit dif: give --instrument or --model, not both", file=sys.stderr)
        return EXIT_USAGE
    if args.model:
        from profilefit.core.artifact import load_artifact

        instrument = load_artifact(args.model).instrument
    else:
        instrument = load_instrument(args.instrument)
    demographics = sample_demographics_path() if args.demographics == SAMPLE else args.demographics
    if refused_outputs("dif", args, inputs=(args.export, demographics)):
        return EXIT_USAGE
    try:
        export = read_export(args.export, instrument, command="dif", encoding=args.encoding, layout=layout_of(args))
        report = dif_files(
            export,
            demographics,
            by=args.by,
            reference=args.reference,
            focal=args.focal,
            instrument=instrument,
            purify=not args.no_purify,
            parameters=args.parameters,
        )
    except (DifInputError, ColumnError, MissingExtraError, ParametersError) as error:
        print(f"profilefit dif: {error}", file=sys.stderr)
        return EXIT_USAGE
    for merged in report.inputs.merged:
        print(f"profilefit dif: warning: {merged.note()}", file=sys.stderr)
    sys.stdout.write(format_dif_text(report, args.lang))
    return write_outputs(
        "dif",
        args,
        {
            "json": lambda path: write_dif_json(report, path),
            "html": lambda path: write_dif_html(report, path, args.lang),
        },
    )
