import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.stats import multivariate_normal

from profilefit.core.profiles import PROFILE_IDS
from profilefit.core.scoring import scale_reliability, score_responses
from profilefit.data.simulate import (
    SimulationConfig,
    item_parameters,
    oracle_probabilities,
    retest,
    simulate,
    situational_consistency,
)


def test_same_seed_same_candidates():
    a, b = simulate(500, seed=3), simulate(500, seed=3)
    np.testing.assert_array_equal(a.responses.items, b.responses.items)
    np.testing.assert_array_equal(a.responses.choices, b.responses.choices)
    np.testing.assert_array_equal(a.profiles, b.profiles)
    assert not np.array_equal(a.responses.items, simulate(500, seed=4).responses.items)


def test_profile_shares_follow_the_published_and_assumed_prevalence():
    sim = simulate(40_000, seed=1)
    shares = {p: float((sim.profiles == p).mean()) for p in PROFILE_IDS}
    assert shares["empathizer"] == pytest.approx(0.32, abs=0.01)
    assert shares["controller"] == pytest.approx(0.15, abs=0.01)
    for other in ("rock", "accommodator", "hard_worker", "innovator", "competitor"):
        assert shares[other] == pytest.approx(0.106, abs=0.01)


def test_prevalence_is_configurable():
    config = SimulationConfig.reference(prevalence={p: 1 / 7 for p in PROFILE_IDS})
    sim = simulate(14_000, seed=2, config=config)
    assert float((sim.profiles == "empathizer").mean()) == pytest.approx(1 / 7, abs=0.015)


def test_careless_share_and_answers_in_range():
    sim = simulate(20_000, seed=5, config=SimulationConfig.reference(careless_share=0.10))
    assert sim.careless.mean() == pytest.approx(0.10, abs=0.01)
    assert np.nanmin(sim.responses.items) >= 1 and np.nanmax(sim.responses.items) <= 6


def test_faking_raises_desirable_scales_more_than_others():
    honest = score_responses(simulate(20_000, seed=6, config=SimulationConfig.reference(faking=0.0)).responses)
    faking = score_responses(simulate(20_000, seed=6, config=SimulationConfig.reference(faking=1.0)).responses)
    lift = np.nanmean(faking.scales, axis=0) - np.nanmean(honest.scales, axis=0)
    scales = list(faking.instrument.scale_ids)
    assert lift[scales.index("composure")] > 0.15
    assert lift[scales.index("procedure")] > 0.15
    assert abs(lift[scales.index("empathy")]) < 0.05


def test_profiles_show_in_their_scales():
    sim = simulate(20_000, seed=7)
    scales = score_responses(sim.responses).scales
    columns = list(sim.responses.instrument.scale_ids)
    for profile, scale in [
        ("controller", "taking_charge"),
        ("rock", "composure"),
        ("empathizer", "empathy"),
        ("hard_worker", "procedure"),
        ("innovator", "improvement"),
        ("competitor", "competitiveness"),
    ]:
        inside = np.nanmean(scales[sim.profiles == profile, columns.index(scale)])
        outside = np.nanmean(scales[sim.profiles != profile, columns.index(scale)])
        assert inside > outside + 0.3, (profile, scale)


def test_retest_keeps_people_and_redraws_noise():
    sim = simulate(2_000, seed=8)
    again = retest(sim, seed=9)
    np.testing.assert_array_equal(again.traits, sim.traits)
    assert not np.array_equal(again.responses.items, sim.responses.items)
    np.testing.assert_array_equal(again.faking, sim.faking)
    agreement = (again.responses.items == sim.responses.items).mean()
    assert 0.2 < agreement < 0.9
    # Retest correlation of scale scores near the published Big Five test-retest (.69-.76).
    first, second = score_responses(sim.responses).scales, score_responses(again.responses).scales
    attentive = ~sim.careless
    for column in range(first.shape[1]):
        r = np.corrcoef(first[attentive, column], second[attentive, column])[0, 1]
        assert 0.6 < r < 0.85


def test_oracle_probabilities_are_a_proper_posterior():
    sim = simulate(5_000, seed=10)
    posterior = oracle_probabilities(sim.traits, sim.config)
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
    accuracy = (np.asarray(sim.config.profile_ids)[posterior.argmax(axis=1)] == sim.profiles).mean()
    assert 0.4 < accuracy < 0.8  # overlapping by design, far better than the 0.32 base rate


@pytest.mark.slow
def test_hundred_thousand_candidates_are_generated():
    sim = simulate(100_000, seed=11)
    assert sim.responses.items.shape == (100_000, 48)


def test_unknown_parameters_and_traits_are_refused():
    with pytest.raises(ValidationError, match="Extra inputs"):
        SimulationConfig.reference(carless_share=0.1)
    with pytest.raises(ValidationError, match="unknown traits"):
        SimulationConfig.reference(faking_shift={"charisma": 0.3})
    with pytest.raises(ValidationError):
        SimulationConfig.reference(
            trait_correlations={"composure~empathy": 0.95, "composure~procedure": 0.95, "empathy~procedure": -0.95}
        )


# --- The reference simulation at published levels (docs/simulation.md) -------------------------


@pytest.fixture(scope="module")
def reference_sample():
    return simulate(6_000, seed=21)


def test_scale_alphas_land_in_the_published_range(reference_sample):
    """Viswesvaran & Ones (2000): Big Five scales average alpha .73-.78; short scales .70-.85."""
    alphas = [r.alpha for r in scale_reliability(reference_sample.responses)]
    assert all(0.68 <= a <= 0.82 for a in alphas), alphas
    assert 0.72 <= float(np.mean(alphas)) <= 0.78


def test_situational_consistency_lands_in_the_published_range(reference_sample):
    """Situational-judgement tests: internal consistency about .46-.68 (docs/simulation.md)."""
    kr20 = list(situational_consistency(reference_sample.responses).values())
    assert all(0.40 <= k <= 0.72 for k in kr20), kr20
    assert 0.46 <= float(np.mean(kr20)) <= 0.68


def test_careless_share_is_the_published_rate(reference_sample):
    """Meade & Craig (2012): about 10-12 % careless responders."""
    assert SimulationConfig.reference().careless_share == pytest.approx(0.11)
    assert reference_sample.careless.mean() == pytest.approx(0.11, abs=0.012)


def test_faking_varies_between_people_around_the_published_shift(reference_sample):
    faking = reference_sample.faking
    assert faking.min() >= 0
    assert faking.mean() == pytest.approx(1.0, abs=0.03)
    assert faking.std() == pytest.approx(0.7, abs=0.04)
    constant = simulate(500, seed=21, config=SimulationConfig.reference(faking_sd=0.0, faking=0.5))
    np.testing.assert_array_equal(constant.faking, 0.5)


def test_profile_spreads_differ_as_configured(reference_sample):
    config = reference_sample.config
    traits = list(config.traits)
    for profile, trait in [("rock", "composure"), ("innovator", "procedure"), ("controller", "taking_charge")]:
        members = reference_sample.traits[reference_sample.profiles == profile, traits.index(trait)]
        assert members.std() == pytest.approx(config.profile_sds[profile][trait], rel=0.1), (profile, trait)
    assert not np.allclose(config.covariances[0], config.covariances[1])


def test_scenario_options_have_loadings_of_their_own(instrument):
    config = SimulationConfig.reference()
    params = item_parameters(instrument, config)
    directions = config.means / np.linalg.norm(config.means, axis=1, keepdims=True)
    for scenario, loadings in zip(instrument.scenarios, params.option_loadings, strict=True):
        for option, loading in zip(scenario.options, loadings, strict=True):
            direction = directions[config.profile_ids.index(option.key)]
            cosine = loading @ direction / np.linalg.norm(loading)
            assert 0.6 < cosine < 0.999, (scenario.id, option.id, cosine)
    exact = item_parameters(instrument, SimulationConfig.reference(sjt_loading_sd=0.0, name="exact"))
    np.testing.assert_allclose(
        exact.option_loadings[0], directions[[config.profile_ids.index(o.key) for o in instrument.scenarios[0].options]]
    )


def test_oracle_matches_scipy_with_profile_specific_covariances():
    """The ceiling is the exact Bayes posterior with each profile's own covariance."""
    config = SimulationConfig.reference()
    sim = simulate(300, seed=22, config=config)
    densities = np.column_stack(
        [
            multivariate_normal(mean, covariance).pdf(sim.traits)
            for mean, covariance in zip(config.means, config.covariances, strict=True)
        ]
    )
    expected = densities * config.priors
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(oracle_probabilities(sim.traits, config), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"profile_sds": {"wizard": {"empathy": 0.9}}}, "not in profile_means"),
        ({"profile_sds": {"rock": {"charisma": 0.9}}}, "unknown traits"),
        ({"profile_sds": {"rock": {"composure": 0.0}}}, "greater than 0"),
        ({"faking_sd": -0.1}, "greater than or equal to 0"),
        ({"sjt_loading_sd": -0.1}, "greater than or equal to 0"),
        ({"careless_share": 1.2}, "less than or equal to 1"),
    ],
)
def test_new_parameters_are_validated(overrides, message):
    with pytest.raises(ValidationError, match=message):
        SimulationConfig.reference(**overrides)


@settings(max_examples=25)
@given(
    spreads=st.lists(
        st.lists(st.floats(0.5, 1.6), min_size=8, max_size=8),
        min_size=7,
        max_size=7,
    )
)
def test_ceiling_is_the_exact_posterior_for_any_profile_spreads(spreads):
    """Rule: for any profile-specific SDs, oracle_probabilities is pi_k N(theta; mu_k, Sigma_k), normalised."""
    base = SimulationConfig.reference()
    config = SimulationConfig.reference(
        profile_sds={
            p: dict(zip(base.traits, row, strict=True)) for p, row in zip(base.profile_ids, spreads, strict=True)
        }
    )
    traits = np.random.default_rng(0).normal(0, 1.3, (40, len(config.traits)))
    densities = np.column_stack(
        [multivariate_normal(m, c).pdf(traits) for m, c in zip(config.means, config.covariances, strict=True)]
    )
    expected = densities * config.priors
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(oracle_probabilities(traits, config), expected, rtol=1e-8, atol=1e-12)
