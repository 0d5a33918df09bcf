"""Batch scoring: read in chunks, validate, score, and account for every row.

:func:`score_batch` collects the results in memory (a DataFrame, or the same
:class:`~profilefit.core.screening.ScreeningResult` objects :meth:`Screener.score` returns);
:func:`score_file` streams them to a results file and a rejects file, so memory stays
flat however long the export is. Both run the same chunk pipeline, and both keep
``rows read = rows scored + rows rejected``.

Duplicate candidate ids: the first row of an id that passes validation is scored; a
later valid row with the same id is rejected (field ``candidate_id``, naming the row that
was scored), so a results file never holds one id twice and joins on the id stay safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from profilefit.data.batch._deps import require
from profilefit.data.batch._dialects import csv_dialect
from profilefit.data.batch._fields import other_instrument_problem, other_instrument_statements
from profilefit.data.batch._paths import check_outputs
from profilefit.data.batch._pipeline import BackgroundSink, prefetch
from profilefit.data.batch._readers import DEFAULT_CHUNK_SIZE, Source, open_source
from profilefit.data.batch._threads import single_blas_thread
from profilefit.data.batch._validate import REJECT_COLUMNS, ValidatedChunk, validate_chunk
from profilefit.data.batch._writers import (
    RejectsWriter,
    TableWriter,
    commit_together,
    held_signals,
    output_format,
    written_note,
)
from profilefit.data.results import result_schema, result_table
from profilefit.exceptions import ColumnError, InputWarning

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from profilefit.core.screening import ScoredBatch, Screener


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did, in numbers: ``rows_read == rows_scored + rows_rejected`` always.

    Attributes
    ----------
    source : str
        The input, as named in messages.
    rows_read, rows_scored, rows_rejected : int
    duplicate_ids : int
        Rows rejected because an earlier row with the same candidate id was scored.
    problems : int
        Records in the rejects (a rejected row can have several problems).
    seconds : float
        Wall-clock time of the run.
    results_path, rejects_path : Path or None
        The files written, by :func:`score_file`.
    """

    source: str
    rows_read: int
    rows_scored: int
    rows_rejected: int
    duplicate_ids: int
    problems: int
    seconds: float
    results_path: Path | None = None
    rejects_path: Path | None = None

    def line(self) -> str:
        """The one-line summary the command prints at the end."""
        text = (
            f"{self.rows_read:,} rows read: {self.rows_scored:,} scored, {self.rows_rejected:,} rejected "
            f"({self.duplicate_ids:,} duplicate ids) in {self.seconds:.1f} s"
        )
        if self.results_path is not None:
            text += f"; results in {self.results_path}"
        if self.rejects_path is not None:
            text += f", rejects in {self.rejects_path}"
        return text


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Results of :func:`score_batch`.

    Attributes
    ----------
    results : pandas.DataFrame or list of ScreeningResult
        One row (or object) per scored candidate, in input order; the columns are
        :func:`~profilefit.data.batch.result_columns`.
    rejects : pandas.DataFrame
        One row per problem of a rejected row: ``row`` (1 = first data row), ``candidate_id``,
        ``field``, ``value``, ``reason``.
    rows : ndarray of int64
        The input row number of each result.
    summary : BatchSummary
    """

    results: Any
    rejects: Any
    rows: NDArray[np.int64]
    summary: BatchSummary


class _ScoredIds:
    """Candidate ids already scored in this run, as 64-bit hashes with the row that took each.

    Kept as a few sorted blocks merged like a binary counter, so adding and looking up a chunk
    is cheap and memory is 16 bytes per id however long the run. Two different ids share a
    hash with probability about n²/2⁶⁵ (below 10⁻⁶ for ten million rows).
    """

    def __init__(self) -> None:
        self._blocks: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []

    def first_rows(self, sorted_hashes: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row that scored each of ``sorted_hashes`` (ascending), ``-1`` where none did."""
        found = np.full(len(sorted_hashes), -1, dtype=np.int64)
        for keys, rows in self._blocks:
            position = np.minimum(np.searchsorted(keys, sorted_hashes), len(keys) - 1)
            hit = keys[position] == sorted_hashes
            found[hit] = rows[position[hit]]
        return found

    def add(self, sorted_hashes: NDArray[np.int64], rows: NDArray[np.int64]) -> None:
        """Remember newly scored ids: their hashes in ascending order, and the rows that took them."""
        if not len(sorted_hashes):
            return
        self._blocks.append((sorted_hashes, rows))
        while len(self._blocks) > 1 and len(self._blocks[-1][0]) >= len(self._blocks[-2][0]):
            newer, older = self._blocks.pop(), self._blocks.pop()
            self._blocks.append(_merge(older, newer))


def _merge(
    older: tuple[NDArray[np.int64], NDArray[np.int64]], newer: tuple[NDArray[np.int64], NDArray[np.int64]]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Merge two sorted blocks of (hashes, rows); of equal hashes the older comes first.

    Each newer key's place is found by binary search, so the merge needs the output and one
    index per newer key, not a sort of both (which took about three times the memory and made
    the peak of a 4M-row run grow with the row count).
    """
    (keys_a, rows_a), (keys_b, rows_b) = older, newer
    total = len(keys_a) + len(keys_b)
    place_b = np.searchsorted(keys_a, keys_b, side="right") + np.arange(len(keys_b))
    from_a = np.ones(total, dtype=bool)
    from_a[place_b] = False
    keys, rows = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64)
    keys[place_b], rows[place_b] = keys_b, rows_b
    keys[from_a], rows[from_a] = keys_a, rows_a
    return keys, rows


def _drop_duplicates(
    chunk: ValidatedChunk, scored: _ScoredIds, *, kept_as: str = "scored"
) -> tuple[ValidatedChunk, int]:
    """Reject valid rows whose id an earlier row already took; return the chunk and how many.

    ``kept_as`` is what the first row is for, as the reason says it ("scored"; "used" by training and calibration).
    """
    n = len(chunk.responses)
    if not n:
        return chunk, 0
    hashes = chunk.id_hashes
    # One sort serves the lookup, the repeats within the chunk, and the new block of ids.
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    first = np.empty(n, dtype=np.int64)
    first[order] = scored.first_rows(ordered)
    # Within the chunk: the first of equal ids (in input order) keeps its place. Rows whose hash
    # another row shares are few (repeats, and the rare collision); their ids are compared exactly.
    same = np.r_[False, ordered[1:] == ordered[:-1]]
    shared = order[same | np.r_[same[1:], False]]
    leader = np.arange(n)
    if len(shared):
        ids = chunk.responses.candidate_ids
        taken: dict[tuple[int, str], int] = {}
        for row in np.sort(shared).tolist():
            leader[row] = taken.setdefault((int(hashes[row]), str(ids[row])), row)
    repeat = leader != np.arange(n)
    first = np.where((first < 0) & repeat, chunk.rows[leader], first)
    new = order[first[order] < 0]  # in hash order
    scored.add(hashes[new], chunk.rows[new])
    keep = np.sort(new)
    duplicates = np.flatnonzero(first >= 0)
    if not len(duplicates):
        return chunk, 0
    ids = chunk.responses.candidate_ids.tolist()
    rejects = chunk.rejects + [
        {
            "row": int(chunk.rows[k]),
            "candidate_id": ids[k],
            "field": "candidate_id",
            "value": ids[k],
            "reason": f"duplicate candidate id: row {int(first[k])} has the same id and is {kept_as}; "
            f"only the first valid row of an id is {kept_as}",
        }
        for k in duplicates
    ]
    rejects.sort(key=lambda record: record["row"])
    kept = ValidatedChunk(chunk.responses.take(keep), chunk.rows[keep], rejects, chunk.n_read, hashes[keep])
    return kept, len(duplicates)


@dataclass
class _Counts:
    rows_read: int = 0
    rows_scored: int = 0
    duplicate_ids: int = 0
    problems: int = 0
    #: Rows that answered at least one of the instrument's statements (an item, or a block).
    answered: int = 0


def _answered(responses: Any) -> int:
    """How many rows answered at least one statement of their instrument (an item, or a block)."""
    if responses.instrument.blocks:
        return int((responses.blocks >= 0).any(axis=1).sum())
    return int((~np.isnan(responses.items)).any(axis=1).sum())


def _refuse_the_other_instrument(screener: Screener, source: Source, counts: _Counts) -> None:
    """Refuse JSON Lines of the other built-in instrument, as a table's header is refused (ColumnError).

    The keys of JSON Lines are known only once every line is read: when no row answered one of the model's
    statements, no key was one of them, and keys met are the other instrument's, the file holds that
    instrument's answers (as a header without one of the model's statements and with the other's is refused).
    A file that also has the model's statements keeps its rows: those answering the other version's questions
    are rejected one by one, naming the question. Nothing is written (the caller discards what it staged).
    """
    keys = source.keys
    if keys is None or counts.answered or keys.statements_met:
        return
    other = [*keys.other_version, *other_instrument_statements(screener.instrument, list(keys.unknown))]
    if other:
        raise ColumnError(f"{source.name}: {other_instrument_problem(screener.instrument, other, 'key')}.")


def _validated_chunks(screener: Screener, source: Source) -> Iterator[ValidatedChunk]:
    """Read and validate each chunk (this runs ahead, in the reader thread)."""
    for raw in source.chunks:
        yield validate_chunk(screener.instrument, raw)


def _scored_chunks(
    screener: Screener, source: Source, counts: _Counts, *, progress: bool
) -> Iterator[tuple[ValidatedChunk, ScoredBatch | None]]:
    """Validate, deduplicate and score each chunk of ``source``, updating ``counts`` as it goes."""
    bar = None
    if progress:
        bar = require("tqdm").tqdm(total=source.total_rows, unit=" rows", file=sys.stderr, dynamic_ncols=True)
    try:
        with single_blas_thread():  # see profilefit.data.batch._threads
            # Finding repeated ids runs here rather than in the reader thread, which has the most to do.
            scored_ids = _ScoredIds()
            for validated in prefetch(_validated_chunks(screener, source)):
                chunk, duplicates = _drop_duplicates(validated, scored_ids)
                batch = screener.score_responses(chunk.responses) if len(chunk.responses) else None
                counts.rows_read += chunk.n_read
                counts.rows_scored += len(chunk.responses)
                counts.duplicate_ids += duplicates
                counts.problems += len(chunk.rejects)
                counts.answered += _answered(chunk.responses) if len(chunk.responses) else 0
                if bar is not None:
                    bar.update(chunk.n_read)
                yield chunk, batch
    finally:
        if bar is not None:
            bar.close()


def _warn(source: Source, *, late: bool = False) -> None:
    """Tell the caller what the reader noticed (columns ignored, names matched by case) as warnings.

    ``late``: the notes known only once every chunk was read (the unknown keys of JSON Lines).
    """
    notes = (source.late_notes() if source.late_notes is not None else []) if late else source.notes
    for note in notes:
        warnings.warn(note, InputWarning, stacklevel=3)
        _log.info("%s", note)


def _summary(source: Source, counts: _Counts, started: float, **paths: Path | None) -> BatchSummary:
    return BatchSummary(
        source=source.name,
        rows_read=counts.rows_read,
        rows_scored=counts.rows_scored,
        rows_rejected=counts.rows_read - counts.rows_scored,
        duplicate_ids=counts.duplicate_ids,
        problems=counts.problems,
        seconds=time.perf_counter() - started,
        **paths,
    )


def score_batch(
    screener: Screener,
    data: Any,
    *,
    output: Literal["frame", "results"] = "frame",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ignore_columns: Iterable[str] = (),
    progress: bool = False,
    encoding: str | None = None,
    id_column: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> BatchResult:
    """Score many candidates: a data frame, an export file, or an iterable of assessments.

    Every row is either scored or rejected with its problems, and a scored row gets
    exactly the numbers ``screener.score`` gives it alone.

    Parameters
    ----------
    screener : Screener
    data : pandas.DataFrame, str, Path, pyarrow.Table or iterable
        A data frame with one column per field; a file (``.csv``, ``.txt``, ``.jsonl``,
        ``.ndjson``, ``.parquet``, ``.xlsx``); or an iterable of dicts, assessment models
        or JSON texts.
    output : {"frame", "results"}, default="frame"
        ``"frame"``: results as a pandas DataFrame with :func:`~profilefit.data.batch.result_columns`.
        ``"results"``: a list of :class:`~profilefit.core.screening.ScreeningResult`.
    chunk_size : int, default=25_000
        Rows validated and scored together.
    ignore_columns : iterable of str, optional
        Columns of a table (or keys of JSON Lines) to leave out without a note; other columns
        and keys that are not fields are left out with one note (see docs/batch.md).
    progress : bool, default=False
        Show a progress bar on standard error.
    encoding : str, optional
        The encoding of a CSV or JSON Lines file (``"cp1252"``, say); by default UTF-8, or
        UTF-16/32 when the file starts with their byte-order mark.
    id_column, sheet, header_row : optional
        Where the ids, the sheet and the header are, as for :func:`~profilefit.data.batch.open_source`.

    Returns
    -------
    BatchResult

    Raises
    ------
    profilefit.data.batch.ColumnError
        If a table's header cannot be scored (unknown, demographic or repeated columns; no ``candidate_id``).
    profilefit.data.batch.MissingExtraError
        If the ``io`` extra is not installed.

    Examples
    --------
    >>> from profilefit.core.screening import Screener
    >>> from profilefit.data.datasets import sample_export_path
    >>> batch = score_batch(Screener.load(), sample_export_path())
    >>> batch.summary.rows_read, batch.summary.rows_scored, batch.summary.rows_rejected
    (402, 400, 2)
    """
    if output not in ("frame", "results"):
        raise ValueError(f"output must be 'frame' or 'results', got {output!r}")
    pa = require("pyarrow")
    pd = require("pandas")
    started = time.perf_counter()
    source = open_source(
        data,
        screener.instrument,
        chunk_size=chunk_size,
        ignore_columns=ignore_columns,
        encoding=encoding,
        id_column=id_column,
        sheet=sheet,
        header_row=header_row,
    )
    _warn(source)
    counts = _Counts()
    tables, objects, rows, rejects, decisions = [], [], [], [], []
    for chunk, batch in _scored_chunks(screener, source, counts, progress=progress):
        rejects += chunk.rejects
        rows.append(chunk.rows)
        if batch is None:
            continue
        if screener.decision_log is not None:
            decisions += screener.decision_records(batch)
        if output == "frame":
            tables.append(result_table(screener, batch))
        else:
            objects += screener.results(batch)
    _refuse_the_other_instrument(screener, source, counts)  # before any decision line is written
    results: Any = objects
    if output == "frame":
        results = pa.concat_tables(tables or [result_schema(screener).empty_table()]).to_pandas()
    if screener.decision_log is not None:  # only once every chunk was scored
        screener.decision_log.append(decisions)
    reject_frame = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS))
    reject_frame["row"] = reject_frame["row"].astype("int64")
    all_rows = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    _warn(source, late=True)
    return BatchResult(results, reject_frame, all_rows, _summary(source, counts, started))


def default_rejects_path(output: str | Path) -> Path:
    """Where :func:`score_file` writes rejects when not told: ``results.csv`` → ``results.rejects.csv``."""
    output = Path(output)
    return output.with_name(output.stem + ".rejects" + output.suffix)


def score_file(
    data: Any,
    output: str | Path,
    *,
    screener: Screener | None = None,
    rejects: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ignore_columns: Iterable[str] = (),
    progress: bool = False,
    encoding: str | None = None,
    id_column: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    dialect: str | None = None,
) -> BatchSummary:
    """Score an export into a results file and a rejects file, streaming chunk by chunk.

    This is what ``profilefit score`` runs. Memory does not grow with the number of rows
    (apart from 16 bytes per scored candidate id, to find duplicates).

    Parameters
    ----------
    data : str, Path, pandas.DataFrame or iterable
        What :func:`score_batch` accepts.
    output : str or Path
        Results file; ``.csv``, ``.jsonl``/``.ndjson``, ``.parquet`` or ``.xlsx``.
    screener : Screener, optional
        Default: ``Screener.load()`` (the reference model, the complex-case role).
    rejects : str or Path, optional
        Rejects file, in any of the same formats; by default next to ``output``
        (see :func:`default_rejects_path`). Always written, empty when nothing was rejected.
    chunk_size, ignore_columns, progress, encoding, id_column, sheet, header_row
        As for :func:`score_batch`.
    dialect : {"standard", "excel-nordic"}, optional
        The layout of CSV outputs (default ``"standard"``: commas, figures in full); see docs/batch.md.

    Returns
    -------
    BatchSummary

    Raises
    ------
    profilefit.data.batch.ColumnError
        Before anything is written, if the header cannot be scored.
    profilefit.data.batch.OutputPathError
        Before anything is written, if an output is the input, the two outputs are one file,
        or an output is a folder or in a folder that does not exist.
    profilefit.data.batch.OutputError
        If writing fails (a full disk, say); the message names the file. Nothing is left
        behind: the results and the rejects are moved into place together, or neither is,
        and files of an earlier run at those paths are then as they were.
    KeyboardInterrupt
        On Ctrl-C (and whatever a SIGTERM handler raises), with the same guarantee. Stop signals
        wait while the files move into place; one that came once both were in carries a note
        naming them (``error.__notes__``): the run had finished.
    ValueError
        For an input or output of an unsupported type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from profilefit.data.datasets import sample_export_path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     summary = score_file(sample_export_path(), pathlib.Path(folder) / "results.csv")
    ...     written = sorted(path.name for path in pathlib.Path(folder).iterdir())
    >>> summary.rows_scored, summary.rows_rejected, written
    (400, 2, ['results.csv', 'results.rejects.csv'])
    """
    started = time.perf_counter()
    if screener is None:
        from profilefit.core.screening import Screener

        screener = Screener.load()
    output = Path(output)
    output_format(output)
    rejects_path = Path(rejects) if rejects is not None else default_rejects_path(output)
    output_format(rejects_path)
    csv_dialect(dialect)  # an unknown name fails before anything is read
    check_outputs(Path(data) if isinstance(data, str | Path) else None, {"results": output, "rejects": rejects_path})
    source = open_source(
        data,
        screener.instrument,
        chunk_size=chunk_size,
        ignore_columns=ignore_columns,
        encoding=encoding,
        id_column=id_column,
        sheet=sheet,
        header_row=header_row,
    )
    _warn(source)
    stage = screener.decision_log.staged() if screener.decision_log is not None else contextlib.nullcontext(None)
    complete = False
    try:
        # From the moment results and rejects start moving into place, a stop request waits until
        # the run is complete, decision lines included, so an interrupt cannot leave the files of
        # a finished run without their lines in the decision log.
        with contextlib.ExitStack() as completing:
            # Decision lines are staged and join the log only when results and rejects are in place.
            with stage as decisions:
                summary = _stream(
                    screener, source, output, rejects_path, decisions, completing, progress=progress, dialect=dialect
                )
            _warn(source, late=True)
            complete = True
    except BaseException as error:
        if complete:  # a stop request held until now: the run itself is done, and the error says so
            error.add_note(written_note(output, rejects_path))
        raise
    return dataclasses.replace(summary, seconds=time.perf_counter() - started)


def _stream(
    screener: Screener,
    source: Source,
    output: Path,
    rejects_path: Path,
    decisions: Any,
    completing: contextlib.ExitStack,
    *,
    progress: bool,
    dialect: str | None = None,
) -> BatchSummary:
    """Score ``source`` into the results and rejects files, and stage its decision lines when there is a log.

    Stop signals are held (:func:`~._writers.held_signals`, entered on ``completing``) from the
    moment the files start moving into place until the caller closes ``completing``.
    """
    started = time.perf_counter()
    counts = _Counts()
    schema = result_schema(screener)
    few_values = [name for name in schema.names if name.startswith("scale_") or name == "fit_score"]
    writers: list[TableWriter | RejectsWriter] = []
    sink = None
    try:
        # Every text column is neutralised: model and role ids come from files a user may have written.
        results_writer = TableWriter(output, schema, few_values=few_values, dialect=dialect)
        writers.append(results_writer)
        rejects_writer = RejectsWriter(rejects_path, dialect=dialect)
        writers.append(rejects_writer)

        def write(item: tuple[list[dict[str, Any]], ScoredBatch | None]) -> None:  # in the writer thread
            rejects, batch = item
            rejects_writer.write(rejects)
            if batch is not None:
                results_writer.write(result_table(screener, batch))
                if decisions is not None:
                    decisions.add(screener.decision_records(batch))

        sink = BackgroundSink(write)
        for chunk, batch in _scored_chunks(screener, source, counts, progress=progress):
            sink.put((chunk.rejects, batch))
        sink.close()
        _refuse_the_other_instrument(screener, source, counts)
        # Results and rejects are one record of the run: both are moved into place, or neither.
        completing.enter_context(held_signals())
        commit_together(results_writer, rejects_writer)
    except BaseException:
        if sink is not None:
            with contextlib.suppress(BaseException):
                sink.close()
        for writer in writers:
            writer.discard()
        raise
    return _summary(source, counts, started, results_path=results_writer.path, rejects_path=rejects_writer.path)
