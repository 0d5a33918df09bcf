"""The audit as a terminal table, flat CSV rows and JSON; the HTML page is in :mod:`profilefit.evidence.audit._html`.

Text and notes are written in the audit's language (:class:`~profilefit.evidence.audit.AuditLabels`); CSV
columns and JSON keys are the same in every language, so that other tools can read them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path
from typing import Any

from profilefit.data.io import csv_cell
from profilefit.evidence.audit._document import AUDIT_SCHEMA_VERSION, AuditDocument
from profilefit.evidence.audit._impact import (
    AuditReport,
    CategoryImpact,
    DimensionImpact,
)
from profilefit.evidence.audit._rates import FLAG_DISPARITY_ALPHA, FLAG_RATIO_THRESHOLD, FlagComparison, RateComparison
from profilefit.evidence.audit._sentences import (
    audit_date,
    audit_notes,
    classification_cell,
    comparison_headers,
    comparison_rows,
    flag_cell,
    flag_disparities,
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

FOUR_FIFTHS_NOTE = AuditLabels("en").t("note_four_fifths")


#: The figures of one comparison in the CSV, in the order of layout version 1 (``shortfall`` came later).
_V1_FIELDS = (
    "count",
    "rate",
    "impact_ratio",
    "impact_ratio_all",
    "below_four_fifths",
    "reference",
    "fisher_p",
    "z",
    "z_p",
)


def _comparison_fields(prefix: str, comparison: RateComparison | None) -> dict[str, Any]:
    if comparison is None:
        return {f"{prefix}_{name}": None for name in (*_V1_FIELDS, "shortfall", "fisher_q")}
    return {
        f"{prefix}_count": comparison.count,
        f"{prefix}_rate": comparison.rate,
        f"{prefix}_impact_ratio": comparison.impact_ratio,
        f"{prefix}_impact_ratio_all": comparison.impact_ratio_all,
        f"{prefix}_below_four_fifths": comparison.below_four_fifths,
        f"{prefix}_reference": comparison.is_reference,
        f"{prefix}_fisher_p": comparison.fisher_p,
        f"{prefix}_z": comparison.z,
        f"{prefix}_z_p": comparison.z_p,
        f"{prefix}_shortfall": comparison.shortfall,
        f"{prefix}_fisher_q": comparison.fisher_q,
    }


#: The figures of one flag comparison in the CSV (``flag_`` columns, after every column of earlier versions).
_FLAG_FIELDS = (
    "count", "rate", "ratio", "reference", "fisher_p", "fisher_q", "z", "z_p", "not_flagged_ratio", "notable",
)  # fmt: skip


def _flag_fields(comparison: FlagComparison | None) -> dict[str, Any]:
    if comparison is None:
        return {f"flag_{name}": None for name in _FLAG_FIELDS}
    return {
        "flag_count": comparison.count,
        "flag_rate": comparison.rate,
        "flag_ratio": comparison.flag_ratio,
        "flag_reference": comparison.is_reference,
        "flag_fisher_p": comparison.fisher_p,
        "flag_fisher_q": comparison.fisher_q,
        "flag_z": comparison.z,
        "flag_z_p": comparison.z_p,
        "flag_not_flagged_ratio": comparison.not_flagged_ratio,
        "flag_notable": comparison.notable,
    }


def _flag_rows(report: AuditReport, dimension: DimensionImpact) -> Iterator[dict[str, Any]]:
    for impact in dimension.flags:
        for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
            yield {
                "kind": "flag",
                "dimension": dimension.dimension,
                "category": category.category,
                "classification": None,
                "applicants": category.applicants,
                "share": category.share,
                "excludable": category.excludable,
                **_comparison_fields("selection", None),
                **_comparison_fields("scoring", None),
                **_comparison_fields("classification", None),
                **{f"profile_{profile}": None for profile in report.profiles},
                "flag": impact.flag,
                **_flag_fields(comparison),
            }


def _classification_rows(report: AuditReport, dimension: DimensionImpact) -> Iterator[dict[str, Any]]:
    for impact in dimension.classifications:
        for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
            yield {
                "kind": "classification",
                "dimension": dimension.dimension,
                "category": category.category,
                "classification": impact.classification,
                "applicants": category.applicants,
                "share": category.share,
                "excludable": category.excludable,
                **_comparison_fields("selection", None),
                **_comparison_fields("scoring", None),
                **_comparison_fields("classification", comparison),
                **{f"profile_{profile}": None for profile in report.profiles},
            }


def audit_rows(report: AuditReport) -> list[dict[str, Any]]:
    """Flat rows: everyone, then per dimension its categories, its unknown count and its classifications.

    The ``kind`` column says which: ``"all"``, ``"category"``, ``"unknown"``, ``"classification"``
    (one row per category and classification, figures in the ``classification_*`` columns) or
    ``"flag"`` (one row per category and adverse flag named in ``flag``, figures in the ``flag_*``
    columns; none when the results record no flags). Figures that do not apply to a row are
    ``None``. ``profile_<id>`` columns hold the share assigned each classification.
    """
    none = {**_comparison_fields("selection", None), **_comparison_fields("scoring", None)}
    no_classification = {"classification": None, **_comparison_fields("classification", None)}
    no_profiles = {f"profile_{profile}": None for profile in report.profiles}
    everyone = {
        "kind": "all",
        "dimension": "all",
        "category": "all audited candidates",
        "classification": None,
        "applicants": report.applicants,
        "share": 1.0,
        "excludable": None,
        **none,
        "selection_count": report.selected,
        "selection_rate": float(Fraction(report.selected, report.applicants)),
        "scoring_count": report.above_median,
        "scoring_rate": float(Fraction(report.above_median, report.applicants)),
        **{key: value for key, value in no_classification.items() if key != "classification"},
        **{f"profile_{profile}": share for profile, share in report.profile_rates.items()},
    }
    rows = [everyone]
    # Every earlier row has the flag columns empty.
    no_flag = {"flag": None, **_flag_fields(None)}
    for dimension in report.dimensions:
        for category in dimension.categories:
            rows.append(
                {
                    "kind": "category",
                    "dimension": dimension.dimension,
                    "category": category.category,
                    "classification": None,
                    "applicants": category.applicants,
                    "share": category.share,
                    "excludable": category.excludable,
                    **_comparison_fields("selection", category.selection),
                    **_comparison_fields("scoring", category.scoring),
                    **_comparison_fields("classification", None),
                    **{f"profile_{profile}": share for profile, share in category.profile_rates.items()},
                }
            )
        rows.append(
            {
                "kind": "unknown",
                "dimension": dimension.dimension,
                "category": "unknown",
                "classification": None,
                "applicants": dimension.unknown,
                "share": float(Fraction(dimension.unknown, report.applicants)),
                "excludable": None,
                **none,
                **_comparison_fields("classification", None),
                **no_profiles,
            }
        )
        rows.extend(_classification_rows(report, dimension))
        rows.extend(_flag_rows(report, dimension))
    rows = [{**no_flag, **row} for row in rows]
    # The columns of version 1 first, in their order, so that readers by position keep working.
    order = [
        "kind", "dimension", "category", "applicants", "share", "excludable",
        *(f"selection_{name}" for name in _V1_FIELDS), *(f"scoring_{name}" for name in _V1_FIELDS),
        *(f"profile_{profile}" for profile in report.profiles),
        "classification", *_comparison_fields("classification", None),
        "selection_shortfall", "scoring_shortfall", "selection_fisher_q", "scoring_fisher_q",
        "flag", *_flag_fields(None),
    ]  # fmt: skip
    return [{key: row[key] for key in order} for row in rows]


def write_audit_csv(report: AuditReport, path: str | Path) -> Path:
    """Write :func:`audit_rows` as UTF-8 CSV; a text cell a spreadsheet would run as a formula gets a leading ``'``."""
    rows = audit_rows(report)
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(rows[0]))
        writer.writerows([csv_cell(value) for value in row.values()] for row in rows)
    return path


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _comparison_dict(comparison: RateComparison) -> dict[str, Any]:
    data = asdict(comparison)
    data["impact_ratio_exact"] = _exact(comparison.impact_ratio_exact)
    return data


def _classification_dict(report: AuditReport, classification: str, labels: AuditLabels) -> dict[str, Any]:
    dimensions = _dimension_dicts(
        report, lambda d: next(c for c in d.classifications if c.classification == classification), _comparison_dict
    )
    return {
        "classification": classification,
        "name": labels.profile(classification),
        "rate": report.profile_rates[classification],
        "dimensions": dimensions,
    }


def _flag_dict(report: AuditReport, flag: str, labels: AuditLabels) -> dict[str, Any]:
    def comparison_dict(comparison: Any) -> dict[str, Any]:
        return {**asdict(comparison), "flag_ratio_exact": _exact(comparison.flag_ratio_exact)}

    dimensions = _dimension_dicts(report, lambda d: next(x for x in d.flags if x.flag == flag), comparison_dict)
    return {"flag": flag, "name": labels.flag(flag), "rate": report.flag_rates[flag], "dimensions": dimensions}


def _dimension_dicts(
    report: AuditReport, impact_of: Callable[[Any], Any], comparison_dict: Callable[[Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per dimension, one outcome's comparisons by category (a classification's or a flag's)."""
    dimensions = []
    for dimension in report.dimensions:
        impact = impact_of(dimension)
        dimensions.append(
            {
                "dimension": dimension.dimension,
                "reference": impact.reference(dimension.categories),
                "unknown": dimension.unknown,
                "categories": [
                    {
                        "category": category.category,
                        "applicants": category.applicants,
                        "share": category.share,
                        "excludable": category.excludable,
                        **comparison_dict(comparison),
                    }
                    for category, comparison in zip(dimension.categories, impact.comparisons, strict=True)
                ],
            }
        )
    return dimensions


def _category_dict(category: CategoryImpact) -> dict[str, Any]:
    return {
        **asdict(category),
        "selection": _comparison_dict(category.selection),
        "scoring": _comparison_dict(category.scoring),
    }


def audit_document(report: AuditReport, language: str = "en") -> AuditDocument:
    """Return the audit as its JSON document: figures, per-dimension references, classifications, notes.

    Gathered as a dict, which reads as the file does, then validated into :class:`AuditDocument` in strict
    mode (a number given as text, or a tuple where a list belongs, is an error, not converted), so a
    missing, misspelt or mistyped key fails in the tests and never reaches a file; the JSON written
    always matches ``docs/schema/audit.schema.json``.

    Parameters
    ----------
    report : AuditReport
    language : {"en", "nb", "sv", "nl"}, default "en"
        Language of the notes, warnings and display names; keys are the same in every language.
    """
    labels = AuditLabels(
        language,
        instrument_id=report.tool.instrument_id,
        instrument_version=report.tool.instrument_version,
    )
    tool = report.tool
    data = {
        "schema_version": AUDIT_SCHEMA_VERSION,
        "language": language,
        "profilefit_version": profilefit_version(),
        "audited_on": audit_date(),
        "sources": dict(report.sources),
        "tool": {
            **asdict(tool),
            "classifications": list(tool.classifications),
            "role_name": dict(tool.role_name),
            "role_scales": list(tool.role_scales),
            "bands": None if tool.bands is None else {"strong": tool.bands[0], "possible": tool.bands[1]},
            "description": tool_lines(tool, labels, report.profiles),
        },
        "select_band": report.select_band,
        "applicants": report.applicants,
        "selected": report.selected,
        "median_fit_score": report.median_fit_score,
        "above_median": report.above_median,
        "matched": report.matched,
        "matched_share": report.matched_share,
        "results_without_demographics": report.results_without_demographics,
        "demographics_without_results": report.demographics_without_results,
        "without_band": report.without_band,
        "without_score": report.without_score,
        "excludable_share": report.excludable_share,
        "profiles": list(report.profiles),
        "profile_names": {profile: labels.profile(profile) for profile in report.profiles},
        "profile_rates": dict(report.profile_rates),
        "dimensions": [
            {
                "dimension": dimension.dimension,
                "title": labels.dimension(dimension.dimension),
                "categories": [_category_dict(category) for category in dimension.categories],
                "unknown": dimension.unknown,
                "selection_reference": dimension.reference("selection"),
                "scoring_reference": dimension.reference("scoring"),
                "scales": [
                    {
                        "scale": scale.scale,
                        "name": labels.scale(scale.scale),
                        "categories": [
                            {"category": category.category, **asdict(statistics)}
                            for category, statistics in zip(dimension.categories, scale.statistics, strict=True)
                        ],
                    }
                    for scale in dimension.scales
                ],
            }
            for dimension in report.dimensions
        ],
        "classifications": [_classification_dict(report, profile, labels) for profile in report.profiles],
        # Needing review and each validity flag; an empty list when the results record neither.
        "flags": [_flag_dict(report, flag, labels) for flag in report.flags],
        "flag_rule": {"ratio": float(FLAG_RATIO_THRESHOLD), "alpha": FLAG_DISPARITY_ALPHA},
        "warnings": [
            {"code": code, "message": message}
            for code, message in zip(report.warnings, warning_lines(report, labels), strict=True)
        ],
        "notes": audit_notes(report, language),
    }
    return AuditDocument.model_validate(data, strict=True)


def audit_to_dict(report: AuditReport, language: str = "en") -> dict[str, Any]:
    """Return the audit as plain JSON-ready data: :func:`audit_document`, dumped.

    Parameters
    ----------
    report : AuditReport
    language : {"en", "nb", "sv", "nl"}, default "en"
        Language of the notes, warnings and display names; keys are the same in every language.
    """
    return audit_document(report, language).model_dump(mode="json")


def write_audit_json(report: AuditReport, path: str | Path, *, language: str = "en") -> Path:
    """Write :func:`audit_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    text = json.dumps(audit_to_dict(report, language), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, text_last: bool = False) -> list[str]:
    """Columns padded to their widest cell; text (the first column, and the last with ``text_last``) left-aligned."""
    body = [list(row) for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *body, strict=True)]
    left = {0, len(widths) - 1} if text_last else {0}

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if k in left else cell.rjust(width)
            for k, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in body)]


def _classification_matrix(report: AuditReport, dimension: DimensionImpact, labels: AuditLabels) -> list[str]:
    headers = [labels.t("col_category"), *(labels.profile(c.classification) for c in dimension.classifications)]
    rows = [
        [
            labels.category(dimension.dimension, category.category),
            *(classification_cell(impact.comparisons[k], labels) for impact in dimension.classifications),
        ]
        for k, category in enumerate(dimension.categories)
    ]
    return _table(headers, rows)


def _flag_matrix(dimension: DimensionImpact, labels: AuditLabels) -> list[str]:
    headers = [labels.t("col_category"), *(labels.flag(impact.flag) for impact in dimension.flags)]
    rows = [
        [
            labels.category(dimension.dimension, category.category),
            *(flag_cell(impact.comparisons[k], labels) for impact in dimension.flags),
        ]
        for k, category in enumerate(dimension.categories)
    ]
    return _table(headers, rows)


def _scale_table(dimension: DimensionImpact, labels: AuditLabels) -> list[str]:
    headers = [labels.t("col_category"), *(labels.scale(s.scale) for s in dimension.scales)]
    rows = [
        [
            labels.category(dimension.dimension, category.category),
            *(scale_cell(scale.statistics[k], labels) for scale in dimension.scales),
        ]
        for k, category in enumerate(dimension.categories)
    ]
    return _table(headers, rows)


def format_dimension(report: AuditReport, dimension: DimensionImpact, labels: AuditLabels) -> list[str]:
    """Lines of one dimension: selection, scoring, the unknown count, the classifications, the flags and scales."""
    title = labels.dimension(dimension.dimension)
    median = "–" if report.median_fit_score is None else labels.number(report.median_fit_score)
    selection = comparison_rows(dimension, [c.selection for c in dimension.categories], labels, report.excludable_share)
    scoring = comparison_rows(dimension, [c.scoring for c in dimension.categories], labels, report.excludable_share)
    return [
        title,
        "=" * len(title),
        labels.t("section_selection", band=labels.band(report.select_band)),
        *_table(comparison_headers(labels.t("col_selected"), labels), selection, text_last=True),
        "",
        labels.t("section_scoring", median=median),
        *_table(comparison_headers(labels.t("col_above_median"), labels), scoring, text_last=True),
        labels.t("unknown_line", count=dimension.unknown),
        "",
        labels.t("section_classifications"),
        labels.t("classifications_legend"),
        *_classification_matrix(report, dimension, labels),
        *(
            [
                "",
                labels.t("section_flags"),
                labels.t("flags_legend", **flag_rule(labels)),
                *_flag_matrix(dimension, labels),
            ]
            if dimension.flags
            else []
        ),
        *(
            [
                "",
                labels.t("section_scales", reference=scale_reference(dimension, labels)),
                labels.t("scales_legend"),
                *_scale_table(dimension, labels),
            ]
            if dimension.scales
            else []
        ),
    ]


def format_audit_text(report: AuditReport, language: str = "en") -> str:
    """Format the audit as plain text for a terminal: what was audited, the totals, one block per dimension.

    Parameters
    ----------
    report : AuditReport
    language : {"en", "nb", "sv", "nl"}, default "en"
    """
    labels = AuditLabels(
        language,
        instrument_id=report.tool.instrument_id,
        instrument_version=report.tool.instrument_version,
    )
    lines = [labels.t("heading", n=report.applicants), ""]
    lines += tool_lines(report.tool, labels, report.profiles)
    lines += summary_lines(report, labels)
    lines += [f"{labels.t('warning')}: {warning}" for warning in warning_lines(report, labels)]
    lines.append("")
    for dimension in report.dimensions:
        lines += [*format_dimension(report, dimension, labels), ""]
    lines.append(labels.t("section_flagged"))
    lines += [f"- {line}" for line in flagged(report, labels)] or [labels.t("flagged_none")]
    if report.flags:
        lines += ["", labels.t("section_flag_disparities")]
        disparities = flag_disparities(report, labels)
        lines += [f"- {line}" for line in disparities] or [labels.t("flag_disparities_none", **flag_rule(labels))]
    lines += ["", labels.t("section_overall")]
    lines += _table(
        (labels.t("col_group"), *(labels.profile(p) for p in report.profiles)),
        [[labels.t("all_candidates"), *(labels.percent(report.profile_rates[p]) for p in report.profiles)]],
    )
    if report.flags:
        lines += ["", labels.t("section_overall_flags")]
        lines += _table(
            (labels.t("col_group"), *(labels.flag(flag) for flag in report.flags)),
            [[labels.t("all_candidates"), *(labels.percent(report.flag_rates[flag]) for flag in report.flags)]],
        )
    lines += ["", labels.t("section_notes"), *(f"- {note}" for note in audit_notes(report, language))]
    return "\n".join(lines) + "\n"
