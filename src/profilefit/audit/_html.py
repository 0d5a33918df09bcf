"""The audit as one self-contained HTML page: no scripts, no external files, inline SVG charts.

Every string that reaches the page goes through :func:`html.escape`, category names included:
they come from a file someone else wrote.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from profilefit.audit._impact import FOUR_FIFTHS, AuditReport, CategoryImpact, DimensionImpact
from profilefit.audit._report import audit_notes

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 78rem; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.excludable td { color: #666; font-style: italic; }
td.flag { color: #a4000f; font-weight: bold; }
.notes { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.5rem 1rem; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; }
figcaption { font-size: 0.85rem; color: #444; max-width: 36rem; }
"""

_BAR_HEIGHT = 18
_LABEL_WIDTH = 260
_PLOT_WIDTH = 300


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "&lt;0.001" if value < 0.001 else f"{value:.3f}"


def _bar_chart(dimension: DimensionImpact, rate: str, title: str) -> str:
    """Horizontal bars of one rate per category, with a line at four-fifths of the reference rate."""
    categories = dimension.categories
    height = _BAR_HEIGHT * len(categories) + 24
    width = _LABEL_WIDTH + _PLOT_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_text(title)}">'
    ]
    for k, category in enumerate(categories):
        comparison = getattr(category, rate)
        y, bar = k * _BAR_HEIGHT, comparison.rate * _PLOT_WIDTH
        colour = "#9e9e9e" if category.excludable else ("#c0392b" if comparison.below_four_fifths else "#2e6da4")
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"{_text(category.category)}</text>"
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{bar:.1f}" height="{_BAR_HEIGHT - 6}" fill="{colour}"/>'
            f'<text x="{_LABEL_WIDTH + bar + 4:.1f}" y="{y + 13}" font-size="11">{comparison.rate:.2f}</text>'
        )
    reference = next((c for c in categories if getattr(c, rate).is_reference), None)
    if reference is not None:
        x = _LABEL_WIDTH + FOUR_FIFTHS * getattr(reference, rate).rate * _PLOT_WIDTH
        bottom = _BAR_HEIGHT * len(categories)
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{bottom}" stroke="#8a6d00" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">4/5 of highest</text>'
        )
    parts.append("</svg>")
    caption = (
        f"{title}. Dashed line: four-fifths of the reference category's rate. Red: impact ratio below 0.8; "
        "grey: excludable (under 2 %)."
    )
    return f"<figure>{''.join(parts)}<figcaption>{_text(caption)}</figcaption></figure>"


def _row(category: CategoryImpact) -> str:
    cells = [_text(category.category), str(category.applicants), f"{category.share:.1%}"]
    for comparison in (category.selection, category.scoring):
        flag = comparison.below_four_fifths
        cells += [
            str(comparison.count),
            _rate(comparison.rate),
            _rate(comparison.impact_ratio),
            _rate(comparison.impact_ratio_all),
            "–" if flag is None else ("yes" if flag else "no"),
            _p(comparison.fisher_p),
            "–" if comparison.z is None else f"{comparison.z:+.2f}",
            _p(comparison.z_p),
        ]
    notes = [
        *(["reference (selection)"] if category.selection.is_reference else []),
        *(["reference (scoring)"] if category.scoring.is_reference else []),
        *(["excludable"] if category.excludable else []),
    ]
    cells.append(_text(", ".join(notes)))
    # Columns 7 and 15 hold the four-fifths flags of selection and scoring.
    flagged = {k for k, comparison in ((7, category.selection), (15, category.scoring)) if comparison.below_four_fifths}
    tds = "".join(
        f'<td class="flag">{cell}</td>' if k in flagged else f"<td>{cell}</td>" for k, cell in enumerate(cells)
    )
    return f'<tr class="excludable">{tds}</tr>' if category.excludable else f"<tr>{tds}</tr>"


def _dimension_section(dimension: DimensionImpact, profiles: tuple[str, ...]) -> str:
    rate_headers = ["rate", "IR", "IR all", "below 4/5", "Fisher p", "z", "z p"]
    header = (
        "<tr><th>Category</th><th>Applicants</th><th>Share</th>"
        + "<th>Selected</th>"
        + "".join(f"<th>Selection {_text(h)}</th>" for h in rate_headers)
        + "<th>Above median</th>"
        + "".join(f"<th>Scoring {_text(h)}</th>" for h in rate_headers)
        + "<th>Note</th></tr>"
    )
    body = "".join(_row(category) for category in dimension.categories)
    profile_header = "<tr><th>Category</th>" + "".join(f"<th>{_text(p)}</th>" for p in profiles) + "</tr>"
    profile_body = "".join(
        f"<tr><td>{_text(c.category)}</td>" + "".join(f"<td>{c.profile_rates[p]:.0%}</td>" for p in profiles) + "</tr>"
        for c in dimension.categories
    )
    return (
        f"<section><h2>{_text(dimension.title)}</h2>"
        f'<div class="charts">{_bar_chart(dimension, "selection", "Selection rate")}'
        f"{_bar_chart(dimension, 'scoring', 'Scoring rate (above the median fit score)')}</div>"
        f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"
        f"<p>Unknown category: {dimension.unknown}</p>"
        f"<h3>Top profile, share of each category</h3>"
        f"<table><thead>{profile_header}</thead><tbody>{profile_body}</tbody></table></section>"
    )


def audit_to_html(report: AuditReport) -> str:
    """Render the audit as a self-contained HTML page (a string), every text escaped."""
    summary = (
        f"{report.applicants} candidates audited. Selected (fit band {report.select_band!r} or higher): "
        f"{report.selected} ({report.selected / report.applicants:.1%}). Median fit score "
        f"{report.median_fit_score:.2f}, {report.above_median} strictly above it. Candidates without "
        f"demographics: {report.results_without_demographics}. Demographics rows without a result: "
        f"{report.demographics_without_results} (ignored)."
    )
    notes = "".join(f"<li>{_text(note)}</li>" for note in audit_notes(report))
    sections = "".join(_dimension_section(dimension, report.profiles) for dimension in report.dimensions)
    overall = (
        "<table><thead><tr>"
        + "".join(f"<th>{_text(p)}</th>" for p in report.profiles)
        + "</tr></thead><tbody><tr>"
        + "".join(f"<td>{report.profile_rates[p]:.0%}</td>" for p in report.profiles)
        + "</tr></tbody></table>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>profilefit adverse-impact audit</title><style>{_STYLE}</style></head><body>"
        f"<h1>Adverse-impact audit</h1><p>{_text(summary)}</p>"
        f'<div class="notes"><h2>How to read this page</h2><ul>{notes}</ul></div>'
        f"{sections}<section><h2>Top profile, share of all audited candidates</h2>{overall}</section>"
        "</body></html>\n"
    )


def write_audit_html(report: AuditReport, path: str | Path) -> Path:
    """Write :func:`audit_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(audit_to_html(report), encoding="utf-8")
    return path
