"""Service data out: stored results as the batch results file, so audit, shortlist and validate read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from profilefit.apps.service._storage import StoredResult, make_engine, sessions
from profilefit.core.screening import ScreeningResult


def result_row(result: ScreeningResult, columns: list[str]) -> dict[str, Any]:
    """One stored result as a row of the batch results table (:func:`profilefit.data.batch.result_columns`)."""
    from profilefit.data.batch import FLAG_SEPARATOR

    row: dict[str, Any] = {
        "candidate_id": result.candidate_id,
        "model_id": result.model.model_id,
        "profile": result.profile,
        "top_profile": result.top_profile,
        "second_profile": result.second_profile,
        "confidence": result.confidence,
        "fit_score": result.fit.score if result.fit else None,
        "fit_band": result.fit.band if result.fit else None,
        "fit_role": result.fit.role if result.fit else None,
        "needs_review": result.needs_human_review,
    }
    # The column is `validity_flags` (it was `flags` before 0.2); whichever the columns name gets the ids.
    row["validity_flags"] = row["flags"] = FLAG_SEPARATOR.join(flag.flag for flag in result.flags)
    row.update({f"p_{profile}": p for profile, p in result.probabilities.items()})
    row.update({f"scale_{scale.scale}": scale.score for scale in result.scales})
    return {column: row.get(column) for column in columns}


def export_results(database_url: str, output: str | Path, *, screener: Any = None) -> int:
    """Write every stored result to ``output`` (.csv, .jsonl, .parquet or .xlsx) in the batch results format.

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
    import importlib

    from profilefit._extras import missing_extra
    from profilefit.core.screening import Screener
    from profilefit.data.batch import TableWriter, output_format, result_schema

    def require(module: str) -> Any:
        try:
            return importlib.import_module(module)
        except ImportError:
            raise missing_extra(module, purpose="export-results") from None

    screener = screener or Screener.load()
    kind = output_format(output)
    schema = result_schema(screener)
    engine = make_engine(database_url)
    newest: dict[str, dict[str, Any]] = {}
    with sessions(engine)() as session:
        for stored in session.scalars(select(StoredResult).order_by(StoredResult.created_at, StoredResult.id)):
            result = ScreeningResult.model_validate_json(stored.result_json)
            newest[stored.invitation_id] = result_row(result, schema.names)
    engine.dispose()
    rows = list(newest.values())
    path = Path(output)
    partial = path.with_name(path.name + ".partial")
    pa = require("pyarrow")
    if kind == "jsonl":
        with partial.open("w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    elif kind == "parquet":
        require("pyarrow.parquet").write_table(pa.Table.from_pylist(rows, schema=schema), partial)
    else:
        # CSV and Excel as `profilefit score` writes them: a candidate id is text an ATS chose, and
        # every text cell is neutralised (the writer moves the file into place itself).
        writer = TableWriter(path, schema)
        try:
            writer.write(pa.Table.from_pylist(rows, schema=schema))
        except BaseException:
            writer.discard()
            raise
        writer.close()
        return len(rows)
    partial.replace(path)
    return len(rows)
