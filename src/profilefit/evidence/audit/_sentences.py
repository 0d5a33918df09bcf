"""What the audit says, in its language: the sentences and formatted cells that the text and the page share.

Numbers are written as the language writes them (:class:`~profilefit.evidence.audit.AuditLabels`); data
strings are marked for direction isolation when the labels ask for it (the HTML page does).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata

from profilefit.evidence.audit._impact import AuditReport, CategoryImpact, DimensionImpact, FlagImpact
from profilefit.evidence.audit._rates import FLAG_DISPARITY_ALPHA, FLAG_RATIO_THRESHOLD, FlagComparison, RateComparison
from profilefit.evidence.audit._scales import ScaleStatistics
from profilefit.evidence.audit._strings import AuditLabels
from profilefit.evidence.audit._tool import AuditedTool


def profilefit_version() -> str:
    """The installed profilefit version, for the audit's footer and JSON."""
    try:
        return metadata.version("profilefit")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def tool_lines(tool: AuditedTool, labels: AuditLabels, profiles: Sequence[str]) -> list[str]:
    """Sentences that say what was audited: the model and its training data, the role, the classifications."""
    model = None if tool.model_id is None else labels.data(tool.model_id)
    if model is None:
        lines = [labels.t("model_unnamed")]
    elif tool.is_reference:
        lines = [labels.t("model_reference", model=model)]
    elif tool.trained_on == "simulation":
        lines = [labels.t("model_simulation", model=model)]
    elif tool.trained_on == "organisation data":
        lines = [labels.t("model_organisation", model=model)]
    else:
        lines = [labels.t("model_unknown", model=model)]
    if tool.instrument_id is not None and tool.instrument_version is not None:
        instrument = labels.data(f"{tool.instrument_id} {tool.instrument_version}")
        lines.append(labels.t("instrument_line", instrument=instrument))
    if tool.role_id is not None and tool.bands is not None:
        name = labels.data(tool.role_name.get(labels.language) or tool.role_name.get("en") or tool.role_id)
        strong, possible = tool.bands
        strong_text, possible_text = labels.number(strong, 0), labels.number(possible, 0)
        lines.append(labels.t("role_line", role=name, strong=strong_text, possible=possible_text))
        if tool.role_scales:
            scales = ", ".join(labels.scale(scale) for scale in tool.role_scales)
            lines.append(labels.t("role_scales", scales=scales))
    else:
        lines.append(labels.t("role_unknown"))
    lines.append(labels.t("classifications_line", names=", ".join(labels.profile(p) for p in profiles)))
    return lines


def audit_date() -> str:
    """Today's date (UTC) as ``YYYY-MM-DD``; ``SOURCE_DATE_EPOCH`` fixes it, for reproducible outputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def summary_lines(report: AuditReport, labels: AuditLabels) -> list[str]:
    """Sentences with the totals: selected, the median, how many results matched demographics, the data."""
    n = report.applicants
    lines = [
        labels.t(
            "selected_line",
            band=labels.band(report.select_band),
            selected=report.selected,
            n=n,
            share=labels.percent(report.selected / n),
        ),
        labels.t("median_none")
        if report.median_fit_score is None
        else labels.t("median_line", median=labels.number(report.median_fit_score), above=report.above_median),
        labels.t(
            "matched_line",
            matched=report.matched,
            n=n,
            share=labels.percent(report.matched_share),
            orphans=report.demographics_without_results,
        ),
    ]
    sources = report.sources
    if sources:
        lines.append(
            labels.t(
                "sources_line",
                results=labels.data(sources["results"]),
                results_sha256=sources["results_sha256"][:12],
                demographics=labels.data(sources["demographics"]),
                demographics_sha256=sources["demographics_sha256"][:12],
                date=audit_date(),
            )
        )
    else:
        lines.append(labels.t("audited_on", date=audit_date()))
    return lines


def warning_lines(report: AuditReport, labels: AuditLabels) -> list[str]:
    """One sentence per warning of the report, in the audit's language."""
    unlisted = sorted(set(report.profiles) - {*report.tool.classifications, "undetermined"})
    values: dict[str, dict[str, object]] = {
        "low_match": {"matched": report.matched, "n": report.applicants, "share": labels.percent(report.matched_share)},
        "no_band": {"count": report.without_band},
        "unlisted_classifications": {"profiles": ", ".join(labels.profile(p) for p in unlisted)},
    }
    return [labels.t(f"warning_{code}", **values.get(code, {})) for code in report.warnings]


def audit_notes(report: AuditReport, language: str = "en") -> list[str]:
    """Return the sentences every output of the audit carries: how to read it and what it is not."""
    labels = AuditLabels(language)
    return [
        labels.t("note_ratio", share=labels.percent(report.excludable_share, 0)),
        labels.t("note_unknown"),
        labels.t("note_classifications"),
        *([labels.t("note_flags", **flag_rule(labels))] if report.flags else []),
        labels.t("note_four_fifths"),
        labels.t("note_human"),
        labels.t("note_not_legal"),
    ]


def flag_rule(labels: AuditLabels) -> dict[str, str]:
    """The ``ratio`` and ``alpha`` of the notable-disparity rule for flags, written in the audit's language."""
    return {"ratio": labels.number(float(FLAG_RATIO_THRESHOLD)), "alpha": labels.number(FLAG_DISPARITY_ALPHA)}


def category_note(
    category: CategoryImpact, comparison: RateComparison | FlagComparison, labels: AuditLabels, share: float
) -> str:
    """``reference`` and/or ``excludable`` for one category's rate, in the audit's language."""
    notes = []
    if comparison.is_reference:
        notes.append(labels.t("note_reference"))
    if category.excludable:
        notes.append(labels.t("note_excludable", share=labels.percent(share, 0)))
    return ", ".join(notes)


def comparison_cells(comparison: RateComparison, labels: AuditLabels) -> list[str]:
    """Rate, IR, IR all, below 4/5, Fisher p, its q, z and z p of one comparison, formatted."""
    return [
        labels.ratio(comparison.rate),
        labels.ratio(comparison.impact_ratio),
        labels.ratio(comparison.impact_ratio_all),
        labels.yes_no(comparison.below_four_fifths),
        labels.p(comparison.fisher_p),
        labels.p(comparison.fisher_q),
        labels.z(comparison.z),
        labels.p(comparison.z_p),
    ]


def comparison_headers(count_header: str, labels: AuditLabels) -> list[str]:
    """Column headers of a comparison table, in the audit's language."""
    keys = ("col_rate", "col_ir", "col_ir_all", "col_below", "col_fisher", "col_q", "col_z", "col_zp")
    return [
        labels.t("col_category"),
        labels.t("col_applicants"),
        labels.t("col_share"),
        count_header,
        *(labels.t(key) for key in keys),
        labels.t("col_note"),
    ]


def comparison_rows(
    dimension: DimensionImpact,
    comparisons: Sequence[RateComparison],
    labels: AuditLabels,
    excludable_share: float,
) -> list[list[str]]:
    """One formatted row per category of a rate (selection, scoring or one classification)."""
    return [
        [
            labels.category(dimension.dimension, category.category),
            labels.count(category.applicants),
            labels.percent(category.share),
            labels.count(comparison.count),
            *comparison_cells(comparison, labels),
            category_note(category, comparison, labels, excludable_share),
        ]
        for category, comparison in zip(dimension.categories, comparisons, strict=True)
    ]


def classification_cell(comparison: RateComparison, labels: AuditLabels) -> str:
    """``rate (IR)`` of one category and classification, with ``!`` when the IR is below four-fifths."""
    flag = "!" if comparison.below_four_fifths else ""
    return f"{labels.ratio(comparison.rate)} ({labels.ratio(comparison.impact_ratio)}){flag}"


#: Classification ratios below four-fifths are listed one by one only when their Benjamini–Hochberg q is
#: below this; the others are counted (eight classifications give many low ratios by chance).
FLAG_LIST_ALPHA = 0.05


def fisher_tests(report: AuditReport) -> int:
    """How many Fisher tests the audit ran: the family its q-values are adjusted over."""
    return sum(p is not None for dimension in report.dimensions for p in dimension.fisher_ps())


def flagged(report: AuditReport, labels: AuditLabels) -> list[str]:
    """Impact ratios below four-fifths, one sentence each.

    Every one of the selection and scoring rates; of the classifications, those whose q (Fisher's p
    adjusted for the audit's many tests) is below :data:`FLAG_LIST_ALPHA`, and a closing sentence
    counting the others.
    """
    lines = []
    unlisted = 0
    for dimension in report.dimensions:
        groups: list[tuple[str, Sequence[RateComparison], bool]] = [
            (labels.t("what_selection"), [c.selection for c in dimension.categories], True),
            (labels.t("what_scoring"), [c.scoring for c in dimension.categories], True),
            *(
                (labels.t("what_classification", name=labels.profile(impact.classification)), impact.comparisons, False)
                for impact in dimension.classifications
            ),
        ]
        for what, comparisons, every in groups:
            for category, comparison in zip(dimension.categories, comparisons, strict=True):
                if not comparison.below_four_fifths:
                    continue
                if not every and (comparison.fisher_q is None or comparison.fisher_q >= FLAG_LIST_ALPHA):
                    unlisted += 1
                    continue
                lines.append(
                    labels.t(
                        "flagged_item",
                        dimension=labels.dimension(dimension.dimension),
                        what=what,
                        category=labels.category(dimension.dimension, category.category),
                        ir=labels.ratio(comparison.impact_ratio),
                        fisher=labels.p(comparison.fisher_p),
                        q=labels.p(comparison.fisher_q),
                        zp=labels.p(comparison.z_p),
                        count=comparison.count,
                        applicants=category.applicants,
                        shortfall=labels.t("shortfall", count=comparison.shortfall),
                    )
                )
    if unlisted:
        alpha = labels.number(FLAG_LIST_ALPHA)
        lines.append(labels.t("flagged_more", count=unlisted, alpha=alpha, tests=fisher_tests(report)))
    return lines


def flag_cell(comparison: FlagComparison, labels: AuditLabels) -> str:
    """``rate (ratio to the lowest)`` of one category and flag, with ``!`` for a notable disparity."""
    return f"{labels.ratio(comparison.rate)} ({labels.ratio(comparison.flag_ratio)}){'!' if comparison.notable else ''}"


def flag_headers(labels: AuditLabels) -> list[str]:
    """Column headers of one flag's table, in the audit's language."""
    keys = ("col_flagged", "col_rate", "col_flag_ratio", "col_fisher", "col_q", "col_z", "col_zp", "col_notable")
    return [labels.t("col_category"), labels.t("col_applicants"), labels.t("col_share"), *(labels.t(k) for k in keys)]


def flag_cells(comparison: FlagComparison, labels: AuditLabels) -> list[str]:
    """Count, rate, ratio to the lowest, Fisher p, its q, z, z p and whether notable, formatted."""
    return [
        labels.count(comparison.count),
        labels.ratio(comparison.rate),
        labels.ratio(comparison.flag_ratio),
        labels.p(comparison.fisher_p),
        labels.p(comparison.fisher_q),
        labels.z(comparison.z),
        labels.p(comparison.z_p),
        labels.yes_no(comparison.notable),
    ]


def flag_rows(dimension: DimensionImpact, impact: FlagImpact, labels: AuditLabels, share: float) -> list[list[str]]:
    """One formatted row per category of one flag: name, applicants, share, the :func:`flag_cells`, a note."""
    return [
        [
            labels.category(dimension.dimension, category.category),
            labels.count(category.applicants),
            labels.percent(category.share),
            *flag_cells(comparison, labels),
            category_note(category, comparison, labels, share),
        ]
        for category, comparison in zip(dimension.categories, impact.comparisons, strict=True)
    ]


def flag_disparities(report: AuditReport, labels: AuditLabels) -> list[str]:
    """The notable disparities in flag rates (:attr:`FlagComparison.notable`), one sentence each."""
    lines = []
    for dimension in report.dimensions:
        for impact in dimension.flags:
            reference = impact.reference(dimension.categories)
            for category, comparison in zip(dimension.categories, impact.comparisons, strict=True):
                if not comparison.notable or reference is None:
                    continue
                lines.append(
                    labels.t(
                        "flag_disparity_item" if comparison.flag_ratio is not None else "flag_disparity_item_zero",
                        dimension=labels.dimension(dimension.dimension),
                        flag=labels.flag(impact.flag),
                        category=labels.category(dimension.dimension, category.category),
                        rate=labels.percent(comparison.rate),
                        count=comparison.count,
                        applicants=category.applicants,
                        ratio=labels.ratio(comparison.flag_ratio),
                        reference=labels.category(dimension.dimension, reference),
                        fisher=labels.p(comparison.fisher_p),
                        q=labels.p(comparison.fisher_q),
                        zp=labels.p(comparison.z_p),
                    )
                )
    return lines


def scale_cell(statistics: ScaleStatistics, labels: AuditLabels) -> str:
    """``mean (d)`` of one category on one scale, or a dash without scores."""
    if statistics.mean is None:
        return labels.t("dash")
    return f"{labels.number(statistics.mean)} ({labels.z(statistics.d)})"


def scale_reference(dimension: DimensionImpact, labels: AuditLabels) -> str:
    """Display name of the category the scale differences are measured from."""
    for category, statistics in zip(dimension.categories, dimension.scales[0].statistics, strict=True):
        if statistics.is_reference:
            return labels.category(dimension.dimension, category.category)
    return labels.t("dash")
