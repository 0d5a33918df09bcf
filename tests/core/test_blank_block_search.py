"""The search that fills a 2.0 candidate's blank blocks for the fit (docs/fit.md) gives what the plain rule gives.

The Screener's search skips work the fit does not read (standard errors, the percentiles of unweighted
scales, a last scoring of the chosen answers) and searches each scale's norms apart. ``plain_rule`` below
is the rule written out the simple way, as the Screener did it before: every trial is a whole
``score_responses`` call, and the chosen answers are scored again at the end. The two must agree on
every candidate, for both built-in roles.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.core.fit import builtin_roles
from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.scoring import NO_ANSWER, Responses, score_responses
from profilefit.core.screening import Screener
from profilefit.data.simulate import simulate_forced_choice

#: Largest difference allowed between the search and the plain rule in fit points and percentiles. The
#: scale scores must be equal: the search keeps the trial's numbers instead of scoring the chosen answers
#: again, and a person's Thurstonian scores do not depend on who else is scored with them. The fit passes
#: through numpy's ``exp`` on other sets of rows, which need not give the last bit alike on every CPU.
TOLERANCE = 1e-9

FC = load_instrument("customer-contact-2.0")
ROLES = builtin_roles()


@pytest.fixture(scope="module", params=ROLES)
def screener(request) -> Screener:
    return Screener.load("reference-2.0", role=request.param)


def plain_rule(screener: Screener, responses: Responses, missing: np.ndarray) -> np.ndarray:
    """Each blank block starts at the role's least-wanted answer; block by block it takes the lowest-fit answer."""
    fit_scorer, start = screener.fit_scorer, screener._blank_blocks
    assert fit_scorer is not None and start is not None
    blank = responses.blocks == NO_ANSWER
    blocks = np.where(blank, start[None, :], responses.blocks).astype(np.int8)

    def scales_of(rows: np.ndarray, trial: np.ndarray) -> np.ndarray:
        part = responses.take(rows)
        answered = Responses(
            part.instrument, part.candidate_ids, part.items, part.choices, part.checks, part.seconds, trial
        )
        return score_responses(answered, screener.thurstonian).scales

    order = np.argsort(~blank, axis=1, kind="stable")
    counts = blank.sum(axis=1)
    for step in range(int(counts.max(initial=0))):
        rows = np.flatnonzero(counts > step)
        columns = order[rows, step]
        n_answers = len(BLOCK_ANSWERS)
        trial = np.tile(blocks[rows], (n_answers, 1))
        trial[np.arange(trial.shape[0]), np.tile(columns, n_answers)] = np.repeat(
            np.arange(n_answers, dtype=np.int8), rows.size
        )
        stacked = np.tile(rows, n_answers)
        percentiles = screener.norms.percentiles(scales_of(stacked, trial), screener.instrument.scale_ids)
        fit = fit_scorer.score(percentiles, missing=missing[stacked], choices=responses.choices[stacked]).score.reshape(
            n_answers, rows.size
        )
        best = np.argmin(np.nan_to_num(fit, nan=np.inf), axis=0)
        computed = ~np.isnan(fit).all(axis=0)
        blocks[rows[computed], columns[computed]] = best[computed]
    return scales_of(np.arange(len(responses)), blocks)


def with_blanks(n: int, seed: int, share: float, rng: np.random.Generator) -> Responses:
    sim = simulate_forced_choice(n, FC, seed=seed)
    blocks = sim.blocks.copy()
    blocks[rng.random(blocks.shape) < share] = NO_ANSWER
    return Responses(FC, sim.candidate_ids, np.empty((n, 0)), sim.choices, sim.checks, sim.seconds, blocks)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 40),
    seed=st.integers(0, 100_000),
    share=st.sampled_from([0.02, 0.1, 0.3, 0.6]),
)
def test_the_search_gives_the_plain_rule_s_scales_and_fit(screener, n, seed, share):
    responses = with_blanks(n, seed, share, np.random.default_rng(seed))
    scores = score_responses(responses, screener.thurstonian)
    missing = np.isnan(scores.scales)
    expected = plain_rule(screener, responses, missing)
    got = screener._least_wanted_scales(responses, missing)
    np.testing.assert_array_equal(got, expected)
    # And the whole fit the Screener reports from them.
    fit_scorer = screener.fit_scorer
    assert fit_scorer is not None
    percentiles = screener.norms.percentiles(expected, screener.instrument.scale_ids)
    plain_fit = fit_scorer.score(percentiles, missing=missing, choices=responses.choices)
    reported = screener.score_responses(responses).fit
    assert reported is not None
    rows = (responses.blocks == NO_ANSWER).any(axis=1)
    np.testing.assert_allclose(reported.score[rows], plain_fit.score[rows], rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(reported.percentiles[rows], plain_fit.percentiles[rows], rtol=0, atol=TOLERANCE)


def test_a_batch_of_many_candidates_with_two_percent_blank_blocks_matches_the_plain_rule(screener):
    """Large enough for the norms' table path (256 rows and more) and for candidates with several blank blocks."""
    responses = with_blanks(600, 77, 0.02, np.random.default_rng(3))
    assert ((responses.blocks == NO_ANSWER).sum(axis=1) >= 2).any()
    missing = np.isnan(score_responses(responses, screener.thurstonian).scales)
    rows = np.flatnonzero((responses.blocks == NO_ANSWER).any(axis=1))
    part = responses.take(rows)
    np.testing.assert_array_equal(
        screener._least_wanted_scales(part, missing[rows]), plain_rule(screener, part, missing[rows])
    )
