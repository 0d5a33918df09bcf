"""Sub-commands about the model: ``train`` and ``score-one``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from profilefit.apps.cli._errors import notes_to_stderr, print_validation_error
from profilefit.apps.cli._exit import EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._inputs import (
    ENCODING_HELP,
    add_layout_options,
    add_parameters_option,
    export_path,
    forced_choice_export,
    layout_of,
    load_screener,
    model_for_assessment,
    print_capped_problems,
    read_candidate_text,
)
from profilefit.apps.cli._outputs import refused_outputs

#: The reference model's seed as the help prints it: ``profilefit.data.simulate.REFERENCE_SEED``, written
#: out so that building the parser does not import the simulation (scipy.stats and the rest: about 0.7 s
#: of every command's start-up, ``score`` included). tests/apps/test_cli_core.py checks the two agree.
REFERENCE_SEED_HELP = "20261123"


def register(subparsers: Any) -> None:
    """Add this module's sub-commands."""
    train = subparsers.add_parser(
        "train",
        help="train the reference model from the simulation, or a model on your own labelled data",
        description="Without --data: reproduce the reference model from its seed and print its evaluation. "
        "With --data: cross-validated training on your labelled assessments.",
    )
    train.add_argument(
        "--data",
        help="labelled assessments, one row per candidate, in any format `score` reads (.csv .tsv .jsonl .parquet "
        ".xlsx, .gz, '-' for standard input); 'sample' for the bundled ones",
    )
    train.add_argument("--encoding", help=ENCODING_HELP)
    add_layout_options(train)
    train.add_argument("--label-column", default="profile", help="column holding the label (default: profile)")
    train.add_argument("--out", required=True, help="folder for the model, its manifest and model card")
    train.add_argument("--seed", type=int, default=None, help=f"random seed (reference default: {REFERENCE_SEED_HELP})")
    train.add_argument("--folds", type=int, default=5, help="cross-validation folds with --data (default: 5)")
    train.add_argument(
        "--instrument",
        help="with --data: the instrument the data answers: customer-contact-2.0 for the forced-choice "
        "instrument 2.0, or a custom instrument file (default: the shipped instrument 1.2)",
    )
    train.add_argument(
        "--min-confidence",
        type=float,
        help="with --data: top-profile probability below which a profile is undetermined "
        "(default: 1/K + 0.3 (1 - 1/K) for K classes; 0.40 for seven)",
    )
    train.add_argument("--n-train", type=int, default=60_000, help="simulated training candidates (reference)")
    train.add_argument("--n-test", type=int, default=20_000, help="simulated held-out candidates (reference)")
    train.add_argument("--card", help="where to write the model card (default: OUT/model-card.md)")
    train.set_defaults(func=run_train)

    score_one = subparsers.add_parser("score-one", help="score one candidate's assessment (JSON) and print the result")
    score_one.add_argument("candidate", help="a JSON file with one assessment, or - for standard input")
    score_one.add_argument("--model", help="a model file (.model.json) with its manifest; default: the reference model")
    score_one.add_argument(
        "--role",
        default=None,
        metavar="ROLE",
        help="role for the fit: a built-in role id (complex-case, transactional), a role file, or 'none'. "
        "Default: complex-case when the model's instrument has its scales (the reference models do), else none",
    )
    score_one.add_argument("--decision-log", help="append a decision record (JSON Lines) to this file")
    score_one.add_argument(
        "--norms", metavar="FILE", help="a norm group file (from `profilefit norms`); default: the model's"
    )
    add_parameters_option(score_one)
    score_one.set_defaults(func=run_score_one)


def run_train(args: argparse.Namespace) -> int:
    """Train and print the evaluation."""
    # Training imports scikit-learn (about a second): imported when `train` runs, not at start-up.
    from profilefit.data.simulate import REFERENCE_SEED
    from profilefit.data.training import train_on_labels, train_reference

    instrument_file = args.instrument if args.instrument and Path(args.instrument).exists() else None
    data_file = export_path(args.data, labelled=True) if args.data else None
    if refused_outputs("train", args, inputs=(data_file, instrument_file), outputs=("card",)):
        return EXIT_USAGE  # a model card written over the labelled data or the instrument file
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"profilefit train: --out names a folder to write the model into; {args.out} is a file", file=sys.stderr)
        return EXIT_USAGE
    if args.data:
        from profilefit.core.instrument import load_instrument

        data = export_path(args.data, labelled=True)
        if args.instrument is None and forced_choice_export(data):
            # A model of 1.2 trained on 2.0 answers would learn from scenarios alone: refused, with the fix.
            print(
                f"profilefit train: {args.data} answers instrument 2.0 (it has block columns and no item "
                "columns); train on it with --instrument customer-contact-2.0",
                file=sys.stderr,
            )
            return EXIT_USAGE
        with notes_to_stderr("train"):
            report = train_on_labels(
                data,
                args.out,
                label_column=args.label_column,
                instrument=load_instrument(args.instrument),
                folds=args.folds,
                seed=0 if args.seed is None else args.seed,
                min_confidence=args.min_confidence,
                encoding=args.encoding,
                layout=layout_of(args),
                card_path=args.card,
            )
        print_capped_problems(report.rejected, where=f"{args.data}: ")
    else:
        report = train_reference(
            args.out,
            seed=REFERENCE_SEED if args.seed is None else args.seed,
            n_train=args.n_train,
            n_test=args.n_test,
            card_path=args.card,
        )
    print(report.summary())
    return EXIT_REJECTS if report.rejected else EXIT_OK


def run_score_one(args: argparse.Namespace) -> int:
    """Score one assessment and print the result as JSON."""
    inputs = (args.candidate, args.model, args.norms, args.parameters, args.role)
    if refused_outputs("score-one", args, inputs=inputs, outputs=("decision_log",)):
        return EXIT_USAGE
    text = read_candidate_text(args.candidate)
    model = args.model
    model = model_for_assessment("score-one", args.candidate, text, model)  # as `score` decides an export
    screener = load_screener(
        model,
        role=args.role,
        norms=args.norms,
        command="score-one",
        decision_log=args.decision_log,
        parameters=args.parameters,
    )
    try:
        result = screener.score(text)
    except ValidationError as error:
        print_validation_error(error, instrument=screener.instrument, where=f"{args.candidate}: ")
        return EXIT_USAGE
    print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return EXIT_OK
