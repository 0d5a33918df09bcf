"""Batch scoring of assessment exports: streaming, vectorized validation, and nothing lost.

Read a CSV, JSON Lines, Parquet or Excel export (or a data frame, or an iterable of
dicts) in chunks, validate it with the schema's rules on whole columns, score it with
the same core as :meth:`Screener.score <profilefit.core.screening.Screener.score>`, and
write a results file and a rejects file (CSV in a chosen dialect, JSON Lines, Parquet or
Excel). Every row read is scored or rejected. The results file's columns and its reader are
:mod:`profilefit.data.results`; results in hand are written by :func:`write_results`.

Needs the ``io`` extra (``pip install -e ".[io]"`` in the checkout); :func:`score_partition`
on Dask needs the ``dask`` extra. Core profilefit imports and scores one candidate
without them. See docs/batch.md.
"""

from profilefit.data.batch._collect import CollectedResponses, collect_responses
from profilefit.data.batch._dialects import CSV_DIALECTS, CsvDialect
from profilefit.data.batch._excel import workbook_first_row
from profilefit.data.batch._fields import Header, check_header, read_header
from profilefit.data.batch._partition import partition_meta, partition_schema_ddl, score_partition
from profilefit.data.batch._paths import check_outputs
from profilefit.data.batch._readers import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SEARCH_ROWS,
    INPUT_FORMATS,
    RECORD_CHUNK_SIZE,
    STANDARD_INPUT,
    Source,
    input_format,
    open_source,
)
from profilefit.data.batch._results_file import write_results
from profilefit.data.batch._score import BatchResult, BatchSummary, default_rejects_path, score_batch, score_file
from profilefit.data.batch._transcode import encoding_of
from profilefit.data.batch._validate import REJECT_COLUMNS, RawChunk, ValidatedChunk, validate_chunk
from profilefit.data.batch._writers import OUTPUT_FORMATS, RejectsWriter, TableWriter, output_format
from profilefit.data.io import FORMULA_START, neutralise
from profilefit.data.results import FLAG_SEPARATOR, result_columns, result_schema, result_table
from profilefit.exceptions import ColumnError, InputWarning, MissingExtraError, OutputError, OutputPathError

__all__ = [
    "CSV_DIALECTS",
    "DEFAULT_CHUNK_SIZE",
    "FLAG_SEPARATOR",
    "FORMULA_START",
    "HEADER_SEARCH_ROWS",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "RECORD_CHUNK_SIZE",
    "REJECT_COLUMNS",
    "STANDARD_INPUT",
    "BatchResult",
    "BatchSummary",
    "CollectedResponses",
    "ColumnError",
    "CsvDialect",
    "Header",
    "InputWarning",
    "MissingExtraError",
    "OutputError",
    "OutputPathError",
    "RawChunk",
    "RejectsWriter",
    "Source",
    "TableWriter",
    "ValidatedChunk",
    "check_header",
    "check_outputs",
    "collect_responses",
    "default_rejects_path",
    "encoding_of",
    "input_format",
    "neutralise",
    "open_source",
    "output_format",
    "partition_meta",
    "partition_schema_ddl",
    "read_header",
    "result_columns",
    "result_schema",
    "result_table",
    "score_batch",
    "score_file",
    "score_partition",
    "validate_chunk",
    "workbook_first_row",
    "write_results",
]
