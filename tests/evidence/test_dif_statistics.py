"""DIF statistics against statsmodels, and the class boundaries of the published rules."""

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests

from profilefit.data.simulate import simulate_groups
from profilefit.evidence.dif import (
    BinaryMH,
    OrdinalMH,
    benjamini_hochberg,
    binary_mh,
    dif_comparison,
    ets_class,
    ets_polytomous_class,
    fit_ordinal_logit,
    logistic_dif,
    ordinal_mh,
)
from profilefit.evidence.dif._ordinal import JODOIN_GIERL, ZUMBO_THOMAS, nagelkerke_r2, null_loglik, r2_class
from tests.strategies import stratified_counts

_strata_counts = stratified_counts()


def _people(counts):
    """Expand stratum counts into one row per person: (yes, focal, stratum)."""
    yes, focal, stratum = [], [], []
    for k, (a, b, c, d) in enumerate(counts):
        for n, y, f in ((a, True, False), (b, False, False), (c, True, True), (d, False, True)):
            yes += [y] * int(n)
            focal += [f] * int(n)
            stratum += [k] * int(n)
    return np.array(yes), np.array(focal), np.array(stratum, dtype=float)


@given(_strata_counts)
def test_binary_mh_equals_statsmodels_stratified_table(counts):
    """Rule: odds ratio, its RBG standard error and the MH test equal statsmodels' StratifiedTable."""
    yes, focal, stratum = _people(counts)
    ours = binary_mh(yes, focal, stratum)
    tables = np.array([[[a, b], [c, d]] for a, b, c, d in counts], dtype=float).transpose(1, 2, 0)
    theirs = StratifiedTable(tables)
    test = theirs.test_null_odds(correction=True)
    a, b, c, d = counts.T.astype(float)
    gap = abs(a.sum() - ((a + b) * (a + c) / (a + b + c + d)).sum())
    assert ours.odds_ratio == pytest.approx(theirs.oddsratio_pooled, rel=1e-10)
    assert ours.log_odds_se == pytest.approx(theirs.logodds_pooled_se, rel=1e-10)
    if gap >= 0.5:
        assert ours.chi2 == pytest.approx(test.statistic, rel=1e-9, abs=1e-12)
        assert ours.p_value == pytest.approx(test.pvalue, rel=1e-9, abs=1e-12)
    else:  # the correction cannot take the difference below zero; statsmodels squares a negative
        assert (ours.chi2, ours.p_value) == (0.0, 1.0)
    assert ours.delta == pytest.approx(-2.35 * math.log(theirs.oddsratio_pooled), rel=1e-10)


@given(_strata_counts)
def test_swapping_focal_and_reference_mirrors_the_statistics(counts):
    """Rule: exchanging the two groups inverts the odds ratio, negates delta, and keeps the tests and the SE."""
    yes, focal, stratum = _people(counts)
    one, other = binary_mh(yes, focal, stratum), binary_mh(yes, ~focal, stratum)
    assert other.odds_ratio == pytest.approx(1 / one.odds_ratio, rel=1e-9)
    assert other.delta == pytest.approx(-one.delta, abs=1e-9)
    assert other.chi2 == pytest.approx(one.chi2, rel=1e-9, abs=1e-12)
    assert other.log_odds_se == pytest.approx(one.log_odds_se, rel=1e-9)
    ordinal_one, ordinal_other = (
        ordinal_mh(yes.astype(float), focal, stratum),
        ordinal_mh(yes.astype(float), ~focal, stratum),
    )
    assert ordinal_other.chi2 == pytest.approx(ordinal_one.chi2, rel=1e-9, abs=1e-12)


@given(_strata_counts)
def test_mantel_ordinal_test_on_two_categories_is_the_uncorrected_mh_test(counts):
    """Rule: with a yes/no item, Mantel's (1963) statistic equals the MH chi-square without continuity correction."""
    yes, focal, stratum = _people(counts)
    ours = ordinal_mh(yes.astype(float), focal, stratum)
    tables = np.array([[[a, b], [c, d]] for a, b, c, d in counts], dtype=float).transpose(1, 2, 0)
    test = StratifiedTable(tables).test_null_odds(correction=False)
    assert ours.chi2 == pytest.approx(test.statistic, rel=1e-9, abs=1e-12)


def test_smd_is_zero_when_groups_answer_alike_at_every_level():
    score = np.array([1, 2, 3, 4, 2, 3, 1, 2, 3, 4, 2, 3], dtype=float)
    focal = np.array([False] * 6 + [True] * 6)
    stratum = np.array([0, 0, 1, 1, 2, 2] * 2, dtype=float)
    result = ordinal_mh(score, focal, stratum)
    assert result.smd == 0.0
    assert result.chi2 == pytest.approx(0.0)


def test_smd_weights_strata_by_the_focal_group():
    # Stratum 0: focal 1 person at 4 vs reference mean 2 (+2); stratum 1: 3 focal at 3 vs reference 3 (0).
    score = np.array([2, 2, 4, 3, 3, 3, 3, 3], dtype=float)
    focal = np.array([False, False, True, False, False, True, True, True])
    stratum = np.array([0, 0, 0, 1, 1, 1, 1, 1], dtype=float)
    assert ordinal_mh(score, focal, stratum).smd == pytest.approx(0.25 * 2 + 0.75 * 0)


@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(0, 1)))
def test_benjamini_hochberg_equals_statsmodels(p):
    """Rule: our BH-adjusted p-values equal statsmodels' multipletests(method="fdr_bh")."""
    np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12, atol=1e-15)


def test_benjamini_hochberg_leaves_missing_p_values_out():
    q = benjamini_hochberg(np.array([0.01, np.nan, 0.02]))
    assert math.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2]], [0.02, 0.02])


def _mh(delta, se):
    return BinaryMH(math.exp(delta / -2.35), se / 2.35, 10.0, 0.001, delta, se, 5)


@pytest.mark.parametrize(
    ("delta", "se", "significant", "expected"),
    [
        (0.99, 0.1, True, "A"),  # |delta| < 1
        (-1.4, 0.1, False, "A"),  # not significant
        (1.0, 0.1, True, "B"),  # from 1
        (-1.49, 0.01, True, "B"),  # below 1.5
        (1.5, 0.1, True, "C"),  # 1.5 and (1.5 - 1) / 0.1 = 5 > 1.645
        (-1.6, 0.5, True, "B"),  # 1.6 but not significantly above 1: (0.6 / 0.5) < 1.645
    ],
)
def test_ets_binary_class_boundaries(delta, se, significant, expected):
    assert ets_class(_mh(delta, se), significant) == expected


@pytest.mark.parametrize(
    ("effect", "significant", "expected"),
    [(0.17, True, "AA"), (0.171, True, "BB"), (-0.25, True, "BB"), (0.251, True, "CC"), (-0.4, False, "AA")],
)
def test_ets_polytomous_class_boundaries(effect, significant, expected):
    assert ets_polytomous_class(OrdinalMH(9.0, 0.001, effect, effect, 4), significant) == expected


@pytest.mark.parametrize(("change", "zt", "jg"), [(0.02, "A", "A"), (0.05, "A", "B"), (0.1, "A", "C"), (0.2, "B", "C")])
def test_r2_classes_follow_zumbo_thomas_and_jodoin_gierl(change, zt, jg):
    assert r2_class(change, True, ZUMBO_THOMAS) == zt
    assert r2_class(change, True, JODOIN_GIERL) == jg
    assert r2_class(change, False, JODOIN_GIERL) == "A"


def _ordinal_data(seed, n=600, uniform=0.6, nonuniform=0.0):
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    group = (rng.random(n) < 0.5).astype(float)
    latent = 1.2 * score + uniform * group + nonuniform * score * group + rng.logistic(size=n)
    answers = np.digitize(latent, [-2.0, -0.8, 0.2, 1.2, 2.4]) + 1.0
    return answers, score, group


@pytest.mark.parametrize("seed", [1, 2])
def test_ordinal_logit_equals_statsmodels_ordered_model(seed):
    answers, score, group = _ordinal_data(seed, nonuniform=0.5)
    x = np.column_stack([score, group, score * group])
    ours = fit_ordinal_logit(answers, x)
    theirs = OrderedModel(answers, x, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-8)
    cuts = theirs.model.transform_threshold_params(theirs.params)[1:-1]
    assert ours.loglik == pytest.approx(theirs.llf, abs=1e-5)
    np.testing.assert_allclose(ours.coef, theirs.params[:3], atol=1e-3)
    np.testing.assert_allclose(ours.thresholds, cuts, atol=1e-3)


def test_logistic_dif_tests_are_likelihood_ratios_of_the_statsmodels_fits():
    answers, score, group = _ordinal_data(3, uniform=0.8)
    result = logistic_dif(answers, group.astype(bool), score)
    centred = score - score.mean()
    designs = [centred[:, None], np.column_stack([centred, group]), np.column_stack([centred, group, centred * group])]
    llf = [
        OrderedModel(answers, x, distr="logit").fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-8).llf
        for x in designs
    ]
    assert result.chi2_uniform == pytest.approx(2 * (llf[1] - llf[0]), abs=1e-3)
    assert result.chi2_any == pytest.approx(2 * (llf[2] - llf[0]), abs=1e-3)
    ll0, n = null_loglik(answers), len(answers)
    assert result.r2_change == pytest.approx(nagelkerke_r2(llf[2], ll0, n) - nagelkerke_r2(llf[0], ll0, n), abs=1e-5)
    assert result.group_coef > 0  # the planted group answers higher at the same score
    assert result.p_uniform < 1e-6


def test_an_ordinal_fit_needs_two_categories():
    with pytest.raises(ValueError, match="two observed answer categories"):
        fit_ordinal_logit(np.full(10, 3.0), np.zeros((10, 1)))


@given(stratified_counts(), st.floats(0.5, 5.0), st.floats(-10, 10))
def test_only_the_strata_matter_not_the_scores_that_name_them(counts, scale, shift):
    """Rule: a monotone relabelling of the matching score leaves every MH statistic unchanged."""
    yes, focal, stratum = _people(counts)
    one, other = binary_mh(yes, focal, stratum), binary_mh(yes, focal, stratum * scale + shift)
    assert (other.odds_ratio, other.chi2, other.n_strata) == pytest.approx((one.odds_ratio, one.chi2, one.n_strata))


@functools.lru_cache(maxsize=1)
def _two_small_groups():
    return simulate_groups({"a": 150, "b": 150}, differences={"b": {"empathy": 0.5}}, seed=8)


@settings(max_examples=5)
@given(st.permutations(range(300)))
def test_dif_does_not_depend_on_row_order(order):
    """Rule: shuffling the candidates gives the same statistics and classes for every answer."""
    sim, rows = _two_small_groups(), np.array(order)
    one = dif_comparison(sim.responses, sim.groups, reference="a", focal="b", logistic=False)
    other = dif_comparison(sim.responses.take(rows), sim.groups[rows], reference="a", focal="b", logistic=False)
    for x, y in zip(one.answers, other.answers, strict=True):
        assert (x.field, x.ets) == (y.field, y.ets)
        assert x.q_mh == pytest.approx(y.q_mh, rel=1e-9, abs=1e-12)
