"""``profilefit decision-log``: record a human review, show or erase one candidate's lines."""

from __future__ import annotations

import argparse
import json
from typing import Any

from profilefit.apps.cli._exit import EXIT_OK


def register(subparsers: Any) -> None:
    """Add the ``decision-log`` sub-command and its actions."""
    parser = subparsers.add_parser(
        "decision-log",
        help="record a human review in a decision log, or show or erase one candidate's lines",
        description="The decision log names candidates only by a keyed pseudonym (HMAC-SHA256 of the id under "
        "the key in PROFILEFIT_DECISION_LOG_KEY, or the key file beside the log). It is personal data: see "
        "docs/decision-log.md for what a line holds and how long to keep it.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    review = actions.add_parser("review", help="append who reviewed a candidate's result and what they decided")
    review.add_argument("--log", required=True, help="the decision log (JSON Lines)")
    review.add_argument("--candidate", required=True, metavar="ID", help="the candidate id, as scored")
    review.add_argument("--reviewer", required=True, help="who reviewed (a name or a staff id)")
    review.add_argument("--decision", required=True, help="what they decided, e.g. invite, decline, hold")
    review.add_argument("--note", help="a short note")
    review.set_defaults(func=run_review)

    show = actions.add_parser("show", help="print one candidate's lines (found by pseudonym)")
    show.add_argument("--log", required=True, help="the decision log (JSON Lines)")
    show.add_argument("--candidate", required=True, metavar="ID", help="the candidate id, as scored")
    show.set_defaults(func=run_show)

    erase = actions.add_parser("erase", help="remove one candidate's lines, leaving a record that it happened")
    erase.add_argument("--log", required=True, help="the decision log (JSON Lines)")
    erase.add_argument("--candidate", required=True, metavar="ID", help="the candidate id, as scored")
    erase.set_defaults(func=run_erase)


def run_review(args: argparse.Namespace) -> int:
    """Append a review record."""
    from profilefit.core.decisions import DecisionLog

    record = DecisionLog(args.log).review(
        args.candidate, reviewer=args.reviewer, decision=args.decision, note=args.note
    )
    print(f"review recorded in {args.log} at {record['time']}")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """Print the candidate's records, one JSON line each."""
    from profilefit.core.decisions import DecisionLog

    for record in DecisionLog(args.log).records(args.candidate):
        print(json.dumps(record, ensure_ascii=False))
    return EXIT_OK


def run_erase(args: argparse.Namespace) -> int:
    """Erase the candidate's lines; say how many."""
    from profilefit.core.decisions import DecisionLog

    removed = DecisionLog(args.log).erase(args.candidate)
    print(f"{removed} line(s) of this candidate removed from {args.log}; an erasure record was appended")
    return EXIT_OK
