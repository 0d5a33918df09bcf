"""The audit as one self-contained HTML page: no scripts, no external files, bar charts drawn in HTML.

Every string that reaches the page goes through :func:`_text` or :func:`_attr` (:func:`html.escape`),
and every string that came from a file someone else wrote (category names, model and role names,
labels) is also wrapped in ``<bdi>`` (in attributes, between Unicode isolate marks) so that
right-to-left or control characters in it cannot reorder the text around it. The page fits a narrow
window: wide tables sit in their own horizontally scrolling containers with the category column kept
in view, long strings wrap anywhere, and chart names wrap beside their bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from profilefit.audit._impact import AuditReport, CategoryImpact, DimensionImpact
from profilefit.audit._rates import FOUR_FIFTHS, RateComparison
from profilefit.audit._sentences import (
    audit_notes,
    category_note,
    classification_cell,
    comparison_cells,
    comparison_headers,
    flagged,
    profilefit_version,
    scale_cell,
    scale_reference,
    summary_lines,
    tool_lines,
    warning_lines,
)
from profilefit.audit._strings import DATA_END, DATA_START, AuditLabels

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 76rem;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.45; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; } h4 { font-size: 0.95rem; margin: 1rem 0 0.2rem; }
.tool, .notes { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.4rem 1rem; }
.warning { background: #fcf0ef; border-left: 4px solid #b3261e; padding: 0.4rem 1rem; margin: 0.6rem 0; }
.scroll { overflow-x: auto; max-width: 100%; margin: 0.3rem 0 1rem; }
table { border-collapse: separate; border-spacing: 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap;
         font-variant-numeric: tabular-nums; }
thead th { border-bottom: 2px solid #888; vertical-align: bottom; }
th.cat, td.note, th.data { text-align: left; white-space: normal; overflow-wrap: anywhere; }
th.data { min-width: 5rem; }
th.cat { position: sticky; left: 0; background: #fff; min-width: 6rem; max-width: 14rem; z-index: 1; }
td.note { min-width: 6rem; max-width: 14rem; }
tr.excludable td, tr.excludable th { color: #555; font-style: italic; }
td.flag { color: #a4000f; font-weight: bold; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: 1rem 2rem; }
figure { margin: 0; min-width: 0; } figcaption { font-size: 0.85rem; color: #444; margin-top: 0.3rem; }
.chart { font-size: 0.85rem; }
.chart .rows { display: grid; grid-template-columns: fit-content(45%) minmax(4rem, 1fr) auto;
               gap: 0.2rem 0.5rem; align-items: center; }
.chart .name { text-align: right; overflow-wrap: anywhere; }
.chart .track { position: relative; height: 1rem; background: #f2f2f2; }
.chart .bar { position: absolute; left: 0; top: 0.15rem; bottom: 0.15rem; background: #2e6da4; }
.chart .bar.below { background: #c0392b; } .chart .bar.excludable { background: #9e9e9e; }
.chart .line { position: absolute; top: -0.2rem; bottom: -0.2rem; border-left: 2px dashed #8a6d00; }
.chart .value { font-variant-numeric: tabular-nums; white-space: nowrap; }
details { margin: 0.5rem 0 1rem; } summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 2rem; border-top: 1px solid #ddd; padding-top: 0.5rem; font-size: 0.8rem; color: #555; }
"""

_CHART_LABEL_CHARS = 60  # every EEO-1 category and intersection fits in full; the table has any name whole
_FLAG_COLUMN = 3  # in comparison_cells: rate, IR, IR all, below 4/5, ...


def _text(value: object) -> str:
    """Text for element content: escaped, and each marked data string wrapped in ``<bdi>``."""
    return escape(str(value), quote=True).replace(DATA_START, "<bdi>").replace(DATA_END, "</bdi>")


def _attr(value: object) -> str:
    """Text for an attribute: escaped, data strings between Unicode isolate marks."""
    return escape(str(value), quote=True).replace(DATA_START, "\u2068").replace(DATA_END, "\u2069")


def _short(label: str) -> str:
    """A chart label of at most :data:`_CHART_LABEL_CHARS` characters (the table beside it has the whole name)."""
    plain = label.replace(DATA_START, "").replace(DATA_END, "")
    cut = plain if len(plain) <= _CHART_LABEL_CHARS else plain[: _CHART_LABEL_CHARS - 1] + "…"
    return f"{DATA_START}{cut}{DATA_END}" if DATA_START in label else cut


def _bar_chart(dimension: DimensionImpact, rate: str, title: str, labels: AuditLabels, excludable_share: float) -> str:
    """Bars of one rate per category, with a dashed line at four-fifths of the reference category's rate.

    Drawn in HTML, so names and values are text at the page's size that wrap in a narrow window; the
    bars and the line are decoration (``aria-hidden``), and ``!`` beside a value marks a ratio below
    four-fifths for readers who do not see colour.
    """
    comparisons: list[RateComparison] = [getattr(c, rate) for c in dimension.categories]
    reference = next((comparison for comparison in comparisons if comparison.is_reference), None)
    line = (
        ""
        if reference is None
        else f'<span class="line" style="left: {100 * float(FOUR_FIFTHS) * reference.rate:.1f}%"></span>'
    )
    rows = []
    for category, comparison in zip(dimension.categories, comparisons, strict=True):
        kind = " excludable" if category.excludable else (" below" if comparison.below_four_fifths else "")
        name = _short(labels.category(dimension.dimension, category.category))
        flag = " !" if comparison.below_four_fifths else ""
        rows.append(
            f'<span class="name">{_text(name)}</span>'
            f'<span class="track" aria-hidden="true">'
            f'<span class="bar{kind}" style="width: {100 * comparison.rate:.1f}%"></span>{line}</span>'
            f'<span class="value">{_text(labels.number(comparison.rate))}{flag}</span>'
        )
    caption = f"{title}. " + labels.t("chart_caption", share=labels.percent(excludable_share, 0))
    return (
        f'<figure class="chart" aria-label="{_attr(title)}"><div class="rows">{"".join(rows)}</div>'
        f"<figcaption>{_text(caption)}</figcaption></figure>"
    )


def _column_header(name: str) -> str:
    """A column header; one that holds a data string (an organisation's label) may wrap anywhere."""
    data = ' class="data"' if DATA_START in name else ""
    return f'<th scope="col"{data}>{_text(name)}</th>'


def _scroll(table: str, label: str) -> str:
    """A table in its own horizontally scrolling region, reachable by keyboard."""
    return f'<div class="scroll" role="region" tabindex="0" aria-label="{_attr(label)}">{table}</div>'


def _comparison_table(
    dimension: DimensionImpact,
    comparisons: Sequence[RateComparison],
    count_header: str,
    caption: str,
    labels: AuditLabels,
    excludable_share: float,
) -> str:
    headers = comparison_headers(count_header, labels)
    head = f'<th scope="col" class="cat">{_text(headers[0])}</th>'
    head += "".join(f'<th scope="col">{_text(h)}</th>' for h in headers[1:])
    rows = []
    for category, comparison in zip(dimension.categories, comparisons, strict=True):
        rows.append(_comparison_row(dimension, category, comparison, labels, excludable_share))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _scroll(table, caption)


def _comparison_row(
    dimension: DimensionImpact,
    category: CategoryImpact,
    comparison: RateComparison,
    labels: AuditLabels,
    excludable_share: float,
) -> str:
    cells = [
        f'<td class="flag">{_text(cell)}</td>' if k == _FLAG_COLUMN and comparison.below_four_fifths
        else f"<td>{_text(cell)}</td>"
        for k, cell in enumerate(comparison_cells(comparison, labels))
    ]  # fmt: skip
    name = labels.category(dimension.dimension, category.category)
    note = category_note(category, comparison, labels, excludable_share)
    row_class = ' class="excludable"' if category.excludable else ""
    return (
        f'<tr{row_class}><th scope="row" class="cat">{_text(name)}</th><td>{category.applicants}</td>'
        f"<td>{_text(labels.percent(category.share))}</td><td>{comparison.count}</td>{''.join(cells)}"
        f'<td class="note">{_text(note)}</td></tr>'
    )


def _classification_matrix(dimension: DimensionImpact, labels: AuditLabels, caption: str) -> str:
    head = f'<th scope="col" class="cat">{_text(labels.t("col_category"))}</th>' + "".join(
        _column_header(labels.profile(impact.classification)) for impact in dimension.classifications
    )
    rows = []
    for k, category in enumerate(dimension.categories):
        cells = []
        for impact in dimension.classifications:
            comparison = impact.comparisons[k]
            text = _text(classification_cell(comparison, labels))
            cells.append(f'<td class="flag">{text}</td>' if comparison.below_four_fifths else f"<td>{text}</td>")
        row_class = ' class="excludable"' if category.excludable else ""
        name = labels.category(dimension.dimension, category.category)
        rows.append(f'<tr{row_class}><th scope="row" class="cat">{_text(name)}</th>{"".join(cells)}</tr>')
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _scroll(table, caption)


def _scale_table(dimension: DimensionImpact, labels: AuditLabels, caption: str) -> str:
    head = f'<th scope="col" class="cat">{_text(labels.t("col_category"))}</th>' + "".join(
        _column_header(labels.scale(scale.scale)) for scale in dimension.scales
    )
    rows = []
    for k, category in enumerate(dimension.categories):
        cells = "".join(f"<td>{_text(scale_cell(scale.statistics[k], labels))}</td>" for scale in dimension.scales)
        row_class = ' class="excludable"' if category.excludable else ""
        name = labels.category(dimension.dimension, category.category)
        rows.append(f'<tr{row_class}><th scope="row" class="cat">{_text(name)}</th>{cells}</tr>')
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _scroll(table, caption)


def _dimension_section(report: AuditReport, dimension: DimensionImpact, labels: AuditLabels) -> str:
    title = labels.dimension(dimension.dimension)
    share = report.excludable_share
    median = "–" if report.median_fit_score is None else labels.number(report.median_fit_score)
    selection_title = labels.t("section_selection", band=labels.band(report.select_band))
    scoring_title = labels.t("section_scoring", median=median)
    charts = _bar_chart(
        dimension, "selection", labels.t("chart_selection", dimension=title), labels, share
    ) + _bar_chart(dimension, "scoring", labels.t("chart_scoring", dimension=title), labels, share)
    tests = "".join(
        f"<h4>{_text(labels.t('classification_heading', classification=labels.profile(impact.classification)))}</h4>"
        + _comparison_table(
            dimension,
            impact.comparisons,
            labels.t("col_assigned"),
            f"{title}: {labels.profile(impact.classification)}",
            labels,
            share,
        )
        for impact in dimension.classifications
    )
    selection = [c.selection for c in dimension.categories]
    scoring = [c.scoring for c in dimension.categories]
    parts = [
        f"<section><h2>{_text(title)}</h2>",
        f'<div class="charts">{charts}</div>',
        f"<h3>{_text(selection_title)}</h3>",
        _comparison_table(dimension, selection, labels.t("col_selected"), selection_title, labels, share),
        f"<h3>{_text(scoring_title)}</h3>",
        _comparison_table(dimension, scoring, labels.t("col_above_median"), scoring_title, labels, share),
        f"<p>{_text(labels.t('unknown_line', count=dimension.unknown))}</p>",
        f"<h3>{_text(labels.t('section_classifications'))}</h3>",
        f"<p>{_text(labels.t('classifications_legend'))}</p>",
        _classification_matrix(dimension, labels, f"{title}: {labels.t('section_classifications')}"),
        f"<details><summary>{_text(labels.t('section_classification_tests'))}</summary>{tests}</details>",
    ]
    if dimension.scales:
        heading = labels.t("section_scales", reference=scale_reference(dimension, labels))
        parts += [
            f"<h3>{_text(heading)}</h3>",
            f"<p>{_text(labels.t('scales_legend'))}</p>",
            _scale_table(dimension, labels, f"{title}: {heading}"),
        ]
    parts.append("</section>")
    return "".join(parts)


def _overall(report: AuditReport, labels: AuditLabels) -> str:
    head = f'<th scope="col" class="cat">{_text(labels.t("col_group"))}</th>' + "".join(
        _column_header(labels.profile(p)) for p in report.profiles
    )
    cells = "".join(f"<td>{_text(labels.percent(report.profile_rates[p]))}</td>" for p in report.profiles)
    table = (
        f"<table><thead><tr>{head}</tr></thead><tbody><tr>"
        f'<th scope="row" class="cat">{_text(labels.t("all_candidates"))}</th>{cells}</tr></tbody></table>'
    )
    return _scroll(table, labels.t("section_overall"))


def audit_to_html(report: AuditReport, language: str = "en") -> str:
    """Render the audit as a self-contained HTML page (a string) in a language, every text escaped.

    Parameters
    ----------
    report : AuditReport
    language : {"en", "nb", "sv", "nl"}, default "en"
    """
    labels = AuditLabels(language, isolate=True, instrument_id=report.tool.instrument_id)
    tool = "".join(f"<p>{_text(line)}</p>" for line in tool_lines(report.tool, labels, report.profiles))
    summary = "".join(f"<p>{_text(line)}</p>" for line in summary_lines(report, labels))
    warnings = "".join(
        f'<div class="warning" role="alert"><strong>{_text(labels.t("warning"))}:</strong> {_text(line)}</div>'
        for line in warning_lines(report, labels)
    )
    notes = "".join(f"<li>{_text(note)}</li>" for note in audit_notes(report, language))
    sections = "".join(_dimension_section(report, dimension, labels) for dimension in report.dimensions)
    flags = flagged(report, labels)
    flag_list = (
        "<ul>" + "".join(f"<li>{_text(line)}</li>" for line in flags) + "</ul>"
        if flags
        else f"<p>{_text(labels.t('flagged_none'))}</p>"
    )
    title = labels.t("title")
    return (
        f'<!DOCTYPE html>\n<html lang="{_attr(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_attr(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{_text(labels.t('heading', n=report.applicants))}</h1>"
        f'<section class="tool"><h2>{_text(labels.t("section_tool"))}</h2>{tool}{summary}</section>'
        f"{warnings}"
        f'<section class="notes"><h2>{_text(labels.t("section_notes"))}</h2><ul>{notes}</ul></section>'
        f"{sections}"
        f"<section><h2>{_text(labels.t('section_flagged'))}</h2>{flag_list}</section>"
        f"<section><h2>{_text(labels.t('section_overall'))}</h2>{_overall(report, labels)}</section>"
        f"</main><footer>{_text(labels.t('footer', version=profilefit_version()))}</footer></body></html>\n"
    )


def write_audit_html(report: AuditReport, path: str | Path, *, language: str = "en") -> Path:
    """Write :func:`audit_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(audit_to_html(report, language), encoding="utf-8")
    return path
