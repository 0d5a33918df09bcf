import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from profilefit.core.classifier import ProfileClassifier
from profilefit.core.classifier._evaluate import evaluate_probabilities, expected_calibration_error
from profilefit.core.scoring import score_responses
from profilefit.data.simulate import simulate


@pytest.fixture(scope="module")
def fitted():
    sim = simulate(6_000, seed=21)
    X = score_responses(sim.responses).features()
    return ProfileClassifier(random_state=0).fit(X, sim.profiles), X, sim.profiles


@given(arrays(np.float64, (5, 15), elements=st.floats(0, 6) | st.just(np.nan)))
def test_probabilities_sum_to_one_even_with_missing_features(fitted, X):
    model, _, _ = fitted
    p = model.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p >= 0).all()


def test_contributions_add_up_to_the_log_odds(fitted):
    model, X, _ = fitted
    logp = model.predict_log_proba(X[:50])
    order = np.argsort(-logp, axis=1)
    top, second = model.classes_[order[:, 0]], model.classes_[order[:, 1]]
    parts = model.contributions(X[:50], top, second)
    ti = order[:, 0]
    si = order[:, 1]
    rows = np.arange(50)
    log_odds = logp[rows, ti] - logp[rows, si]
    np.testing.assert_allclose(parts.sum(axis=1) + model.intercept_[ti] - model.intercept_[si], log_odds, atol=1e-9)


def test_a_missing_feature_contributes_nothing(fitted):
    model, X, _ = fitted
    row = X[:1].copy()
    row[0, 0] = np.nan
    parts = model.contributions(row, model.classes_[:1], model.classes_[1:2])
    assert parts[0, 0] == 0.0


def test_temperature_calibration_keeps_ece_small(fitted):
    model, _, _ = fitted
    held_out = simulate(6_000, seed=22)
    p = model.predict_proba(score_responses(held_out.responses).features())
    assert expected_calibration_error(held_out.profiles, p, list(model.classes_)) < 0.04
    assert 0.3 < model.temperature_ < 3


def test_same_data_same_seed_same_model():
    sim = simulate(2_000, seed=23)
    X = score_responses(sim.responses).features()
    a = ProfileClassifier(random_state=1).fit(X, sim.profiles)
    b = ProfileClassifier(random_state=1).fit(X, sim.profiles)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.temperature_ == b.temperature_


def test_ece_hand_example():
    p = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    # bin 0.9: both right -> |1 - 0.9|; bin 0.6: one of two right -> |0.5 - 0.6|; weights 1/2 each
    assert expected_calibration_error(["a", "a", "a", "b"], p, ["a", "b"]) == pytest.approx(0.1)


def test_evaluation_reports_every_figure():
    y = np.array(["a", "b", "a", "b"])
    p = np.array([[0.8, 0.2], [0.3, 0.7], [0.45, 0.55], [0.2, 0.8]])
    metrics = evaluate_probabilities(
        y,
        p,
        ["a", "b"],
        min_confidence=0.6,
        retest_probabilities=p[::-1],
        oracle_probabilities=np.eye(2)[[0, 1, 0, 1]] * 0.98 + 0.01,
    )
    assert metrics["accuracy"] == 0.75
    assert metrics["confusion_matrix"]["counts"] == [[1, 1], [0, 2]]
    assert metrics["per_profile_recall"] == {"a": 0.5, "b": 1.0}
    assert metrics["undetermined_share"] == 0.25
    assert metrics["consistency"] == 0.5
    assert metrics["ceiling"]["accuracy"] == 1.0
    expected_log_loss = -np.mean(np.log([0.8, 0.7, 0.45, 0.8]))
    assert metrics["log_loss"] == pytest.approx(expected_log_loss, abs=1e-4)


def test_a_feature_nobody_has_fits_without_a_numpy_warning_and_contributes_nothing():
    """A scenario column missing from an organisation's training data: no 'Degrees of freedom' notes."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 4))
    X[:, 2] = np.nan
    y = np.where(X[:, 0] > 0, "rock", "controller")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = ProfileClassifier(random_state=0).fit(X, y)
    assert model.mean_[2] == 0.0 and model.scale_[2] == 1.0
    np.testing.assert_allclose(model.coef_[:, 2], 0.0, atol=1e-12)
