"""The audit as a terminal table, flat CSV rows and JSON; the HTML page is in :mod:`profilefit.audit._html`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from profilefit.audit._impact import AuditReport, CategoryImpact, DimensionImpact, RateComparison
from profilefit.io import csv_cell

#: Version of the JSON layout; it changes when a key is renamed or removed.
AUDIT_SCHEMA_VERSION = "profilefit.audit/1"

FOUR_FIFTHS_NOTE = (
    "The four-fifths rule is a rule of thumb: an impact ratio below 0.8 calls for a closer look at how "
    "candidates are screened, not a verdict that the screen discriminates. With small groups, ratios and "
    "p-values swing widely."
)
HUMAN_DECISION_NOTE = (
    "profilefit's fit bands support a human decision; they must not be the sole basis for rejecting anyone."
)
SIMULATED_DATA_NOTE = (
    "The reference model is trained on simulated candidates, not on real people labelled with profiles."
)
NOT_LEGAL_ADVICE_NOTE = "This audit is not legal advice; docs/fairness.md gives the rules it follows and their sources."


def audit_notes(report: AuditReport) -> list[str]:
    """Return the sentences every output of the audit carries: how to read it and what it is not."""
    return [
        f"Selected: fit band {report.select_band!r} or higher. Scoring rate: share with a fit score strictly "
        f"above the median fit score of all {report.applicants} audited candidates ({report.median_fit_score:.2f}).",
        f"Impact ratio (IR): a category's rate over the highest rate. Categories under "
        f"{report.excludable_share:.0%} of the audited candidates are marked excludable: their counts and "
        "rates are shown, they get no IR, and the highest rate is taken among the other categories. "
        "'IR all' includes every category.",
        "Candidates with an unknown category, or with no demographics row, are counted and never enter a ratio. "
        "Fisher's exact test and the pooled two-proportion z test compare each category with the reference "
        "category (two-sided p).",
        FOUR_FIFTHS_NOTE,
        HUMAN_DECISION_NOTE,
        SIMULATED_DATA_NOTE,
        NOT_LEGAL_ADVICE_NOTE,
    ]


def _comparison_fields(prefix: str, comparison: RateComparison) -> dict[str, Any]:
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
    }


def audit_rows(report: AuditReport) -> list[dict[str, Any]]:
    """One flat row per category of each dimension, then its unknown count, after one row for everyone.

    The ``kind`` column says which: ``"all"``, ``"category"`` or ``"unknown"``. Figures that do not
    apply to a row are ``None``. ``profile_<id>`` columns hold the share assigned each top profile.
    """
    empty = {key: None for key in _comparison_fields("selection", _EMPTY)} | {
        key: None for key in _comparison_fields("scoring", _EMPTY)
    }
    no_profiles = {f"profile_{profile}": None for profile in report.profiles}
    everyone = {
        "kind": "all",
        "dimension": "all",
        "category": "all audited candidates",
        "applicants": report.applicants,
        "share": 1.0,
        "excludable": None,
        **empty,
        "selection_count": report.selected,
        "selection_rate": report.selected / report.applicants,
        "scoring_count": report.above_median,
        "scoring_rate": report.above_median / report.applicants,
        **{f"profile_{profile}": share for profile, share in report.profile_rates.items()},
    }
    rows = [everyone]
    for dimension in report.dimensions:
        for category in dimension.categories:
            rows.append(
                {
                    "kind": "category",
                    "dimension": dimension.dimension,
                    "category": category.category,
                    "applicants": category.applicants,
                    "share": category.share,
                    "excludable": category.excludable,
                    **_comparison_fields("selection", category.selection),
                    **_comparison_fields("scoring", category.scoring),
                    **{f"profile_{profile}": share for profile, share in category.profile_rates.items()},
                }
            )
        rows.append(
            {
                "kind": "unknown",
                "dimension": dimension.dimension,
                "category": "unknown",
                "applicants": dimension.unknown,
                "share": dimension.unknown / report.applicants,
                "excludable": None,
                **empty,
                **no_profiles,
            }
        )
    return rows


_EMPTY = RateComparison(0, 0.0, None, None, None, False, None, None, None)


def write_audit_csv(report: AuditReport, path: str | Path) -> Path:
    """Write :func:`audit_rows` as UTF-8 CSV; a text cell a spreadsheet would run as a formula gets a leading ``'``."""
    rows = audit_rows(report)
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(rows[0]))
        writer.writerows([csv_cell(value) for value in row.values()] for row in rows)
    return path


def audit_to_dict(report: AuditReport) -> dict[str, Any]:
    """Return the audit as plain JSON-ready data: figures, per-dimension references, and the notes."""
    data = asdict(report)
    data["dimensions"] = [
        {
            **asdict(dimension),
            "selection_reference": dimension.reference("selection"),
            "scoring_reference": dimension.reference("scoring"),
        }
        for dimension in report.dimensions
    ]
    return {"schema_version": AUDIT_SCHEMA_VERSION, **data, "notes": audit_notes(report)}


def write_audit_json(report: AuditReport, path: str | Path) -> Path:
    """Write :func:`audit_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    text = json.dumps(audit_to_dict(report), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _z(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _flag(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


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


def _category_note(category: CategoryImpact) -> str:
    notes = []
    if category.selection.is_reference:
        notes.append("sel. ref")
    if category.scoring.is_reference:
        notes.append("score ref")
    if category.excludable:
        notes.append("excludable")
    return ", ".join(notes)


def format_dimension(dimension: DimensionImpact, profiles: Sequence[str]) -> list[str]:
    """Lines of one dimension: the impact table, the unknown count, and the profile shares."""
    headers = (
        "Category", "Applicants", "Share", "Selected", "Sel. rate", "IR", "IR all", "<4/5", "Fisher p", "z", "z p",
        "Score rate", "IR", "IR all", "<4/5", "Note",
    )  # fmt: skip
    rows = [
        (
            c.category,
            str(c.applicants),
            f"{c.share:.1%}",
            str(c.selection.count),
            _rate(c.selection.rate),
            _rate(c.selection.impact_ratio),
            _rate(c.selection.impact_ratio_all),
            _flag(c.selection.below_four_fifths),
            _p(c.selection.fisher_p),
            _z(c.selection.z),
            _p(c.selection.z_p),
            _rate(c.scoring.rate),
            _rate(c.scoring.impact_ratio),
            _rate(c.scoring.impact_ratio_all),
            _flag(c.scoring.below_four_fifths),
            _category_note(c),
        )
        for c in dimension.categories
    ]
    lines = [dimension.title, *_table(headers, rows, text_last=True), f"Unknown category: {dimension.unknown}", ""]
    profile_rows = [
        (c.category, *(f"{c.profile_rates[profile]:.0%}" for profile in profiles)) for c in dimension.categories
    ]
    lines += [f"{dimension.title}: top profile, share of each category", *_table(("Category", *profiles), profile_rows)]
    return lines


def format_audit_text(report: AuditReport) -> str:
    """Format the audit as plain text for a terminal: a summary, one table per dimension, and the notes."""
    lines = [
        f"Adverse-impact audit of {report.applicants} candidates",
        f"Selected (fit band {report.select_band!r} or higher): {report.selected} "
        f"({report.selected / report.applicants:.1%}). Median fit score {report.median_fit_score:.2f}; "
        f"{report.above_median} strictly above it.",
        f"Candidates without demographics: {report.results_without_demographics} (unknown in every dimension). "
        f"Demographics rows without a result: {report.demographics_without_results} (ignored).",
        "",
    ]
    if not report.dimensions:
        lines += ["The demographics file reports no dimension the audit can use.", ""]
    for dimension in report.dimensions:
        lines += [*format_dimension(dimension, report.profiles), ""]
    lines += ["Top profile, share of all audited candidates:"]
    lines += _table(
        ("Group", *report.profiles), [["all", *(f"{report.profile_rates[p]:.0%}" for p in report.profiles)]]
    )
    lines += ["", *audit_notes(report)]
    return "\n".join(lines) + "\n"
