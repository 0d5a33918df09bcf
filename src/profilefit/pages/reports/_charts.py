"""The charts of the candidate report as plain values: the template ``charts.html`` draws them in HTML and CSS.

A chart is text first: every name and value it shows is page text (readable by a
screen reader, at the page's font size on a phone); bars and marks are decoration
placed by percentages. Colour never carries meaning alone: bands and values are
written out, and the fit chart is greyed out when the result needs review first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from profilefit.core.fit import BANDS, RoleProfile
from profilefit.core.screening import ScaleResult
from profilefit.pages.reports._strings import Labels


def _position(value: float) -> float:
    """A 0–100 value as a CSS percentage, kept on the track."""
    return round(min(max(float(value), 0.0), 100.0), 2)


@dataclass(frozen=True)
class Segment:
    """One band on the fit scale."""

    band: str
    name: str
    range_text: str
    width: float


@dataclass(frozen=True)
class Tick:
    """A number under the fit scale."""

    text: str
    position: float
    kind: str  # "first", "last" or "" (centred)


@dataclass(frozen=True)
class FitChart:
    """The 0–100 fit scale with its bands, the candidate's mark, and a legend."""

    score_text: str
    position: float
    align: str  # "first" near 0 and "last" near 100, so that the number stays on the scale
    segments: tuple[Segment, ...]
    ticks: tuple[Tick, ...]
    muted: bool
    caption: str


def fit_chart(score: float, strong: float, possible: float, labels: Labels, *, muted: bool) -> FitChart:
    """The fit scale: weak, possible and strong bands, the candidate's fit marked above it.

    Band names sit in a legend under the scale, never under the mark, so the mark cannot cover them.
    """
    edges = {"weak": (0.0, possible), "possible": (possible, strong), "strong": (strong, 100.0)}
    ranges = {
        "weak": labels.t("range_below", value=labels.number(possible, 0)),
        "possible": labels.t(
            "range_from_to", low=labels.number(possible, 0), high=labels.number(max(possible, strong - 1), 0)
        ),
        "strong": labels.t("range_from", value=labels.number(strong, 0)),
    }
    segments = tuple(
        Segment(band, labels.band(band), ranges[band], _position(edges[band][1]) - _position(edges[band][0]))
        for band in reversed(BANDS)
    )
    ticks = (
        Tick("0", 0.0, "first"),
        Tick(labels.number(possible, 0), _position(possible), ""),
        Tick(labels.number(strong, 0), _position(strong), ""),
        Tick("100", 100.0, "last"),
    )
    caption = labels.t("chart_fit_caption", score=labels.number(score))
    if muted:
        caption += " " + labels.t("chart_fit_muted")
    position = _position(score)
    align = "first" if position < 8 else "last" if position > 92 else ""
    return FitChart(labels.number(score), position, align, segments, ticks, muted, caption)


@dataclass(frozen=True)
class ProfileBar:
    """One profile's probability."""

    name: str
    value_text: str
    width: float
    top: bool


@dataclass(frozen=True)
class ProfileChart:
    """Every profile's probability as a bar and as text, with the threshold for naming a profile."""

    bars: tuple[ProfileBar, ...]
    threshold: float
    caption: str


def profile_chart(probabilities: Mapping[str, float], top: str, threshold: float, labels: Labels) -> ProfileChart:
    """Bars of the profile probabilities, most likely first, the top one dark, the threshold dashed."""
    ordered = sorted(probabilities.items(), key=lambda item: (-item[1], item[0]))
    bars = tuple(
        ProfileBar(labels.profile(profile_id), labels.percent(share), _position(100 * share), profile_id == top)
        for profile_id, share in ordered
    )
    caption = labels.t("chart_profiles_caption", threshold=labels.percent(threshold))
    return ProfileChart(bars, _position(100 * threshold), caption)


@dataclass(frozen=True)
class ScaleMark:
    """One scale's percentile in the norm group, or why it has none."""

    name: str
    weighted: bool
    position: float | None
    value_text: str


@dataclass(frozen=True)
class ScaleChart:
    """Each scale's percentile on a 0–100 track with the norm group's middle half shaded."""

    marks: tuple[ScaleMark, ...]
    caption: str


def scale_chart(scales: Sequence[ScaleResult], role: RoleProfile | None, norm_group: str, labels: Labels) -> ScaleChart:
    """Percentiles of the scales; scales the role weighs are in bold, unscored ones say so."""
    marks = tuple(
        ScaleMark(
            labels.scale(scale.scale),
            role is not None and scale.scale in role.scales,
            None if scale.percentile is None else _position(scale.percentile),
            labels.t("not_scored_short") if scale.percentile is None else labels.number(scale.percentile, 0),
        )
        for scale in scales
    )
    caption = labels.t("chart_scales_caption", norm_group=norm_group)
    if role is not None:
        caption += " " + labels.t("weighted_bold")
    return ScaleChart(marks, caption)
