"""A validation study as one self-contained HTML page: no scripts, no external files, inline SVG charts.

Data reaches the markup only through :func:`_data` (escaped, and isolated in ``<bdi>`` so that a
right-to-left group name cannot reorder the text around it) or :func:`_svg_text` inside charts
(escaped, with ``unicode-bidi: plaintext``). Fixed wording goes through :func:`_esc`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from profilefit.validation._cleary import FIT_UNIT
from profilefit.validation._report import _interval, _number, _p, multiple_testing_note
from profilefit.validation._stats import BOOTSTRAP_RESAMPLES, Estimate, bootstrap_method
from profilefit.validation._study import MIN_GROUP_N, GroupOutcome, ValidationStudy

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.observed { border-left: 4px solid #2e6da4; padding-left: 1rem; }
.corrected { border-left: 4px dashed #8a6d00; padding-left: 1rem; }
.warning { background: #fbe9e7; border-left: 4px solid #a4000f; padding: 0.5rem 1rem; font-weight: bold; }
.notes { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.5rem 1rem; }
.differs { color: #a4000f; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; }
figcaption { font-size: 0.85rem; color: #444; max-width: 34rem; }
"""

_LABEL_WIDTH = 150
_PLOT_WIDTH = 320
_ROW = 22


def _esc(text: object) -> str:
    """Fixed wording of the page, escaped."""
    return escape(str(text), quote=True)


def _data(value: object) -> str:
    """A value that came from a file: escaped and isolated so its direction cannot leak."""
    return f"<bdi>{escape(str(value), quote=True)}</bdi>"


def _svg_text(value: object) -> str:
    return escape(str(value), quote=True)


def _open_svg(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_svg_text(title)}"><title>{_svg_text(title)}</title>'
    )


def _label(x: float, y: float, text: object, anchor: str = "end", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'style="unicode-bidi:plaintext">{_svg_text(text)}</text>'
    )


def _interval_bars(rows: Sequence[tuple[str, Estimate]], title: str, *, lo: float, hi: float, percent: bool) -> str:
    """Horizontal bars with 95 % interval whiskers, one per row, on the axis ``lo``–``hi``."""
    height = _ROW * len(rows) + 30
    width = _LABEL_WIDTH + _PLOT_WIDTH + 70
    span = hi - lo if hi > lo else 1.0

    def x(value: float) -> float:
        return _LABEL_WIDTH + _PLOT_WIDTH * (min(max(value, lo), hi) - lo) / span

    parts = [_open_svg(width, height, title)]
    for k, (label, estimate) in enumerate(rows):
        y = k * _ROW
        parts.append(_label(_LABEL_WIDTH - 6, y + 15, label))
        if math.isnan(estimate.value):
            continue
        if percent:  # a share starts at zero, so a bar is honest
            parts.append(
                f'<rect x="{_LABEL_WIDTH}" y="{y + 5}" width="{x(estimate.value) - _LABEL_WIDTH:.1f}" height="12" '
                'fill="#2e6da4"/>'
            )
        else:  # a mean on an axis that does not start at zero: a dot, not a bar
            parts.append(f'<circle cx="{x(estimate.value):.1f}" cy="{y + 11}" r="4" fill="#2e6da4"/>')
        if estimate.low is not None and estimate.high is not None:
            parts.append(
                f'<line x1="{x(estimate.low):.1f}" y1="{y + 11}" x2="{x(estimate.high):.1f}" y2="{y + 11}" '
                'stroke="#111" stroke-width="1.5"/>'
            )
        shown = f"{estimate.value:.0%}" if percent else f"{estimate.value:.2f}"
        parts.append(
            _label(x(estimate.high if estimate.high is not None else estimate.value) + 4, y + 15, shown, "start", 11)
        )
    bottom = _ROW * len(rows) + 4
    for tick in (lo, (lo + hi) / 2, hi):
        parts.append(_label(x(tick), bottom + 14, f"{tick:.0%}" if percent else f"{tick:.2f}", "middle", 10))
    parts.append("</svg>")
    return "".join(parts)


def _scatter(fit: Sequence[float], outcome: Sequence[float], title: str) -> str:
    """Fit against outcome for the study sample, with the least-squares line."""
    width, height, left, top, plot_w, plot_h = 460, 300, 50, 10, 390, 250
    fits, outcomes = np.asarray(fit, dtype=float), np.asarray(outcome, dtype=float)
    y_lo, y_hi = float(outcomes.min()), float(outcomes.max())
    y_span = y_hi - y_lo or 1.0

    def px(value: float) -> float:
        return left + plot_w * value / 100.0

    def py(value: float) -> float:
        return top + plot_h * (1 - (min(max(value, y_lo), y_hi) - y_lo) / y_span)

    parts = [_open_svg(width, height, title)]
    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#bbb"/>')
    # Separate tied outcomes (yes/no, ratings in steps) by a small jitter toward the middle of the plot.
    inward = np.where(outcomes - y_lo < y_hi - outcomes, 1.0, -1.0)
    jitter = inward * np.random.default_rng(0).uniform(0.0, 0.04, outcomes.size) * y_span
    for f, o, j in zip(fits.tolist(), outcomes.tolist(), jitter.tolist(), strict=True):
        parts.append(f'<circle cx="{px(f):.1f}" cy="{py(o + j):.1f}" r="2.2" fill="#2e6da4" fill-opacity="0.5"/>')
    if fits.size > 2 and np.ptp(fits) > 0:
        slope, intercept = np.polyfit(fits, outcomes, 1)
        a, b = float(fits.min()), float(fits.max())
        parts.append(
            f'<line x1="{px(a):.1f}" y1="{py(intercept + slope * a):.1f}" x2="{px(b):.1f}" '
            f'y2="{py(intercept + slope * b):.1f}" stroke="#a4000f" stroke-width="2"/>'
        )
    for tick in (0, 25, 50, 75, 100):
        parts.append(_label(px(tick), top + plot_h + 14, tick, "middle", 10))
    parts.append(_label(left - 4, top + 10, f"{y_hi:g}", "end", 10))
    parts.append(_label(left - 4, top + plot_h, f"{y_lo:g}", "end", 10))
    parts.append(_label(left + plot_w / 2, height - 4, "fit score", "middle", 11))
    parts.append("</svg>")
    return "".join(parts)


def _figure(svg: str, caption: str) -> str:
    return f'<figure>{svg}<figcaption dir="auto">{_esc(caption)}</figcaption></figure>'


def _estimate_cell(estimate: Estimate | None, digits: int = 3) -> str:
    if estimate is None:
        return "<td>–</td>"
    return f"<td>{_esc(_number(estimate.value, digits))} {_esc(_interval(estimate, digits))}</td>"


def _group_table(rows: Sequence[GroupOutcome], kind: str, first: str, *, fit_range: bool) -> str:
    head = f"<tr><th>{_esc(first)}</th><th>n</th>"
    head += "<th>fit range</th>" if fit_range else ""
    head += "<th>share successful [95% CI]</th>"
    head += "<th>mean [95% CI]</th></tr>" if kind == "numeric" else "</tr>"
    body = []
    for row in rows:
        cells = f'<tr><td dir="auto">{_data(row.label)}</td><td>{row.n}</td>'
        if fit_range:
            span = "–" if row.fit_low is None else f"{row.fit_low:.1f}–{row.fit_high:.1f}"
            cells += f"<td>{_esc(span)}</td>"
        cells += _estimate_cell(row.success, 2)
        if kind == "numeric":
            cells += _estimate_cell(row.mean, 2)
        body.append(cells + "</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def study_to_html(study: ValidationStudy) -> str:
    """The study as one self-contained HTML page."""
    counts, validity = study.counts, study.validity
    outcome_name = study.outcome
    kind_text = "yes/no" if study.kind == "binary" else "numeric"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Validation study: {_esc(outcome_name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Local validation study: fit score against {_data(outcome_name)} ({_esc(kind_text)})</h1>",
    ]
    if study.too_small:
        parts.append(
            f'<p class="warning">Too small to conclude: n = {counts.study_n}, below 100. The figures are shown; '
            "read them as a pilot.</p>"
        )
    parts.append("<h2>Sample</h2><table>")
    for label, value in (
        ("Applicants in results", counts.applicants),
        ("Incomplete fits (no band; not selected)", counts.incomplete_fits),
        ("Outcome rows", counts.outcome_rows),
        ("Outcome rows matched to a result", counts.matched),
        ("Outcome rows without a result (left out)", counts.unmatched_outcomes),
        ("Matched, outcome blank (left out)", counts.blank_outcomes),
        ("Matched, no fit score (left out of validity)", counts.outcome_without_fit),
        ("Study sample: fit and outcome", counts.study_n),
        ("Applicants without an outcome", counts.without_outcome),
    ):
        parts.append(f"<tr><td>{_esc(label)}</td><td>{value}</td></tr>")
    parts.append("</table>")
    if counts.unmatched_examples:
        examples = ", ".join(_data(example) for example in counts.unmatched_examples)
        parts.append(f"<p>Outcome ids without a result, for example: {examples}</p>")

    parts += [
        '<section class="observed"><h2>Observed validity (among the hired)</h2>',
        f"<p>n = {counts.study_n}; 95% intervals by {bootstrap_method(counts.study_n)} bootstrap, "
        f"{BOOTSTRAP_RESAMPLES} resamples.</p>",
        "<table><tr><th>statistic</th><th>value [95% CI]</th><th>p</th></tr>",
        f"<tr><td>Pearson r</td>{_estimate_cell(validity.pearson)}<td>{_esc(_p(validity.pearson_p))}</td></tr>",
        f"<tr><td>Spearman rho</td>{_estimate_cell(validity.spearman)}<td>{_esc(_p(validity.spearman_p))}</td></tr>",
        "</table></section>",
        '<section class="corrected"><h2>Corrected validity (an estimate for all applicants, not observed)</h2>',
        f"<p>Range restriction, Thorndike Case II: U = SD of fit among applicants {validity.sd_applicants:.2f} / "
        f"among the hired {validity.sd_hired:.2f} = {_esc(_number(validity.u))}. Bounds corrected the same way.</p>",
        "<table><tr><th>correction</th><th>r [95% CI]</th></tr>",
        f"<tr><td>range restriction</td>{_estimate_cell(validity.range_corrected)}</tr>",
    ]
    if validity.fully_corrected is not None:
        parts.append(
            f"<tr><td>criterion unreliability (r_yy = {validity.criterion_reliability:g}), then range restriction</td>"
            f"{_estimate_cell(validity.fully_corrected)}</tr>"
        )
    parts.append("</table></section>")

    charts = [
        _figure(
            _interval_bars(
                [(row.label, row.success) for row in study.by_band],
                "Share successful by fit band",
                lo=0,
                hi=1,
                percent=True,
            ),
            f"Expectancy by fit band: share with {outcome_name} {study.success_rule}, with 95% Wilson intervals.",
        ),
        _figure(
            _interval_bars(
                [(row.label, row.success) for row in study.by_quintile],
                "Share successful by fit quintile",
                lo=0,
                hi=1,
                percent=True,
            ),
            "Expectancy by fifth of the study sample's fit scores, lowest first.",
        ),
    ]
    profile_rows = [(row.label, row.mean) for row in study.profiles]
    if study.kind == "binary":
        charts.append(
            _figure(
                _interval_bars(profile_rows, "Share of yes by profile", lo=0, hi=1, percent=True),
                "Outcome by top profile, 95% intervals.",
            )
        )
    else:
        # The axis follows the profiles large enough to compare; tiny groups' whiskers are cut at its ends.
        large = [
            (label, e) for (label, e), row in zip(profile_rows, study.profiles, strict=True) if row.n >= MIN_GROUP_N
        ]
        values = [
            v for _, e in large or profile_rows for v in (e.value, e.low, e.high) if v is not None and not math.isnan(v)
        ]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        charts.append(
            _figure(
                _interval_bars(profile_rows, "Mean outcome by profile", lo=lo, hi=hi, percent=False),
                "Mean outcome by top profile with 95% t intervals; the axis does not start at zero and follows "
                f"the profiles with {MIN_GROUP_N}+ hired.",
            )
        )
    if study.sample_fit:
        charts.append(
            _figure(
                _scatter(study.sample_fit, study.sample_outcome, "Fit score against outcome"),
                "Each dot is one hired person; red: least-squares line.",
            )
        )
    parts += ['<h2>Expectancy and outcome by profile</h2><div class="charts">', *charts, "</div>"]
    parts += [
        "<h3>By fit band</h3>",
        _group_table(study.by_band, study.kind, "band", fit_range=True),
        "<h3>By fit quintile</h3>",
        _group_table(study.by_quintile, study.kind, "fifth", fit_range=True),
        "<h3>By top profile</h3>",
        _group_table(study.profiles, study.kind, "profile", fit_range=False),
        "<p>HBR's claim that Controllers resolve complex cases best, tested here: "
        f"{_esc(study.controller_check.finding)} "
        f"Controllers minus everyone else: {_esc(_number(study.controller_check.difference.value))} "
        f"{_esc(_interval(study.controller_check.difference))}.</p>",
        "<h2>Outcome by scale</h2>",
        "<table><tr><th>scale</th><th>n</th><th>r with outcome [95% CI]</th><th>low third</th><th>middle third</th>"
        "<th>high third</th></tr>",
    ]
    for scale in study.scales:
        thirds = "".join(
            f"<td>{_esc(_number(t.mean.value, 2))} {_esc(_interval(t.mean, 2))} (n={t.n})</td>" for t in scale.thirds
        )
        parts.append(
            f'<tr><td dir="auto">{_data(scale.scale)}</td><td>{scale.n}</td>{_estimate_cell(scale.r)}{thirds}</tr>'
        )
    parts.append("</table>")

    if study.differential:
        parts.append(
            "<h2>Differential prediction by group (Cleary)</h2><p>Outcome on fit (centred, per "
            f"{FIT_UNIT:g} points), group and fit × group; differences are against the largest group.</p>"
        )
        for analysis in study.differential:
            parts.append(f"<h3>{_esc(analysis.title)}</h3>")
            if analysis.reference is not None and analysis.reference_slope is not None:
                parts.append(
                    f"<p>Reference {_data(analysis.reference)} (n = {analysis.reference_n}), slope "
                    f"{_esc(_number(analysis.reference_slope.value))} {_esc(_interval(analysis.reference_slope))}.</p>"
                    "<table><tr><th>group</th><th>n</th><th>intercept difference [95% CI]</th><th>p</th>"
                    "<th>slope difference [95% CI]</th><th>p</th></tr>"
                )
                for group in analysis.groups:
                    parts.append(
                        f'<tr><td dir="auto">{_data(group.group)}</td><td>{group.n}</td>'
                        f"{_estimate_cell(group.intercept_difference)}<td>{_esc(_p(group.intercept_p))}</td>"
                        f"{_estimate_cell(group.slope_difference)}<td>{_esc(_p(group.slope_p))}</td></tr>"
                    )
                parts.append("</table>")
            if analysis.left_out:
                small = ", ".join(f"{_data(name)} ({size})" for name, size in analysis.left_out.items())
                parts.append(f"<p>Left out (fewer than 20 with an outcome): {small}. Unknown: {analysis.unknown}.</p>")
            css = ' class="differs"' if analysis.differs else ""
            parts.append(f'<p dir="auto"{css}>{_esc(analysis.finding)}</p>')

    notes = [*study.notes, *filter(None, [multiple_testing_note(study)])]
    parts.append('<div class="notes"><h2>Notes</h2><ul>')
    parts += [f'<li dir="auto">{_esc(note)}</li>' for note in notes]
    parts.append("</ul></div></body></html>")
    return "\n".join(parts)


def write_study_html(study: ValidationStudy, path: str | Path) -> Path:
    """Write the study's HTML page and return its path."""
    path = Path(path)
    path.write_text(study_to_html(study), encoding="utf-8")
    return path
