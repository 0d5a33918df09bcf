import numpy as np
import pytest
from pydantic import ValidationError

from profilefit.profiles import PROFILE_IDS
from profilefit.scoring import score_responses
from profilefit.simulate import SimulationConfig, oracle_probabilities, retest, simulate


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
    agreement = (again.responses.items == sim.responses.items).mean()
    assert 0.3 < agreement < 0.9


def test_oracle_probabilities_are_a_proper_posterior():
    sim = simulate(5_000, seed=10)
    posterior = oracle_probabilities(sim.traits, sim.config)
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
    accuracy = (np.asarray(sim.config.profile_ids)[posterior.argmax(axis=1)] == sim.profiles).mean()
    assert 0.4 < accuracy < 0.8  # overlapping by design, far better than the 0.32 base rate


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
