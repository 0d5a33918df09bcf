"""One candidate's report from a row of a results file: ``profilefit report --id ID RESULTS``.

A results file (from ``profilefit score``) holds each candidate's figures: profile and
probabilities, fit, band, role, review, validity flags and scale scores. It does not hold the
reasons behind the fit and the profile, the percentiles or the flags' details; those are in
the report of the assessment itself. A row report shows what the file holds and says where
the rest is, so a recruiter can open one candidate from a batch without scoring again.

The shortlist links each listed candidate to such a page (:func:`write_row_reports`), named by
:func:`report_file_name`: a hash of the id, so that no id (``..``, slashes, a right-to-left
override, markup) can choose where a file goes or what its name looks like.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from profilefit.core.fit import RoleProfile
from profilefit.core.instrument import Instrument
from profilefit.core.screening import UNDETERMINED
from profilefit.data.results import ResultRecord, open_results
from profilefit.exceptions import ResultNotFoundError
from profilefit.pages import MAX_ID_CHARS, capped, isolate, render_page, terminal_text
from profilefit.pages.reports._candidate import notices, profilefit_version, trained_on_of
from profilefit.pages.reports._shortlist import MAX_NAME_CHARS
from profilefit.pages.reports._strings import Labels, instrument_named, role_for

#: Hex digits of the SHA-256 of an id in a report's file name: 80 bits, so two of ten million ids
#: share a name with a probability below 10⁻⁹ (and :func:`write_row_reports` checks anyway).
NAME_DIGITS = 20


@dataclass(frozen=True)
class ResultRow:
    """One candidate's row of a results file, as read.

    Attributes
    ----------
    candidate_id : str
    profile : str
        The reported profile, or ``"undetermined"``.
    top_profile, second_profile : str
    confidence : float or None
    probabilities : dict of str to float
        From the ``p_<profile>`` columns, most probable first.
    fit_score : float or None
    fit_band : str or None
    fit_role : str or None
        The role the fit is for (``""`` without a fit; ``None`` when the file does not say).
    needs_review : bool
    flags : tuple of str
    scales : dict of str to float or None
        From the ``scale_<scale>`` columns; ``None`` for a scale that could not be scored. On a
        forced-choice instrument (2.0) these are standard scores (z), not means of answers.
    model_id : str or None
    source : str
        The file and the line or row it came from, as messages write it (``"out/results.csv, line 7"``).
    file : str
        The file alone; empty for a row not read from a file.
    place : tuple of (str, int) or None
        Where in the file: ``("line", 7)`` or ``("row", 3)``, for a page to word in its language.
    instrument_id, instrument_version : str or None
        The instrument of the model that scored the row; ``None`` in a file that does not say.
    standard_errors : dict of str to float or None
        From the ``se_<scale>`` columns (forced choice); empty when the file has none.
    trained_on : str or None
        What the model was trained on, when the file says (a ``trained_on`` column, which another tool may
        write). The page reads it with :attr:`model_id` by the one rule the shortlist reads its rows by.
    """

    candidate_id: str
    profile: str
    top_profile: str
    second_profile: str
    confidence: float | None
    probabilities: dict[str, float]
    fit_score: float | None
    fit_band: str | None
    fit_role: str | None
    needs_review: bool
    flags: tuple[str, ...]
    scales: dict[str, float | None]
    model_id: str | None
    source: str
    file: str = ""
    place: tuple[str, int] | None = None
    instrument_id: str | None = None
    instrument_version: str | None = None
    standard_errors: dict[str, float | None] = field(default_factory=dict)
    trained_on: str | None = None


def _row(record: ResultRecord, file: Path) -> ResultRow:
    probabilities = {profile: p for profile, p in record.probabilities.items() if p is not None}
    return ResultRow(
        candidate_id=record.candidate_id,
        profile=record.profile,
        top_profile=record.top_profile,
        second_profile=record.second_profile,
        confidence=record.confidence,
        probabilities=dict(sorted(probabilities.items(), key=lambda item: -item[1])),
        fit_score=record.fit_score,
        fit_band=record.fit_band,
        fit_role=record.fit_role,
        needs_review=bool(record.needs_review),
        flags=record.validity_flags or (),
        scales=dict(record.scales),
        model_id=record.model_id,
        source=f"{file}, {record.location}",
        file=str(file),
        place=record.place,
        instrument_id=record.instrument_id,
        instrument_version=record.instrument_version,
        standard_errors=dict(record.standard_errors),
        trained_on=record.trained_on,
    )


def iter_result_rows(path: str | Path) -> Iterator[ResultRow]:
    """Every row of a results file (``.csv``, ``.jsonl``, ``.parquet`` or ``.xlsx``), read a row at a time.

    Read by :func:`profilefit.data.results.open_results`, the one reader of results files. Ids are
    given back as ``profilefit score`` was given them: the apostrophe it puts before an id a
    spreadsheet would run (CSV and Excel) is removed.

    Raises
    ------
    ValueError
        If the file is missing or of an unknown type, has no ``candidate_id`` column, or a cell is not
        what its column holds.
    """
    opened = open_results(path, unique_ids=True)  # a results file holds each candidate once
    for record in opened:
        yield _row(record, opened.path)


def find_result_row(path: str | Path, candidate_id: str) -> ResultRow:
    """The row of ``candidate_id`` in a results file, read to its end (an id on two rows is refused).

    Raises
    ------
    ResultNotFoundError
        If no row has that id; the message names the file and the id, and how many rows were read.
    ValueError
        As :func:`iter_result_rows`.
    """
    wanted = candidate_id.strip()
    count = 0
    rows = iter_result_rows(path)
    for row in rows:
        if row.candidate_id == wanted:
            for _ in rows:  # the rest, so that a repeat of this id (or another) is refused, never a silent first
                pass
            return row
        count += 1
    raise ResultNotFoundError(
        f"{path}: no candidate with id {capped(candidate_id, MAX_ID_CHARS)!r} among its {count:,} candidate(s)"
    )


def report_file_name(candidate_id: str) -> str:
    """The file name of a candidate's report page next to a shortlist: a hash of the id, never the id.

    Examples
    --------
    >>> report_file_name("cand-0001")
    'candidate-1d3bb74faf5f43e50dcb.html'
    >>> report_file_name("../../etc/passwd").startswith("candidate-")
    True
    """
    digest = hashlib.sha256(candidate_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"candidate-{digest[:NAME_DIGITS]}.html"


def relative_link(target: str | Path, folder: str | Path) -> str:
    """A relative URL from a page in ``folder`` to ``target`` (both on this machine), percent-encoded.

    Examples
    --------
    >>> relative_link("out/reports/candidate-1.html", "out")
    'reports/candidate-1.html'
    >>> relative_link("out/shortlist.html", "out/reports")
    '../shortlist.html'
    """
    relative = os.path.relpath(os.path.abspath(target), os.path.abspath(folder))
    return quote(Path(relative).as_posix())


def _role(row: ResultRow, role: RoleProfile | None) -> RoleProfile | None:
    try:
        return role_for(row.fit_role or None, role)
    except (ValueError, OSError):  # a role file that is not at hand: the page names the role's id
        return None


def row_json_report(row: ResultRow) -> str:
    """The row as indented JSON (what the results file holds for the candidate)."""
    return json.dumps(asdict(row), ensure_ascii=False, indent=2) + "\n"


def _source(row: ResultRow, labels: Labels, mark: Callable[[str], str]) -> str:
    """The sentence naming where the figures come from: the file, and its line or row in the page's language."""
    if not row.file or row.place is None:
        return labels.t("row_source", file=mark(capped(row.source)))
    unit, number = row.place
    where = labels.t(f"location_{unit}", number=str(number))  # a line number is a place, not a count: not grouped
    return labels.t("row_source", file=f"{mark(capped(row.file))}, {where}")


def _view(row: ResultRow, labels: Labels, role: RoleProfile | None) -> dict[str, Any]:
    language = labels.language
    fit_text = "" if row.fit_score is None else labels.t("fit_of_100", score=labels.number(row.fit_score))
    if row.fit_score is None:
        band = ""
    else:
        band = labels.band(row.fit_band if row.fit_band in ("strong", "possible", "weak") else None)
    role_name = role.text("name", language) if role is not None else (row.fit_role or "")

    def name(text: str) -> str:  # names read from a results file are someone else's data
        return capped(text, MAX_NAME_CHARS)

    profile = name(labels.profile(row.profile or UNDETERMINED))
    if row.profile == UNDETERMINED and row.top_profile not in ("", UNDETERMINED):
        profile += f" ({labels.t('closest', profile=name(labels.profile(row.top_profile)))})"
    return {
        "candidate_id": capped(row.candidate_id, MAX_ID_CHARS),
        "role_name": capped(role_name),
        "model_id": capped(row.model_id or ""),
        "fit_text": fit_text,
        "band": band,
        "band_class": "none" if not band or row.fit_band is None else ("muted" if row.needs_review else row.fit_band),
        "profile": profile,
        # Whole percentages, as the candidate report and the shortlist write a profile's probability.
        "probabilities": [(name(labels.profile(key)), labels.percent(p)) for key, p in row.probabilities.items()],
        "scales": [
            (name(labels.scale(key)), _scale_text(row, key, score, labels)) for key, score in row.scales.items()
        ],
        "scales_note": labels.t("row_scales_standard") if _standard(labels) else "",
        "score_heading": labels.t("score_standard_heading" if _standard(labels) else "score"),
        # Ids are capped before they are named: a results file's unknown flag is someone else's data too.
        "flags": [labels.review_flag(name(flag)) for flag in row.flags],
        "flag_names": [labels.flag_name(name(flag)) for flag in row.flags],
        "chance": labels.chance_warning(row.flags),
        "review": labels.t("review_yes" if row.needs_review else "review_none"),
        "needs_review": row.needs_review,
        "source": _source(row, labels, isolate),
        "more": labels.t("row_more"),
    }


def _trained_on(row: ResultRow) -> str | None:
    """What the row's model was trained on, by the rule the shortlist reads its rows with (``trained_on_of``)."""
    return trained_on_of(row.model_id, row.trained_on)


def _standard(labels: Labels) -> bool:
    """Whether the row's scale scores are standard scores (z): a forced-choice instrument's trait estimates."""
    return labels.instrument.format == "forced_choice"


def _scale_text(row: ResultRow, scale: str, score: float | None, labels: Labels) -> str:
    """A scale score as the page writes it: a mean of answers (1.x), or a standard score and its error (2.0).

    A standard score is written with its standard error in brackets (``−0.78 (0.48)``), under the heading
    ``score_standard_heading`` and above a note (``row_scales_standard``) that says what both are.
    """
    if score is None:
        return labels.t("not_scored_short")
    error = row.standard_errors.get(scale) if _standard(labels) else None
    return labels.number(score, 2) + ("" if error is None else f" ({labels.number(error, 2)})")


def row_labels(row: ResultRow, language: str = "en", instrument: Instrument | None = None) -> Labels:
    """The labels of a row's page: scales named as the instrument the row was scored on names them.

    ``instrument`` when given; else the built-in instrument the row's file names (``instrument_id``,
    ``instrument_version``); else, for a file that does not say, the shipped agreement instrument.
    """
    return Labels(language, instrument_named(row.instrument_id, row.instrument_version, instrument))


def row_text_report(
    row: ResultRow, *, language: str = "en", role: RoleProfile | None = None, instrument: Instrument | None = None
) -> str:
    """A plain-text report of one results row, for the terminal."""
    labels = row_labels(row, language, instrument)
    view = _view(row, labels, _role(row, role))
    lines = [
        f"{labels.t('title_report')}: {terminal_text(view['candidate_id'])}",
        *(
            f"  {terminal_text(sentence)}"
            for sentence in notices(_trained_on(row), labels, row.model_id, isolated=False)
        ),
        "",
    ]
    if view["role_name"]:
        lines.append(f"{labels.t('role')}: {terminal_text(view['role_name'])}")
    first = f" {labels.t('review_first').upper()}" if row.needs_review else ""
    fit = f"{view['fit_text']} ({view['band']}){first}" if view["fit_text"] else labels.t("no_score")
    if view["chance"]:  # before the figures it is about, as on the page
        lines.append(f"! {labels.t('warning').upper()}: {view['chance']}")
    lines += [
        f"{labels.t('fit')}: {fit}",
        f"{labels.t('profile')}: {view['profile']}",
        f"{labels.t('col_review')}: {view['review']}",
        f"{labels.t('col_flags')}: {', '.join(view['flag_names']) or '-'}",
        "",
        f"{labels.t('chart_profiles')}:",
        *(f"  {name}: {value}" for name, value in view["probabilities"]),
        "",
        f"{view['score_heading']}:" if _standard(labels) else f"{labels.t('scale')} ({labels.t('score')}):",
        *(f"  {name}: {value}" for name, value in view["scales"]),
        *([view["scales_note"]] if view["scales_note"] else []),
        "",
    ]
    if view["model_id"]:
        lines.append(f"{labels.t('model')}: {terminal_text(view['model_id'])}")
    lines += [_source(row, labels, terminal_text), view["more"]]
    return "\n".join(lines) + "\n"


def row_html_report(
    row: ResultRow,
    *,
    language: str = "en",
    role: RoleProfile | None = None,
    instrument: Instrument | None = None,
    back: str = "",
) -> str:
    """A self-contained HTML page of one results row.

    Parameters
    ----------
    row : ResultRow
    language : {"en", "nb", "sv", "nl"}, default="en"
    role : RoleProfile, optional
        Names the role; by default the built-in role the row records.
    instrument : Instrument, optional
        For scale names; by default the built-in instrument the row names (see :func:`row_labels`).
    back : str, optional
        A relative link back to the shortlist page.
    """
    labels = row_labels(row, language, instrument)
    view = _view(row, labels, _role(row, role))
    return render_page(
        "pages/reports/row.html",
        language=language,
        title=f"{labels.t('title_report')}: {isolate(view['candidate_id'])}",
        styles=("pages/reports/report.css",),
        t=labels.strings(),
        no_flags=labels.no_flags(),
        notices=notices(_trained_on(row), labels, row.model_id),
        back=back,
        made_with=labels.t("made_with", version=profilefit_version()),
        **view,
    )


def write_row_reports(
    path: str | Path,
    ids: Collection[str],
    folder: str | Path,
    *,
    language: str = "en",
    role: RoleProfile | None = None,
    back: str = "",
) -> dict[str, Path]:
    """Write the report page of each of ``ids`` found in a results file into ``folder``.

    Each page is named by :func:`report_file_name`, so an id never becomes part of a path.
    Ids are compared as a page shows them (capped at 128 characters).

    Returns
    -------
    dict of str to Path
        The page of each id that was found.

    Raises
    ------
    ValueError
        If two ids would share a file name (not expected below 10⁻⁹; see :data:`NAME_DIGITS`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set(ids)
    written: dict[str, Path] = {}
    names: dict[str, str] = {}
    for row in iter_result_rows(path):
        shown = capped(row.candidate_id, MAX_ID_CHARS)
        if shown not in wanted or shown in written:
            continue
        name = report_file_name(shown)
        if names.setdefault(name, shown) != shown:
            raise ValueError(f"two candidate ids share the report file name {name}; please report this")
        target = folder / name
        target.write_text(row_html_report(row, language=language, role=role, back=back), encoding="utf-8")
        written[shown] = target
    return written
