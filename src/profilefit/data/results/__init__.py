"""The results file: one home for its columns, their types, the role its fit is for, its reader and its writer.

``profilefit score`` writes a results file (one row per scored candidate) and the service's
``export-results`` writes the same file from stored results; the shortlist, the row report, the
audit and the validation study read it. All of them go through this package:

- the columns and their types: :func:`result_columns`, :func:`result_schema` (a pyarrow schema),
  filled from a scored batch by :func:`result_table` and from one result by :func:`result_record`;
- the one reader: :func:`open_results` gives a :class:`ResultRecord` per candidate, typed, for every
  format (CSV in any dialect, JSON Lines, Parquet, Excel);
- the role: :func:`stored_role` decides which role may be named over the file's fit;
- the one writer: :class:`profilefit.data.batch.TableWriter` with :func:`result_schema`, which writes
  ``profilefit score``'s results chunk by chunk and, through :func:`profilefit.data.batch.write_results`,
  results in hand (the service's ``export-results``). It lives in ``batch``, one floor up inside ``data``,
  because it is batch's file machinery (formats, CSV dialects, neutralised cells, files committed whole),
  which the rejects file shares; this package holds what it writes.
"""

from profilefit.data.results._columns import (
    ERROR_PREFIX,
    FLAG_SEPARATOR,
    FLAGS_COLUMN,
    INSTRUMENT_ID_COLUMN,
    INSTRUMENT_VERSION_COLUMN,
    MODEL_COLUMN,
    NUMBER_COLUMNS,
    OLD_FLAGS_COLUMN,
    PROBABILITY_PREFIX,
    ROLE_COLUMN,
    SCALE_PREFIX,
    error_scales,
    result_columns,
    result_record,
    result_schema,
    result_table,
)
from profilefit.data.results._read import (
    FALSE_TEXTS,
    NULL_TEXTS,
    TRUE_TEXTS,
    ResultRecord,
    ResultsStream,
    open_results,
    read_result_records,
)
from profilefit.data.results._role import StoredRole, role_cell, stored_role, unrecorded_role_note
from profilefit.exceptions import ResultsRoleError

__all__ = [
    "ERROR_PREFIX",
    "FALSE_TEXTS",
    "FLAGS_COLUMN",
    "FLAG_SEPARATOR",
    "INSTRUMENT_ID_COLUMN",
    "INSTRUMENT_VERSION_COLUMN",
    "MODEL_COLUMN",
    "NULL_TEXTS",
    "NUMBER_COLUMNS",
    "OLD_FLAGS_COLUMN",
    "PROBABILITY_PREFIX",
    "ROLE_COLUMN",
    "SCALE_PREFIX",
    "TRUE_TEXTS",
    "ResultRecord",
    "ResultsRoleError",
    "ResultsStream",
    "StoredRole",
    "error_scales",
    "open_results",
    "read_result_records",
    "result_columns",
    "result_record",
    "result_schema",
    "result_table",
    "role_cell",
    "stored_role",
    "unrecorded_role_note",
]
