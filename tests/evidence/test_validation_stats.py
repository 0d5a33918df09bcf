"""The statistics of a validation study, checked against scipy, statsmodels and hand-computed values."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from profilefit.evidence.validation import (
    case_ii,
    cleary_regression,
    correct_for_criterion,
    correlation,
    fisher_interval,
    mean_interval,
    wilson_interval,
)


def planted(n, r, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = r * x + math.sqrt(1 - r * r) * rng.standard_normal(n)
    return 50 + 10 * x, y


def test_pearson_and_spearman_equal_scipy_on_planted_data():
    x, y = planted(300, 0.3, seed=1)
    pearson, p_pearson = correlation(x, y, method="pearson", resamples=500)
    spearman, p_spearman = correlation(x, y, method="spearman", resamples=500)
    assert pearson.value == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    assert p_pearson == pytest.approx(stats.pearsonr(x, y).pvalue)
    assert spearman.value == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert p_spearman == pytest.approx(stats.spearmanr(x, y).pvalue)
    assert pearson.low < pearson.value < pearson.high


def test_bootstrap_intervals_contain_the_truth_on_planted_data():
    # Fixed seeds: 20 planted samples of n = 200 with true r = .25; a 95 % interval should miss about one.
    covered = 0
    for seed in range(20):
        x, y = planted(200, 0.25, seed=100 + seed)
        estimate, _ = correlation(x, y, resamples=400, seed=seed)
        covered += estimate.low <= 0.25 <= estimate.high
    assert covered >= 17


def test_bootstrap_is_reproducible_with_its_seed():
    x, y = planted(120, 0.2, seed=3)
    assert correlation(x, y, resamples=300, seed=9) == correlation(x, y, resamples=300, seed=9)


def test_constant_outcome_gives_no_correlation_rather_than_a_crash():
    estimate, p = correlation(np.arange(10.0), np.ones(10))
    assert math.isnan(estimate.value) and estimate.low is None and math.isnan(p)


def test_case_ii_matches_a_hand_computed_example():
    # r = .25, U = 1.5: r_c = 1.5 * .25 / sqrt(1 + .0625 * (2.25 - 1)) = .375 / sqrt(1.078125) = .36116...
    assert case_ii(0.25, 1.5) == pytest.approx(0.375 / math.sqrt(1.078125), abs=1e-12)
    assert case_ii(0.25, 1.5) == pytest.approx(0.361157, abs=1e-6)


def test_criterion_correction_matches_a_hand_computed_example():
    # r / sqrt(.52) with r = .2: .2 / .72111 = .27735
    assert correct_for_criterion(0.2, 0.52) == pytest.approx(0.277350, abs=1e-6)
    assert correct_for_criterion(0.9, 0.5) == 1.0  # kept within [-1, 1]


@given(r=st.floats(-1, 1), u=st.floats(0.2, 5))
def test_case_ii_never_changes_the_sign_and_stays_a_correlation(r, u):
    corrected = case_ii(r, u)
    assert -1 - 1e-12 <= corrected <= 1 + 1e-12
    assert math.copysign(1, corrected) == math.copysign(1, r) or r == 0


@given(r=st.floats(-1, 1))
def test_case_ii_with_u_of_one_leaves_r_unchanged(r):
    assert case_ii(r, 1.0) == pytest.approx(r, abs=1e-12)


@given(r=st.floats(-0.99, 0.99), u=st.floats(1.0, 4), step=st.floats(0.001, 0.5))
def test_case_ii_is_increasing_in_r_so_bounds_can_be_corrected_like_the_value(r, u, step):
    assert case_ii(min(r + step, 1.0), u) >= case_ii(r, u)


@given(r=st.floats(0, 1), u=st.floats(1, 5))
def test_case_ii_with_u_above_one_never_lowers_a_positive_validity(r, u):
    assert case_ii(r, u) >= r - 1e-12


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for successes, n in ((8, 10), (0, 25), (37, 50)):
        mine = wilson_interval(successes, n)
        low, high = proportion_confint(successes, n, method="wilson")
        assert (mine.low, mine.high) == pytest.approx((low, high), abs=1e-9)


def test_mean_interval_matches_scipy_t_interval():
    values = np.array([3.1, 3.4, 4.0, 2.9, 3.8, 3.3])
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    mine = mean_interval(values)
    assert (mine.low, mine.high) == pytest.approx((low, high))


def test_fisher_interval_contains_r_and_narrows_with_n():
    small, large = fisher_interval(0.3, 50), fisher_interval(0.3, 500)
    assert small.low < large.low < 0.3 < large.high < small.high


def test_cleary_regression_equals_a_hand_least_squares_fit_and_recovers_planted_differences():
    rng = np.random.default_rng(11)
    n = 600
    group = np.where(rng.random(n) < 0.5, "a", "b")
    fit = rng.uniform(20, 90, n)
    b = group == "b"
    # Planted: group b's line lies 0.5 lower and is 0.1 per 10 points steeper.
    outcome = 3 + 0.02 * fit - 0.5 * b + 0.01 * b * fit + 0.3 * rng.standard_normal(n)
    reference, slope, comparisons, slopes_p, _ = cleary_regression(fit, outcome, group.tolist())
    f = (fit - fit.mean()) / 10
    design = np.column_stack([np.ones(n), f, b, b * f])
    coefficients = np.linalg.lstsq(design, outcome, rcond=None)[0]
    ols = sm.OLS(outcome, design).fit()
    assert reference in {"a", "b"}
    other = comparisons[0]
    sign = 1 if reference == "a" else -1
    assert slope.value == pytest.approx(coefficients[1] if reference == "a" else coefficients[1] + coefficients[3])
    assert other.slope_difference.value == pytest.approx(sign * coefficients[3])
    assert other.slope_p == pytest.approx(ols.pvalues[3])
    # At the mean fit, b's line is 0.5 lower plus the slope difference times the centring.
    planted_intercept = sign * (-0.5 + 0.01 * fit.mean())
    assert other.intercept_difference.low <= planted_intercept <= other.intercept_difference.high
    assert other.slope_difference.low <= sign * 0.1 <= other.slope_difference.high
    assert slopes_p < 0.05


def test_cleary_finds_no_difference_when_one_line_serves_both_groups():
    rng = np.random.default_rng(12)
    n = 400
    group = np.where(rng.random(n) < 0.5, "a", "b")
    fit = rng.uniform(20, 90, n)
    outcome = 3 + 0.02 * fit + 0.3 * rng.standard_normal(n)
    _, _, comparisons, slopes_p, intercepts_p = cleary_regression(fit, outcome, group.tolist())
    assert slopes_p > 0.05 and intercepts_p > 0.05
    assert comparisons[0].slope_difference.low < 0 < comparisons[0].slope_difference.high


@given(r=st.floats(-1, 1), reliability=st.floats(0.05, 1))
def test_criterion_correction_keeps_the_sign_and_never_shrinks_a_correlation(r, reliability):
    corrected = correct_for_criterion(r, reliability)
    assert -1 <= corrected <= 1
    assert abs(corrected) >= abs(r) - 1e-12
    assert corrected * r >= 0


@given(
    seed=st.integers(0, 2**16),
    shift=st.floats(-100, 100),
    scale=st.floats(0.01, 100),
)
def test_validity_does_not_depend_on_the_outcome_units(seed, shift, scale):
    # Rule: a correlation and its bootstrap interval are the same whether the outcome is a 1–5 rating
    # or the same rating in other units (a positive affine change).
    x, y = planted(60, 0.3, seed=seed)
    original, _ = correlation(x, y, resamples=200, seed=1)
    rescaled, _ = correlation(x, shift + scale * y, resamples=200, seed=1)
    assert rescaled.value == pytest.approx(original.value, abs=1e-9)
    assert (rescaled.low, rescaled.high) == pytest.approx((original.low, original.high), abs=1e-6)
