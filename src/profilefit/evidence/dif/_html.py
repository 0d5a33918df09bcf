"""The DIF report as one self-contained HTML page: no scripts, no external files, inline SVG charts.

This module decides what the page says and where the chart marks go (a view model of plain values);
the template ``dif/data/dif.html``, rendered through the one page environment of
:mod:`profilefit.pages`, is the one place they become markup. Data (group names, field ids: they
come from files someone else wrote) is marked with :func:`profilefit.pages.marked` inside
sentences, or placed with ``|bdi`` and ``|isolate``, so that it is escaped, capped in length and
isolated: a right-to-left override in a name cannot reorder the text around it and an oversized
name cannot widen the page. Charts sit in their own scrolling container, so a phone screen never
scrolls the whole page sideways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from profilefit.evidence.dif._analysis import AnswerDif, DifComparison
from profilefit.evidence.dif._mantel import SMD_BB, SMD_CC
from profilefit.evidence.dif._report import DifReport
from profilefit.evidence.dif._strings import DifText
from profilefit.evidence.dif._text import (
    Sentence,
    _comparison_sentences,
    _comparison_values,
    _header_sentences,
    _tables,
    legend,
)
from profilefit.pages import marked, render_page

#: Longest group name or field id a chart label shows; page text shows up to ``capped``'s default.
_CHART_CHARS = 18
#: Longest field id an effect-chart row shows.
_FIELD_CHARS = 9

_BAR = 14
_LABEL = 70
_HALF = 220
_REFERENCE, _FOCAL, _FLAGGED = "#2e6da4", "#c0392b", "#c0392b"


def _sentence(words: DifText, sentence: Sentence) -> str:
    """A report sentence with each data value marked (a list: its values joined by commas, or ``none``)."""
    key, values = sentence
    filled = {
        name: (", ".join(map(marked, value)) or words.t("none")) if isinstance(value, list) else marked(value)
        for name, value in values.items()
    }
    return words.t(key, **filled)


@dataclass(frozen=True)
class _Line:
    points: str
    colour: str
    dash: str


@dataclass(frozen=True)
class _Curves:
    """Mean answer by rest score for each group, for one flagged item."""

    width: int
    height: int
    pad: int
    top: int
    label: str  # a sentence with marked data
    lines: tuple[_Line, ...]
    reference: str
    focal: str
    x_title: str
    low: str
    high: str
    caption: str


def _item_curves(
    answer: AnswerDif, comparison: DifComparison, words: DifText, low: float, high: float
) -> _Curves | None:
    """Mean answer by rest score for each group: the picture a reviewer looks at for a flagged item."""
    mantel = answer.mantel
    if mantel is None or len(mantel.levels) < 2:
        return None
    width, height, pad, top = 300, 190, 30, 40  # the legend sits above the plot, one group per line
    x_min, x_max = mantel.levels[0], mantel.levels[-1]

    def point(level: float, mean: float) -> str:
        x = pad + (level - x_min) / (x_max - x_min) * (width - 2 * pad)
        y = height - pad - (mean - low) / (high - low) * (height - pad - top)
        return f"{x:.1f},{y:.1f}"

    direction = words.t("curve_higher" if mantel.smd > 0 else "curve_lower")
    values = {
        "item": answer.field,
        "focal": comparison.focal,
        "reference": comparison.reference,
        "smd": words.number(abs(mantel.smd)),
        "direction": direction,
    }
    lines = tuple(
        _Line(" ".join(point(level, mean) for level, mean in zip(mantel.levels, means, strict=True)), colour, dash)
        for means, colour, dash in ((mantel.mean_reference, _REFERENCE, ""), (mantel.mean_focal, _FOCAL, "5,3"))
    )
    caption = _sentence(words, ("curve_alt", values))
    return _Curves(
        width,
        height,
        pad,
        top,
        caption,
        lines,
        comparison.reference,
        comparison.focal,
        words.t("curve_x"),
        f"{low:g}",
        f"{high:g}",
        caption,
    )


@dataclass(frozen=True)
class _Bar:
    field: str
    y: int
    x: float
    length: float
    colour: str


@dataclass(frozen=True)
class _EffectChart:
    """Horizontal bars of SMD/SD per agreement item, centred on zero, with the BB and CC lines."""

    width: int
    height: int
    centre: int
    label_x: int
    bar_height: int
    cuts: tuple[float, ...]
    bars: tuple[_Bar, ...]
    label: str
    title: str
    caption: str


def _chart(comparison: DifComparison, words: DifText) -> _EffectChart | None:
    items = [a for a in comparison.answers if a.kind == "likert" and a.mantel is not None]
    if not items:
        return None
    effects = [abs(a.mantel.smd_effect) for a in items if a.mantel and math.isfinite(a.mantel.smd_effect)]
    limit = max([0.5, *effects])
    width, height = _LABEL + 2 * _HALF + 20, _BAR * len(items) + 10
    centre = _LABEL + _HALF
    beyond = [a.field for a in items if a.mantel and abs(a.mantel.smd_effect) > SMD_BB]
    bars = []
    for k, answer in enumerate(items):
        assert answer.mantel is not None
        raw = answer.mantel.smd_effect
        effect = max(-limit, min(limit, raw)) if math.isfinite(raw) else 0.0
        y, length = 5 + k * _BAR, abs(effect) / limit * _HALF
        x = centre if effect >= 0 else centre - length
        bars.append(_Bar(answer.field, y, round(x, 1), round(length, 1), _FLAGGED if answer.flagged else _REFERENCE))
    return _EffectChart(
        width,
        height,
        centre,
        _LABEL - 6,
        _BAR - 4,
        tuple(round(centre + cut / limit * _HALF, 1) for cut in (-SMD_CC, -SMD_BB, SMD_BB, SMD_CC)),
        tuple(bars),
        words.t("chart_alt", fields=marked(", ".join(beyond) or words.t("none"))),
        words.t("chart_title"),
        _sentence(words, ("chart_alt", {"fields": beyond})),
    )


@dataclass(frozen=True)
class _Table:
    title: str
    note: str
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], bool], ...]  # cells, flagged


@dataclass(frozen=True)
class _Comparison:
    heading: str
    warning: bool
    notes: tuple[str, ...]
    chart: _EffectChart | None
    curves: tuple[_Curves, ...]
    tables: tuple[_Table, ...]


@dataclass(frozen=True)
class DifPage:
    """What the DIF page says, as plain values; sentences carry their data marked."""

    heading: str
    intro: tuple[str, ...]
    what_dif_is: str
    comparisons: tuple[_Comparison, ...]
    curves_title: str
    legend: tuple[str, ...]
    sources: str
    terms_heading: str
    terms: tuple[tuple[str, str], ...]


#: The column headings the page's "Terms" section explains in plain words; a tuple is one entry.
_TERMS: tuple[tuple[str, ...], ...] = (
    ("column_smd", "column_smd_sd"),
    ("column_chi2",),
    ("column_q",),
    ("column_ets",),
    ("column_r2", "column_q_lr"),
    ("column_zt", "column_jg"),
    ("column_type",),
    ("column_alpha", "column_delta"),
)


def _comparison(report: DifReport, comparison: DifComparison, words: DifText) -> _Comparison:
    scale = report.instrument.response_scale
    curves = [
        _item_curves(answer, comparison, words, scale.min, scale.max)
        for answer in comparison.flagged
        if answer.kind == "likert"
    ]
    # Every table's last column is the flag: a row is marked by its own answer's flag, so a statement
    # flagged only when marked least is not marked in the "most" table.
    tables = tuple(
        _Table(
            title,
            note,
            tuple(header),
            tuple((tuple(row), bool(row[-1])) for row in rows),
        )
        for title, note, header, rows in _tables(comparison, words)
    )
    return _Comparison(
        heading=_sentence(words, ("comparison", _comparison_values(comparison, words))),
        warning=bool(comparison.warnings or comparison.flagged),
        notes=tuple(_sentence(words, sentence) for sentence in _comparison_sentences(comparison, words)),
        chart=_chart(comparison, words),
        curves=tuple(curve for curve in curves if curve is not None),
        tables=tables,
    )


def dif_page(report: DifReport, words: DifText) -> DifPage:
    """The page's view model: every sentence, table cell and chart mark, in ``words``' language."""
    by = words.dimension(report.inputs.by)  # a column name from the demographics file: data
    return DifPage(
        heading=words.t("title", by=marked(by)),
        intro=tuple(_sentence(words, sentence) for sentence in _header_sentences(report, words)),
        what_dif_is=words.t("what_dif_is"),
        comparisons=tuple(_comparison(report, comparison, words) for comparison in report.comparisons),
        curves_title=words.t("curves_title"),
        legend=tuple(legend(report.comparisons, words)),
        sources=words.t("sources"),
        terms_heading=words.t("terms_heading"),
        terms=tuple((", ".join(words.t(key) for key in keys), words.t(f"term_{keys[0]}")) for keys in _TERMS),
    )


def dif_to_html(report: DifReport, language: str = "en") -> str:
    """The report as a self-contained HTML page in ``language``."""
    words = DifText(language, report.instrument)
    page = dif_page(report, words)
    return render_page(
        "evidence/dif/dif.html",
        language=language,
        title=page.heading,
        styles=("evidence/dif/dif.css",),
        page=page,
        chart_chars=_CHART_CHARS,
        field_chars=_FIELD_CHARS,
    )


def write_dif_html(report: DifReport, path: str | Path, language: str = "en") -> Path:
    """Write :func:`dif_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(dif_to_html(report, language), encoding="utf-8")
    return path
