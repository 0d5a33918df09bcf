"""Inline SVG charts for the HTML reports: fit with its bands, profile probabilities, scale percentiles.

Charts are plain SVG elements written into the page, so a report is one file that opens
offline. Every text placed in a chart goes through :func:`html.escape`. Colour is never
the only carrier of meaning: bands and values are also written out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from profilefit.fit import RoleProfile
from profilefit.reports._strings import Labels
from profilefit.screening import ScaleResult

BAND_COLOURS = {"weak": "#f4d6d2", "possible": "#f7e7b4", "strong": "#d3ead2"}
_BAR = "#2e6da4"
_MUTED = "#8a8a8a"
_LABEL_WIDTH = 190
_PLOT_WIDTH = 340
_ROW = 24


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_text(title)}"><title>{_text(title)}</title>'
    )


def fit_chart(score: float, strong: float, possible: float, labels: Labels) -> str:
    """A 0–100 bar divided into the weak, possible and strong bands, with the candidate's fit marked."""
    width, left, plot, top = 560, 20, 520, 16
    parts = [_open(width, 66, labels.t("chart_fit"))]
    edges = [("weak", 0.0, possible), ("possible", possible, strong), ("strong", strong, 100.0)]
    for band, start, end in edges:
        x, w = left + plot * start / 100, plot * (end - start) / 100
        parts.append(f'<rect x="{x:.1f}" y="{top}" width="{w:.1f}" height="24" fill="{BAND_COLOURS[band]}"/>')
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{top + 16}" font-size="12" text-anchor="middle" fill="#333">'
            f"{_text(labels.band(band))}</text>"
        )
    for value in (0.0, possible, strong, 100.0):
        x = left + plot * value / 100
        parts.append(
            f'<text x="{x:.1f}" y="{top - 4}" font-size="10" text-anchor="middle" fill="#555">{value:g}</text>'
        )
    x = left + plot * min(max(score, 0.0), 100.0) / 100
    parts.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{top + 30}" stroke="#111" stroke-width="3"/>')
    parts.append(
        f'<text x="{x:.1f}" y="{top + 46}" font-size="13" font-weight="bold" text-anchor="middle">'
        f"{_text(labels.number(score))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def profile_chart(probabilities: Mapping[str, float], top: str, threshold: float, labels: Labels) -> str:
    """Horizontal bars of the profile probabilities, the top one dark, with the undetermined threshold dashed."""
    ids = list(probabilities)
    height = _ROW * len(ids) + 26
    parts = [_open(_LABEL_WIDTH + _PLOT_WIDTH + 70, height, labels.t("chart_profiles"))]
    for k, profile_id in enumerate(ids):
        y = 4 + k * _ROW
        share = float(probabilities[profile_id])
        colour = _BAR if profile_id == top else "#9dbbd8"
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" font-size="13" text-anchor="end">'
            f"{_text(labels.profile(profile_id))}</text>"
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{_PLOT_WIDTH * share:.1f}" height="16" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{_LABEL_WIDTH + _PLOT_WIDTH * share + 6:.1f}" y="{y + 15}" font-size="12">'
            f"{_text(labels.percent(share))}</text>"
        )
    x = _LABEL_WIDTH + _PLOT_WIDTH * threshold
    parts.append(
        f'<line x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{height - 18}" stroke="#444" stroke-dasharray="4 3"/>'
        f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#444">'
        f"{_text(labels.percent(threshold))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def scale_chart(scales: Sequence[ScaleResult], role: RoleProfile | None, labels: Labels) -> str:
    """Each scale's percentile in the norm group on a 0–100 track, with the group's middle half shaded.

    Scales the role weighs are named in bold.
    """
    height = _ROW * len(scales) + 26
    parts = [_open(_LABEL_WIDTH + _PLOT_WIDTH + 70, height, labels.t("chart_scales"))]
    x25, x50, x75 = (_LABEL_WIDTH + _PLOT_WIDTH * q for q in (0.25, 0.5, 0.75))
    parts.append(
        f'<rect x="{x25:.1f}" y="2" width="{x75 - x25:.1f}" height="{height - 24}" fill="#eeeeee"/>'
        f'<line x1="{x50:.1f}" y1="2" x2="{x50:.1f}" y2="{height - 22}" stroke="{_MUTED}"/>'
    )
    for value in (0, 25, 50, 75, 100):
        x = _LABEL_WIDTH + _PLOT_WIDTH * value / 100
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle" fill="#555">{value}</text>'
        )
    for k, scale in enumerate(scales):
        y = 4 + k * _ROW
        weighted = role is not None and scale.scale in role.scales
        weight = ' font-weight="bold"' if weighted else ""
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" font-size="13" text-anchor="end"{weight}>'
            f"{_text(labels.scale(scale.scale))}</text>"
        )
        parts.append(
            f'<line x1="{_LABEL_WIDTH}" y1="{y + 11}" x2="{_LABEL_WIDTH + _PLOT_WIDTH}" y2="{y + 11}" '
            'stroke="#cccccc"/>'
        )
        if scale.percentile is None:
            parts.append(
                f'<text x="{_LABEL_WIDTH + 6}" y="{y + 15}" font-size="12" fill="{_MUTED}">'
                f"{_text(labels.t('not_scored'))}</text>"
            )
            continue
        x = _LABEL_WIDTH + _PLOT_WIDTH * scale.percentile / 100
        parts.append(f'<circle cx="{x:.1f}" cy="{y + 11}" r="6" fill="{_BAR}"/>')
        parts.append(
            f'<text x="{_LABEL_WIDTH + _PLOT_WIDTH + 10}" y="{y + 15}" font-size="12">'
            f"{_text(labels.number(scale.percentile, 0))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
