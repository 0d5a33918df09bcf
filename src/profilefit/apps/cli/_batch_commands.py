"""``profilefit score``: score an assessment export into a results file and a rejects file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from profilefit.apps.cli._errors import notes_to_stderr
from profilefit.apps.cli._exit import EXIT_NOTHING_SCORED, EXIT_OK, EXIT_REJECTS, EXIT_USAGE
from profilefit.apps.cli._inputs import (
    ENCODING_HELP,
    EXPORT_HELP,
    FORCED_CHOICE_MODEL,
    SAMPLE,
    add_layout_options,
    add_parameters_option,
    export_path,
    export_questions,
    load_screener,
    version_decided,
)
from profilefit.apps.cli._outputs import refused_outputs
from profilefit.core.instrument import other_version_questions


def register(subparsers: Any) -> None:
    """Add the ``score`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(
        "score",
        help="score an assessment export (CSV, JSON Lines, Parquet, Excel) into a results file",
        description="Validate and score every row of an export, streaming in chunks. Rows that fail validation go "
        "to the rejects file with their row number, field, value and reason; rows read = scored + rejected. "
        "Exit codes: 0 all rows scored; 1 some rows rejected; 2 usage error or unreadable input (a header that "
        "cannot be scored, or an output that is the input); 3 the model file was refused; 4 internal error; "
        "5 nothing scored (every row rejected, or no rows); 130 interrupted. Results and rejects are written "
        "together or not at all. "
        "See docs/batch.md.",
    )
    parser.add_argument(
        "input",
        metavar="INPUT",
        help=EXPORT_HELP,
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="results file (.csv .jsonl .parquet .xlsx)"
    )
    parser.add_argument(
        "--rejects",
        metavar="REJECTS",
        help="rejects file (.csv .jsonl .parquet .xlsx); default: OUTPUT with .rejects added",
    )
    parser.add_argument(
        "--csv-dialect",
        choices=("standard", "excel-nordic"),
        default="standard",
        help="layout of CSV outputs: standard (commas, figures in full; the default) or excel-nordic (semicolons, "
        "decimal comma, byte-order mark, CRLF, figures rounded) for Excel set to Norwegian, Swedish, Danish, "
        "Finnish, Dutch or German",
    )
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="a model file (.model.json) with its manifest, or a shipped model's name: reference "
        "(instrument 1.2) or reference-2.0 (the forced-choice instrument 2.0). Default: reference-2.0 for an "
        "export whose header has block columns (b01, ...) and no item columns, with a note; else reference",
    )
    parser.add_argument(
        "--role",
        default=None,
        metavar="ROLE",
        help="role for the fit columns: a built-in role id (complex-case, transactional), a role file, or 'none'. "
        "Default: complex-case when the model's instrument has its scales (the reference model does), else none",
    )
    parser.add_argument(
        "--norms",
        metavar="FILE",
        help="a norm group file (from `profilefit norms`) for the percentiles behind fit; default: the model's",
    )
    add_parameters_option(parser)
    parser.add_argument(
        "--decision-log",
        metavar="FILE",
        help="append one pseudonymous decision record per scored candidate (JSON Lines; docs/decision-log.md)",
    )
    parser.add_argument("--chunk-size", type=int, default=None, metavar="N", help="rows per chunk (default: 25000)")
    parser.add_argument(
        "--ignore-column",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this column of the input out of scoring (repeatable), e.g. an e-mail column",
    )
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help=ENCODING_HELP,
    )
    add_layout_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (shown only on a terminal)")
    parser.set_defaults(func=run_score)


def run_score(args: argparse.Namespace) -> int:
    """Score ``args.input`` into ``args.output``; print the summary; return the exit code."""
    from profilefit.data.batch import DEFAULT_CHUNK_SIZE, score_file
    from profilefit.exceptions import ColumnError, MissingExtraError, OutputError, OutputPathError

    source = export_path(args.input)
    elsewhere = {"--output": args.output, "--rejects": args.rejects}
    inputs = (source, args.model, args.norms, args.parameters)
    if refused_outputs("score", args, inputs=inputs, outputs=("decision_log",), written_elsewhere=elsewhere):
        return EXIT_USAGE
    chunk_size = DEFAULT_CHUNK_SIZE if args.chunk_size is None else args.chunk_size
    if chunk_size < 1:
        print(f"profilefit score: --chunk-size must be at least 1, got {chunk_size}", file=sys.stderr)
        return EXIT_USAGE
    model = args.model
    layout = {"encoding": args.encoding, "header_row": args.header_row, "sheet": args.sheet}
    blocks, items = export_questions(source, **layout)
    if model is None and blocks:
        note = version_decided("score", args.input, blocks, items, what="column")
        print(note, file=sys.stderr)
        if len(blocks) > len(items):  # the default (1.2) model has no blocks: it would score nothing of these answers
            model = FORCED_CHOICE_MODEL
    screener = load_screener(
        model,
        role=args.role,
        norms=args.norms,
        command="score",
        decision_log=args.decision_log,
        parameters=args.parameters,
    )
    if args.input == SAMPLE:  # the sample of the instrument the model reads: 2.0's with a 2.0 model
        source = export_path(SAMPLE, instrument=screener.instrument)
    shown = ", ".join(blocks[:3]) + (", …" if len(blocks) > 3 else "")
    if (
        args.model is not None
        and blocks
        and not screener.instrument.blocks
        and not other_version_questions(screener.instrument)[1]
    ):  # blocks of another instrument's export: unknown columns, so not read
        print(
            f"profilefit score: warning: {args.input} answers instrument 2.0 (block columns {shown}), but the "
            f"model {args.model} is of instrument {screener.instrument.id} {screener.instrument.version}, which has "
            f"no blocks: those answers are not read; score 2.0 answers with --model {FORCED_CHOICE_MODEL} or a "
            "model trained on 2.0",
            file=sys.stderr,
        )
    try:
        with notes_to_stderr("score"):
            summary = score_file(
                source,
                args.output,
                screener=screener,
                rejects=args.rejects,
                chunk_size=chunk_size,
                ignore_columns=args.ignore_column,
                progress=not args.no_progress and sys.stderr.isatty(),
                encoding=args.encoding,
                id_column=args.id_column,
                sheet=args.sheet,
                header_row=args.header_row,
                dialect=args.csv_dialect,
            )
    except (ColumnError, MissingExtraError, OutputError, OutputPathError) as error:
        print(f"profilefit score: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"profilefit score: cannot read or write{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(summary.line())
    if not summary.rows_scored:  # a broken feed: a pipeline must be able to tell it from a day with some rejects
        why = f"all {summary.rows_read:,} rows were rejected" if summary.rows_read else "the input holds no rows"
        print(f"profilefit score: nothing was scored: {why} (exit code {EXIT_NOTHING_SCORED})", file=sys.stderr)
        return EXIT_NOTHING_SCORED
    return EXIT_REJECTS if summary.rows_rejected else EXIT_OK
