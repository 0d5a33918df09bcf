"""The audit as one self-contained HTML page, rendered from the template ``audit/data/audit.html``.

This module turns the report into plain values (sentences, table cells, bar widths); the template,
rendered through the one page environment of :mod:`profilefit.pages`, is the one place they become
markup. Every ``{{ value }}`` is escaped there, and each data string in it (a category, a model or
role name, an organisation's label, marked by :class:`~profilefit.evidence.audit.AuditLabels`) is
wrapped in ``<bdi>``, so that escaping and direction isolation cannot be forgotten; in attributes,
``|plain`` puts data between FSI … PDI instead.

The page has no script and loads nothing. It fits a narrow window: wide tables scroll in their own
region with the category column kept in view, long strings wrap anywhere, and the bar charts are
drawn in HTML, so their names and values are text at the page's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from profilefit.evidence.audit._impact import AuditReport, DimensionImpact, FlagImpact
from profilefit.evidence.audit._rates import RateComparison
from profilefit.evidence.audit._sentences import (
    audit_notes,
    category_note,
    classification_cell,
    comparison_cells,
    comparison_headers,
    flag_cell,
    flag_cells,
    flag_disparities,
    flag_headers,
    flag_rule,
    flagged,
    profilefit_version,
    scale_cell,
    scale_reference,
    summary_lines,
    tool_lines,
    warning_lines,
)
from profilefit.evidence.audit._strings import AuditLabels
from profilefit.evidence.stats import FOUR_FIFTHS
from profilefit.pages import DATA_END, DATA_START, render_page

#: Longest name a chart shows; the tables beside it show any name whole.
_CHART_LABEL_CHARS = 60
_FLAG_COLUMN = 3  # in comparison_cells: rate, IR, IR all, below 4/5, ...


def _short(label: str) -> str:
    """A chart name of at most :data:`_CHART_LABEL_CHARS` characters, still marked as data."""
    plain = label.replace(DATA_START, "").replace(DATA_END, "")
    cut = plain if len(plain) <= _CHART_LABEL_CHARS else plain[: _CHART_LABEL_CHARS - 1] + "…"
    return f"{DATA_START}{cut}{DATA_END}" if DATA_START in label else cut


def _chart(dimension: DimensionImpact, rate: str, title: str, labels: AuditLabels, share: float) -> dict[str, Any]:
    """Bars of one rate per category, a dashed line at four-fifths of the reference rate, ``!`` below it."""
    comparisons: list[RateComparison] = [getattr(c, rate) for c in dimension.categories]
    reference = next((comparison for comparison in comparisons if comparison.is_reference), None)
    bars = [
        {
            "name": _short(labels.category(dimension.dimension, category.category)),
            "kind": "excludable" if category.excludable else ("below" if comparison.below_four_fifths else ""),
            "width": f"{100 * comparison.rate:.1f}",
            "value": labels.number(comparison.rate) + (" !" if comparison.below_four_fifths else ""),
        }
        for category, comparison in zip(dimension.categories, comparisons, strict=True)
    ]
    return {
        "label": title,
        "bars": bars,
        "line": None if reference is None else f"{100 * float(FOUR_FIFTHS) * reference.rate:.1f}",
        "caption": f"{title}. " + labels.t("chart_caption", share=labels.percent(share, 0)),
    }


def _cell(text: object, *, flag: bool = False, note: bool = False) -> dict[str, Any]:
    """One table cell: its text, and whether it marks a ratio below four-fifths or holds a note."""
    return {"text": text, "flag": flag, "note": note}


def _header(text: str) -> dict[str, Any]:
    return {"text": text, "data": DATA_START in text}  # an organisation's label may wrap anywhere


def _comparison_table(
    dimension: DimensionImpact,
    comparisons: Sequence[RateComparison],
    count_header: str,
    label: str,
    labels: AuditLabels,
    share: float,
) -> dict[str, Any]:
    rows = []
    for category, comparison in zip(dimension.categories, comparisons, strict=True):
        figures = [
            _cell(cell, flag=k == _FLAG_COLUMN and bool(comparison.below_four_fifths))
            for k, cell in enumerate(comparison_cells(comparison, labels))
        ]
        rows.append(
            {
                "name": labels.category(dimension.dimension, category.category),
                "excludable": category.excludable,
                "cells": [
                    _cell(labels.count(category.applicants)),
                    _cell(labels.percent(category.share)),
                    _cell(labels.count(comparison.count)),
                    *figures,
                    _cell(category_note(category, comparison, labels, share), note=True),
                ],
            }
        )
    return {"label": label, "headers": [_header(h) for h in comparison_headers(count_header, labels)], "rows": rows}


def _flag_table(dimension: DimensionImpact, impact: FlagImpact, labels: AuditLabels, share: float) -> dict[str, Any]:
    """One flag's table: count, rate, ratio to the lowest, the tests and the notable mark, per category."""
    rows = []
    for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
        cells = flag_cells(comparison, labels)
        rows.append(
            {
                "name": labels.category(dimension.dimension, category.category),
                "excludable": category.excludable,
                "cells": [
                    _cell(labels.count(category.applicants)),
                    _cell(labels.percent(category.share)),
                    *(_cell(cell) for cell in cells[:-1]),
                    _cell(cells[-1], flag=bool(comparison.notable)),
                    _cell(category_note(category, comparison, labels, share), note=True),
                ],
            }
        )
    headers = [*flag_headers(labels), labels.t("col_note")]
    label = f"{labels.dimension(dimension.dimension)}: {labels.flag(impact.flag)}"
    return {"label": label, "headers": [_header(h) for h in headers], "rows": rows}


def _matrix(
    dimension: DimensionImpact,
    labels: AuditLabels,
    label: str,
    columns: Sequence[str],
    cells: Sequence[Sequence[dict[str, Any]]],
) -> dict[str, Any]:
    """A table with one row per category: its name, then ``cells[k]`` for category ``k``."""
    return {
        "label": label,
        "headers": [_header(column) for column in columns],
        "rows": [
            {
                "name": labels.category(dimension.dimension, category.category),
                "excludable": category.excludable,
                "cells": row,
            }
            for category, row in zip(dimension.categories, cells, strict=True)
        ],
    }


def _dimension(report: AuditReport, dimension: DimensionImpact, labels: AuditLabels) -> dict[str, Any]:
    title = labels.dimension(dimension.dimension)
    share = report.excludable_share
    median = "–" if report.median_fit_score is None else labels.number(report.median_fit_score)
    selection_title = labels.t("section_selection", band=labels.band(report.select_band))
    scoring_title = labels.t("section_scoring", median=median)
    classifications_title = labels.t("section_classifications")
    matrix = _matrix(
        dimension,
        labels,
        f"{title}: {classifications_title}",
        [labels.t("col_category"), *(labels.profile(impact.classification) for impact in dimension.classifications)],
        [
            [
                _cell(
                    classification_cell(impact.comparisons[k], labels),
                    flag=bool(impact.comparisons[k].below_four_fifths),
                )
                for impact in dimension.classifications
            ]
            for k in range(len(dimension.categories))
        ],
    )
    blocks = [
        {
            "heading": selection_title,
            "legend": "",
            "table": _comparison_table(
                dimension,
                [c.selection for c in dimension.categories],
                labels.t("col_selected"),
                selection_title,
                labels,
                share,
            ),
            "after": "",
        },
        {
            "heading": scoring_title,
            "legend": "",
            "table": _comparison_table(
                dimension,
                [c.scoring for c in dimension.categories],
                labels.t("col_above_median"),
                scoring_title,
                labels,
                share,
            ),
            "after": labels.t("unknown_line", count=dimension.unknown),
        },
        {"heading": classifications_title, "legend": labels.t("classifications_legend"), "table": matrix, "after": ""},
    ]
    if dimension.flags:
        flags_title = labels.t("section_flags")
        flag_matrix = _matrix(
            dimension,
            labels,
            f"{title}: {flags_title}",
            [labels.t("col_category"), *(labels.flag(impact.flag) for impact in dimension.flags)],
            [
                [
                    _cell(flag_cell(impact.comparisons[k], labels), flag=bool(impact.comparisons[k].notable))
                    for impact in dimension.flags
                ]
                for k in range(len(dimension.categories))
            ],
        )
        legend = labels.t("flags_legend", **flag_rule(labels))
        blocks.append({"heading": flags_title, "legend": legend, "table": flag_matrix, "after": ""})
    tests = [
        {
            "heading": labels.t("classification_heading", classification=labels.profile(impact.classification)),
            "table": _comparison_table(
                dimension,
                impact.comparisons,
                labels.t("col_assigned"),
                f"{title}: {labels.profile(impact.classification)}",
                labels,
                share,
            ),
        }
        for impact in dimension.classifications
    ]
    scales = None
    if dimension.scales:
        heading = labels.t("section_scales", reference=scale_reference(dimension, labels))
        scales = {
            "heading": heading,
            "legend": labels.t("scales_legend"),
            "table": _matrix(
                dimension,
                labels,
                f"{title}: {heading}",
                [labels.t("col_category"), *(labels.scale(scale.scale) for scale in dimension.scales)],
                [
                    [_cell(scale_cell(scale.statistics[k], labels)) for scale in dimension.scales]
                    for k in range(len(dimension.categories))
                ],
            ),
        }
    return {
        "title": title,
        "charts": [
            _chart(dimension, "selection", labels.t("chart_selection", dimension=title), labels, share),
            _chart(dimension, "scoring", labels.t("chart_scoring", dimension=title), labels, share),
        ],
        "blocks": blocks,
        "tests_heading": labels.t("section_classification_tests"),
        "tests": tests,
        "flag_tests_heading": labels.t("section_flag_tests"),
        "flag_tests": [
            {
                "heading": labels.t("flag_heading", flag=labels.flag(impact.flag)),
                "table": _flag_table(dimension, impact, labels, share),
            }
            for impact in dimension.flags
        ],
        "scales": scales,
    }


def audit_to_html(report: AuditReport, language: str = "en") -> str:
    """Render the audit as a self-contained HTML page (a string) in a language, every text escaped.

    Parameters
    ----------
    report : AuditReport
    language : {"en", "nb", "sv", "nl"}, default "en"

    Returns
    -------
    str
    """
    labels = AuditLabels(
        language,
        isolate=True,
        instrument_id=report.tool.instrument_id,
        instrument_version=report.tool.instrument_version,
    )
    overall = {
        "label": labels.t("section_overall"),
        "headers": [_header(labels.t("col_group")), *(_header(labels.profile(p)) for p in report.profiles)],
        "rows": [
            {
                "name": labels.t("all_candidates"),
                "excludable": False,
                "cells": [_cell(labels.percent(report.profile_rates[p])) for p in report.profiles],
            }
        ],
    }
    overall_flags = None
    if report.flags:
        overall_flags = {
            "label": labels.t("section_overall_flags"),
            "headers": [_header(labels.t("col_group")), *(_header(labels.flag(flag)) for flag in report.flags)],
            "rows": [
                {
                    "name": labels.t("all_candidates"),
                    "excludable": False,
                    "cells": [_cell(labels.percent(report.flag_rates[flag])) for flag in report.flags],
                }
            ],
        }
    return render_page(
        "evidence/audit/audit.html",
        language=language,
        title=labels.t("title"),
        styles=("evidence/audit/audit.css",),
        heading=labels.t("heading", n=report.applicants),
        tool_heading=labels.t("section_tool"),
        tool_lines=[*tool_lines(report.tool, labels, report.profiles), *summary_lines(report, labels)],
        warning_label=labels.t("warning"),
        warnings=warning_lines(report, labels),
        notes_heading=labels.t("section_notes"),
        notes=audit_notes(report, language),
        dimensions=[_dimension(report, dimension, labels) for dimension in report.dimensions],
        flagged_heading=labels.t("section_flagged"),
        flagged=flagged(report, labels),
        flagged_none=labels.t("flagged_none"),
        overall_heading=labels.t("section_overall"),
        overall=overall,
        has_flags=bool(report.flags),
        flag_disparities_heading=labels.t("section_flag_disparities"),
        flag_disparities=flag_disparities(report, labels),
        flag_disparities_none=labels.t("flag_disparities_none", **flag_rule(labels)),
        overall_flags_heading=labels.t("section_overall_flags"),
        overall_flags=overall_flags,
        terms_heading=labels.t("terms_heading"),
        terms=_terms(labels, flags=bool(report.flags)),
        footer=labels.t("footer", version=profilefit_version()),
    )


#: The column headings the page's "Terms" section explains, in its tables' order; a tuple is one entry.
_TERMS: tuple[tuple[str, ...], ...] = (
    ("col_rate",),
    ("col_ir",),
    ("col_ir_all",),
    ("col_below",),
    ("col_fisher",),
    ("col_q",),
    ("col_z", "col_zp"),
)


def _terms(labels: AuditLabels, *, flags: bool) -> list[tuple[str, str]]:
    """The terms of the page's tables in plain words: (the headings as the tables show them, what they mean)."""
    entries = [*_TERMS, ("col_flag_ratio",)] if flags else list(_TERMS)
    return [(", ".join(labels.t(key) for key in keys), labels.t(f"term_{keys[0]}")) for keys in entries]


def write_audit_html(report: AuditReport, path: str | Path, *, language: str = "en") -> Path:
    """Write :func:`audit_to_html` to ``path`` as UTF-8."""
    path = Path(path)
    path.write_text(audit_to_html(report, language), encoding="utf-8")
    return path
