"""Sub-commands for people reading results: ``report`` (one candidate) and ``shortlist`` (a batch)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from profilefit.apps.cli._errors import print_validation_error
from profilefit.apps.cli._exit import EXIT_OK, EXIT_USAGE
from profilefit.apps.cli._inputs import (
    add_parameters_option,
    load_screener,
    model_for_assessment,
    read_candidate_text,
)
from profilefit.apps.cli._options import add_language_option
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs
from profilefit.core.fit import BANDS, DEFAULT_ROLE, builtin_roles, load_role
from profilefit.core.screening import ScreeningResult
from profilefit.data.results import stored_role
from profilefit.exceptions import ResultNotFoundError, ResultsRoleError
from profilefit.pages import catalogue
from profilefit.pages.reports import (
    DEFAULT_TOP,
    find_result_row,
    html_report,
    iter_results,
    json_report,
    relative_link,
    report_languages,
    row_html_report,
    row_json_report,
    row_text_report,
    select_shortlist,
    shortlist_html,
    text_report,
    write_row_reports,
)


def register(subparsers: Any) -> None:
    """Add this module's sub-commands."""
    languages = list(report_languages())
    roles = ", ".join(builtin_roles())
    report = subparsers.add_parser(
        "report",
        help="score one candidate and print a report; optionally write it as HTML and JSON",
        description="Score one assessment (JSON) for a role and print a plain-text report. The result supports "
        "a human decision; the reference model is trained on simulated data. A stored result (JSON) is "
        "reported as it is, without scoring again.",
    )
    report.add_argument(
        "candidate",
        help="a JSON file with one assessment or one result, or - for standard input; with --id, a results file "
        "(.csv .jsonl .parquet .xlsx) from `profilefit score`",
    )
    report.add_argument(
        "--id",
        dest="candidate_id",
        metavar="ID",
        help="report the candidate with this id from the results file CANDIDATE (the figures the file holds)",
    )
    report.add_argument(
        "--role",
        help=f"a built-in role ({roles}) or a role file (default: complex-case); a stored result is reported "
        "for the role it records, and another --role is refused (exit 2)",
    )
    add_language_option(report, what="report", languages=languages)
    add_output_options(report, what="report (JSON: the result with its fit)", formats=("html", "json"))
    report.add_argument("--model", help="a model file (.model.json) with its manifest; default: the reference model")
    report.add_argument(
        "--norms", metavar="FILE", help="a norm group file (from `profilefit norms`); default: the model's"
    )
    add_parameters_option(report)
    report.set_defaults(func=run_report)

    shortlist = subparsers.add_parser(
        "shortlist",
        help="turn a results file into a shortlist page, sortable by fit and filterable by band and flag",
        description="Read a results file written by `profilefit score` (.csv, .jsonl or .parquet) and write "
        "one self-contained HTML page.",
    )
    shortlist.add_argument("results", help="the results file")
    shortlist.add_argument("--html", required=True, help="where to write the shortlist page (.html)")
    add_language_option(shortlist, what="page", languages=languages)
    shortlist.add_argument(
        "--role",
        help=f"the role the fit was computed for ({roles}, or a role file); default: the role the results "
        "record. Another role than the recorded one is refused (exit 2)",
    )
    shortlist.add_argument(
        "--top",
        type=_positive,
        default=DEFAULT_TOP,
        metavar="N",
        help=f"list the N best by fit; the page says how many are left out (default: {DEFAULT_TOP})",
    )
    shortlist.add_argument(
        "--reports",
        metavar="FOLDER",
        help="also write each listed candidate's report page into FOLDER (named by a hash of the id) and link "
        "each row of the shortlist to it",
    )
    shortlist.set_defaults(func=run_shortlist)


def run_report(args: argparse.Namespace) -> int:
    """Score (or read) one candidate and write the reports."""
    if refused_outputs("report", args, inputs=(args.candidate, args.model, args.norms, args.parameters)):
        return EXIT_USAGE
    if args.candidate_id is not None:
        return _report_row(args)
    text = read_candidate_text(args.candidate)
    if _is_result(text):
        result = ScreeningResult.model_validate_json(text)
        source = "standard input" if args.candidate == "-" else args.candidate
        try:
            chosen = stored_role(source, {result.fit.role if result.fit else "": 1}, args.role)
        except ResultsRoleError as error:
            print(f"profilefit report: {error}", file=sys.stderr)
            return EXIT_USAGE
        if chosen.note:
            print(f"profilefit report: note: {chosen.note}", file=sys.stderr)
        role = chosen.profile()
        _note_model(args.model, result, source)
        if args.norms is not None:
            print(
                f"profilefit report: note: {args.candidate} is a stored result, reported as it is: its percentiles "
                f"are against its own norm group ({result.norm_group}), not {args.norms}",
                file=sys.stderr,
            )
        if args.parameters is not None:
            print(
                f"profilefit report: note: {args.candidate} is a stored result, reported as it is: its scale scores "
                f"are those it was scored with; --parameters {args.parameters} is not read",
                file=sys.stderr,
            )
    else:
        role = load_role(args.role or DEFAULT_ROLE)
        model = args.model
        model = model_for_assessment("report", args.candidate, text, model)  # as `score` decides an export
        screener = load_screener(
            model,
            role=args.role or DEFAULT_ROLE,
            norms=args.norms,
            command="report",
            parameters=args.parameters,
        )
        try:
            result = screener.score(text)
        except ValidationError as error:
            print_validation_error(error, instrument=screener.instrument, where=f"{args.candidate}: ")
            return EXIT_USAGE
    sys.stdout.write(text_report(result, language=args.lang, role=role))
    return write_outputs(
        "report",
        args,
        {
            "html": lambda path: path.write_text(html_report(result, language=args.lang, role=role), encoding="utf-8"),
            "json": lambda path: path.write_text(json_report(result), encoding="utf-8"),
        },
    )


def _report_row(args: argparse.Namespace) -> int:
    """Report one candidate of a results file, as the file holds it."""
    try:
        row = find_result_row(args.candidate, args.candidate_id)
    except (ResultNotFoundError, ValueError) as error:
        print(f"profilefit report: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        chosen = stored_role(args.candidate, {row.fit_role: 1}, args.role)
    except ResultsRoleError as error:
        print(f"profilefit report: {error}", file=sys.stderr)
        return EXIT_USAGE
    if chosen.note:
        print(f"profilefit report: note: {chosen.note}", file=sys.stderr)
    for option in ("model", "norms"):
        if getattr(args, option) is not None:
            print(
                f"profilefit report: note: --{option} is not used with --id: the results file is reported as it is",
                file=sys.stderr,
            )
    role = chosen.profile()
    sys.stdout.write(row_text_report(row, language=args.lang, role=role))
    return write_outputs(
        "report",
        args,
        {
            "html": lambda path: path.write_text(row_html_report(row, language=args.lang, role=role), encoding="utf-8"),
            "json": lambda path: path.write_text(row_json_report(row), encoding="utf-8"),
        },
    )


def _note_model(model: str | None, result: ScreeningResult, source: str) -> None:
    """Say so when ``--model`` names another model than the one that scored a stored result (reported as it is)."""
    if model is None:
        return
    from profilefit.core.artifact import read_manifest

    given = read_manifest(model).model_id
    if given != result.model.model_id:
        print(
            f"profilefit report: note: {source} is a stored result, reported as it is: it was scored by model "
            f"{result.model.model_id!r}, not by {given!r} ({model}), and the report names {result.model.model_id!r}",
            file=sys.stderr,
        )


def _is_result(text: str) -> bool:
    """Whether JSON text is a stored ScreeningResult rather than an assessment."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return False  # let the assessment schema report it
    return isinstance(data, dict) and str(data.get("schema_version", "")).startswith("profilefit.result/")


def run_shortlist(args: argparse.Namespace) -> int:
    """Write the shortlist page and print a one-line summary."""
    if args.reports:  # the reports' folder is made, with its parents, as the page's folder may be
        Path(args.reports).mkdir(parents=True, exist_ok=True)
    if refused_outputs("shortlist", args, inputs=(args.results,), outputs=("html",)):
        return EXIT_USAGE
    shortlist = select_shortlist(iter_results(args.results), top=args.top)
    try:
        chosen = stored_role(args.results, shortlist.roles, args.role)
    except ResultsRoleError as error:
        print(f"profilefit shortlist: {error}", file=sys.stderr)
        return EXIT_USAGE
    if chosen.note:
        print(f"profilefit shortlist: note: {chosen.note}", file=sys.stderr)
    links: dict[str, str] = {}
    page = Path(args.html)
    if args.reports:
        folder = Path(args.reports)
        written = write_row_reports(
            args.results,
            [row.candidate_id for row in shortlist.rows],
            folder,
            language=args.lang,
            role=chosen.profile(),
            back=relative_link(page, folder),
        )
        links = {candidate_id: relative_link(path, page.parent) for candidate_id, path in written.items()}
    html = shortlist_html(shortlist, language=args.lang, role=chosen.role, links=links)
    code = write_outputs("shortlist", args, {"html": lambda path: path.write_text(html, encoding="utf-8")})
    if code != EXIT_OK:
        return code
    count = catalogue("en").count  # the line is in English: counts grouped as the English pages group them
    counts = ", ".join(f"{count(shortlist.band_counts[band])} {band}" for band in BANDS)
    counts += f", {count(shortlist.incomplete)} incomplete"
    left_out = (
        f"; {count(shortlist.left_out)} left out, the best {count(len(shortlist.rows))} listed"
        if shortlist.left_out
        else ""
    )
    print(
        f"wrote {args.html}: {count(shortlist.total)} candidates "
        f"({counts}; {count(shortlist.needs_review)} need review{left_out})"
    )
    if args.reports:
        print(f"wrote {count(len(links))} report page(s) into {args.reports}, linked from the shortlist")
    return EXIT_OK


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value
