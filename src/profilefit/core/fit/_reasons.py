"""Reasons for and against a fit in plain words, in every language of the reasons file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from profilefit.core.fit._result import FitReason


@lru_cache(maxsize=1)
def _reasons_file() -> dict[str, Any]:
    text = resources.files("profilefit.core.fit").joinpath("data", "reasons.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def reason_languages() -> tuple[str, ...]:
    """Language codes the reason texts are written in."""
    return tuple(_reasons_file()["languages"])


def reason_templates() -> dict[str, dict[str, str]]:
    """Every reason template: key, then language code, then the text with ``{placeholders}``."""
    templates: dict[str, dict[str, str]] = _reasons_file()["strings"]
    return templates


def render_reason(
    kind: str,
    stance: str,
    direction: str,
    item_id: str,
    percentile: float | None,
    probability: float | None,
    language: str,
    names: Mapping[str, str],
    situational: float | None = None,
) -> str:
    """A reason's sentence from its parts (the fast path :func:`reason_text` and the scorer share)."""
    if kind == "profile":
        texts = reason_templates()[f"profile_{stance}"]
        name = names.get(item_id) or item_id.replace("_", " ")
        return texts.get(language, texts["en"]).format(profile=name, prob=round(100 * (probability or 0.0)))
    if kind == "situational":
        texts = reason_templates()[f"situational_{stance}"]
        return texts.get(language, texts["en"]).format(value=round(50.0 if situational is None else situational))
    if kind == "missing_situational":
        texts = reason_templates()["missing_situational_against"]
        return texts.get(language, texts["en"])
    if kind == "missing":
        texts = reason_templates()["missing_against"]
        return texts.get(language, texts["en"]).format(scale=names.get(item_id) or item_id.replace("_", " "))
    # For a scale the role wants high, a reason for it is a high score; for one it wants low, a low score.
    high = (stance == "for") == (direction == "higher")
    texts = reason_templates()[f"scale_{stance}_{'high' if high else 'low'}"]
    value = 50.0 if percentile is None else percentile
    name = names.get(item_id) or item_id.replace("_", " ")
    # "Higher than about 100 %" of a group, or "lower than about 0 %", says nothing true: the share is held
    # to 1–99, as a percentile of 99.7 is higher than about 99 % of the group.
    share = min(max(round(value if high else 100.0 - value), 1), 99)
    return texts.get(language, texts["en"]).format(scale=name, pct=share)


def reason_text(
    reason: FitReason,
    language: str = "en",
    *,
    scale_names: Mapping[str, str] | None = None,
    profile_names: Mapping[str, str] | None = None,
) -> str:
    """One reason in plain words.

    Parameters
    ----------
    reason : FitReason
    language : str, default="en"
        A language of :func:`reason_languages`; English when the language is missing.
    scale_names, profile_names : mapping of id to display name, optional
        Names in ``language``; an id without a name is shown as the id with spaces.

    Examples
    --------
    >>> from profilefit.core.fit import FitReason
    >>> reason = FitReason(kind="scale", id="ownership", stance="for", percentile=81.6, text="")
    >>> reason_text(reason, "nb", scale_names={"ownership": "Eierskap"})
    'Eierskap: høyere enn omtrent 82 % av normgruppen; rollen trenger dette'
    """
    names = (profile_names if reason.kind == "profile" else scale_names) or {}  # "missing" names a scale
    return render_reason(
        reason.kind,
        reason.stance,
        reason.direction,
        reason.id,
        reason.percentile,
        reason.probability,
        language,
        names,
        reason.situational,
    )
