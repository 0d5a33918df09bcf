"""A validation study as one self-contained HTML page: no scripts, no external files, inline SVG charts.

The page is the template ``validation/data/study.html``, rendered through the one page environment of
:mod:`profilefit.pages` (autoescape on), so every value is escaped wherever it lands. This module only
decides what the page says: it formats figures and computes chart geometry (numbers), and hands names
from files to the template, which isolates them (``|bdi`` in text, ``|isolate`` in SVG text; marked
with :func:`~profilefit.pages.marked` inside a sentence) so that right-to-left text cannot reorder the
words around it. Every count is written by the catalogue's number rule (``2,000``), and a profile is
shown by its display name (Hard Worker), as the candidate reports name it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from profilefit.core.profiles import load_profiles
from profilefit.evidence.validation._cleary import FIT_UNIT, MIN_CLEARY_GROUP
from profilefit.evidence.validation._report import _interval, _number, _p, multiple_testing_note
from profilefit.evidence.validation._stats import BCA_MAX_N, BOOTSTRAP_RESAMPLES, Estimate, bootstrap_method
from profilefit.evidence.validation._study import MIN_GROUP_N, MIN_STUDY_N, GroupOutcome, ValidationStudy
from profilefit.pages import capped, catalogue, marked, render_page

#: The study is written in English; its numbers follow the one rule of every page.
_EN = catalogue("en")
_LABEL_WIDTH = 190
_PLOT_WIDTH = 320
_ROW = 22
#: Longest chart label shown whole (at 12 px, about what fits left of the axis).
_LABEL_CHARS = 16
#: Longest outcome name the page shows (a column name; the JSON keeps it whole).
_OUTCOME_CHARS = 120


@dataclass(frozen=True)
class _Tick:
    x: float
    text: str


@dataclass(frozen=True)
class _BarRow:
    label: str
    y: float
    x: float | None
    low: float | None
    high: float | None
    text_x: float
    value_text: str


@dataclass(frozen=True)
class _BarChart:
    title: str
    caption: str
    width: int
    height: int
    label_width: int
    bars: bool  # a share starts at zero, so a bar is honest; a mean on a cut axis is a dot
    rows: tuple[_BarRow, ...]
    ticks: tuple[_Tick, ...]


@dataclass(frozen=True)
class _Scatter:
    title: str
    caption: str
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    points: tuple[tuple[float, float], ...]
    line: tuple[float, float, float, float] | None
    ticks: tuple[_Tick, ...]
    y_low: str
    y_high: str


def _count(value: int) -> str:
    """A count as the English pages write it (``2,000``)."""
    return _EN.count(value)


def _profile_name(profile_id: str) -> str:
    """A profile's English display name (``hard_worker`` is Hard Worker); an id the profile file lacks, as it is."""
    profiles = load_profiles()
    return profiles.name(profile_id, "en") if profile_id in profiles.ids else profile_id


def _cut(row: _BarRow) -> _BarRow:
    return _BarRow(capped(row.label, _LABEL_CHARS), row.y, row.x, row.low, row.high, row.text_x, row.value_text)


def _bar_chart(
    rows: Sequence[tuple[str, Estimate]], title: str, caption: str, *, lo: float, hi: float, percent: bool
) -> _BarChart:
    """Rows with 95 % interval whiskers on the axis ``lo``–``hi``; values off the axis are drawn at its ends."""
    span = hi - lo if hi > lo else 1.0

    def x(value: float) -> float:
        return round(_LABEL_WIDTH + _PLOT_WIDTH * (min(max(value, lo), hi) - lo) / span, 1)

    drawn = []
    for k, (label, estimate) in enumerate(rows):
        y = k * _ROW
        if math.isnan(estimate.value):
            drawn.append(_BarRow(label, y, None, None, None, 0.0, ""))
            continue
        has_interval = estimate.low is not None and estimate.high is not None
        low = x(estimate.low) if estimate.low is not None and has_interval else None
        high = x(estimate.high) if estimate.high is not None and has_interval else None
        text = _EN.percent(estimate.value) if percent else _EN.number(estimate.value, 2)
        drawn.append(_BarRow(label, y, x(estimate.value), low, high, (high or x(estimate.value)) + 4, text))
    # A chart label is cut to fit left of the axis; the tables below show every name in full.
    drawn = [row if len(row.label) <= _LABEL_CHARS else _cut(row) for row in drawn]
    ticks = tuple(_Tick(x(t), _EN.percent(t) if percent else _EN.number(t, 2)) for t in (lo, (lo + hi) / 2, hi))
    return _BarChart(
        title,
        caption,
        _LABEL_WIDTH + _PLOT_WIDTH + 70,
        _ROW * len(rows) + 30,
        _LABEL_WIDTH,
        percent,
        tuple(drawn),
        ticks,
    )


def _scatter(fit: Sequence[float], outcome: Sequence[float]) -> _Scatter:
    """Fit against outcome for the study sample, with the least-squares line."""
    width, height, left, top, plot_width, plot_height = 460, 300, 50, 10, 390, 250
    fits, outcomes = np.asarray(fit, dtype=float), np.asarray(outcome, dtype=float)
    y_lo, y_hi = float(outcomes.min()), float(outcomes.max())
    y_span = y_hi - y_lo or 1.0

    def px(value: float) -> float:
        return round(left + plot_width * value / 100.0, 1)

    def py(value: float) -> float:
        return round(top + plot_height * (1 - (min(max(value, y_lo), y_hi) - y_lo) / y_span), 1)

    # Separate tied outcomes (yes/no, ratings in steps) by a small jitter toward the middle of the plot.
    inward = np.where(outcomes - y_lo < y_hi - outcomes, 1.0, -1.0)
    jitter = inward * np.random.default_rng(0).uniform(0.0, 0.04, outcomes.size) * y_span
    points = tuple(
        (px(f), py(o + j)) for f, o, j in zip(fits.tolist(), outcomes.tolist(), jitter.tolist(), strict=True)
    )
    line = None
    if fits.size > 2 and np.ptp(fits) > 0:
        slope, intercept = np.polyfit(fits, outcomes, 1)
        a, b = float(fits.min()), float(fits.max())
        line = (px(a), py(intercept + slope * a), px(b), py(intercept + slope * b))
    return _Scatter(
        "Fit score against outcome",
        "Each dot is one hired person; red: least-squares line.",
        width,
        height,
        left,
        top,
        plot_width,
        plot_height,
        points,
        line,
        tuple(_Tick(px(t), str(t)) for t in (0, 25, 50, 75, 100)),
        f"{y_lo:.3g}",
        f"{y_hi:.3g}",
    )


def _estimate(estimate: Estimate | None, digits: int = 3) -> str:
    return "–" if estimate is None else f"{_number(estimate.value, digits)} {_interval(estimate, digits)}"


def _groups(rows: Sequence[GroupOutcome], *, profiles: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "label": _profile_name(row.label) if profiles else row.label,
            "n": f"{_count(row.n)}{'*' if row.n < MIN_GROUP_N else ''}",
            "fit_range": "–"
            if row.fit_low is None or row.fit_high is None
            else f"{_EN.number(row.fit_low)}–{_EN.number(row.fit_high)}",
            "success": _estimate(row.success, 2),
            "mean": _estimate(row.mean, 2),
        }
        for row in rows
    ]


def _charts(study: ValidationStudy) -> list[_BarChart]:
    charts = [
        _bar_chart(
            [(row.label, row.success) for row in study.by_band],
            "Share successful by fit band",
            f"Expectancy by fit band: share with {marked(study.outcome, _OUTCOME_CHARS)} {study.success_rule}, "
            "with 95% Wilson intervals.",
            lo=0,
            hi=1,
            percent=True,
        ),
        _bar_chart(
            [(row.label, row.success) for row in study.by_quintile],
            "Share successful by fit quintile",
            "Expectancy by fifth of the study sample's fit scores, lowest first.",
            lo=0,
            hi=1,
            percent=True,
        ),
    ]
    profile_rows = [(_profile_name(row.label), row.mean) for row in study.profiles]
    if study.kind == "binary":
        charts.append(
            _bar_chart(
                profile_rows,
                "Share of yes by profile",
                "Outcome by top profile, 95% intervals.",
                lo=0,
                hi=1,
                percent=True,
            )
        )
        return charts
    # The axis follows the profiles large enough to compare; tiny groups' whiskers are cut at its ends.
    large = [(label, e) for (label, e), row in zip(profile_rows, study.profiles, strict=True) if row.n >= MIN_GROUP_N]
    values = [
        v for _, e in large or profile_rows for v in (e.value, e.low, e.high) if v is not None and not math.isnan(v)
    ]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    caption = (
        "Mean outcome by top profile with 95% t intervals; the axis does not start at zero and follows "
        f"the profiles with {MIN_GROUP_N}+ hired."
    )
    charts.append(_bar_chart(profile_rows, "Mean outcome by profile", caption, lo=lo, hi=hi, percent=False))
    return charts


def study_to_html(study: ValidationStudy) -> str:
    """The study as one self-contained HTML page (no scripts, nothing loaded from elsewhere)."""
    counts, validity = study.counts, study.validity
    corrected_rows = [("range restriction", _estimate(validity.range_corrected))]
    if validity.fully_corrected is not None:
        corrected_rows.append(
            (
                f"criterion unreliability (r_yy = {validity.criterion_reliability:g}), then range restriction",
                _estimate(validity.fully_corrected),
            )
        )
    return render_page(
        "evidence/validation/study.html",
        language="en",
        title="Validation study: " + marked(study.outcome, _OUTCOME_CHARS),
        styles=("evidence/validation/study.css",),
        outcome=capped(study.outcome, _OUTCOME_CHARS),
        kind="yes/no" if study.kind == "binary" else "numeric",
        numeric=study.kind == "numeric",
        too_small=study.too_small,
        min_n=_count(MIN_STUDY_N),
        study_n=_count(counts.study_n),
        sample_rows=[
            ("Applicants in results", _count(counts.applicants)),
            ("Incomplete fits (no band; not selected)", _count(counts.incomplete_fits)),
            ("Outcome rows", _count(counts.outcome_rows)),
            ("Outcome rows matched to a result", _count(counts.matched)),
            ("Outcome rows without a result (left out)", _count(counts.unmatched_outcomes)),
            ("Matched, outcome blank (left out)", _count(counts.blank_outcomes)),
            ("Matched, no fit score (left out of validity)", _count(counts.outcome_without_fit)),
            ("Study sample: fit and outcome", _count(counts.study_n)),
            ("Applicants without an outcome", _count(counts.without_outcome)),
        ],
        unmatched_examples=counts.unmatched_examples,
        bootstrap=f"{bootstrap_method(counts.study_n)} bootstrap, {_count(BOOTSTRAP_RESAMPLES)} resamples",
        bca_max_n=_count(BCA_MAX_N),
        observed_rows=[
            ("Pearson r", _estimate(validity.pearson), _p(validity.pearson_p)),
            ("Spearman rho", _estimate(validity.spearman), _p(validity.spearman_p)),
        ],
        u_text=(
            f"Range restriction, Thorndike Case II: U = SD of fit among applicants {validity.sd_applicants:.2f} / "
            f"among the hired {validity.sd_hired:.2f} = {_number(validity.u)}."
        ),
        corrected_rows=corrected_rows,
        bar_charts=_charts(study),
        scatter_chart=_scatter(study.sample_fit, study.sample_outcome) if study.sample_fit else None,
        by_band=_groups(study.by_band),
        by_quintile=_groups(study.by_quintile),
        profiles=_groups(study.profiles, profiles=True),
        controller_finding=study.controller_check.finding,
        controller_difference=_estimate(study.controller_check.difference),
        scales=[
            {
                "name": scale.scale,
                "n": _count(scale.n),
                "r": _estimate(scale.r),
                "thirds": [f"{_estimate(third.mean, 2)} (n={_count(third.n)})" for third in scale.thirds],
            }
            for scale in study.scales
        ],
        fit_unit=f"{FIT_UNIT:g}",
        min_group=_count(MIN_CLEARY_GROUP),
        differential=[
            {
                "title": analysis.title,
                "reference": analysis.reference,
                "reference_n": _count(analysis.reference_n),
                "slope": _estimate(analysis.reference_slope),
                "groups": [
                    {
                        "name": group.group,
                        "n": _count(group.n),
                        "intercept": _estimate(group.intercept_difference),
                        "intercept_p": _p(group.intercept_p),
                        "slope": _estimate(group.slope_difference),
                        "slope_p": _p(group.slope_p),
                    }
                    for group in analysis.groups
                ],
                "left_out": [(name, _count(size)) for name, size in analysis.left_out.items()],
                "unknown": _count(analysis.unknown),
                "differs": analysis.differs,
                "finding": analysis.finding,
            }
            for analysis in study.differential
        ],
        notes=[*study.notes, *filter(None, [multiple_testing_note(study)])],
    )


def write_study_html(study: ValidationStudy, path: str | Path) -> Path:
    """Write the study's HTML page and return its path."""
    path = Path(path)
    path.write_text(study_to_html(study), encoding="utf-8")
    return path
