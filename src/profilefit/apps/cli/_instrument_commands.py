"""Sub-commands about the instrument: ``schema``, ``reliability``, ``instrument-check``, ``norms``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from profilefit.apps.cli._exit import EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._inputs import ENCODING_HELP, EXPORT_HELP, add_layout_options, layout_of, read_export
from profilefit.apps.cli._outputs import refused_outputs, write_outputs
from profilefit.core.instrument import (
    Instrument,
    load_instrument,
    near_duplicate_items,
    over_word_limits,
    untranslated_texts,
)
from profilefit.core.scoring import NormGroup, format_reliability, scale_reliability, score_responses
from profilefit.core.screening import json_schemas

#: The studies' JSON documents ``--which`` names (``profilefit.evidence.documents.DOCUMENTS``).
STUDY_DOCUMENTS = ("audit", "dif", "forecast", "validation")


def register(subparsers: Any) -> None:
    """Add this module's sub-commands."""
    schema = subparsers.add_parser(
        "schema",
        help="print a JSON Schema: the input assessment and the result (both), or a study's JSON document",
    )
    schema.add_argument(
        "--instrument",
        help="a built-in instrument (customer-contact-2.0) or a custom instrument file (.json or .toml); "
        "default: the shipped one",
    )
    schema.add_argument(
        "--which",
        choices=["both", "assessment", "result", *STUDY_DOCUMENTS],
        default="both",
        help="both (default): the assessment and the result; or one of them; or the JSON that "
        "audit, dif, forecast or validate --json writes",
    )
    schema.set_defaults(func=run_schema)

    reliability = subparsers.add_parser(
        "reliability", help="Cronbach's alpha and item-total correlations of each scale in an export"
    )
    reliability.add_argument("export", help=EXPORT_HELP)
    reliability.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    add_layout_options(reliability)
    reliability.add_argument("--instrument", help="a custom instrument file; default: the shipped one")
    reliability.set_defaults(func=run_reliability)

    check = subparsers.add_parser("instrument-check", help="validate a custom instrument file and summarise it")
    check.add_argument("file", help="the instrument file (.json or .toml)")
    check.set_defaults(func=run_instrument_check)

    norms = subparsers.add_parser("norms", help="build a norm group from an export, for percentiles in reports")
    norms.add_argument("export", help=EXPORT_HELP + ", of the norm group")
    norms.add_argument("--encoding", metavar="NAME", help=ENCODING_HELP)
    add_layout_options(norms)
    norms.add_argument("--name", required=True, help="what the group is, e.g. 'Oslo applicants 2026'")
    norms.add_argument("--out", required=True, help="where to write the norm group (.json)")
    norms.add_argument("--instrument", help="a custom instrument file; default: the shipped one")
    norms.set_defaults(func=run_norms)


def run_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schemas."""
    if args.which in STUDY_DOCUMENTS:
        # The studies are imported only when their schema is asked for: the command line starts faster.
        from profilefit.evidence.documents import json_schemas as document_schemas

        print(json.dumps(document_schemas()[args.which], indent=2, ensure_ascii=False))
        return EXIT_OK
    schemas = json_schemas(load_instrument(args.instrument))
    output = schemas if args.which == "both" else schemas[args.which]
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return EXIT_OK


def run_reliability(args: argparse.Namespace) -> int:
    """Print reliability per scale; report rejected rows on standard error."""
    instrument = load_instrument(args.instrument)
    collected = read_export(
        args.export, instrument, command="reliability", encoding=args.encoding, layout=layout_of(args)
    )
    print(
        f"{collected.source}: {collected.rows_read} rows read, {len(collected.responses)} used, "
        f"{collected.rows_rejected} rejected"
    )
    print(format_reliability(scale_reliability(collected.responses)))
    return EXIT_REJECTS if collected.rejects else EXIT_OK


def run_instrument_check(args: argparse.Namespace) -> int:
    """Validate an instrument file; print what it contains."""
    instrument = load_instrument(args.file)
    if instrument.format == "forced_choice":
        for line in forced_choice_summary(instrument):
            print(line)
        return EXIT_OK
    low, high = instrument.response_scale.min, instrument.response_scale.max
    print(f"{instrument.id} {instrument.version}: valid")
    print(f"  languages         {', '.join(instrument.languages)}")
    print(f"  response range    {low}..{high}")
    for scale in instrument.scales:
        items = instrument.items_of(scale.id)
        print(f"  scale {scale.id:<20} {len(items)} items, {sum(i.reverse for i in items)} reverse-keyed")
    print(f"  scenarios         {len(instrument.scenarios)}")
    print(f"  attention checks  {len(instrument.instructed_columns)}")
    print(f"  virtue claims     {len(instrument.virtue_claim_columns)} (read only by the idealised-responding flag)")
    rated = sum(item.desirability is not None for item in instrument.items)
    print(f"  desirability      {rated} of {len(instrument.items)} statements rated (docs/faking.md)")
    timing = instrument.timing
    print(
        f"  length            {instrument.length_text()} "
        f"({timing.item_seconds.low:g}-{timing.item_seconds.high:g} s per item or check, "
        f"{timing.scenario_seconds.low:g}-{timing.scenario_seconds.high:g} s per scenario)"
    )
    # Text checks an item writer would run; they warn, they do not make the file invalid.
    warnings = [str(pair) for pair in near_duplicate_items(instrument)]
    warnings += over_word_limits(instrument) + untranslated_texts(instrument)
    for warning in warnings:
        print(f"  warning: {warning}")
    return EXIT_OK


def forced_choice_summary(instrument: Instrument) -> list[str]:
    """What ``instrument-check`` prints for a forced-choice instrument.

    Blocks; per scale its statements, how many are keyed each way and how many other scales it is
    compared with; the share of comparisons joining statements keyed in opposite directions; the
    largest spread of desirability inside a block (blocks are matched on it, docs/faking.md); the
    design problems :func:`~profilefit.core.thurstonian.check_design` finds; the length.
    """
    from profilefit.core.thurstonian import check_design, layout

    design = instrument.forced_choice_design()
    lay = layout(design)
    lines = [
        f"{instrument.id} {instrument.version}: valid (forced choice)",
        f"  languages         {', '.join(instrument.languages)}",
        f"  blocks            {len(instrument.blocks)} of three statements, {len(instrument.statements)} statements",
    ]
    for k, scale in enumerate(instrument.scales):
        statements = [s for s in instrument.statements if s.scale == scale.id]
        reverse = sum(s.reverse for s in statements)
        partners = set(lay.right_trait[lay.left_trait == k]) | set(lay.left_trait[lay.right_trait == k])
        lines.append(
            f"  scale {scale.id:<20} {len(statements)} statements, {len(statements) - reverse} keyed +, "
            f"{reverse} keyed -, compared with {len(partners)} of {len(instrument.scales) - 1} other scales"
        )
    mixed = lay.statement_key[lay.left] != lay.statement_key[lay.right]
    lines.append(f"  mixed-keyed       {mixed.mean():.0%} of {len(mixed)} comparisons join opposite keying")
    spreads = []
    for block in instrument.blocks:  # every block statement is rated (the file model requires it)
        rated = [s.desirability for s in block.statements if s.desirability is not None]
        if rated:
            spreads.append((max(rated) - min(rated), block.id))
    if spreads:
        spread, block_id = max(spreads)
        lines.append(f"  desirability      largest spread in a block {spread:g} (block {block_id})")
    problems = check_design(design)
    lines.append(f"  design problems   {len(problems) or 'none'}")
    lines += [f"    {problem.code}: {problem.message}" for problem in problems]
    lines += [
        f"  scenarios         {len(instrument.scenarios)}",
        f"  attention checks  {len(instrument.attention_checks)}",
        f"  length            {instrument.length_text()} ({instrument.timing.block_seconds.low:g}-"
        f"{instrument.timing.block_seconds.high:g} s per block)",
    ]
    return lines


def run_norms(args: argparse.Namespace) -> int:
    """Write a norm group built from an export."""
    if refused_outputs("norms", args, inputs=(args.export,), outputs=("out",)):
        return EXIT_USAGE
    instrument = load_instrument(args.instrument)
    collected = read_export(args.export, instrument, command="norms", encoding=args.encoding, layout=layout_of(args))
    scores = score_responses(collected.responses)
    description = f"from {collected.source}"
    norms = NormGroup.from_scores(args.name, instrument.scale_ids, scores.scales, description=description)
    code = write_outputs("norms", args, {"out": norms.save})
    if code != EXIT_OK:
        return code
    print(f"norm group {args.name!r}: {norms.n} candidates written to {args.out}", file=sys.stderr)
    return EXIT_REJECTS if collected.rejects else EXIT_OK
