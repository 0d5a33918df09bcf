"""One candidate's report: text for the terminal, JSON for systems, a self-contained HTML page for people.

All three read a :class:`~profilefit.core.screening.ScreeningResult` and nothing else, so a
report can be made from a stored result. The HTML page is rendered from the template
``pages/reports/candidate.html`` (see :mod:`profilefit.pages`): this module
only decides what the page says.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from profilefit.core.fit import RoleFit, RoleProfile
from profilefit.core.instrument import Instrument
from profilefit.core.screening import UNDETERMINED, ScreeningResult
from profilefit.pages import MAX_ID_CHARS, capped, isolate, render_page, terminal_text
from profilefit.pages.reports._charts import FitChart, ProfileChart, ScaleChart, fit_chart, profile_chart, scale_chart
from profilefit.pages.reports._strings import Labels, instrument_named, role_for

#: The classifier features a report lists under "why this profile rather than the runner-up".
TOP_CONTRIBUTIONS = 5
#: Log-odds a feature adds to the top profile over the runner-up, from which its pull is called
#: strong or moderate (below: slight). One log-odds unit multiplies the odds by e (about 2.7).
STRONG_PULL, MODERATE_PULL = 1.0, 0.4


def profilefit_version() -> str:
    """The installed profilefit version, for the footer of every report."""
    try:
        return metadata.version("profilefit")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


#: How the shipped reference models' ids begin (``profilefit-reference-2026.12-...``): a results file records
#: the model's id, not what it was trained on, and these ids say it (the documented simulation).
REFERENCE_MODEL_PREFIX = "profilefit-reference-"


def trained_on_of(model_id: str | None, trained_on: str | None = None) -> str | None:
    """What the model behind a result was trained on: as recorded, else told by a shipped model's id, else ``None``.

    Examples
    --------
    >>> trained_on_of("profilefit-reference-2026.12-seed20261123")
    'simulation'
    >>> trained_on_of("customer-contact-labels-seed0") is None
    True
    >>> trained_on_of("anything", "organisation data")
    'organisation data'
    """
    if trained_on:
        return trained_on
    if model_id and model_id.startswith(REFERENCE_MODEL_PREFIX):
        return "simulation"
    return None


def notices(
    result_trained_on: str | None, labels: Labels, model_id: str | None = None, *, isolated: bool = True
) -> list[str]:
    """The sentences every report and page carries: decision support, and what the model was trained on.

    ``"simulation"``: the reference model's simulated candidates; another value: the organisation's own data;
    ``None``: a model that is not a shipped one, whose training data the results do not record (``model_id``
    names it; wrapped in FSI … PDI with ``isolated``, for pages). Each page says only what holds for the
    model that scored it.
    """
    sentences = [labels.t("notice_human")]
    if result_trained_on == "simulation":
        sentences.append(labels.t("notice_simulated"))
    elif result_trained_on is None:
        named = capped(model_id or "?")
        sentences.append(labels.t("notice_model_unknown", model=isolate(named) if isolated else named))
    else:
        sentences.append(labels.t("notice_organisation_model"))
    return sentences


def json_report(result: ScreeningResult) -> str:
    """The result as indented JSON: the published result schema, fit included."""
    return result.model_dump_json(indent=2) + "\n"


def _distinct_percents(value: float, threshold: float, labels: Labels) -> tuple[str, str]:
    """Both shares as percentages with as few decimals as keep them apart (41 % is never "below 41 %")."""
    for decimals in (0, 1, 2):
        shown = labels.percent(value, decimals), labels.percent(threshold, decimals)
        if shown[0] != shown[1]:
            break
    return shown


def _review_reasons(result: ScreeningResult, labels: Labels, *, isolated: bool = True) -> list[str]:
    """Why a person must look first: each flag, an incomplete fit, and without a fit why no profile is named.

    With ``isolated``, names inside the sentences are wrapped in FSI … PDI (for pages; not for the terminal).
    """
    name = isolate if isolated else str
    reasons = [labels.review_flag(flag.flag) for flag in result.flags]
    # With a complete fit, no clear profile is shown with the profile, not a reason to review
    # (docs/fit.md); what is missing is still said whenever a person must look anyway.
    explain_missing = result.fit is None or result.needs_human_review
    if result.profile == UNDETERMINED and explain_missing:
        missing = [name(scale) for scale in missing_scales(result, labels)]
        if missing:
            reasons.append(
                labels.t(
                    "review_undetermined_missing",
                    n=len(missing),
                    total=len(result.scales),
                    scales=", ".join(missing),
                )
            )
        elif result.situational and all(value is None for value in result.situational.values()):
            reasons.append(labels.t("review_undetermined_scenarios"))
        elif result.fit is None:
            confidence, threshold = _distinct_percents(result.confidence, result.min_confidence, labels)
            reasons.append(
                labels.t(
                    "review_undetermined",
                    profile=name(labels.profile(result.top_profile)),
                    confidence=confidence,
                    threshold=threshold,
                )
            )
    if result.fit is not None and result.fit.band is None:
        missing = _weighed_missing(result, role_for(result.fit.role))
        if missing:
            reasons.append(labels.t("review_incomplete_fit", scales=", ".join(name(labels.scale(s)) for s in missing)))
        if result.fit.missing_situational:
            reasons.append(labels.t("review_incomplete_fit_scenarios"))
    return reasons


def text_report(
    result: ScreeningResult,
    *,
    language: str = "en",
    role: RoleProfile | None = None,
    instrument: Instrument | None = None,
    width: int = 88,
) -> str:
    """A plain-text report for the terminal.

    Parameters
    ----------
    result : ScreeningResult
    language : {"en", "nb", "sv", "nl"}, default="en"
    role : RoleProfile, optional
        The role of ``result.fit``, for its name; built-in roles are found by id.
    instrument : Instrument, optional
        Where scale names come from; by default the shipped instrument.
    width : int, default=88
        Wrap long lines at this width.

    Returns
    -------
    str
    """
    labels = Labels(language, instrument_named(result.model.instrument_id, result.model.instrument_version, instrument))
    role = role_for(result.fit.role if result.fit else None, role)

    def wrap(text: str, indent: int = 0, hanging: int = 2) -> str:
        return textwrap.fill(text, width=width, initial_indent=" " * indent, subsequent_indent=" " * (indent + hanging))

    lines = [f"{labels.t('title_report')}: {terminal_text(capped(result.candidate_id, MAX_ID_CHARS))}"]
    if role is not None:
        lines.append(f"{labels.t('role')}: {role.text('name', language)}")
    lines.append("")
    lines += [wrap(f"! {sentence}") for sentence in notices(result.model.trained_on, labels)]
    lines.append("")
    if result.needs_human_review:
        lines.append(wrap(f"{labels.t('review_heading').upper()}: {labels.t('review_yes')}"))
        lines += [wrap(f"- {reason}", 2) for reason in _review_reasons(result, labels, isolated=False)]
        lines.append("")
    fit = result.fit
    chance = labels.chance_warning(flag.flag for flag in result.flags)
    if chance:  # before the figures it is about, as on the page
        lines.append(wrap(f"! {labels.t('warning').upper()}: {chance}"))
    if fit is None:
        lines.append(labels.t("no_fit"))
    else:
        rule = labels.t(
            "band_rule", strong=labels.number(fit.strong_from, 0), possible=labels.number(fit.possible_from, 0)
        )
        score = labels.t("fit_of_100", score=labels.number(fit.score))
        band = labels.band(fit.band)
        first = f" {labels.t('review_first').upper()}" if result.needs_human_review else ""
        lines.append(wrap(f"{labels.t('fit')}: {score}  [{band}]{first}  ({rule})"))
        lines.append(wrap(_parts_text(fit, labels, result), 2))
        for heading, sign, reasons in (
            ("reasons_for", "+", fit.reasons_for),
            ("reasons_against", "-", fit.reasons_against),
        ):
            lines.append(f"  {labels.t(heading)}:")
            lines += [wrap(f"{sign} {labels.reason(r)}", 4) for r in reasons] or [f"    {labels.t('no_reasons')}"]
    lines.append("")
    profile = labels.t("undetermined") if result.profile == UNDETERMINED else labels.profile_named(result.profile)
    first = f"  {labels.t('review_first').upper()}" if result.needs_human_review else ""  # as the fit's line
    lines.append(f"{labels.t('profile')}: {profile}{first}")
    unscored = missing_scales(result, labels)
    if result.profile == UNDETERMINED and unscored:  # as the HTML page: no probabilities that lean on means
        lines.append(wrap(labels.t("not_placed_note", n=len(unscored), total=len(result.scales)), 2))
    else:
        name_width = max(len(labels.profile(p)) for p in result.probabilities)
        for profile_id, share in sorted(result.probabilities.items(), key=lambda item: -item[1]):
            bar = "#" * round(30 * share)
            lines.append(f"  {labels.profile(profile_id):<{name_width}}  {labels.percent(share):>6}  {bar}")
    lines.append("")
    lines.append(f"{labels.t('chart_scales')}:")
    lines.append(wrap(f"{labels.t('norm_group')}: {labels.norm_group(result.norm_group)}", 2))
    scale_width = max(len(labels.scale(s.scale)) for s in result.scales)
    # 2.0's scores are trait estimates around 0, shown to two decimals as on the HTML page; 1.x's are mean
    # answers. Right-aligned, so that a minus sign does not push its line's columns out of step.
    decimals = 2 if labels.instrument.blocks else 1
    numbers = {s.scale: labels.number(s.score, decimals) for s in result.scales if s.score is not None}
    number_width = max((len(text) for text in numbers.values()), default=0)
    for scale in result.scales:
        marker = "*" if role is not None and scale.scale in role.scales else " "
        if scale.percentile is None or scale.score is None:
            lines.append(f" {marker}{labels.scale(scale.scale):<{scale_width}}  {labels.t('not_scored')}")
            continue
        track = ["."] * 21
        track[10] = "|"
        track[round(scale.percentile / 5)] = "o"
        lines.append(
            f" {marker}{labels.scale(scale.scale):<{scale_width}}  {numbers[scale.scale]:>{number_width}}  "
            f"{labels.t('percentile').lower()} {labels.number(scale.percentile, 0):>3}  {''.join(track)}"
        )
    if role is not None:
        lines.append(f"  {labels.t('weighted_marker')}")
    lines.append("")
    lines.append(f"{labels.t('flags_heading')}:")
    if not result.flags:
        lines.append(wrap(labels.no_flags(), 2))
    for flag in result.flags:
        lines.append(wrap(f"! {labels.flag_name(flag.flag)}: {labels.flag_explanation(flag.flag)}", 2))
        lines.append(wrap(labels.flag_detail(flag.flag, flag.detail), 4, 0))
    lines.append("")
    lines.append(
        wrap(
            f"{labels.t('model')}: {capped(result.model.model_id, MAX_ID_CHARS)}; {labels.t('instrument')}: "
            + capped(f"{result.model.instrument_id} {result.model.instrument_version}", MAX_ID_CHARS)
        )
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def html_report(
    result: ScreeningResult,
    *,
    language: str = "en",
    role: RoleProfile | None = None,
    instrument: Instrument | None = None,
) -> str:
    """A self-contained HTML page for one candidate: inline CSS, charts drawn in HTML, no scripts, no links.

    Parameters are those of :func:`text_report`.

    Returns
    -------
    str
        The page; write it with ``encoding="utf-8"``.
    """
    labels = Labels(language, instrument_named(result.model.instrument_id, result.model.instrument_version, instrument))
    role = role_for(result.fit.role if result.fit else None, role)
    candidate_id = capped(result.candidate_id, MAX_ID_CHARS)
    norm_group = labels.norm_group(result.norm_group)
    return render_page(
        "pages/reports/candidate.html",
        language=language,
        title=f"{labels.t('title_report')}: {isolate(candidate_id)}",
        styles=("pages/reports/report.css",),
        t=labels.strings(),
        no_flags=labels.no_flags(),
        candidate_id=candidate_id,
        role_name=capped(role.text("name", language)) if role is not None else "",
        notices=notices(result.model.trained_on, labels),
        review=_review_reasons(result, labels) if result.needs_human_review else [],
        chance=labels.chance_warning(flag.flag for flag in result.flags),
        fit=_fit_view(result, role, labels),
        profile=_profile_view(result, labels),
        scales=_scale_view(result, role, norm_group, labels),
        flags=[
            _FlagView(
                labels.flag_name(flag.flag),
                labels.flag_explanation(flag.flag),
                labels.flag_detail(flag.flag, flag.detail),
            )
            for flag in result.flags
        ],
        footer=_FooterView(
            model_id=capped(result.model.model_id, MAX_ID_CHARS),
            sha256=capped(result.model.sha256, 64)[:12],
            instrument=capped(f"{result.model.instrument_id} {result.model.instrument_version}", MAX_ID_CHARS),
            norm_group=norm_group,
            made_with=labels.t("made_with", version=profilefit_version()),
        ),
    )


@dataclass(frozen=True)
class _FlagView:
    name: str
    explanation: str
    detail: str


@dataclass(frozen=True)
class _FooterView:
    model_id: str
    sha256: str
    instrument: str
    norm_group: str
    made_with: str


@dataclass(frozen=True)
class _ReasonColumn:
    heading: str
    reasons: list[str]


def _parts_text(fit: RoleFit, labels: Labels, result: ScreeningResult | None = None, *, isolated: bool = False) -> str:
    """The parts the fit combines, in numbers: two, or three when the role weighs the scenarios.

    When unanswered questions counted as the answers the role wants least, a scale reason's percentile is
    not the one in the table of scale scores: a sentence says why (docs/fit.md). With ``isolated`` (pages), the
    scale names it lists are wrapped in FSI … PDI, as every name inside a page's sentence is.
    """
    numbers = {"scales": labels.number(fit.scale_component, 0), "profiles": labels.number(fit.profile_component, 0)}
    if fit.situational_component is None:
        text = labels.t("fit_parts", **numbers)
    else:
        text = labels.t("fit_parts_situational", scenarios=labels.number(fit.situational_component, 0), **numbers)
    if result is None:
        return text
    left = [
        (isolate(name) if isolated else name, missing, total)
        for name, missing, total in _left_unanswered(result, labels)
    ]
    if left:  # how many, on which scales: one blank block can move the fit by a band (a trial), and it is not shown
        if labels.instrument.blocks:  # a block holds one statement of each of its three scales
            blanks = labels.t(
                "fit_blank_groups",
                missing=sum(missing for _, missing, _ in left) // 3,
                total=len(labels.instrument.blocks),
                listed=", ".join(name for name, _, _ in left),
            )
        else:
            listed = ", ".join(
                labels.t("blank_count", scale=name, missing=missing, total=total) for name, missing, total in left
            )
            blanks = labels.t("fit_blanks_listed", listed=listed)
        return f"{text} {blanks} {labels.t('fit_blanks_counted')}"
    return f"{text} {labels.t('fit_blanks_counted')}" if _blanks_counted(fit, result) else text


def _left_unanswered(result: ScreeningResult, labels: Labels) -> list[tuple[str, int, int]]:
    """The scales with questions left unanswered: (name, unanswered, questions), in the result's order.

    A question is a statement of the scale on an agreement instrument, and a block holding one of its statements on
    a forced-choice one (``ScaleResult.answered_items`` counts the answered ones).
    """
    instrument = labels.instrument
    if {scale.scale for scale in result.scales} != set(instrument.scale_ids):
        return []  # a result of another instrument than the labels': no counts to compare with
    if instrument.blocks:
        totals = {
            scale: sum(1 for statement in instrument.statements if statement.scale == scale)
            for scale in instrument.scale_ids
        }
    else:
        totals = {scale: sum(1 for item in instrument.items if item.scale == scale) for scale in instrument.scale_ids}
    return [
        (labels.scale(scale.scale), totals[scale.scale] - scale.answered_items, totals[scale.scale])
        for scale in result.scales
        if 0 < totals[scale.scale] - scale.answered_items <= totals[scale.scale]
    ]


def _blanks_counted(fit: RoleFit, result: ScreeningResult) -> bool:
    """Whether a scale reason's percentile differs from the scale's own: unanswered questions counted against."""
    table = {scale.scale: scale.percentile for scale in result.scales}
    for reason in (*fit.reasons_for, *fit.reasons_against):
        shown = table.get(reason.id)
        scale = reason.kind == "scale" and reason.percentile is not None and shown is not None
        if scale and abs(round(reason.percentile or 0.0) - round(shown or 0.0)) >= 1:
            return True
    return False


@dataclass(frozen=True)
class _FitView:
    score_text: str
    band_name: str
    band_class: str
    review_first: bool
    incomplete: str
    chart: FitChart
    parts: str
    columns: list[_ReasonColumn]


def missing_scales(result: ScreeningResult, labels: Labels) -> list[str]:
    """Names of the scales the result could not score (too few answers)."""
    return [labels.scale(scale.scale) for scale in result.scales if scale.score is None]


def _listing(names: list[str]) -> str:
    return ", ".join(isolate(name) for name in names)


def _weighed_missing(result: ScreeningResult, role: RoleProfile | None) -> list[str]:
    """Ids of the scales the role weighs that could not be scored (without a role: every unscored scale).

    Empty when the fit lacks only the scenarios.
    """
    unscored = [scale.scale for scale in result.scales if scale.score is None]
    weighed = [scale for scale in unscored if role is None or scale in role.scales]
    if not weighed and result.fit is not None and result.fit.missing_situational:
        return []
    return weighed or unscored


def _incomplete_text(fit: RoleFit, result: ScreeningResult, role: RoleProfile | None, labels: Labels) -> str:
    """Why a fit has no band: the scales the role weighs that could not be scored."""
    if fit.band is not None:
        return ""
    names = [labels.scale(scale) for scale in _weighed_missing(result, role)]
    texts = [labels.t("fit_incomplete", scales=_listing(names))] if names or not fit.missing_situational else []
    if fit.missing_situational:
        texts.append(labels.t("fit_incomplete_scenarios"))
    return " ".join(texts) if texts else labels.t("fit_incomplete", scales="–")


def _fit_view(result: ScreeningResult, role: RoleProfile | None, labels: Labels) -> _FitView | None:
    fit = result.fit
    if fit is None:
        return None
    # A result that needs review, or has no band, shows its fit greyed: a green band must not
    # sit under a red "needs review" box.
    band = fit.band
    muted = result.needs_human_review or band is None
    columns = [
        _ReasonColumn(labels.t(key), [labels.reason(reason, isolated=True) for reason in reasons])
        for key, reasons in (("reasons_for", fit.reasons_for), ("reasons_against", fit.reasons_against))
    ]
    return _FitView(
        score_text=labels.t("fit_of_100", score=labels.number(fit.score)),
        band_name=labels.band(band),
        band_class="none" if band is None else ("muted" if muted else band),
        review_first=result.needs_human_review,
        incomplete=_incomplete_text(fit, result, role, labels),
        chart=fit_chart(fit.score, fit.strong_from, fit.possible_from, labels, muted=muted),
        parts=_parts_text(fit, labels, result, isolated=True),
        columns=columns,
    )


@dataclass(frozen=True)
class _WhyRow:
    measure: str
    candidate: str
    towards: str
    strength: str


@dataclass(frozen=True)
class _ProfileView:
    summary_label: str
    summary_name: str
    summary_note: str
    chart: ProfileChart
    about_heading: str
    description: str
    why_heading: str
    why_rows: list[_WhyRow]


def _why_rows(result: ScreeningResult, labels: Labels) -> list[_WhyRow]:
    """The features that moved the classifier most, each in words: what it is, the answers, which way, how much."""
    top, second = result.top_profile, result.second_profile
    low, high = labels.number_range()
    n_scenarios = len(labels.instrument.scenarios)
    rows = []
    for contribution in result.explanation.contributions[:TOP_CONTRIBUTIONS]:
        feature, score = contribution.feature, contribution.score
        if feature.startswith("sjt_"):
            measure = labels.t("scenario_choices", profile=isolate(labels.profile(feature.removeprefix("sjt_"))))
            answers = (
                labels.t("scenario_count", count=round(score * n_scenarios), total=n_scenarios)
                if score is not None
                else labels.t("not_scored_short")
            )
        else:
            measure = labels.scale(feature)
            if score is None:
                answers = labels.t("not_scored_short")
            elif labels.instrument.format == "forced_choice":  # Thurstonian scores: the z metric, no answer range
                answers = labels.t("scale_value_standard", score=labels.number(score))
            else:
                answers = labels.t("scale_value", score=labels.number(score), low=low, high=high)
        size = abs(contribution.contribution)
        strength = "pull_strong" if size >= STRONG_PULL else "pull_moderate" if size >= MODERATE_PULL else "pull_slight"
        towards = top if contribution.contribution >= 0 else second
        rows.append(_WhyRow(measure, answers, labels.profile(towards), labels.t(strength)))
    return rows


def _profile_view(result: ScreeningResult, labels: Labels) -> _ProfileView:
    top, second = result.top_profile, result.second_profile
    # Undetermined because scales could not be scored: the probabilities then lean on the training means, so
    # the page names no most likely profile, and neither describes it nor says why it beats another.
    unscored = missing_scales(result, labels) if result.profile == UNDETERMINED else []
    unplaced = bool(unscored)
    if unplaced:
        name = labels.t("undetermined")
        note = labels.t("not_placed_note", n=len(unscored), total=len(result.scales))
    elif result.profile == UNDETERMINED:
        name = labels.t("undetermined")
        note = labels.t(
            "most_likely_note", profile=isolate(labels.profile(top)), probability=labels.percent(result.confidence)
        )
    else:
        name = labels.profile_named(top)
        note = labels.t(
            "probability_runner_up",
            probability=labels.percent(result.confidence),
            runner_up=isolate(labels.profile(second)),
            runner_up_probability=labels.percent(result.probabilities.get(second, 0.0)),
        )
    description = "" if unplaced else labels.profile_description(top)
    return _ProfileView(
        summary_label=labels.t("profile_short" if result.profile == UNDETERMINED else "profile"),
        summary_name=name,
        summary_note=note,
        chart=profile_chart(result.probabilities, top, result.min_confidence, labels),
        about_heading=labels.t("about_profile", profile=isolate(labels.profile_named(top))) if description else "",
        description=description,
        why_heading=labels.t("why_profile", top=isolate(labels.profile(top)), second=isolate(labels.profile(second))),
        why_rows=[] if unplaced else _why_rows(result, labels),
    )


@dataclass(frozen=True)
class _ScaleRow:
    name: str
    score: str
    percentile: str
    wants: str


@dataclass(frozen=True)
class _ScaleView:
    chart: ScaleChart
    rows: list[_ScaleRow]


def _scale_view(result: ScreeningResult, role: RoleProfile | None, norm_group: str, labels: Labels) -> _ScaleView:
    rows = []
    for scale in result.scales:
        need = role.scales.get(scale.scale) if role is not None else None
        wants = ""
        if need is not None:
            key = "wants_higher" if need.direction == "higher" else "wants_lower"
            wants = labels.t(key, weight=labels.number(need.weight))
        rows.append(
            _ScaleRow(
                labels.scale(scale.scale),
                labels.t("not_scored") if scale.score is None else labels.number(scale.score, 2),
                "–" if scale.percentile is None else labels.number(scale.percentile, 0),
                wants,
            )
        )
    return _ScaleView(scale_chart(result.scales, role, isolate(norm_group), labels), rows)


def write_reports(
    result: ScreeningResult,
    folder: str | Path,
    *,
    language: str = "en",
    role: RoleProfile | None = None,
    instrument: Instrument | None = None,
    stem: str = "report",
) -> dict[str, Path]:
    """Write the text, JSON and HTML reports of one candidate into a folder, as ``<stem>.txt/.json/.html``.

    The file names never contain the candidate id, which may hold characters a file name cannot.

    Returns
    -------
    dict of {"text", "json", "html"} to Path
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        kind: folder / f"{stem}.{suffix}" for kind, suffix in (("text", "txt"), ("json", "json"), ("html", "html"))
    }
    paths["text"].write_text(text_report(result, language=language, role=role, instrument=instrument), encoding="utf-8")
    paths["json"].write_text(json_report(result), encoding="utf-8")
    paths["html"].write_text(html_report(result, language=language, role=role, instrument=instrument), encoding="utf-8")
    return paths
