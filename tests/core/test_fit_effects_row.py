"""The one-row explanation's effects reuse the candidate's partial sums: the same floats as summing again."""

from __future__ import annotations

import random

import pytest

from profilefit.core.fit import RoleFitScorer, RowFit, builtin_roles
from profilefit.core.screening import Screener


def _effects_summed_again(scorer: RoleFitScorer, fit: RowFit, columns: list[int]) -> list[float]:
    """The definition: the fit minus the fit computed whole with one scale at the median."""
    situational = fit.situational_component / 100.0
    units = scorer._units_row(fit.standing)
    median_unit = scorer._units_row([0.5])[0]
    effects = []
    for column in columns:
        neutral, neutral_units = list(fit.standing), list(units)
        neutral[column], neutral_units[column] = 0.5, median_unit
        effects.append(fit.score - scorer._combine_row(*scorer._parts_row(neutral, neutral_units), situational))
    return effects


@pytest.mark.parametrize("role", builtin_roles())
def test_scale_effects_row_equal_summing_again(role: str) -> None:
    scorer = Screener.load(role=role).fit_scorer
    assert scorer is not None
    rng = random.Random(2026)
    columns = list(range(len(scorer.weighted_scales)))
    for _ in range(500):
        percentiles = [
            rng.choice([rng.uniform(0.0, 100.0), float(rng.randint(0, 100)), 0.0, 50.0, 100.0])
            for _ in scorer.scale_ids
        ]
        choices = [rng.randint(-1, 3) for _ in range(scorer._n_scenarios)] if scorer.weighs_situational else []
        fit = scorer.score_row(percentiles, [False] * len(percentiles), choices)
        # Exactly equal, not merely close: reasons depend on the fit rounded to 0.1.
        assert scorer._scale_effects_row(fit, columns) == _effects_summed_again(scorer, fit, columns)
