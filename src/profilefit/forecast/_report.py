"""The forecast as text for a terminal and as JSON-ready data; both name the sources of the differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from profilefit.forecast._forecast import FOUR_FIFTHS, ImpactForecast, RateForecast

WARNING_LIGHT = (
    "A forecast from published differences is a warning light, not a verdict: it shows what the role would do "
    "to applicants who differ as the sources report, scored by a model trained on a documented simulation. Your "
    "applicants may differ more, less or not at all, and the items may work differently for them (run "
    "`profilefit dif` on real answers). Only the audit of real results (`profilefit audit`) shows actual impact. "
    "The interval covers the noise of a finite applicant pool, not doubt about the differences themselves. "
    "See docs/forecast.md."
)


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def _signed2(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def _row(rate: RateForecast, label: str) -> str:
    flag = "  <4/5" if rate.ratio < FOUR_FIFTHS else ""
    return (
        f"  {label:<10} {rate.group:<14} {100 * rate.rate:5.1f}% "
        f"[{100 * rate.rate_low:4.1f}–{100 * rate.rate_high:4.1f}]"
        f"   {rate.ratio:.2f} [{rate.ratio_low:.2f}–{rate.ratio_high:.2f}]   {100 * rate.below_four_fifths:3.0f}%{flag}"
    )


def format_forecast_text(forecast: ImpactForecast) -> str:
    """The forecast as plain text: the differences and their sources, the rates, ratios and intervals."""
    diff = forecast.differences
    trained = "a documented simulation" if forecast.trained_on == "simulation" else "organisation data"
    lines = [
        f"Adverse-impact forecast for role {forecast.role} (model {forecast.model_id}, trained on {trained})",
        f"Differences: {diff.title} [{diff.id}], {diff.dimension}; reference group: {diff.reference}",
    ]
    for group, scales in diff.groups.items():
        parts = [
            f"{scale} {_signed(entry.d)}{'*' if entry.basis == 'extrapolated' else ''}"
            for scale, entry in scales.items()
        ]
        lines.append(f"  {group} − {diff.reference} (d): {', '.join(parts)}")
    if any(entry.basis == "extrapolated" for scales in diff.groups.values() for entry in scales.values()):
        lines.append("  * extrapolated from a neighbouring construct, not a published figure for this scale")
    lines.append(f"  Each value's source construct and its mapping onto the scale are in the file {diff.id}.")
    lines.append(
        f"Simulated: {forecast.draws} draws of {forecast.n_per_group:,} applicants per group (seed {forecast.seed}); "
        "intervals are the 2.5th–97.5th percentiles over draws."
    )
    lines += ["", "  band       group          selected [interval]     impact ratio [interval]   draws <4/5"]
    for band, rates in forecast.selection.items():
        marker = band + (" *" if band == forecast.select_band else "")
        for rate in rates:
            lines.append(_row(rate, marker))
            marker = ""
    lines.append("")
    lines.append("  scoring rate (above the median fit of all simulated applicants):")
    for rate in forecast.scoring:
        lines.append(_row(rate, "scoring"))
    lines += ["", "Why: the role's weighted scales and the differences on them"]
    for scale, (weight, direction) in sorted(forecast.role_scales.items(), key=lambda kv: -kv[1][0]):
        parts = []
        for group, scales in diff.groups.items():
            d = scales[scale].d if scale in scales else 0.0
            gain = d if direction == "higher" else -d
            favoured = group if gain > 0 else (diff.reference if gain < 0 else "neither group")
            parts.append(f"{group} d {_signed(d)} favours {favoured}")
        lines.append(f"  {scale:<16} weight {weight:g}, {direction} is better: {'; '.join(parts)}")
    for group, (gap, low, high) in forecast.fit_gap.items():
        lines.append(
            f"  Fit score, {group} − {diff.reference}: d = {_signed2(gap)} [{_signed2(low)} to {_signed2(high)}] "
            "(the profile part of the fit adds to the scales above)"
        )
    lowest = forecast.lowest_ratio
    lines += [
        "",
        f"Headline (selected at {forecast.select_band} or higher): lowest impact ratio {lowest.ratio:.2f} "
        f"for {lowest.group} [{lowest.ratio_low:.2f}–{lowest.ratio_high:.2f}], below four-fifths in "
        f"{100 * lowest.below_four_fifths:.0f}% of draws.",
        "",
        "Sources of the differences:",
    ]
    lines += [f"  - {source.citation}" + (f" {source.url}" if source.url else "") for source in diff.sources]
    if diff.verification:
        lines.append(f"  Checked: {diff.verification}")
    lines += ["", WARNING_LIGHT]
    return "\n".join(lines) + "\n"


def _rate_dict(rate: RateForecast) -> dict[str, Any]:
    return {
        "group": rate.group,
        "rate": rate.rate,
        "rate_interval": [rate.rate_low, rate.rate_high],
        "impact_ratio": rate.ratio,
        "impact_ratio_interval": [rate.ratio_low, rate.ratio_high],
        "share_of_draws_below_four_fifths": rate.below_four_fifths,
    }


def forecast_to_dict(forecast: ImpactForecast) -> dict[str, Any]:
    """The forecast as plain data, with the differences file it used (sources included)."""
    return {
        "schema_version": "1",
        "role": forecast.role,
        "model_id": forecast.model_id,
        "trained_on": forecast.trained_on,
        "n_per_group": forecast.n_per_group,
        "draws": forecast.draws,
        "seed": forecast.seed,
        "select_band": forecast.select_band,
        "selection": {band: [_rate_dict(r) for r in rates] for band, rates in forecast.selection.items()},
        "scoring": [_rate_dict(r) for r in forecast.scoring],
        "fit_score_d": {
            group: {"d": gap, "interval": [low, high]} for group, (gap, low, high) in forecast.fit_gap.items()
        },
        "role_scales": {scale: {"weight": w, "direction": d} for scale, (w, d) in forecast.role_scales.items()},
        "differences": forecast.differences.model_dump(mode="json"),
        "note": WARNING_LIGHT,
    }


def write_forecast_json(forecast: ImpactForecast, path: str | Path) -> Path:
    """Write :func:`forecast_to_dict` as indented UTF-8 JSON."""
    path = Path(path)
    path.write_text(json.dumps(forecast_to_dict(forecast), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
