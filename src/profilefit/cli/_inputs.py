"""How every command that reads candidate data names its input, and reads it: one reader for all."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from profilefit.cli._errors import notes_to_stderr, print_problems
from profilefit.instrument import Instrument

if TYPE_CHECKING:
    from profilefit.batch import CollectedResponses

#: The INPUT that means the bundled sample export.
SAMPLE = "sample"
EXPORT_HELP = (
    "an assessment export (.csv .tsv .txt .jsonl .ndjson .parquet .xlsx; CSV and JSON Lines also .gz), "
    "'-' for standard input, or 'sample' for the bundled sample export"
)
ENCODING_HELP = "encoding of a CSV or JSON Lines input, e.g. cp1252 (default: UTF-8; UTF-16/32 by byte-order mark)"
#: Problems printed on the terminal before the rest are summed up in one line.
PROBLEMS_SHOWN = 20


def export_path(name: str, *, labelled: bool = False) -> str | Path:
    """The file an INPUT argument names: ``sample`` is the bundled export (``labelled``: the labelled one)."""
    if name != SAMPLE:
        return name
    from profilefit.datasets import sample_export_path, sample_labelled_path

    return sample_labelled_path() if labelled else sample_export_path()


def read_export(name: str, instrument: Instrument, *, command: str, encoding: str | None = None) -> CollectedResponses:
    """Read an export as ``profilefit score`` does; print notes and (at most :data:`PROBLEMS_SHOWN`) problems."""
    from profilefit.batch import collect_responses

    with notes_to_stderr(command):
        collected = collect_responses(export_path(name), instrument, encoding=encoding)
    shown = collected.rejects[:PROBLEMS_SHOWN]
    print_problems(shown, where=f"{collected.source}: ")
    if len(collected.rejects) > len(shown):
        print_problems(
            [
                {
                    "field": "...",
                    "value": None,
                    "reason": f"and {len(collected.rejects) - len(shown):,} more problems in "
                    f"{collected.rows_rejected:,} rejected rows (profilefit score writes them all to a rejects file)",
                }
            ],
            where=f"{collected.source}: ",
        )
    return collected
