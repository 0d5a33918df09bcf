"""Writing results in hand (not a batch being scored) as the results file ``profilefit score`` writes.

``profilefit score`` writes its results chunk by chunk with :class:`~profilefit.data.batch.TableWriter`
and :func:`profilefit.data.results.result_schema`; :func:`write_results` writes
:class:`~profilefit.core.screening.ScreeningResult` objects (the service's stored results) with the
same writer, schema and row (:func:`profilefit.data.results.result_record`), so every reader of results
reads both files alike, in every format.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from profilefit.data.batch._deps import require
from profilefit.data.batch._dialects import CsvDialect
from profilefit.data.batch._writers import TableWriter
from profilefit.data.results import result_record, result_schema

if TYPE_CHECKING:
    from profilefit.core.screening import Screener, ScreeningResult


def write_results(
    output: str | Path,
    results: Iterable[ScreeningResult],
    *,
    screener: Screener,
    dialect: str | CsvDialect | None = None,
) -> int:
    """Write results to a results file: all of them, or (on any error) nothing.

    Parameters
    ----------
    output : str or Path
        The results file; its suffix picks the format (``.csv``, ``.jsonl``, ``.parquet``, ``.xlsx``).
    results : iterable of ScreeningResult
    screener : Screener
        Gives the columns (the profiles and scales of its model).
    dialect : str or CsvDialect, optional
        The CSV layout (``"standard"``, the default, or ``"excel-nordic"``); only for CSV.

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    profilefit.exceptions.MissingExtraError
        Without the ``io`` extra (pyarrow).
    profilefit.exceptions.OutputError
        If the file cannot be written; no partial file is left.
    """
    pa = require("pyarrow", purpose="writing results")
    schema = result_schema(screener)
    table = pa.Table.from_pylist([result_record(result, schema.names) for result in results], schema=schema)
    writer = TableWriter(output, schema, dialect=dialect)
    try:
        writer.write(table)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return table.num_rows
