"""The chunk scorer as a pure function of a data frame, for Dask and Spark.

Batch scoring is a pure function of a chunk of rows, so a distributed engine can run
it on each partition: ``ddf.map_partitions(score_partition, meta=partition_meta())`` on
Dask, or ``df.mapInPandas`` on Spark. There is no scheduler here; the engine is the
scheduler.

The output has one row per input row, with the input's index, so nothing is lost
between workers: ``status`` is ``"scored"`` or ``"rejected"``, and ``problems`` holds
the reject records of a rejected row as JSON text (field, value, reason).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from profilefit.data.batch._deps import require
from profilefit.data.batch._readers import DEFAULT_CHUNK_SIZE, open_source
from profilefit.data.batch._score import _Counts, _scored_chunks
from profilefit.data.batch._writers import json_value
from profilefit.data.results import result_schema, result_table

if TYPE_CHECKING:
    from profilefit.core.screening import Screener

#: Columns a partition output has after the results columns.
STATUS_COLUMNS = ("status", "problems")


@functools.lru_cache(maxsize=4)
def _screener(model_path: str | None, decision_log: str | None = None) -> Screener:
    # One model load per worker process (and per model and log), however many partitions it scores;
    # threads of one worker share the screener and its DecisionLog, whose lock serialises their appends.
    from profilefit.core.screening import Screener

    return Screener.load(model_path, decision_log=decision_log)


def _partition_schema(screener: Screener) -> Any:
    pa = require("pyarrow")
    return result_schema(screener).append(pa.field("status", pa.string())).append(pa.field("problems", pa.string()))


def partition_meta(model_path: str | Path | None = None) -> Any:
    """An empty data frame with the columns and dtypes :func:`score_partition` returns (Dask's ``meta``).

    Parameters
    ----------
    model_path : str or Path, optional
        The model :func:`score_partition` will use; default: the reference model.

    Returns
    -------
    pandas.DataFrame
        Zero rows; pyarrow-backed dtypes, so a column's dtype never depends on whether a
        partition happens to hold nulls.
    """
    pd = require("pandas")
    screener = _screener(None if model_path is None else str(model_path))
    return _partition_schema(screener).empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def partition_schema_ddl(model_path: str | Path | None = None) -> str:
    """The output columns of :func:`score_partition` as a Spark DDL schema string, for ``mapInPandas``.

    Parameters
    ----------
    model_path : str or Path, optional
        The model :func:`score_partition` will use; default: the reference model.

    Returns
    -------
    str
        For example ``"candidate_id string, model_id string, ..., confidence double, ..."``.

    Examples
    --------
    >>> partition_schema_ddl().split(", ")[:2]
    ['candidate_id string', 'model_id string']
    """
    pa = require("pyarrow")
    screener = _screener(None if model_path is None else str(model_path))

    def spark_type(kind: Any) -> str:
        if pa.types.is_floating(kind):
            return "double"
        return "boolean" if pa.types.is_boolean(kind) else "string"

    return ", ".join(f"{field.name} {spark_type(field.type)}" for field in _partition_schema(screener))


def score_partition(
    frame: Any,
    model_path: str | Path | None = None,
    *,
    ignore_columns: Iterable[str] = (),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    decision_log: str | Path | None = None,
) -> Any:
    """Score one partition of an export: a pure function of a data frame, for Dask or Spark.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of an export, one column per field. Read CSV as text (``dtype=str``,
        ``keep_default_na=False``) so cells reach the validator as they are in the file.
    model_path : str or Path, optional
        A model file with its manifest; default: the reference model. Loaded once per process.
    ignore_columns : iterable of str, optional
        Columns to leave out of scoring.
    chunk_size : int, default=25_000
    decision_log : str or Path, optional
        Append one decision record per scored row to this JSON Lines log (docs/decision-log.md),
        in one write once the whole partition is scored. Safe from many threads and processes
        at once (a lock and ``flock``); on several machines the path must be on one shared file
        system, and every worker needs the same key (the ``PROFILEFIT_DECISION_LOG_KEY``
        environment variable, or the key file beside the log).

    Returns
    -------
    pandas.DataFrame
        One row per input row, same index: the results columns
        (:func:`~profilefit.data.batch.result_columns`), null for rejected rows, then ``status``
        (``"scored"`` or ``"rejected"``) and ``problems`` (JSON list of field, value and
        reason; null when scored). Duplicate ids are found within a partition only.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"candidate_id": ["c1", "c2"], "tc1": ["5", "9"]})
    >>> score_partition(frame)["status"].tolist()
    ['scored', 'rejected']
    """
    pa, pd = require("pyarrow"), require("pandas")
    screener = _screener(
        None if model_path is None else str(model_path), None if decision_log is None else str(decision_log)
    )
    source = open_source(frame, screener.instrument, chunk_size=chunk_size, ignore_columns=ignore_columns)
    decisions: list[dict[str, Any]] = []
    n = len(frame)
    position = np.full(n, -1, dtype=np.int64)  # row of the results table for each input row
    tables, done = [], 0
    problems: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for chunk, batch in _scored_chunks(screener, source, _Counts(), progress=False):
        for record in chunk.rejects:
            problems[record["row"] - 1].append({k: json_value(record[k]) for k in ("field", "value", "reason")})
        if batch is not None:
            position[chunk.rows - 1] = np.arange(done, done + len(chunk.rows))
            done += len(chunk.rows)
            tables.append(result_table(screener, batch))
            if screener.decision_log is not None:
                decisions += screener.decision_records(batch)
    if screener.decision_log is not None:  # only once every chunk was scored, as score_batch does
        screener.decision_log.append(decisions)
    results = pa.concat_tables(tables or [result_schema(screener).empty_table()])
    scored = position >= 0
    table = results.take(pa.array(np.where(scored, position, 0), mask=~scored))
    status = pa.array(np.where(scored, "scored", "rejected").astype(object), pa.string())
    text = pa.array([json.dumps(p, ensure_ascii=False, default=str) if p else None for p in problems], pa.string())
    table = table.append_column("status", status).append_column("problems", text)
    out = table.to_pandas(types_mapper=pd.ArrowDtype)
    out.index = frame.index
    return out
