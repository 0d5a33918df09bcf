"""The forecast as one self-contained HTML page: no scripts, no external files, an inline SVG chart.

This module decides what the page says and where the chart's bars go (a view model of plain values);
the template ``forecast/data/forecast.html``, rendered through the one page environment of
:mod:`profilefit.pages`, is the one place they become markup. Data values (group names, the
differences file's texts, citations) are marked with :func:`profilefit.pages.marked` inside sentences
or placed with ``|bdi`` and ``|isolate``: escaped, capped and isolated from the text around them. The
file's citations and its check note are whole sentences a reader must not lose, so they are placed with
``|prose`` (capped only far above any shipped note, :data:`profilefit.pages.MAX_PROSE_CHARS`).
The chart scrolls in its own container, so a narrow screen never scrolls the whole page sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from profilefit.evidence.forecast._forecast import FOUR_FIFTHS, ImpactForecast
from profilefit.evidence.forecast._report import (
    ForecastText,
    Sentence,
    headline_sentence,
    intro_sentences,
    rate_cells,
    rate_rows,
    why_sentences,
)
from profilefit.pages import marked, render_page

#: Longest group name a chart label shows.
_CHART_CHARS = 16

_ROW = 20
_LABEL = 270
_PLOT = 360


def _sentence(words: ForecastText, sentence: Sentence) -> str:
    """A sentence with each data value marked (a list: its values joined)."""
    key, values = sentence
    separator = ", " if key == "group_d" else "; "
    filled = {
        name: separator.join(map(marked, value)) if isinstance(value, list) else marked(value)
        for name, value in values.items()
    }
    return words.t(key, **filled)


@dataclass(frozen=True)
class _Bar:
    band: str
    group: str
    y: int
    width: float
    low: float
    high: float
    colour: str


@dataclass(frozen=True)
class _Chart:
    """Impact ratio per band and group as bars with their simulation interval and a line at four-fifths."""

    width: int
    height: int
    label_x: int
    plot_x: int
    bar_height: int
    middle: float
    line_x: float
    bars: tuple[_Bar, ...]
    label: str
    title: str
    caption: str


def _chart(forecast: ImpactForecast, words: ForecastText) -> _Chart:
    rows = rate_rows(forecast, words)
    below = [f"{label.rstrip(' *')} {words.group(rate.group)}" for label, rate in rows if rate.ratio < FOUR_FIFTHS]
    bars = tuple(
        _Bar(
            label.rstrip(" *"),
            words.group(rate.group),
            5 + k * _ROW,
            round(rate.ratio * _PLOT, 1),
            round(_LABEL + rate.ratio_low * _PLOT, 1),
            round(_LABEL + rate.ratio_high * _PLOT, 1),
            "#c0392b" if rate.ratio < FOUR_FIFTHS else "#2e6da4",
        )
        for k, (label, rate) in enumerate(rows)
    )
    return _Chart(
        width=_LABEL + _PLOT + 20,
        height=_ROW * len(rows) + 10,
        label_x=_LABEL - 6,
        plot_x=_LABEL,
        bar_height=_ROW - 8,
        middle=_ROW / 2,
        line_x=round(_LABEL + FOUR_FIFTHS * _PLOT, 1),
        bars=bars,
        label=words.t("chart_alt", below=", ".join(marked(b) for b in below) or words.t("none")),
        title=words.t("chart_title"),
        caption=words.t("chart_alt", below=", ".join(map(marked, below)) or "–"),
    )


@dataclass(frozen=True)
class _Source:
    citation: str
    url: str


@dataclass(frozen=True)
class ForecastPage:
    """What the forecast page says, as plain values; sentences carry their data marked."""

    heading: str
    intro: tuple[str, ...]
    headline: str
    chart: _Chart
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], bool], ...]  # cells, below four-fifths
    note: str
    why_heading: str
    why: tuple[str, ...]
    sources_heading: str
    sources: tuple[_Source, ...]
    checked: str
    verification: str | None
    warning: str


def forecast_page(forecast: ImpactForecast, words: ForecastText) -> ForecastPage:
    """The page's view model: every sentence, table cell and chart mark, in ``words``' language."""
    return ForecastPage(
        heading=words.t("title", role=marked(words.role)),
        intro=tuple(_sentence(words, s) for s in intro_sentences(forecast, words)),
        headline=_sentence(words, headline_sentence(forecast, words)),
        chart=_chart(forecast, words),
        header=tuple(
            words.t(k) for k in ("column_band", "column_group", "column_rate", "column_ratio", "column_below")
        ),
        rows=tuple(
            ((label, words.group(rate.group), *rate_cells(rate, words)), rate.ratio < FOUR_FIFTHS)
            for label, rate in rate_rows(forecast, words)
        ),
        note=f"{words.t('headline_mark')}. {words.t('scoring_note')}",
        why_heading=words.t("why"),
        why=tuple(_sentence(words, s) for s in why_sentences(forecast, words)),
        sources_heading=words.t("sources"),
        sources=tuple(_Source(source.citation, source.url or "") for source in forecast.differences.sources),
        checked=words.t("checked"),
        verification=words.verification(),
        warning=words.t("warning_light"),
    )


def forecast_to_html(forecast: ImpactForecast, language: str = "en") -> str:
    """The forecast as a self-contained HTML page in ``language``."""
    words = ForecastText(forecast, language)
    page = forecast_page(forecast, words)
    return render_page(
        "evidence/forecast/forecast.html",
        language=language,
        title=page.heading,
        styles=("evidence/forecast/forecast.css",),
        page=page,
        chart_chars=_CHART_CHARS,
    )


def write_forecast_html(forecast: ImpactForecast, path: str | Path, language: str = "en") -> Path:
    """Write :func:`forecast_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(forecast_to_html(forecast, language), encoding="utf-8")
    return path
