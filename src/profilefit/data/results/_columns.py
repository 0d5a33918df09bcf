"""The results file's columns and their types: one row per scored candidate.

The shortlist, the row report, the audit and the validation study read these columns by
name (through :func:`profilefit.data.results.open_results`), so the names are part of
profilefit's interface: ``candidate_id``, ``model_id``, ``instrument_id`` and
``instrument_version`` (the instrument of the model that scored the row: a page names scales as
that instrument does), ``profile``
(the top profile, or ``"undetermined"``), ``top_profile``, ``second_profile``,
``confidence``, one ``p_<profile>`` per profile, ``fit_score`` and ``fit_band`` (both null
without a role; ``fit_band`` alone null for an incomplete fit, which is never selected),
``fit_role`` (the id of the role the fit was computed for; null without a role), ``needs_review``,
``validity_flags`` (validity flag ids joined by ``;``), one ``scale_<scale>`` per scale and, on a
forced-choice instrument (2.0), one ``se_<scale>`` per scale: the standard error of that scale's
score, in the same z metric. Files written before these columns existed are still read.

:func:`result_table` fills them from a scored batch (``profilefit score``) and :func:`result_record`
from one :class:`~profilefit.core.screening.ScreeningResult` (the service's ``export-results``);
both give the same row for the same candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from profilefit._extras import require
from profilefit.core.fit import BANDS
from profilefit.core.screening import UNDETERMINED, ScoredBatch, ScreeningResult
from profilefit.core.validity import FLAG_IDS

if TYPE_CHECKING:
    from profilefit.core.screening import Screener

#: Separates flag ids in the ``validity_flags`` column.
FLAG_SEPARATOR = ";"
#: The column of the model that scored a row.
MODEL_COLUMN = "model_id"
#: The columns of the instrument (id and version) of the model that scored a row.
INSTRUMENT_ID_COLUMN, INSTRUMENT_VERSION_COLUMN = "instrument_id", "instrument_version"
#: The column of the role a row's fit was computed for (empty without a role).
ROLE_COLUMN = "fit_role"
#: The column of the validity flags; files written before profilefit 0.2 call it ``flags``.
FLAGS_COLUMN, OLD_FLAGS_COLUMN = "validity_flags", "flags"
#: Prefixes of the per-profile probability columns and of the scale score columns.
PROBABILITY_PREFIX, SCALE_PREFIX = "p_", "scale_"
#: Prefix of the columns of the scale scores' standard errors (forced-choice instruments only).
ERROR_PREFIX = "se_"
#: Number columns besides the ``p_`` and ``scale_`` ones.
NUMBER_COLUMNS = ("confidence", "fit_score")


def result_columns(screener: Screener) -> list[str]:
    """Names of the results columns for a screener's model and instrument, in file order.

    Examples
    --------
    >>> from profilefit.core.screening import Screener
    >>> result_columns(Screener.load())[:6]
    ['candidate_id', 'model_id', 'instrument_id', 'instrument_version', 'profile', 'top_profile']
    >>> [name for name in result_columns(Screener.load("reference-2.0")) if name.startswith("se_")][:2]
    ['se_taking_charge', 'se_composure']
    """
    return [
        "candidate_id",
        "model_id",
        INSTRUMENT_ID_COLUMN,
        INSTRUMENT_VERSION_COLUMN,
        "profile",
        "top_profile",
        "second_profile",
        "confidence",
        *(f"p_{profile}" for profile in screener.profile_ids),
        "fit_score",
        "fit_band",
        # Readers (shortlist, report, audit, validate) name this role and refuse another one.
        ROLE_COLUMN,
        "needs_review",
        # Not "flags": that name would hide pandas' DataFrame.flags attribute.
        FLAGS_COLUMN,
        *(f"{SCALE_PREFIX}{scale}" for scale in screener.instrument.scale_ids),
        *(f"{ERROR_PREFIX}{scale}" for scale in error_scales(screener)),
    ]


def error_scales(screener: Screener) -> tuple[str, ...]:
    """The scales whose standard errors a results file holds: every scale on forced choice, none otherwise.

    An agreement instrument's scale score is a mean of answers and has no standard error of its own.
    """
    return tuple(screener.instrument.scale_ids) if screener.instrument.blocks else ()


def result_schema(screener: Screener) -> Any:
    """The pyarrow schema of the results table (fixed, so every chunk and every file agree)."""
    pa = require("pyarrow")
    types = {"confidence": pa.float64(), "fit_score": pa.float64(), "needs_review": pa.bool_()}
    numeric = (PROBABILITY_PREFIX, SCALE_PREFIX, ERROR_PREFIX)
    return pa.schema(
        [
            (name, types.get(name, pa.float64() if name.startswith(numeric) else pa.string()))
            for name in result_columns(screener)
        ]
    )


def result_record(result: ScreeningResult, columns: Sequence[str]) -> dict[str, Any]:
    """One result as a row of the results table, keyed by ``columns`` (:func:`result_columns`).

    The row :func:`result_table` gives the same candidate: ``validity_flags`` joined in flag order,
    ``fit_score``, ``fit_band`` and ``fit_role`` null without a fit. A column this result does not fill
    (a profile or scale of another model) is null; ``flags``, the name before profilefit 0.2, gets the flags.

    Examples
    --------
    >>> from profilefit.core.screening import Screener
    >>> screener = Screener.load()
    >>> result_record(screener.score({"candidate_id": "c1", "tc1": 4}), ["candidate_id", "fit_role"])
    {'candidate_id': 'c1', 'fit_role': 'complex-case'}
    """
    row: dict[str, Any] = {
        "candidate_id": result.candidate_id,
        MODEL_COLUMN: result.model.model_id,
        INSTRUMENT_ID_COLUMN: result.model.instrument_id,
        INSTRUMENT_VERSION_COLUMN: result.model.instrument_version,
        "profile": result.profile,
        "top_profile": result.top_profile,
        "second_profile": result.second_profile,
        "confidence": result.confidence,
        "fit_score": result.fit.score if result.fit else None,
        "fit_band": result.fit.band if result.fit else None,
        ROLE_COLUMN: result.fit.role if result.fit else None,
        "needs_review": result.needs_human_review,
    }
    flags = FLAG_SEPARATOR.join(flag for flag in FLAG_IDS if flag in {found.flag for found in result.flags})
    row[FLAGS_COLUMN] = row[OLD_FLAGS_COLUMN] = flags
    row.update({f"{PROBABILITY_PREFIX}{profile}": p for profile, p in result.probabilities.items()})
    row.update({f"{SCALE_PREFIX}{scale.scale}": scale.score for scale in result.scales})
    row.update({f"{ERROR_PREFIX}{scale.scale}": scale.standard_error for scale in result.scales})
    return {column: row.get(column) for column in columns}


def _flag_texts() -> list[str]:
    """The ``validity_flags`` text of every combination of flags, indexed by its bit mask."""
    return [
        FLAG_SEPARATOR.join(flag for bit, flag in enumerate(FLAG_IDS) if mask >> bit & 1)
        for mask in range(1 << len(FLAG_IDS))
    ]


def _band_column(band: Any) -> Any:
    """The band texts as an Arrow array, taken from the few band names rather than converted one by one.

    An empty band (an incomplete fit) becomes null.
    """
    pa = require("pyarrow")
    index = np.full(len(band), -1, dtype=np.int64)
    for k, name in enumerate(BANDS):
        index[band == name] = k
    empty = band == ""
    if ((index < 0) & ~empty).any():  # not a band this release names: convert the texts as they are
        return pa.array([text or None for text in np.asarray(band, dtype=object)], pa.string())
    return pa.array(BANDS, pa.string()).take(pa.array(index, mask=empty))


def _repeated(text: str | None, n: int) -> Any:
    """One text (or null) ``n`` times, as an Arrow string array."""
    pa = require("pyarrow")
    return pa.array([text], pa.string()).take(np.zeros(n, dtype=np.int64))


def result_table(screener: Screener, batch: ScoredBatch) -> Any:
    """Build the results of a scored batch as a pyarrow Table with :func:`result_schema`.

    Parameters
    ----------
    screener : Screener
        The screener that scored ``batch``.
    batch : ScoredBatch

    Returns
    -------
    pyarrow.Table
    """
    pa = require("pyarrow")
    n = len(batch)
    profiles = pa.array([*batch.profile_ids, UNDETERMINED], pa.string())
    label = np.where(batch.determined, batch.top, len(batch.profile_ids))
    masks = batch.validity.flags.astype(np.int64) @ (1 << np.arange(len(FLAG_IDS), dtype=np.int64))
    fit = batch.fit
    columns: dict[str, Any] = {
        "candidate_id": pa.array(batch.responses.candidate_ids, pa.string()),
        "model_id": _repeated(screener.model_info.model_id, n),
        INSTRUMENT_ID_COLUMN: _repeated(screener.model_info.instrument_id, n),
        INSTRUMENT_VERSION_COLUMN: _repeated(screener.model_info.instrument_version, n),
        "profile": profiles.take(label),
        "top_profile": profiles.take(batch.top),
        "second_profile": profiles.take(batch.second),
        "confidence": pa.array(batch.confidence, pa.float64()),
        **{f"p_{p}": pa.array(batch.probabilities[:, k], pa.float64()) for k, p in enumerate(batch.profile_ids)},
        "fit_score": pa.nulls(n, pa.float64()) if fit is None else pa.array(fit.score, pa.float64(), from_pandas=True),
        "fit_band": pa.nulls(n, pa.string()) if fit is None else _band_column(fit.band),
        "fit_role": _repeated(None if fit is None or screener.role is None else screener.role.id, n),
        "needs_review": pa.array(batch.needs_human_review, pa.bool_()),
        "validity_flags": pa.array(_flag_texts(), pa.string()).take(masks),
        **{
            f"scale_{scale}": pa.array(batch.scores.scales[:, k], pa.float64(), from_pandas=True)
            for k, scale in enumerate(screener.instrument.scale_ids)
        },
        **_error_columns(screener, batch),
    }
    return pa.Table.from_pydict(columns, schema=result_schema(screener))


def _error_columns(screener: Screener, batch: ScoredBatch) -> dict[str, Any]:
    """The ``se_<scale>`` columns of a scored batch (none on an agreement instrument)."""
    pa = require("pyarrow")
    scales = error_scales(screener)
    errors = batch.scores.standard_errors
    if not scales:
        return {}
    if errors is None:  # a forced-choice batch without errors: every cell null rather than a made-up figure
        return {f"{ERROR_PREFIX}{scale}": pa.nulls(len(batch), pa.float64()) for scale in scales}
    return {
        f"{ERROR_PREFIX}{scale}": pa.array(errors[:, k], pa.float64(), from_pandas=True)
        for k, scale in enumerate(scales)
    }
