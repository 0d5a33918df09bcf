"""The text of a learned role file: an ordinary role whose comments hold the evidence behind it.

TOML is written by hand (the standard library reads TOML but does not write it). Names from the
outcomes file reach the file only as TOML strings (escaped) or inside comments (control characters,
which could end a comment, replaced), so an outcome column cannot inject keys into the role.
"""

from __future__ import annotations

import json
import math
import re

from profilefit.core.fit import RoleProfile
from profilefit.evidence.validation._stats import Estimate


def role_id_for(outcome: str) -> str:
    """A valid role id from an outcome column's name, for example ``learned-resolution_rating``."""
    slug = re.sub(r"[^a-z0-9_.-]+", "-", outcome.lower()).strip("-.")[:48] or "outcome"
    return f"learned-{slug}"


def _comment(text: str) -> str:
    """Text safe inside a TOML comment: control characters (a newline would end the comment) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def _toml_string(text: str) -> str:
    # A JSON string with non-ASCII kept is a valid TOML basic string (same escapes).
    return json.dumps(text, ensure_ascii=False)


def _interval_text(estimate: Estimate) -> str:
    if estimate.low is None or estimate.high is None:
        return f"{estimate.value:.3f} (no interval)"
    return f"{estimate.value:.3f}, 95% CI [{estimate.low:.3f}, {estimate.high:.3f}]"


def role_toml(
    *,
    role_id: str,
    outcome: str,
    kind: str,
    n: int,
    cv_validity: Estimate,
    cv_method: str,
    current_validity: Estimate,
    date: str,
    data_hash: str,
    alpha: float,
    l1_ratio: float,
    base: RoleProfile,
    weights: dict[str, float],
    directions: dict[str, str],
    unweighted: tuple[str, ...],
    scale_r: dict[str, float],
    bands: tuple[float, float],
    problems: list[str],
) -> str:
    """The role file's text: evidence in comments, then an ordinary role with the learned scale weights."""
    correlations = ", ".join(f"{scale} {r:.3f}" for scale, r in scale_r.items() if not math.isnan(r))
    lines = [
        "# A role learned from hiring outcomes by `profilefit role learn`. Check it before use:",
        "# read docs/validation.md, compare it with the current role, and run the adverse-impact audit.",
        *(_comment(f"# NOT TRUSTED, written only because --force was given: {problem}") for problem in problems),
        "#",
        "# Evidence",
        _comment(f"#   outcome: {outcome} ({'yes/no' if kind == 'binary' else 'numeric'})"),
        f"#   n: {n} hired people with an outcome and every scale scored",
        f"#   cross-validated validity ({cv_method}):",
        f"#     {_interval_text(cv_validity)}",
        f"#   current role {base.id!r} on the same people (observed r): {_interval_text(current_validity)}",
        "#   both observed among the hired: not corrected for range restriction or criterion unreliability",
        f"#   learned on: {date} (UTC)",
        _comment(f"#   data: {data_hash}" if data_hash else "#   data: (not recorded)"),
        f"#   model: non-negative elastic net (scikit-learn ElasticNetCV), alpha {alpha:.5g}, l1_ratio {l1_ratio:g}",
        f"#   directions fixed in advance from role {base.id!r}; scales it does not weigh count as higher",
        _comment(f"#   scales given no weight: {', '.join(unweighted) or 'none'}"),
        _comment(f"#   each scale's standing correlated with the outcome: {correlations}"),
        "#   percentiles: the reference model's norm group, drawn from a documented simulation (docs/simulation.md)",
        'schema_version = "1"',
        f"id = {_toml_string(role_id)}",
        "",
        "[name]",
        f"en = {_toml_string(f'Learned from {outcome}')}",
        "",
        "[description]",
        f"en = {_toml_string(f'Scale weights learned from {n} hired people and their {outcome}, on {date}.')}",
        "",
        "[combine]",
        "# The fit is the learned scale weights only; the profile suitabilities below are kept from",
        f"# role {base.id!r} because the format needs them, and weigh nothing at scale_share = 1.",
        "scale_share = 1.0",
        "",
        "[bands]",
        f"# Set so that the same shares of these applicants are strong and possible as under role {base.id!r}.",
        f"strong = {bands[0]:.1f}",
        f"possible = {bands[1]:.1f}",
    ]
    for scale, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        lines += ["", f"[scales.{scale}]", f"weight = {weight:g}"]
        if directions.get(scale) == "lower":
            lines.append('direction = "lower"')
    lines += ["", "[profiles]"]
    lines += [f"{profile} = {suitability:g}" for profile, suitability in base.profiles.items()]
    return "\n".join(lines) + "\n"
