"""The adverse-impact audit of a learned role next to the current one, on the same applicants."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from profilefit.evidence.validation._inputs import INCOMPLETE, Applicants

if TYPE_CHECKING:
    from profilefit.evidence.audit import AuditReport, DemographicsTable, ScoredCandidate
    from profilefit.evidence.validation._learn import LearnedRole


def _scored(applicants: Applicants, fit: NDArray[np.float64], band: NDArray[np.str_]) -> list[ScoredCandidate]:
    """Candidates for the audit: an incomplete fit counts as not selected ("weak") and below every score."""
    from profilefit.evidence.audit import ScoredCandidate

    return [
        ScoredCandidate(
            candidate_id,
            str(profile),
            0.0 if math.isnan(score) or str(b) == INCOMPLETE else float(score),
            "weak" if str(b) == INCOMPLETE else str(b),
        )
        for candidate_id, profile, score, b in zip(applicants.ids, applicants.profile, fit, band, strict=True)
    ]


def impact_comparison(
    applicants: Applicants, learned: LearnedRole, demographics: DemographicsTable
) -> tuple[AuditReport, AuditReport]:
    """The adverse-impact audit of the current role and of the learned role, on the same applicants.

    An incomplete fit counts as not selected in both. Returns ``(current, learned)``.
    """
    from profilefit.evidence.audit import adverse_impact

    current = adverse_impact(_scored(applicants, applicants.fit, applicants.band), demographics)
    new = adverse_impact(_scored(applicants, learned.learned_fit, learned.learned_band), demographics)
    return current, new


def format_impact_comparison(current: AuditReport, learned: AuditReport) -> str:
    """Selection rates and impact ratios per category, current role next to the learned one."""
    lines = [
        f"Adverse impact at band {current.select_band!r} or higher: current role against learned role "
        f"(selected {current.selected} and {learned.selected} of {current.applicants})",
        f"  {'category':<44} {'n':>4}  {'current rate':>12} {'ratio':>6}  {'learned rate':>12} {'ratio':>6}",
    ]
    learned_dimensions = {d.dimension: d for d in learned.dimensions}
    for dimension in current.dimensions:
        lines.append(f"  {dimension.title}")
        other = {c.category: c for c in learned_dimensions[dimension.dimension].categories}
        for category in dimension.categories:
            new = other[category.category]

            def ratio(value: float | None, below: bool | None) -> str:
                return "–" if value is None else f"{value:.2f}{'!' if below else ' '}"

            lines.append(
                f"    {category.category:<42} {category.applicants:>4}  {category.selection.rate:>12.3f} "
                f"{ratio(category.selection.impact_ratio, category.selection.below_four_fifths):>6}  "
                f"{new.selection.rate:>12.3f} {ratio(new.selection.impact_ratio, new.selection.below_four_fifths):>6}"
            )
    lines.append(
        "  ! impact ratio below four-fifths: look into it (a rule of thumb, not a verdict). See docs/fairness.md."
    )
    return "\n".join(lines) + "\n"
