"""The shortlist page: a batch of candidates, sortable by fit, filterable by band and flag, in one HTML file.

Rows come from a results file that ``profilefit score`` writes (CSV, JSON Lines or
Parquet, with the columns ``candidate_id``, ``profile``, ``confidence``,
``fit_score``, ``fit_band``, ``needs_review``, ``flags`` and more) or from
:class:`~profilefit.screening.ScreeningResult` objects. The page works offline: its
small inline script only sorts and hides table rows, and reads no candidate data
except from escaped HTML attributes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from profilefit.fit import BANDS, RoleProfile
from profilefit.instrument import Instrument
from profilefit.io import read_table
from profilefit.reports._candidate import STYLE, notices, page, profilefit_version
from profilefit.reports._strings import Labels, role_for
from profilefit.screening import ScreeningResult
from profilefit.validity import FLAG_IDS

#: Columns a results file must have for a shortlist.
REQUIRED_COLUMNS = ("candidate_id", "profile")


@dataclass(frozen=True)
class ShortlistRow:
    """One candidate on the shortlist.

    Attributes
    ----------
    candidate_id : str
    profile : str
        The reported profile, or ``"undetermined"``.
    top_profile : str
        The most probable profile.
    confidence : float or None
        Its probability.
    fit_score : float or None
        Fit 0–100; ``None`` when the results have no fit.
    fit_band : str or None
        ``None`` when there is no fit, or when the fit is incomplete (a score but no band).
    needs_review : bool
    flags : tuple of str
        Validity flags that fired.
    trained_on : str
        ``"simulation"`` for the reference model.
    """

    candidate_id: str
    profile: str
    top_profile: str
    confidence: float | None
    fit_score: float | None
    fit_band: str | None
    needs_review: bool
    flags: tuple[str, ...] = ()
    trained_on: str = "simulation"

    @property
    def incomplete(self) -> bool:
        """A fit without a band: a weighted scale had too few answers, so the candidate is not selected."""
        return self.fit_score is not None and self.fit_band is None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    return None if math.isnan(number) else number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    return str(value or "").strip().lower() in {"true", "1", "yes", "y", "ja", "j", "sant"}


def _flags(value: Any) -> tuple[str, ...]:
    """Flags as a results file holds them: a list, a JSON list, or names separated by ; , | or spaces."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(flag) for flag in value if str(flag))
    text = str(value).strip()
    if text.startswith("["):
        try:
            return tuple(str(flag) for flag in json.loads(text))
        except json.JSONDecodeError:
            pass
    return tuple(flag for flag in re.split(r"[;,|\s\[\]\"']+", text) if flag)


def _row(record: Mapping[str, Any]) -> ShortlistRow:
    band = str(record.get("fit_band") or "").strip() or None
    profile = str(record.get("profile") or "").strip()
    return ShortlistRow(
        candidate_id=str(record["candidate_id"]),
        profile=profile,
        top_profile=str(record.get("top_profile") or profile).strip(),
        confidence=_number(record.get("confidence")),
        fit_score=_number(record.get("fit_score")),
        fit_band=band,
        needs_review=_flag(record.get("needs_review")),
        flags=_flags(record.get("flags")),
        trained_on=str(record.get("trained_on") or "simulation"),
    )


def read_results(path: str | Path) -> list[ShortlistRow]:
    """Read a results file written by ``profilefit score``: ``.csv``, ``.jsonl``/``.ndjson`` or ``.parquet``.

    CSV may use commas or semicolons, a byte-order mark and decimal commas, as
    spreadsheets in Oslo, Stockholm and Utrecht write it.

    Raises
    ------
    ValueError
        If the file is missing, its type is unknown, or a required column is missing (the message
        names it and the line).
    """
    path = Path(path)
    _, records = read_table(path, what="results")
    rows = []
    for location, record in records:
        missing = [column for column in REQUIRED_COLUMNS if column not in record]
        if missing:
            raise ValueError(
                f"{path}: no column(s) {', '.join(missing)} ({location}); a results file from "
                f"`profilefit score` has {', '.join(REQUIRED_COLUMNS)}, fit_score, fit_band, needs_review and flags"
            )
        rows.append(_row(record))
    return rows


def rows_from_results(results: Iterable[ScreeningResult]) -> list[ShortlistRow]:
    """Shortlist rows from screening results."""
    return [
        ShortlistRow(
            candidate_id=result.candidate_id,
            profile=result.profile,
            top_profile=result.top_profile,
            confidence=result.confidence,
            fit_score=result.fit.score if result.fit else None,
            fit_band=result.fit.band if result.fit else None,
            needs_review=result.needs_human_review,
            flags=tuple(flag.flag for flag in result.flags),
            trained_on=result.model.trained_on,
        )
        for result in results
    ]


def _text(value: object) -> str:
    return escape(str(value), quote=True)


_SHORTLIST_STYLE = (
    STYLE.replace("max-width: 64rem", "max-width: 76rem")
    + """
#controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; margin: 0.8rem 0; }
#controls[hidden] { display: none; }
table.shortlist { width: 100%; font-size: 0.95rem; }
table.shortlist thead th { position: sticky; top: 0; background: #fff; border-bottom: 2px solid #888; }
table.shortlist tbody tr:nth-child(even) { background: #f7f7f7; }
table.shortlist td { white-space: nowrap; } table.shortlist td.flags { white-space: normal; }
th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer;
            text-decoration: underline dotted; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
.bar { display: inline-block; height: 0.7rem; background: #2e6da4; vertical-align: middle; margin-left: 0.4rem; }
td.review-yes { color: #b3261e; font-weight: 600; }
"""
)

# Sorting and filtering only; it reads data-* attributes, never inserts markup.
_SCRIPT = """
(function () {
  var table = document.getElementById("shortlist");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var band = document.getElementById("filter-band");
  var flag = document.getElementById("filter-flag");
  var review = document.getElementById("filter-review");
  var shown = document.getElementById("shown");
  var template = shown.getAttribute("data-template");
  function keep(row) {
    var flags = " " + row.getAttribute("data-flags") + " ";
    var flagOk = flag.value === "" || (flag.value === "*" && flags.trim() !== "") ||
      (flag.value === "-" && flags.trim() === "") || flags.indexOf(" " + flag.value + " ") >= 0;
    return (band.value === "" || row.getAttribute("data-band") === band.value) && flagOk &&
      (!review.checked || row.getAttribute("data-review") === "1");
  }
  function apply() {
    var count = 0;
    rows.forEach(function (row) { row.hidden = !keep(row); if (!row.hidden) { count += 1; } });
    shown.textContent = template.replace("{shown}", count).replace("{total}", rows.length);
  }
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "number";
      // A sorted column reverses; a new one starts best first (numbers) or A to Z (text).
      var current = th.getAttribute("aria-sort");
      var descending = current ? current === "ascending" : numeric;
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort"), y = b.cells[column].getAttribute("data-sort");
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  [band, flag, review].forEach(function (control) { control.addEventListener("change", apply); });
  document.getElementById("controls").hidden = false;
  apply();
})();
"""


def shortlist_html(
    source: str | Path | Sequence[ScreeningResult] | Sequence[ShortlistRow],
    *,
    language: str = "en",
    role: RoleProfile | str | None = None,
    instrument: Instrument | None = None,
) -> str:
    """A self-contained shortlist page, best fit first.

    Parameters
    ----------
    source : path, list of ScreeningResult or list of ShortlistRow
        A results file (see :func:`read_results`) or results in memory.
    language : {"en", "nb", "sv", "nl"}, default="en"
    role : RoleProfile or str, optional
        The role the fit was computed for, to name it on the page; by default the role
        of the results when they are ScreeningResults.
    instrument : Instrument, optional
        Only for names; by default the shipped instrument.

    Returns
    -------
    str
    """
    labels = Labels(language, instrument)
    rows = _rows(source)
    role_id = role if isinstance(role, str) else None
    if role_id is None and not isinstance(source, str | Path):
        role_id = next((r.fit.role for r in source if isinstance(r, ScreeningResult) and r.fit), None)
    resolved = role_for(role_id, role if isinstance(role, RoleProfile) else None)
    # Best fit first; an incomplete fit is never selected, so it comes after every banded one.
    ordered = sorted(
        rows, key=lambda r: (r.fit_band is None, r.fit_score is None, -(r.fit_score or 0.0), r.candidate_id)
    )
    trained_on = "simulation" if all(r.trained_on == "simulation" for r in rows) else "organisation data"

    counts = {band: sum(r.fit_band == band for r in rows) for band in BANDS}
    summary = (
        labels.t("candidates_count", n=len(rows))
        + "; "
        + labels.t("band_counts", review=sum(r.needs_review for r in rows), **counts)
    )
    meta = _text(summary)
    if resolved is not None:
        meta = f"{_text(labels.t('role'))}: {_text(resolved.text('name', language))} · {meta}"
    body = [
        f'<header><h1>{_text(labels.t("title_shortlist"))}</h1><p class="meta">{meta}</p></header>',
        '<aside class="notice">' + "".join(f"<p>{_text(s)}</p>" for s in notices(trained_on, labels)) + "</aside>",
        _controls(labels),
        _table(ordered, labels) if rows else f"<p>{_text(labels.t('no_candidates'))}</p>",
        f"<footer><p>{_text(labels.t('made_with', version=profilefit_version()))}</p></footer>",
    ]
    return page(labels.t("title_shortlist"), "\n".join(body), labels, style=_SHORTLIST_STYLE, script=_SCRIPT)


def _rows(source: str | Path | Sequence[ScreeningResult] | Sequence[ShortlistRow]) -> list[ShortlistRow]:
    if isinstance(source, str | Path):
        return read_results(source)
    rows: list[ShortlistRow] = []
    for item in source:
        rows += rows_from_results([item]) if isinstance(item, ScreeningResult) else [item]
    return rows


def _controls(labels: Labels) -> str:
    bands = "".join(f'<option value="{_text(b)}">{_text(labels.band(b))}</option>' for b in (*BANDS, "incomplete"))
    flags = "".join(f'<option value="{_text(f)}">{_text(labels.flag_name(f))}</option>' for f in FLAG_IDS)
    return (
        '<div id="controls" hidden>'
        f'<label>{_text(labels.t("filter_band"))} <select id="filter-band">'
        f'<option value="">{_text(labels.t("filter_all"))}</option>{bands}</select></label>'
        f'<label>{_text(labels.t("filter_flag"))} <select id="filter-flag">'
        f'<option value="">{_text(labels.t("filter_all"))}</option>'
        f'<option value="*">{_text(labels.t("filter_any_flag"))}</option>'
        f'<option value="-">{_text(labels.t("filter_no_flag"))}</option>{flags}</select></label>'
        f'<label><input type="checkbox" id="filter-review"> {_text(labels.t("filter_review"))}</label>'
        f'<span id="shown" data-template="{_text(labels.t("shown"))}"></span>'
        "</div>"
        f"<p><small>{_text(labels.t('sort_hint'))}</small></p>"
    )


def _table(rows: Sequence[ShortlistRow], labels: Labels) -> str:
    columns = [
        ("col_rank", "number", False),
        ("candidate", "text", True),
        ("fit", "number", True),
        ("band", "text", True),
        ("profile_short", "text", True),
        ("probability", "number", True),
        ("col_flags", "text", True),
        ("col_review", "text", True),
    ]
    head = "".join(
        f'<th data-type="{kind}"'
        + (' aria-sort="descending"' if key == "fit" else "")
        + (' class="num"' if kind == "number" else "")
        + ">"
        + (f'<button type="button">{_text(labels.t(key))}</button>' if sortable else _text(labels.t(key)))
        + "</th>"
        for key, kind, sortable in columns
    )
    band_order = {band: str(k) for k, band in enumerate((*BANDS, "incomplete"))}
    lines = []
    for rank, row in enumerate(rows, start=1):
        score = row.fit_score
        fit_cell = (
            f'<td class="num" data-sort="-1">{_text(labels.t("no_score"))}</td>'
            if score is None
            else f'<td class="num" data-sort="{score:.1f}">{_text(labels.number(score))}'
            f'<span class="bar" style="width:{max(0.0, min(score, 100.0)) * 0.6:.1f}px"></span></td>'
        )
        band = "incomplete" if row.incomplete else row.fit_band or ""
        band_label = labels.band(band) if band in band_order else labels.t("no_score")
        band_cell = (
            f'<td data-sort="{band_order.get(band, "9")}"><span class="band band-{_text(band or "none")}">'
            f"{_text(band_label)}</span></td>"
        )
        confidence = "" if row.confidence is None else labels.percent(row.confidence)
        profile = labels.profile(row.profile)
        if row.profile == "undetermined" and row.top_profile not in ("", "undetermined"):
            profile += f" ({labels.profile(row.top_profile)})"  # the most probable one, below the threshold
        flag_names = ", ".join(labels.flag_name(flag) for flag in row.flags)
        review = labels.t("yes") if row.needs_review else labels.t("no")
        review_class = ' class="review-yes"' if row.needs_review else ""
        lines.append(
            f'<tr data-band="{_text(band)}" data-flags="{_text(" ".join(row.flags))}" '
            f'data-review="{int(row.needs_review)}">'
            f'<td class="num" data-sort="{rank}">{rank}</td>'
            f'<td data-sort="{_text(row.candidate_id)}">{_text(row.candidate_id)}</td>'
            f"{fit_cell}{band_cell}"
            f'<td data-sort="{_text(profile)}">{_text(profile)}</td>'
            f'<td class="num" data-sort="{row.confidence if row.confidence is not None else -1}">'
            f"{_text(confidence)}</td>"
            f'<td class="flags" data-sort="{_text(flag_names)}">{_text(flag_names)}</td>'
            f'<td data-sort="{int(not row.needs_review)}"{review_class}>{_text(review)}</td>'
            "</tr>"
        )
    return (
        f'<table id="shortlist" class="shortlist"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'
    )
