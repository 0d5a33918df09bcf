"""``profilefit audit``: adverse impact of a batch of results by sex, race/ethnicity and age band."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from profilefit.apps.cli._exit import EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._forecast_commands import register_under as register_forecast
from profilefit.apps.cli._options import add_language_option
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs
from profilefit.data.results import unrecorded_role_note
from profilefit.evidence.audit import (
    DEFAULT_SELECT_BAND,
    SELECT_BANDS,
    audit_files,
    audit_languages,
    format_audit_text,
    unaudited_note,
    write_audit_csv,
    write_audit_html,
    write_audit_json,
)
from profilefit.exceptions import AuditInputError, AuditMatchError, ResultsRoleError


def register(subparsers: Any) -> None:
    """Add the ``audit`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(
        "audit",
        help="adverse-impact audit of a results file by sex, race/ethnicity and age band",
        description="Join a results file with a demographics CSV by candidate id and print selection and scoring "
        "rates, impact ratios, the four-fifths flag and significance tests per category, and the same for each "
        "classification the model reports (each profile, and undetermined). The four-fifths rule is a rule of "
        "thumb that calls for a closer look, not a verdict. Exits 1 when no result matches a demographics row. "
        "See docs/fairness.md.",
    )
    parser.add_argument(
        "results", metavar="RESULTS", help="results file written by `profilefit score` (.csv, .jsonl, .parquet)"
    )
    parser.add_argument(
        "--demographics",
        required=True,
        metavar="DEMOGRAPHICS.csv",
        help="CSV with candidate_id and any of sex, race_ethnicity, age, age_band",
    )
    parser.add_argument(
        "--select-band",
        choices=SELECT_BANDS,
        default=DEFAULT_SELECT_BAND,
        help="a candidate is selected at this fit band or higher (default: %(default)s)",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL.model.json",
        help="the model that scored the results (its manifest is read), so the audit uses its classifications "
        "and says what it was trained on; default: the reference model when the results name it",
    )
    parser.add_argument(
        "--role",
        help="the role the fit was computed for (built-in id or role file), to name it; default: the role the "
        "results record. Another role than the recorded one is refused (exit 2)",
    )
    add_language_option(parser, what="text and page", languages=audit_languages())
    add_output_options(parser, what="audit (CSV: one row per category)", formats=("csv", "json", "html"))
    parser.set_defaults(func=run)
    register_forecast(parser)  # `profilefit audit forecast`: cli/_forecast_commands.py


def run(args: argparse.Namespace) -> int:
    """Run the audit, print the table, write the requested files; return the exit code.

    Returns ``EXIT_USAGE`` when an input cannot be read (the message names the file, row and field),
    when ``--role`` is not the role the results record (or they record more than one), or when
    ``--model`` is not the model that scored them; ``EXIT_REJECTS`` when no result matches a
    demographics row. A ratio below four-fifths is
    reported, not treated as a failure.
    """
    if refused_outputs("audit", args, inputs=(args.results, args.demographics)):
        return EXIT_USAGE
    try:
        report = audit_files(
            args.results, args.demographics, select_band=args.select_band, model=args.model, role=args.role
        )
    except AuditMatchError as error:
        print(f"profilefit audit: {error}", file=sys.stderr)
        return EXIT_REJECTS
    except (AuditInputError, ResultsRoleError) as error:
        print(f"profilefit audit: {error}", file=sys.stderr)
        return EXIT_USAGE
    for merged in report.merged_categories:
        print(f"profilefit audit: warning: {merged.note()}", file=sys.stderr)
    if (note := unaudited_note(report.unaudited_columns)) is not None:
        print(f"profilefit audit: note: {args.demographics}: {note}", file=sys.stderr)
    if not report.tool.role_recorded:
        print(f"profilefit audit: note: {unrecorded_role_note(args.results, args.role)}", file=sys.stderr)
    sys.stdout.write(format_audit_text(report, args.lang))
    return write_outputs(
        "audit",
        args,
        {
            "csv": lambda path: write_audit_csv(report, path),
            "json": lambda path: write_audit_json(report, path, language=args.lang),
            "html": lambda path: write_audit_html(report, path, language=args.lang),
        },
    )
