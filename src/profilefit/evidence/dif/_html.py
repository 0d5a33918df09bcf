"""The DIF report as one self-contained HTML page: no scripts, no external files, inline SVG charts.

Data (group names, field ids: they come from files someone else wrote) reaches the page in two
ways only: :func:`profilefit.pages.reports.page_data` for page text (escaped, capped in length, wrapped in
``<bdi>``) and :func:`_svg_text` for chart text and attributes (escaped, capped, wrapped in the Unicode isolates
of :func:`profilefit.pages.reports._render.isolate`), so a right-to-left override in a name cannot
reorder the text around it and an oversized name cannot widen the page. Charts sit in their own
scrolling container, so a phone screen never scrolls the whole page sideways.
"""

from __future__ import annotations

import math
from html import escape
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
)
from profilefit.pages.reports import capped, chart_data, content_security_policy, isolate, page_data

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1b1b1b; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
tr.flagged td { background: #fdecea; font-weight: 600; }
.notes { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.5rem 1rem; }
.warning { border-left-color: #a4000f; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.chart-wrap { overflow-x: auto; max-width: 100%; }
figure { margin: 1rem 0; max-width: 100%; }
h1, h2, h3, p, li, figcaption { overflow-wrap: anywhere; }
figcaption, .legend { font-size: 0.85rem; color: #444; max-width: 60rem; }
"""
#: Longest group name or field id a chart label shows; page text shows up to ``capped``'s default.
_CHART_CHARS = 18

_BAR = 14
_LABEL = 70
_HALF = 220


def _svg_text(value: object, limit: int = _CHART_CHARS) -> str:
    """One data value in chart text or an attribute: capped, isolated with FSI … PDI, escaped."""
    return chart_data(value, limit)


def _label(words: DifText, key: str, **values: object) -> str:
    """A sentence for an ``aria-label``: data values isolated, the whole escaped."""
    return escape(words.t(key, **{name: isolate(capped(value)) for name, value in values.items()}), quote=True)


def _words(text: str) -> str:
    """Text of the report's own strings, with no data in it: escaped."""
    return escape(text, quote=True)


def _sentence(words: DifText, sentence: Sentence) -> str:
    """A report sentence with its data values escaped and isolated, each in its own ``<bdi>``."""
    key, values = sentence
    filled = {
        name: (", ".join(map(page_data, value)) or _words(words.t("none")))
        if isinstance(value, list)
        else page_data(value)
        for name, value in values.items()
    }
    return _words(words.t(key)).format(**filled)


def _item_curves(answer: AnswerDif, comparison: DifComparison, words: DifText, low: float, high: float) -> str:
    """Mean answer by rest score for each group: the picture a reviewer looks at for a flagged item."""
    mantel = answer.mantel
    if mantel is None or len(mantel.levels) < 2:
        return ""
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
    lines = []
    for means, colour, dash in ((mantel.mean_reference, "#2e6da4", ""), (mantel.mean_focal, "#c0392b", "5,3")):
        points = " ".join(point(level, mean) for level, mean in zip(mantel.levels, means, strict=True))
        lines.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
    legend = (
        f'<text x="{pad}" y="14" font-size="11" fill="#2e6da4">— {_svg_text(comparison.reference)}</text>'
        f'<text x="{pad}" y="28" font-size="11" fill="#c0392b">- - {_svg_text(comparison.focal)}</text>'
        f'<text x="{width // 2}" y="{height - 6}" font-size="10" text-anchor="middle">'
        f"{escape(words.t('curve_x'))}</text>"
    )
    axes = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>'
        f'<line x1="{pad}" y1="{top}" x2="{pad}" y2="{height - pad}" stroke="#999"/>'
        f'<text x="{pad - 4}" y="{height - pad}" font-size="10" text-anchor="end">{low:g}</text>'
        f'<text x="{pad - 4}" y="{top + 4}" font-size="10" text-anchor="end">{high:g}</text>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_label(words, "curve_alt", **values)}">{axes}{"".join(lines)}{legend}</svg>'
    )
    return f"<figure>{svg}<figcaption>{_sentence(words, ('curve_alt', values))}</figcaption></figure>"


def _chart(comparison: DifComparison, words: DifText) -> str:
    """Horizontal bars of SMD/SD per agreement item, centred on zero, with the BB and CC lines."""
    items = [a for a in comparison.answers if a.kind == "likert" and a.mantel is not None]
    if not items:
        return ""
    effects = [abs(a.mantel.smd_effect) for a in items if a.mantel and math.isfinite(a.mantel.smd_effect)]
    limit = max([0.5, *effects])
    width, height = _LABEL + 2 * _HALF + 20, _BAR * len(items) + 10
    centre = _LABEL + _HALF
    beyond = [a.field for a in items if a.mantel and abs(a.mantel.smd_effect) > SMD_BB]
    label = _label(words, "chart_alt", fields=", ".join(beyond) or words.t("none"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{label}">'
    ]
    for cut in (-SMD_CC, -SMD_BB, SMD_BB, SMD_CC):
        x = centre + cut / limit * _HALF
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#999" stroke-dasharray="3,3"/>')
    parts.append(f'<line x1="{centre}" y1="0" x2="{centre}" y2="{height}" stroke="#333"/>')
    for k, answer in enumerate(items):
        assert answer.mantel is not None
        raw = answer.mantel.smd_effect
        effect = max(-limit, min(limit, raw)) if math.isfinite(raw) else 0.0
        y, length = 5 + k * _BAR, abs(effect) / limit * _HALF
        x = centre if effect >= 0 else centre - length
        colour = "#c0392b" if answer.flagged else "#2e6da4"
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + 10}" font-size="11" text-anchor="end">{_svg_text(answer.field, 9)}</text>'
            f'<rect x="{x:.1f}" y="{y + 2}" width="{length:.1f}" height="{_BAR - 4}" fill="{colour}"/>'
        )
    parts.append("</svg>")
    caption = f"{_words(words.t('chart_title'))}. {_sentence(words, ('chart_alt', {'fields': beyond}))}"
    return f"<figure><div class='chart-wrap'>{''.join(parts)}</div><figcaption>{caption}</figcaption></figure>"


def dif_to_html(report: DifReport, language: str = "en") -> str:
    """The report as a self-contained HTML page in ``language``."""
    words = DifText(language, report.instrument)
    by = words.dimension(report.inputs.by)  # a column name from the demographics file: data
    title = words.t("title", by=isolate(capped(by)))
    body = [f"<h1>{_words(words.t('title', by='{by}')).format(by=page_data(by))}</h1>"]
    intro = "".join(f"<p>{_sentence(words, sentence)}</p>" for sentence in _header_sentences(report))
    body.append(f"<div class='notes'>{intro}")
    body.append(f"<p>{_words(words.t('what_dif_is'))}</p></div>")
    for comparison in report.comparisons:
        body.append(f"<h2>{_sentence(words, ('comparison', _comparison_values(comparison)))}</h2>")
        css = "notes warning" if comparison.warnings or comparison.flagged else "notes"
        notes = "".join(f"<p>{_sentence(words, sentence)}</p>" for sentence in _comparison_sentences(comparison))
        body.append(f"<div class='{css}'>{notes}</div>")
        body.append(_chart(comparison, words))
        scale = report.instrument.response_scale
        curves = [
            _item_curves(answer, comparison, words, scale.min, scale.max)
            for answer in comparison.flagged
            if answer.kind == "likert"
        ]
        if any(curves):
            body.append(f"<h3>{_words(words.t('curves_title'))}</h3><div class='charts'>{''.join(curves)}</div>")
        flagged = {a.field for a in comparison.flagged}
        for title_text, note, header, rows in _tables(comparison, words):
            body.append(f"<h3>{_words(title_text)}</h3><p class='legend'>{_words(note)}</p>")
            head = "".join(f"<th scope='col'>{_words(cell)}</th>" for cell in header)
            lines = []
            for row in rows:
                field = row[0].removesuffix(" †")
                css_row = " class='flagged'" if field in flagged else ""
                cells = "".join(f"<td>{page_data(cell)}</td>" for cell in row)
                lines.append(f"<tr{css_row}>{cells}</tr>")
            body.append(
                f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(lines)}</tbody></table></div>"
            )
        legend = (words.t("purified_mark"), words.t("legend_items"), words.t("legend_binary"))
        body.append("".join(f"<p class='legend'>{_words(line)}</p>" for line in legend))
    body.append(f"<p class='legend'>{_words(words.t('sources'))}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy("")}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_words(title)}</title><style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_dif_html(report: DifReport, path: str | Path, language: str = "en") -> Path:
    """Write :func:`dif_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(dif_to_html(report, language), encoding="utf-8")
    return path
