"""The forecast as one self-contained HTML page: no scripts, no external files, an inline SVG chart.

Data values (group names, the differences file's texts, citations) reach the page only through
:func:`profilefit.pages.reports.page_data` in page text (capped, escaped, isolated in ``<bdi>``)
and :func:`_svg_text` in the chart and its label (capped, escaped, isolated with
:func:`profilefit.pages.reports._render.isolate`).
The chart scrolls in its own container, so a narrow screen never scrolls the whole page sideways.
"""

from __future__ import annotations

from html import escape
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
from profilefit.pages.reports import capped, chart_data, content_security_policy, isolate, page_data

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; white-space: nowrap; }
tr.below td { background: #fdecea; font-weight: 600; }
.notes { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.5rem 1rem; }
.warning { border-left-color: #a4000f; }
.chart-wrap { overflow-x: auto; max-width: 100%; }
figure { margin: 1rem 0; max-width: 100%; }
h1, h2, p, li, figcaption { overflow-wrap: anywhere; }
figcaption, .small { font-size: 0.85rem; color: #444; max-width: 60rem; }
"""
#: Longest group name a chart label shows.
_CHART_CHARS = 16

_ROW = 20
_LABEL = 270
_PLOT = 360


def _svg_text(value: object, limit: int = _CHART_CHARS) -> str:
    """One data value in chart text or an attribute: capped, isolated with FSI … PDI, escaped."""
    return chart_data(value, limit)


def _words(text: str) -> str:
    return escape(text, quote=True)


def _sentence(words: ForecastText, sentence: Sentence) -> str:
    key, values = sentence
    separator = ", " if key == "group_d" else "; "
    filled = {
        name: separator.join(map(page_data, value)) if isinstance(value, list) else page_data(value)
        for name, value in values.items()
    }
    return _words(words.t(key)).format(**filled)


def _chart(forecast: ImpactForecast, words: ForecastText) -> str:
    """Impact ratio per band and group as bars with their simulation interval and a line at four-fifths."""
    rows = rate_rows(forecast, words)
    height = _ROW * len(rows) + 10
    width = _LABEL + _PLOT + 20
    below = [f"{label.rstrip(' *')} {words.group(rate.group)}" for label, rate in rows if rate.ratio < FOUR_FIFTHS]
    alt = words.t("chart_alt", below=", ".join(isolate(capped(b)) for b in below) or words.t("none"))
    x_line = _LABEL + FOUR_FIFTHS * _PLOT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(alt, quote=True)}">',
        f'<line x1="{x_line:.1f}" y1="0" x2="{x_line:.1f}" y2="{height}" stroke="#a4000f" stroke-dasharray="4,3"/>',
    ]
    for k, (label, rate) in enumerate(rows):
        y = 5 + k * _ROW
        colour = "#c0392b" if rate.ratio < FOUR_FIFTHS else "#2e6da4"
        low, high = _LABEL + rate.ratio_low * _PLOT, _LABEL + rate.ratio_high * _PLOT
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"{escape(label.rstrip(' *'))} · {_svg_text(words.group(rate.group))}</text>"
            f'<rect x="{_LABEL}" y="{y + 3}" width="{rate.ratio * _PLOT:.1f}" height="{_ROW - 8}" fill="{colour}"/>'
            f'<line x1="{low:.1f}" y1="{y + _ROW / 2:.1f}" x2="{high:.1f}" y2="{y + _ROW / 2:.1f}" stroke="#111"/>'
        )
    parts.append("</svg>")
    caption = _words(words.t("chart_alt", below="{below}")).format(below=", ".join(map(page_data, below)) or "–")
    return (
        f"<figure><div class='chart-wrap'>{''.join(parts)}</div>"
        f"<figcaption>{_words(words.t('chart_title'))}. {caption}</figcaption></figure>"
    )


def forecast_to_html(forecast: ImpactForecast, language: str = "en") -> str:
    """The forecast as a self-contained HTML page in ``language``."""
    words = ForecastText(forecast, language)
    title = words.t("title", role="{role}")
    body = [f"<h1>{_words(title).format(role=page_data(words.role))}</h1>"]
    body.append(
        "<div class='notes'>"
        + "".join(f"<p>{_sentence(words, s)}</p>" for s in intro_sentences(forecast, words))
        + "</div>"
    )
    body.append(f"<p><strong>{_sentence(words, headline_sentence(forecast, words))}</strong></p>")
    body.append(_chart(forecast, words))
    header = [words.t(k) for k in ("column_band", "column_group", "column_rate", "column_ratio", "column_below")]
    head = "".join(f"<th scope='col'>{_words(cell)}</th>" for cell in header)
    lines = []
    for label, rate in rate_rows(forecast, words):
        css = " class='below'" if rate.ratio < FOUR_FIFTHS else ""
        cells = "".join(
            f"<td>{page_data(cell)}</td>" for cell in [label, words.group(rate.group), *rate_cells(rate, words)]
        )
        lines.append(f"<tr{css}>{cells}</tr>")
    body.append(
        f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    )
    body.append(f"<p class='small'>{_words(words.t('headline_mark'))}. {_words(words.t('scoring_note'))}</p>")
    body.append(f"<h2>{_words(words.t('why'))}</h2><ul>")
    body += [f"<li>{_sentence(words, s)}</li>" for s in why_sentences(forecast, words)]
    body.append(f"</ul><h2>{_words(words.t('sources'))}</h2><ul>")
    diff = forecast.differences
    for source in diff.sources:
        link = f" {page_data(source.url)}" if source.url else ""
        body.append(f"<li>{page_data(source.citation)}{link}</li>")
    body.append("</ul>")
    verification = words.verification()
    if verification:
        body.append(f"<p class='small'>{_words(words.t('checked'))} {page_data(verification)}</p>")
    body.append(f"<div class='notes warning'><p>{_words(words.t('warning_light'))}</p></div>")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy("")}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_words(words.t('title', role=isolate(words.role)))}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_forecast_html(forecast: ImpactForecast, path: str | Path, language: str = "en") -> Path:
    """Write :func:`forecast_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(forecast_to_html(forecast, language), encoding="utf-8")
    return path
