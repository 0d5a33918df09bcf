"""``profilefit validate`` (a local validation study) and ``profilefit role learn`` (a role learned from outcomes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.apps.cli._exit import EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._outputs import add_output_options, refused_outputs, write_outputs

if TYPE_CHECKING:
    from profilefit.evidence.validation import Estimate, LearnedRole


def _reliability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``validate`` and ``role learn`` sub-commands to ``subparsers``."""
    validate = subparsers.add_parser(
        "validate",
        help="local validation study: how well the fit predicted outcomes measured after hiring",
        description="Join a results file with an outcomes file by candidate id and report the fit's observed "
        "validity (Pearson, Spearman, bootstrap 95%% intervals), the same corrected for range restriction and "
        "criterion unreliability (labelled apart), expectancy tables, outcome by profile and scale, and "
        "differential prediction by group. See docs/validation.md.",
    )
    validate.add_argument("results", metavar="RESULTS", help="results of every applicant, from `profilefit score`")
    _outcome_arguments(validate)
    validate.add_argument(
        "--criterion-reliability",
        type=_reliability,
        metavar="R",
        help="reliability of the outcome measure, to correct for it (supervisor ratings: about 0.52)",
    )
    validate.add_argument(
        "--role",
        help="the role the fit was computed for (built-in id or role file); it must be the role the results "
        "record, or the study is refused (exit 2). Default: the recorded role",
    )
    add_output_options(validate, what="study")
    validate.set_defaults(func=run_validate)

    role = subparsers.add_parser("role", help="roles learned from outcomes", description="Work with role files.")
    role_commands = role.add_subparsers(dest="role_command", metavar="ACTION")
    learn = role_commands.add_parser(
        "learn",
        help="learn scale weights from outcomes and write a role file with its evidence",
        description="Fit non-negative, regularised, cross-validated scale weights that predict an outcome and "
        "write an ordinary role file whose comments hold the evidence. Writes nothing, without --force, when "
        "fewer than 100 people have outcomes or the cross-validated validity's interval includes zero.",
    )
    learn.add_argument("results", metavar="RESULTS", help="results of every applicant, from `profilefit score`")
    _outcome_arguments(learn)
    learn.add_argument("--out", required=True, metavar="ROLE.toml", help="the role file to write")
    learn.add_argument(
        "--role",
        help="the current role: gives scale directions and profile suitabilities; the band shares to keep come "
        "from RESULTS. Default: the role RESULTS record (complex-case for a file that records none); another "
        "role than the recorded one is refused (exit 2)",
    )
    learn.add_argument(
        "--force", action="store_true", help="write even when the evidence is too weak, or replace --out"
    )
    learn.set_defaults(func=run_learn)
    role.set_defaults(func=lambda args: _role_help(role))


def _role_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _outcome_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outcomes", required=True, metavar="OUTCOMES.csv", help="candidate_id and outcome columns")
    parser.add_argument("--outcome", required=True, metavar="COLUMN", help="the outcome column (numeric or yes/no)")
    parser.add_argument(
        "--demographics",
        metavar="DEMOGRAPHICS.csv",
        help="candidate_id and any of sex, race_ethnicity, age, age_band; used only for fairness analyses",
    )


def _inputs(args: argparse.Namespace) -> list[Path]:
    return [Path(path).resolve() for path in (args.results, args.outcomes, args.demographics) if path]


def _refuse_input(path: str, args: argparse.Namespace, command: str) -> bool:
    if Path(path).resolve() in _inputs(args):
        print(f"profilefit {command}: refusing to write {path}: it is one of the input files", file=sys.stderr)
        return True
    return False


def run_validate(args: argparse.Namespace) -> int:
    """Run the study, print it, write the requested files; return the exit code."""
    from profilefit.evidence.validation import format_study_text, validate_files, write_study_html, write_study_json

    if refused_outputs("validate", args, inputs=_inputs(args)):
        return EXIT_USAGE
    try:
        study = validate_files(
            args.results,
            args.outcomes,
            args.outcome,
            demographics=args.demographics,
            criterion_reliability=args.criterion_reliability,
            role=args.role,
        )
    except (ValueError, ImportError) as error:
        print(f"profilefit validate: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(format_study_text(study))
    return write_outputs(
        "validate",
        args,
        {"json": lambda path: write_study_json(study, path), "html": lambda path: write_study_html(study, path)},
    )


def run_learn(args: argparse.Namespace) -> int:
    """Learn a role, print its evidence, and write it when trusted (or forced); return the exit code."""
    from profilefit.evidence.validation import (
        format_impact_comparison,
        impact_comparison,
        learn_role_files,
        read_applicants,
    )

    out = Path(args.out)
    if _refuse_input(args.out, args, "role learn"):
        return EXIT_USAGE
    if out.exists() and not args.force:
        print(f"profilefit role learn: {out} exists; give --force to replace it", file=sys.stderr)
        return EXIT_USAGE
    try:
        learned = learn_role_files(args.results, args.outcomes, args.outcome, base_role=args.role)
        comparison = None
        if args.demographics:
            from profilefit.evidence.audit import read_demographics

            comparison = impact_comparison(read_applicants(args.results), learned, read_demographics(args.demographics))
    except (ValueError, FileNotFoundError) as error:
        print(f"profilefit role learn: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(_learn_text(learned))
    if comparison is not None:
        sys.stdout.write("\n" + format_impact_comparison(*comparison))
    if learned.problems and not args.force:
        print(f"\nNot written: the evidence is too weak to trust ({'; '.join(learned.problems)}).")
        print("Collect more outcomes, or give --force to write it anyway (its comments will say so).")
        return EXIT_REJECTS
    if not learned.weights:
        print("\nNot written: no scale predicts the outcome, so there is no role to write.")
        return EXIT_REJECTS
    try:
        out.write_text(learned.toml, encoding="utf-8")
    except OSError as error:
        print(f"profilefit role learn: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(f"\nWrote {out}{' (NOT TRUSTED: written because of --force)' if learned.problems else ''}")
    print(f"Use it with: profilefit score EXPORT -o results.csv --role {out}")
    return EXIT_OK


def _learn_text(learned: LearnedRole) -> str:
    lines = [
        f"Role learned from {learned.outcome} ({'yes/no' if learned.kind == 'binary' else 'numeric'})",
        f"  n = {learned.n} hired people with an outcome and every scale scored; left out: "
        + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in learned.left_out.items()),
        "  scale             weight  direction  r with outcome",
    ]
    for scale, direction in learned.directions.items():
        weight = learned.weights.get(scale, 0.0)
        r = learned.scale_r.get(scale)
        lines.append(
            f"  {scale:<16} {weight:>7.2f}  {direction:<9}  {r:>6.3f}"
            if r == r
            else f"  {scale:<16} {weight:>7.2f}  {direction:<9}       –"
        )
    cv, current = learned.cv_validity, learned.current_validity

    def interval(estimate: Estimate) -> str:
        return "[–]" if estimate.low is None else f"[{estimate.low:.3f}, {estimate.high:.3f}]"

    lines += [
        f"  cross-validated validity (observed among the hired): r = {cv.value:.3f} {interval(cv)}",
        f"  current role's fit on the same people (observed):     r = {current.value:.3f} {interval(current)}",
        f"  bands of the learned role: strong from {learned.role.bands.strong:g}, "
        f"possible from {learned.role.bands.possible:g} "
        "(same shares of applicants as the current role)",
    ]
    lines += [f"  Warning: {text}" for text in learned.warnings]
    lines += [f"  NOT TRUSTED: {text}" for text in learned.problems]
    return "\n".join(lines) + "\n"
