"""The answer-level Bayes classifier: a proper posterior, and a yardstick no trained model beats."""

import numpy as np
import pytest

from profilefit.core.classifier import ProfileClassifier
from profilefit.core.classifier._evaluate import evaluate_probabilities
from profilefit.core.scoring import Responses, score_responses
from profilefit.data.simulate import SimulationConfig, answer_probabilities, oracle_probabilities, simulate


@pytest.fixture(scope="module")
def config():
    return SimulationConfig.reference()


def test_posteriors_are_probabilities_and_reproducible(config):
    sim = simulate(200, seed=31, config=config)
    a = answer_probabilities(sim.responses, config, n_draws=64, seed=4)
    assert a.shape == (200, len(config.profile_ids))
    assert (a >= 0).all()
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    np.testing.assert_array_equal(a, answer_probabilities(sim.responses, config, n_draws=64, seed=4))


def test_a_candidate_who_answered_nothing_gets_the_prior(config, instrument):
    """Rule: with no evidence the posterior is the prior (blanks carry no information), up to Monte Carlo error."""
    blank = Responses(
        instrument,
        np.array(["blank"], dtype=np.str_),
        np.full((1, len(instrument.items)), np.nan),
        np.full((1, len(instrument.scenarios)), -1, dtype=np.int16),
        np.full((1, len(instrument.attention_checks)), np.nan),
        np.array([np.nan]),
    )
    np.testing.assert_allclose(answer_probabilities(blank, config, n_draws=8192)[0], config.priors, atol=0.01)


def test_careless_answers_fall_back_to_the_prior(config):
    """Careless answers say nothing about the profile: a fast, straight-lined candidate gets the prior."""
    sim = simulate(3_000, seed=32, config=config)
    careless = np.flatnonzero(sim.careless)
    posterior = answer_probabilities(sim.responses.take(careless), config, n_draws=32)
    np.testing.assert_allclose(posterior, np.broadcast_to(config.priors, posterior.shape), atol=1e-6)


def test_more_draws_converge(config):
    sim = simulate(300, seed=33, config=config)
    a = answer_probabilities(sim.responses, config, n_draws=512, seed=1)
    b = answer_probabilities(sim.responses, config, n_draws=512, seed=2)
    assert np.abs(a - b).mean() < 0.01


def test_answer_level_bayes_is_at_least_as_good_as_a_trained_model(config):
    """Yardstick: between the true-trait ceiling and any model trained on the answers (log loss, accuracy)."""
    train = simulate(6_000, seed=34, config=config)
    test = simulate(2_000, seed=35, config=config)
    model = ProfileClassifier(random_state=0).fit(score_responses(train.responses).features(), train.profiles)
    classes = [str(c) for c in model.classes_]
    columns = [config.profile_ids.index(c) for c in classes]

    def figures(probabilities):
        return evaluate_probabilities(test.profiles, probabilities, classes, min_confidence=0.4)

    trained = figures(model.predict_proba(score_responses(test.responses).features()))
    bayes = figures(answer_probabilities(test.responses, config, n_draws=128, seed=0)[:, columns])
    ceiling = figures(oracle_probabilities(test.traits, config)[:, columns])
    assert ceiling["log_loss"] < bayes["log_loss"] < trained["log_loss"]
    assert bayes["accuracy"] >= trained["accuracy"] - 0.005
    assert ceiling["accuracy"] > bayes["accuracy"]
    assert bayes["ece"] < 0.04  # the true posterior is calibrated, up to sampling noise


def test_mean_posterior_matches_the_profile_shares(config):
    """A true posterior averages to the prior over the population."""
    sim = simulate(3_000, seed=36, config=config)
    posterior = answer_probabilities(sim.responses, config, n_draws=64)
    np.testing.assert_allclose(posterior.mean(axis=0), config.priors, atol=0.02)


def test_fractional_answers_are_refused(config, instrument):
    sim = simulate(2, seed=37, config=config)
    items = sim.responses.items.copy()
    items[0, 0] = 3.5
    odd = Responses(
        instrument,
        sim.responses.candidate_ids,
        items,
        sim.responses.choices,
        sim.responses.checks,
        sim.responses.seconds,
    )
    with pytest.raises(ValueError, match="whole-number answers"):
        answer_probabilities(odd, config)


def test_more_reliable_items_bring_the_answer_level_bayes_toward_the_true_trait_ceiling(config):
    """Rule: the answer-level yardstick falls short of the ceiling by what measurement error costs."""
    gaps = []
    for low, high in ((0.9, 1.9), (4.5, 5.0)):
        sharper = SimulationConfig.reference(discrimination_low=low, discrimination_high=high, careless_share=0.0)
        test = simulate(1_500, seed=38, config=sharper)
        classes = sorted(sharper.profile_ids)
        order = [sharper.profile_ids.index(c) for c in classes]

        def loss(probabilities, test=test, classes=classes, order=order):
            return evaluate_probabilities(test.profiles, probabilities[:, order], classes, min_confidence=0.4)[
                "log_loss"
            ]

        gaps.append(
            loss(answer_probabilities(test.responses, sharper, n_draws=128))
            - loss(oracle_probabilities(test.traits, sharper))
        )
    assert 0 < gaps[1] < gaps[0]


def test_answers_no_model_produces_still_get_a_posterior(config, instrument):
    """A total time of one second fits neither attentive nor careless answering; the answers then decide."""
    sim = simulate(20, seed=39, config=config)
    attentive = np.flatnonzero(~sim.careless)[:5]
    odd = sim.responses.take(attentive)
    odd = Responses(instrument, odd.candidate_ids, odd.items, odd.choices, odd.checks, np.full(len(odd), 1.0))
    posterior = answer_probabilities(odd, config, n_draws=64)
    assert np.isfinite(posterior).all()
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
    assert (np.abs(posterior - config.priors).max(axis=1) > 0.05).all()  # not just the prior


def test_the_what_if_example_prints_the_model_next_to_both_yardsticks():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "examples" / "what_if_simulation.py"
    spec = importlib.util.spec_from_file_location("what_if_simulation", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    overrides = example.parse(["careless_share=0.2", "name=what-if"])
    assert overrides == {"careless_share": 0.2, "name": "what-if"}
    text = example.what_if(overrides, n_train=1_500, n_test=400, draws=32)
    assert '"careless_share": 0.2' in text
    for row in ("model trained on the answers", "answer-level Bayes classifier", "true-trait Bayes ceiling"):
        assert row in text
    with pytest.raises(SystemExit, match="name=value"):
        example.parse(["careless_share"])
