"""One candidate's report: text for the terminal, JSON for systems, a self-contained HTML page for people.

All three read a :class:`~profilefit.screening.ScreeningResult` and nothing else, so a
report can be made from a stored result. The candidate id is the only text a candidate
(or their HR system) chose; every text that reaches the HTML page is escaped anyway.
"""

from __future__ import annotations

import textwrap
from html import escape
from importlib import metadata
from pathlib import Path

from profilefit.fit import RoleProfile
from profilefit.instrument import Instrument
from profilefit.reports._charts import fit_chart, profile_chart, scale_chart
from profilefit.reports._strings import Labels, role_for
from profilefit.screening import UNDETERMINED, ScreeningResult

#: The classifier features a report lists under "why this profile rather than the runner-up".
TOP_CONTRIBUTIONS = 5

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 64rem;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 1.8rem; }
h3 { font-size: 1rem; margin-bottom: 0.3rem; }
.meta { color: #444; margin-top: 0; }
.notice { background: #f4f4f0; border-left: 4px solid #8a6d00; padding: 0.4rem 1rem; margin: 1rem 0; }
.notice p { margin: 0.3rem 0; }
.review { border-left: 4px solid #2e7d32; padding: 0.4rem 1rem; background: #f1f8f1; }
.review.needed { border-color: #b3261e; background: #fcf0ef; }
.reasons { display: flex; flex-wrap: wrap; gap: 1rem 3rem; }
.reasons > div { flex: 1 1 22rem; }
.band { display: inline-block; padding: 0 0.5rem; border-radius: 0.6rem; font-weight: 600; }
.band-strong { background: #d3ead2; } .band-possible { background: #f7e7b4; } .band-weak { background: #f4d6d2; }
.band-none, .band-incomplete { background: #e6e6e6; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.5rem 0 1rem; } figcaption { font-size: 0.85rem; color: #444; max-width: 40rem; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 2rem; border-top: 1px solid #ddd; padding-top: 0.5rem; font-size: 0.8rem; color: #555; }
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def profilefit_version() -> str:
    """The installed profilefit version, for the footer of every report."""
    try:
        return metadata.version("profilefit")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def notices(result_trained_on: str, labels: Labels) -> list[str]:
    """The sentences every report and page carries: decision support, and what the model was trained on."""
    sentences = [labels.t("notice_human"), labels.t("notice_simulated")]
    if result_trained_on != "simulation":
        sentences.append(labels.t("notice_organisation_model"))
    return sentences


def page(title: str, body: str, labels: Labels, *, style: str = STYLE, script: str = "") -> str:
    """A complete HTML document in the labels' language, with inline CSS and an optional inline script."""
    script_element = f"<script>{script}</script>" if script else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{_text(labels.language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_text(title)}</title>\n'
        f"<style>{style}</style>\n</head>\n<body>\n{body}\n{script_element}\n</body>\n</html>\n"
    )


def json_report(result: ScreeningResult) -> str:
    """The result as indented JSON: the published result schema, fit included."""
    return result.model_dump_json(indent=2) + "\n"


def _review_reasons(result: ScreeningResult, labels: Labels) -> list[str]:
    reasons = [labels.flag_name(flag.flag) for flag in result.flags]
    if result.profile == UNDETERMINED:
        reasons.append(
            labels.t(
                "review_undetermined",
                confidence=labels.percent(result.confidence),
                threshold=labels.percent(result.min_confidence),
            )
        )
    if result.fit is not None and result.fit.incomplete:
        scales = ", ".join(labels.scale(scale) for scale in result.fit.missing_scales)
        reasons.append(labels.t("review_incomplete_fit", scales=scales))
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
    labels = Labels(language, instrument)
    role = role_for(result.fit.role if result.fit else None, role)

    def wrap(text: str, indent: int = 0, hanging: int = 2) -> str:
        return textwrap.fill(text, width=width, initial_indent=" " * indent, subsequent_indent=" " * (indent + hanging))

    lines = [f"{labels.t('title_report')}: {result.candidate_id}"]
    if role is not None:
        lines.append(f"{labels.t('role')}: {role.text('name', language)}")
    lines.append("")
    lines += [wrap(f"! {sentence}") for sentence in notices(result.model.trained_on, labels)]
    lines.append("")
    if result.needs_human_review:
        lines.append(wrap(f"{labels.t('review_heading').upper()}: {labels.t('review_yes')}"))
        lines += [wrap(f"- {reason}", 2) for reason in _review_reasons(result, labels)]
        lines.append("")
    fit = result.fit
    if fit is None:
        lines.append(labels.t("no_fit"))
    else:
        rule = labels.t(
            "band_rule", strong=labels.number(fit.strong_from, 0), possible=labels.number(fit.possible_from, 0)
        )
        score = labels.t("fit_of_100", score=labels.number(fit.score))
        lines.append(wrap(f"{labels.t('fit')}: {score}  [{labels.band(fit.band)}]  ({rule})"))
        for heading, sign, reasons in (
            ("reasons_for", "+", fit.reasons_for),
            ("reasons_against", "-", fit.reasons_against),
        ):
            lines.append(f"  {labels.t(heading)}:")
            lines += [wrap(f"{sign} {labels.reason(r)}", 4) for r in reasons] or [f"    {labels.t('no_reasons')}"]
    lines.append("")
    lines.append(f"{labels.t('profile')}: {labels.profile(result.profile)}")
    name_width = max(len(labels.profile(p)) for p in result.probabilities)
    for profile_id, share in sorted(result.probabilities.items(), key=lambda item: -item[1]):
        bar = "#" * round(30 * share)
        lines.append(f"  {labels.profile(profile_id):<{name_width}}  {labels.percent(share):>6}  {bar}")
    lines.append("")
    lines.append(f"{labels.t('chart_scales')}:")
    lines.append(wrap(f"{labels.t('norm_group')}: {result.norm_group}", 2))
    scale_width = max(len(labels.scale(s.scale)) for s in result.scales)
    for scale in result.scales:
        marker = "*" if role is not None and scale.scale in role.scales else " "
        if scale.percentile is None or scale.score is None:
            lines.append(f" {marker}{labels.scale(scale.scale):<{scale_width}}  {labels.t('not_scored')}")
            continue
        track = ["."] * 21
        track[10] = "|"
        track[round(scale.percentile / 5)] = "o"
        lines.append(
            f" {marker}{labels.scale(scale.scale):<{scale_width}}  {labels.number(scale.score)}  "
            f"{labels.t('percentile').lower()} {labels.number(scale.percentile, 0):>3}  {''.join(track)}"
        )
    if role is not None:
        lines.append(f"  {labels.t('weighted_marker')}")
    lines.append("")
    lines.append(f"{labels.t('flags_heading')}:")
    if not result.flags:
        lines.append(wrap(labels.t("no_flags"), 2))
    for flag in result.flags:
        lines.append(wrap(f"! {labels.flag_name(flag.flag)}: {labels.flag_explanation(flag.flag)}", 2))
        lines.append(wrap(labels.t("flag_detail", detail=flag.detail), 4, 0))
    lines.append("")
    lines.append(
        wrap(
            f"{labels.t('model')}: {result.model.model_id}; {labels.t('instrument')}: "
            f"{result.model.instrument_id} {result.model.instrument_version}"
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
    """A self-contained HTML page for one candidate: inline CSS and SVG charts, no scripts, no links.

    Parameters are those of :func:`text_report`.

    Returns
    -------
    str
        The page; write it with ``encoding="utf-8"``.
    """
    labels = Labels(language, instrument)
    role = role_for(result.fit.role if result.fit else None, role)
    title = f"{labels.t('title_report')}: {result.candidate_id}"
    meta = f"{_text(labels.t('candidate'))}: <strong>{_text(result.candidate_id)}</strong>"
    if role is not None:
        meta += f" · {_text(labels.t('role'))}: {_text(role.text('name', language))}"
    body = [
        f'<header><h1>{_text(labels.t("title_report"))}</h1><p class="meta">{meta}</p></header>',
        '<aside class="notice">'
        + "".join(f"<p>{_text(s)}</p>" for s in notices(result.model.trained_on, labels))
        + "</aside>",
        _review_section(result, labels),
        _fit_section(result, labels),
        _profile_section(result, labels),
        _scale_section(result, role, labels),
        _flag_section(result, labels),
        "<footer>"
        f"<p>{_text(labels.t('model'))}: {_text(result.model.model_id)} (sha256 {_text(result.model.sha256[:12])}…); "
        f"{_text(labels.t('instrument'))}: {_text(result.model.instrument_id)} "
        f"{_text(result.model.instrument_version)}; {_text(labels.t('norm_group'))}: {_text(result.norm_group)}.</p>"
        f"<p>{_text(labels.t('made_with', version=profilefit_version()))}</p>"
        "</footer>",
    ]
    return page(title, "\n".join(body), labels)


def _review_section(result: ScreeningResult, labels: Labels) -> str:
    if not result.needs_human_review:
        return f'<section class="review"><p>{_text(labels.t("review_no"))}</p></section>'
    items = "".join(f"<li>{_text(reason)}</li>" for reason in _review_reasons(result, labels))
    return (
        f'<section class="review needed"><h2>{_text(labels.t("review_heading"))}</h2>'
        f"<p>{_text(labels.t('review_yes'))}</p><ul>{items}</ul></section>"
    )


def _fit_section(result: ScreeningResult, labels: Labels) -> str:
    fit = result.fit
    heading = f"<h2>{_text(labels.t('fit_heading'))}</h2>"
    if fit is None:
        return f"<section>{heading}<p>{_text(labels.t('no_fit'))}</p></section>"
    rule = labels.t("band_rule", strong=labels.number(fit.strong_from, 0), possible=labels.number(fit.possible_from, 0))
    columns = []
    for key, reasons in (("reasons_for", fit.reasons_for), ("reasons_against", fit.reasons_against)):
        items = "".join(f"<li>{_text(labels.reason(reason))}</li>" for reason in reasons)
        listing = f"<ul>{items}</ul>" if items else f"<p>{_text(labels.t('no_reasons'))}</p>"
        columns.append(f"<div><h3>{_text(labels.t(key))}</h3>{listing}</div>")
    score = labels.t("fit_of_100", score=labels.number(fit.score))
    parts = labels.t(
        "fit_parts", scales=labels.number(fit.scale_component, 0), profiles=labels.number(fit.profile_component, 0)
    )
    return (
        f"<section>{heading}"
        f"<p><strong>{_text(labels.t('fit'))}: {_text(score)}</strong> "
        f'<span class="band band-{_text(fit.band or "none")}">{_text(labels.band(fit.band))}</span> '
        f"<small>({_text(rule)})</small></p>"
        f"<figure>{fit_chart(fit.score, fit.strong_from, fit.possible_from, labels)}</figure>"
        f"<p><small>{_text(parts)}</small></p>"
        f'<div class="reasons">{"".join(columns)}</div></section>'
    )


def _profile_section(result: ScreeningResult, labels: Labels) -> str:
    top, second = result.top_profile, result.second_profile
    summary = (
        f"<p><strong>{_text(labels.t('profile'))}: {_text(labels.profile(result.profile))}</strong> "
        f"({_text(labels.profile(top))} {_text(labels.percent(result.confidence))}; "
        f"{_text(labels.t('runner_up'))}: {_text(labels.profile(second))} "
        f"{_text(labels.percent(result.probabilities.get(second, 0.0)))})</p>"
    )
    chart = profile_chart(result.probabilities, top, result.min_confidence, labels)
    caption = labels.t("chart_profiles_caption", threshold=labels.percent(result.min_confidence))
    description = labels.profile_description(top)
    about = (
        f"<h3>{_text(labels.t('about_profile', profile=labels.profile(top)))}</h3><p>{_text(description)}</p>"
        if description
        else ""
    )
    rows = []
    for contribution in result.explanation.contributions[:TOP_CONTRIBUTIONS]:
        towards = top if contribution.contribution >= 0 else second
        score = "–" if contribution.score is None else labels.number(contribution.score, 2)
        rows.append(
            f'<tr><td>{_text(labels.feature(contribution.feature))}</td><td class="num">{_text(score)}</td>'
            f"<td>{_text(labels.t('towards', profile=labels.profile(towards)))}</td></tr>"
        )
    why = (
        f"<h3>{_text(labels.t('why_profile', top=labels.profile(top), second=labels.profile(second)))}</h3>"
        f"<p><small>{_text(labels.t('why_profile_caption'))}</small></p><table>{''.join(rows)}</table>"
    )
    return (
        f"<section><h2>{_text(labels.t('chart_profiles'))}</h2>{summary}"
        f"<figure>{chart}<figcaption>{_text(caption)}</figcaption></figure>{about}{why}</section>"
    )


def _scale_section(result: ScreeningResult, role: RoleProfile | None, labels: Labels) -> str:
    caption = labels.t("chart_scales_caption", norm_group=result.norm_group)
    if role is not None:
        caption += " " + labels.t("weighted_bold")
    head = (
        f'<tr><th>{_text(labels.t("scale"))}</th><th class="num">{_text(labels.t("score"))}</th>'
        f'<th class="num">{_text(labels.t("percentile"))}</th><th>{_text(labels.t("role_wants"))}</th></tr>'
    )
    rows = []
    for scale in result.scales:
        need = role.scales.get(scale.scale) if role is not None else None
        wants = ""
        if need is not None:
            key = "wants_higher" if need.direction == "higher" else "wants_lower"
            wants = labels.t(key, weight=labels.number(need.weight))
        score = labels.t("not_scored") if scale.score is None else labels.number(scale.score, 2)
        percentile = "–" if scale.percentile is None else labels.number(scale.percentile, 0)
        rows.append(
            f'<tr><td>{_text(labels.scale(scale.scale))}</td><td class="num">{_text(score)}</td>'
            f'<td class="num">{_text(percentile)}</td><td>{_text(wants)}</td></tr>'
        )
    return (
        f"<section><h2>{_text(labels.t('chart_scales'))}</h2>"
        f"<figure>{scale_chart(result.scales, role, labels)}<figcaption>{_text(caption)}</figcaption></figure>"
        f"<table>{head}{''.join(rows)}</table></section>"
    )


def _flag_section(result: ScreeningResult, labels: Labels) -> str:
    heading = f"<h2>{_text(labels.t('flags_heading'))}</h2>"
    if not result.flags:
        return f"<section>{heading}<p>{_text(labels.t('no_flags'))}</p></section>"
    items = "".join(
        f"<li><strong>{_text(labels.flag_name(flag.flag))}.</strong> {_text(labels.flag_explanation(flag.flag))} "
        f"<small>{_text(labels.t('flag_detail', detail=flag.detail))}</small></li>"
        for flag in result.flags
    )
    return f"<section>{heading}<ul>{items}</ul></section>"


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
