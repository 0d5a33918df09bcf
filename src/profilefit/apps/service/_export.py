"""Service data out: stored results as the batch results file, so audit, shortlist and validate read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from profilefit.apps.service._storage import StoredResult, make_engine, sessions
from profilefit.core.screening import ScreeningResult


def export_results(database_url: str, output: str | Path, *, screener: Any = None) -> int:
    """Write every stored result to ``output`` (.csv, .jsonl, .parquet or .xlsx) in the batch results format.

    Written by :func:`profilefit.data.batch.write_results`, with the writer and the columns of
    ``profilefit score``: the same file, in every format, for the same results.

    Parameters
    ----------
    database_url : str
        The service's database.
    output : str or Path
        The results file; its suffix picks the format, as for ``profilefit score``.
    screener : Screener, optional
        Gives the columns (profiles and scales of its model); default the reference model.

    Returns
    -------
    int
        Rows written: the newest result of each invitation, oldest invitation first.

    Raises
    ------
    profilefit.data.batch.MissingExtraError
        Without the ``io`` extra (pyarrow).
    """
    from profilefit.core.screening import Screener
    from profilefit.data.batch import output_format, write_results

    screener = screener or Screener.load()
    output_format(output)  # an unknown suffix is refused before the database is read
    engine = make_engine(database_url)
    newest: dict[str, ScreeningResult] = {}
    with sessions(engine)() as session:
        for stored in session.scalars(select(StoredResult).order_by(StoredResult.created_at, StoredResult.id)):
            newest[stored.invitation_id] = ScreeningResult.model_validate_json(stored.result_json)
    engine.dispose()
    return write_results(output, newest.values(), screener=screener)
