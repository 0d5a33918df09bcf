"""Read what the audit needs: a batch results file and a demographics file, joined by candidate id.

The results file is read by :func:`profilefit.data.results.open_results` and the demographics file
by :func:`profilefit.data.demographics.read_demographics`, the one reader of each, which the
shortlist, the row report, item bias and the validation study use too. Both need only the
standard library for CSV and JSON Lines, so the audit runs without the ``io`` extra; Parquet
needs pyarrow, imported only when a Parquet file is read. CSV may be UTF-8 with or without a
byte-order mark, comma-, semicolon- or tab-separated (sniffed from the header line), with CRLF
or LF line ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from profilefit.core.fit import BANDS
from profilefit.data import demographics
from profilefit.data.demographics import (
    AGE_BAND_THRESHOLD,
    AGE_BANDS,
    DEMOGRAPHIC_COLUMNS,
    UNKNOWN_VALUES,
    Demographics,
    DemographicsTable,
    age_band_of,
    unaudited_note,
)
from profilefit.data.results import (
    FLAGS_COLUMN,
    MODEL_COLUMN,
    OLD_FLAGS_COLUMN,
    PROBABILITY_PREFIX,
    ROLE_COLUMN,
    SCALE_PREFIX,
    open_results,
)
from profilefit.exceptions import AuditInputError

#: Fit bands from lowest to highest; "selected at a band" means that band or a higher one.
FIT_BANDS: tuple[str, ...] = tuple(reversed(BANDS))  # weakest first, so a band's index orders it

#: Columns a results file must have for the audit. ``profile`` is the classification the model
#: reported (``"undetermined"`` included), not ``top_profile``, which is never undetermined.
RESULT_COLUMNS = ("candidate_id", "profile", "fit_score", "fit_band")

#: Columns read when present: which model scored each row, which role its fit is for, its validity
#: flags (``flags`` in files written before 0.2, as the shortlist reads them) and whether it needs review.
OPTIONAL_RESULT_COLUMNS = (MODEL_COLUMN, ROLE_COLUMN, FLAGS_COLUMN, OLD_FLAGS_COLUMN, "needs_review")

#: The flag id the audit gives needing a human review as a whole (the results' ``needs_review`` column).
NEEDS_REVIEW = "needs_review"

# The demographics names are profilefit.data.demographics' (the one home of that file's rules); the audit
# offers them as it did before they moved there.
__all__ = [
    "AGE_BANDS",
    "AGE_BAND_THRESHOLD",
    "DEMOGRAPHIC_COLUMNS",
    "FIT_BANDS",
    "NEEDS_REVIEW",
    "OPTIONAL_RESULT_COLUMNS",
    "PROBABILITY_PREFIX",
    "RESULT_COLUMNS",
    "SCALE_PREFIX",
    "UNKNOWN_VALUES",
    "Demographics",
    "DemographicsTable",
    "ResultsFile",
    "ScoredCandidate",
    "age_band_of",
    "read_demographics",
    "read_results",
    "read_results_file",
    "unaudited_note",
]


@dataclass(frozen=True)
class ScoredCandidate:
    """The figures of one scored candidate that the audit uses.

    Attributes
    ----------
    candidate_id : str
    profile : str
        The classification the model reported: a profile id, or ``"undetermined"``.
    fit_score : float or None
        Role fit from 0 to 100; ``None`` for a fit that could not be computed (never above the median).
    fit_band : {"strong", "possible", "weak"} or None
        ``None`` for a fit without a band (an incomplete fit): never selected.
    model_id : str or None, default None
        The model that scored the candidate, when the results file says.
    scales : dict of str to float, default empty
        The candidate's scale scores by scale id, when the results file has ``scale_<id>``
        columns; a scale that could not be scored is left out.
    fit_role : str or None, default None
        The role the fit was computed for (``""`` without a fit); ``None`` when the results file
        does not record it (see :func:`profilefit.data.results.role_cell`).
    validity_flags : tuple of str or None, default None
        The validity flags raised for the candidate (ids of :data:`profilefit.core.validity.FLAG_IDS`,
        in that order); ``None`` when the results file has no ``validity_flags`` column.
    needs_review : bool or None, default None
        The result asks for a human review; ``None`` when the results file has no ``needs_review`` column.
    """

    candidate_id: str
    profile: str
    fit_score: float | None
    fit_band: str | None
    model_id: str | None = None
    scales: Mapping[str, float] = field(default_factory=dict)
    fit_role: str | None = None
    validity_flags: tuple[str, ...] | None = None
    needs_review: bool | None = None


@dataclass(frozen=True)
class ResultsFile:
    """A results file as the audit reads it.

    Attributes
    ----------
    candidates : list of ScoredCandidate
        In file order.
    classifications : tuple of str
        The profile ids the model reports, from the ``p_<profile>`` column names in file order;
        empty when the file has no such column.
    path : Path or None, default None
        The file, for messages.
    """

    candidates: list[ScoredCandidate]
    classifications: tuple[str, ...] = ()
    path: Path | None = None

    def roles(self) -> dict[str | None, int]:
        """Candidates per recorded role (see :attr:`ScoredCandidate.fit_role`)."""
        counts: dict[str | None, int] = {}
        for candidate in self.candidates:
            counts[candidate.fit_role] = counts.get(candidate.fit_role, 0) + 1
        return counts


def read_results(path: str | Path) -> list[ScoredCandidate]:
    """Read the candidates of a results file that ``profilefit score`` wrote.

    Parameters
    ----------
    path : str or Path
        CSV (``.csv``), JSON Lines (``.jsonl``) or Parquet (``.parquet``; needs the ``io`` extra).
        ``candidate_id``, ``profile``, ``fit_score`` and ``fit_band`` are read, and ``model_id``,
        ``fit_role``, ``validity_flags`` (``flags`` in older files) and ``needs_review`` when
        present. An empty ``fit_band`` (a fit without a band) is read as ``None``.

    Returns
    -------
    list of ScoredCandidate
        In file order.

    Raises
    ------
    AuditInputError
        If the file is missing, a required column is absent, a value is invalid (the message
        names the file, the line and the field), a candidate id repeats, or there are no rows.
    """
    return read_results_file(path).candidates


def read_results_file(path: str | Path) -> ResultsFile:
    """Read a results file: its candidates, as :func:`read_results` does, and the model's classifications.

    The file is read by :func:`profilefit.data.results.open_results`, the one reader of results, which
    the shortlist, the row report and the validation study use too.

    Raises
    ------
    AuditInputError
        As :func:`read_results`.
    """
    opened = open_results(path, required=RESULT_COLUMNS, unique_ids=True, error=AuditInputError)
    candidates: list[ScoredCandidate] = []
    for record in opened:
        if not record.profile:
            raise AuditInputError(f"{opened.path}, {record.location}, field 'profile': empty")
        candidates.append(
            ScoredCandidate(
                record.candidate_id,
                record.profile,
                record.fit_score,
                record.fit_band,
                record.model_id,
                {scale: score for scale, score in record.scales.items() if score is not None},
                record.fit_role,
                validity_flags=record.validity_flags,
                needs_review=record.needs_review,
            )
        )
    if not candidates:
        raise AuditInputError(f"results file {opened.path} has no candidates")
    return ResultsFile(candidates, opened.profiles, opened.path)


def read_demographics(path: str | Path) -> DemographicsTable:
    """Read a demographics CSV: ``candidate_id`` plus any of ``sex``, ``race_ethnicity``, ``age``, ``age_band``.

    :func:`profilefit.data.demographics.read_demographics`, the one reader of demographics files (item
    bias and the validation study read them there too), raising :class:`AuditInputError`.

    A blank cell, ``unknown`` or ``declined`` (any case) is an unknown category. ``age`` is in
    whole years and becomes an age band; when both ``age`` and ``age_band`` are given they must agree.
    Other columns are ignored.

    Raises
    ------
    AuditInputError
        If ``candidate_id`` or every demographic column is missing, a value is invalid, or an id repeats.
    """
    return demographics.read_demographics(path, error=AuditInputError)
