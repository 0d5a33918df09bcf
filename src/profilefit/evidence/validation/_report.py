"""A validation study as text for the terminal and as JSON for systems.

Observed and corrected validity are always printed apart and labelled: the corrected figures are
estimates that rest on the corrections' assumptions, never a replacement for what was observed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from profilefit.evidence.validation._cleary import ALPHA, FIT_UNIT, DifferentialPrediction
from profilefit.evidence.validation._document import STUDY_SCHEMA_VERSION, StudyDocument
from profilefit.evidence.validation._stats import BOOTSTRAP_RESAMPLES, Estimate, bootstrap_method
from profilefit.evidence.validation._study import MIN_GROUP_N, GroupOutcome, ValidationStudy
from profilefit.pages import catalogue

#: The study is written in English; its numbers follow the one rule of every page (profilefit.pages).
_EN = catalogue("en")


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else _EN.number(value, digits)


def _interval(estimate: Estimate | None, digits: int = 3) -> str:
    if estimate is None or estimate.low is None or estimate.high is None:
        return "[–]"
    return f"[{_EN.number(estimate.low, digits)}, {_EN.number(estimate.high, digits)}]"


def _share(estimate: Estimate) -> str:
    if math.isnan(estimate.value):
        return "–"
    low, high = estimate.low, estimate.high
    bounds = "" if low is None or high is None else f" [{_EN.percent(low)}, {_EN.percent(high)}]"
    return f"{_EN.percent(estimate.value)}{bounds}"


def _p(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else _EN.p_value(value, 3)


def multiple_testing_note(study: ValidationStudy) -> str | None:
    """A warning about false alarms when several dimensions are tested, or ``None`` for at most one."""
    tested = [analysis for analysis in study.differential if analysis.slopes_p is not None]
    if len(tested) < 2:
        return None
    chance = 1 - (1 - ALPHA) ** len(tested)
    return (
        f"{len(tested)} dimensions were tested at p < {ALPHA}: even if prediction were the same for every group, "
        f"about {chance:.0%} of such studies would flag at least one slope difference by chance. Confirm a "
        "difference on new outcomes before acting on it."
    )


def _group_lines(rows: tuple[GroupOutcome, ...], kind: str, *, fit_range: bool, title: str) -> list[str]:
    header = f"  {title:<16} {'n':>4} "
    if fit_range:
        header += f"  {'fit range':<11}"
    header += f"  {'share successful [95% CI]':<26}"
    if kind == "numeric":
        header += "  mean [95% CI]"
    lines = [header]
    for row in rows:
        line = f"  {row.label:<16} {row.n:>4}{'*' if row.n < MIN_GROUP_N else ' '}"
        if fit_range:
            span = "–" if row.fit_low is None else f"{row.fit_low:.1f}–{row.fit_high:.1f}"
            line += f"  {span:<11}"
        line += f"  {_share(row.success):<26}"
        if kind == "numeric":
            line += f"  {_number(row.mean.value, 2)} {_interval(row.mean, 2)}"
        lines.append(line)
    return lines


def _differential_lines(analysis: DifferentialPrediction, kind: str) -> list[str]:
    lines = [f"  {analysis.title}"]
    if analysis.reference is not None and analysis.reference_slope is not None:
        lines.append(
            f"    reference {analysis.reference} (n = {analysis.reference_n}): slope per {FIT_UNIT:g} fit points "
            f"{_number(analysis.reference_slope.value)} {_interval(analysis.reference_slope)}"
        )
        lines.append(
            f"    {'group':<28} {'n':>4}  {'intercept diff [95% CI]':<30} {'p':>6}  "
            f"{'slope diff [95% CI]':<30} {'p':>6}"
        )
        for group in analysis.groups:
            intercept = f"{_number(group.intercept_difference.value)} {_interval(group.intercept_difference)}"
            slope = f"{_number(group.slope_difference.value)} {_interval(group.slope_difference)}"
            lines.append(
                f"    {group.group:<28} {group.n:>4}  {intercept:<30} {_p(group.intercept_p):>6}  "
                f"{slope:<30} {_p(group.slope_p):>6}"
            )
    if analysis.left_out:
        small = ", ".join(f"{name} ({size})" for name, size in analysis.left_out.items())
        lines.append(f"    left out (fewer than 20 with an outcome): {small}")
    lines.append(f"    unknown category: {analysis.unknown}")
    lines.append(f"    {'PREDICTION DIFFERS' if analysis.differs else 'Finding'}: {analysis.finding}")
    return lines


def format_study_text(study: ValidationStudy) -> str:
    """The study as plain text for a terminal, observed and corrected validity labelled apart."""
    counts, validity = study.counts, study.validity
    kind = "yes/no" if study.kind == "binary" else "numeric"
    title = f"Local validation study: fit score against {study.outcome} ({kind})"
    lines = [title, "=" * len(title)]
    if study.too_small:
        lines += [f"TOO SMALL TO CONCLUDE: n = {counts.study_n}, below 100. Figures follow; read them as a pilot.", ""]
    unmatched = ""
    if counts.unmatched_examples:
        unmatched = f" (e.g. {', '.join(counts.unmatched_examples)})"
    lines += [
        "",
        "Sample",
        f"  applicants in results            {counts.applicants:>5}  "
        f"(incomplete fits, not selected: {counts.incomplete_fits})",
        f"  outcome rows                     {counts.outcome_rows:>5}",
        f"    matched to a result            {counts.matched:>5}",
        f"    without a result (left out)    {counts.unmatched_outcomes:>5}{unmatched}",
        f"  matched, outcome blank           {counts.blank_outcomes:>5}  (left out)",
        f"  matched, no fit score            {counts.outcome_without_fit:>5}  (incomplete fit; left out of validity)",
        f"  study sample: fit and outcome    {counts.study_n:>5}",
        f"  applicants without an outcome    {counts.without_outcome:>5}  (not hired or not yet measured)",
        "",
        f"Validity of the fit score, OBSERVED among the hired (n = {counts.study_n}; "
        f"95% {bootstrap_method(counts.study_n)} bootstrap, "
        f"{BOOTSTRAP_RESAMPLES} resamples)",
        f"  Pearson r       {_number(validity.pearson.value)} {_interval(validity.pearson)}  "
        f"p = {_p(validity.pearson_p)}",
        f"  Spearman rho    {_number(validity.spearman.value)} {_interval(validity.spearman)}  "
        f"p = {_p(validity.spearman_p)}",
        "",
        "Validity CORRECTED, an estimate for all applicants (not observed; Pearson r corrected, bounds likewise)",
        f"  range restriction, Thorndike Case II: U = SD applicants {validity.sd_applicants:.2f} / SD hired "
        f"{validity.sd_hired:.2f} = {_number(validity.u, 3)}",
        f"    corrected r   {_number(validity.range_corrected.value)} {_interval(validity.range_corrected)}",
    ]
    if validity.fully_corrected is not None:
        lines += [
            f"  and criterion unreliability, r_yy = {validity.criterion_reliability:g}",
            f"    corrected r   {_number(validity.fully_corrected.value)} {_interval(validity.fully_corrected)}",
        ]
    else:
        lines.append(
            "  criterion unreliability: not corrected (give --criterion-reliability, e.g. 0.52 for supervisor ratings)"
        )
    lines += [
        "",
        f"Expectancy: share successful ({study.outcome} {study.success_rule}) by fit band",
        *_group_lines(study.by_band, study.kind, fit_range=True, title="band"),
        "",
        "Expectancy by fit quintile of the study sample",
        *_group_lines(study.by_quintile, study.kind, fit_range=True, title="fifth"),
        "",
        f"Outcome by top profile ({'share of yes' if study.kind == 'binary' else 'mean'} with 95% CI)",
        *_group_lines(study.profiles, study.kind, fit_range=False, title="profile"),
        f"  * fewer than {MIN_GROUP_N}: shown, not compared.",
        f"  HBR's claim, tested here: {study.controller_check.finding}",
        f"  Controllers minus everyone else: {_number(study.controller_check.difference.value)} "
        f"{_interval(study.controller_check.difference)} (Welch)",
        "",
        "Outcome by scale: r with the outcome (Fisher 95% CI) and outcome in thirds of the applicants' scores",
    ]
    for scale in study.scales:
        thirds = "  ".join(
            f"{third.label.split()[0]} {_number(third.mean.value, 2)} (n={third.n})" for third in scale.thirds
        )
        lines.append(f"  {scale.scale:<16} r {_number(scale.r.value)} {_interval(scale.r)}  {thirds}")
    if study.differential:
        lines += ["", "Differential prediction by group (Cleary): outcome ~ fit + group + fit × group, fit centred"]
        for analysis in study.differential:
            lines += _differential_lines(analysis, study.kind)
    notes = list(study.notes)
    note = multiple_testing_note(study)
    if note:
        notes.append(note)
    lines += ["", "Notes", *(f"  - {text}" for text in notes), ""]
    return "\n".join(line.rstrip() for line in lines)


def _estimate(estimate: Estimate | None) -> dict[str, float | None] | None:
    if estimate is None:
        return None
    return {"value": _finite(estimate.value), "low": _finite(estimate.low), "high": _finite(estimate.high)}


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _group(row: GroupOutcome) -> dict[str, Any]:
    return {
        "label": row.label,
        "n": row.n,
        "mean": _estimate(row.mean),
        "share_successful": _estimate(row.success),
        "fit_low": row.fit_low,
        "fit_high": row.fit_high,
    }


def study_document(study: ValidationStudy) -> StudyDocument:
    """The study as its JSON document; ``None`` where a figure cannot be computed.

    Gathered as a dict, which reads as the file does, then validated into :class:`StudyDocument` in strict
    mode (a number given as text, or a tuple where a list belongs, is an error, not converted), so a
    missing, misspelt or mistyped key fails in the tests and never reaches a file; the JSON written
    always matches ``docs/schema/validation.schema.json``.
    """
    validity = study.validity
    data = {
        "schema_version": STUDY_SCHEMA_VERSION,
        "outcome": study.outcome,
        "kind": study.kind,
        "success_rule": study.success_rule,
        "median_outcome": study.median_outcome,
        "too_small_to_conclude": study.too_small,
        "counts": {**vars(study.counts), "unmatched_examples": list(study.counts.unmatched_examples)},
        "validity": {
            "observed": {
                "n": study.counts.study_n,
                "pearson": {**(_estimate(validity.pearson) or {}), "p": _finite(validity.pearson_p)},
                "spearman": {**(_estimate(validity.spearman) or {}), "p": _finite(validity.spearman_p)},
                "interval": f"{bootstrap_method(study.counts.study_n)} bootstrap, {BOOTSTRAP_RESAMPLES} resamples, 95%",
            },
            "corrected": {
                "sd_applicants": _finite(validity.sd_applicants),
                "sd_hired": _finite(validity.sd_hired),
                "u": _finite(validity.u),
                "range_restriction_case_ii": _estimate(validity.range_corrected),
                "criterion_reliability": validity.criterion_reliability,
                "range_restriction_and_criterion": _estimate(validity.fully_corrected),
            },
        },
        "expectancy_by_band": [_group(row) for row in study.by_band],
        "expectancy_by_quintile": [_group(row) for row in study.by_quintile],
        "profiles": [_group(row) for row in study.profiles],
        "controller_check": {
            "controllers": study.controller_check.controllers,
            "highest_profile": study.controller_check.highest_profile,
            "difference_to_others": _estimate(study.controller_check.difference),
            "finding": study.controller_check.finding,
        },
        "scales": [
            {"scale": s.scale, "n": s.n, "r": _estimate(s.r), "thirds": [_group(t) for t in s.thirds]}
            for s in study.scales
        ],
        "differential_prediction": [
            {
                "dimension": a.dimension,
                "reference": a.reference,
                "reference_n": a.reference_n,
                "reference_slope_per_10_fit_points": _estimate(a.reference_slope),
                "groups": [
                    {
                        "group": g.group,
                        "n": g.n,
                        "intercept_difference": _estimate(g.intercept_difference),
                        "intercept_p": _finite(g.intercept_p),
                        "slope_difference_per_10_fit_points": _estimate(g.slope_difference),
                        "slope_p": _finite(g.slope_p),
                    }
                    for g in a.groups
                ],
                "left_out": a.left_out,
                "unknown": a.unknown,
                "slopes_p": _finite(a.slopes_p),
                "intercepts_p": _finite(a.intercepts_p),
                "prediction_differs": a.differs,
                "finding": a.finding,
            }
            for a in study.differential
        ],
        "notes": [*study.notes, *filter(None, [multiple_testing_note(study)])],
    }
    return StudyDocument.model_validate(data, strict=True)


def study_to_dict(study: ValidationStudy) -> dict[str, Any]:
    """The study as a JSON-ready dict: :func:`study_document`, dumped (``null`` where a figure cannot be computed)."""
    return study_document(study).model_dump(mode="json")


def write_study_json(study: ValidationStudy, path: str | Path) -> Path:
    """Write the study as JSON (UTF-8, indented) and return the path."""
    path = Path(path)
    path.write_text(json.dumps(study_to_dict(study), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
