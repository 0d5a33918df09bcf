"""Group simulation: trait differences in population-SD units, and item bias that touches only its item."""

import numpy as np
import pytest

from profilefit.data.simulate import SimulationConfig, population_sd, simulate, simulate_groups


def test_population_sd_is_the_spread_of_simulated_traits():
    config = SimulationConfig.reference()
    traits = simulate(20_000, seed=5).traits
    np.testing.assert_allclose(traits.std(axis=0), population_sd(config), rtol=0.03)


def test_a_group_difference_is_d_population_standard_deviations():
    sim = simulate_groups({"a": 6000, "b": 6000}, differences={"b": {"empathy": 0.5, "composure": -0.3}}, seed=2)
    config = sim.simulation.config
    sd = population_sd(config)
    a, b = sim.simulation.traits[sim.groups == "a"], sim.simulation.traits[sim.groups == "b"]
    gap = (b.mean(axis=0) - a.mean(axis=0)) / sd
    k = {t: i for i, t in enumerate(config.traits)}
    assert gap[k["empathy"]] == pytest.approx(0.5, abs=0.06)
    assert gap[k["composure"]] == pytest.approx(-0.3, abs=0.06)
    assert abs(gap[k["procedure"]]) < 0.06


def test_planted_item_bias_changes_only_that_item_of_that_group():
    """Rule: item DIF touches the named item of the named group and nothing else."""
    clean = simulate_groups({"a": 300, "b": 300}, seed=4)
    biased = simulate_groups({"a": 300, "b": 300}, item_dif={"b": {"em2": 1.5}}, seed=4)
    column = clean.responses.instrument.item_ids.index("em2")
    others = [k for k in range(clean.responses.items.shape[1]) if k != column]
    np.testing.assert_array_equal(clean.responses.items[:, others], biased.responses.items[:, others])
    np.testing.assert_array_equal(clean.responses.choices, biased.responses.choices)
    in_a = clean.groups == "a"
    np.testing.assert_array_equal(clean.responses.items[in_a, column], biased.responses.items[in_a, column])
    # Thresholds up by 1.5 logits: group b agrees less with em2 than it otherwise would.
    assert biased.responses.items[~in_a, column].mean() < clean.responses.items[~in_a, column].mean() - 0.3


def test_groups_are_labelled_in_full_and_ids_are_unique():
    sim = simulate_groups({"female": 5, "male": 7}, seed=1)
    assert sim.groups.tolist() == ["female"] * 5 + ["male"] * 7
    assert len(set(sim.responses.candidate_ids.tolist())) == 12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"differences": {"c": {"empathy": 0.1}}}, "group"),
        ({"differences": {"b": {"kindness": 0.1}}}, "unknown trait"),
        ({"item_dif": {"b": {"zz9": 0.5}}}, "unknown item"),
    ],
)
def test_unknown_names_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_groups({"a": 5, "b": 5}, **kwargs)


def test_group_members_keep_their_own_faking_strength():
    """Rule: shifting a group's traits changes who they are, not how much each of them fakes."""
    sim = simulate_groups({"a": 200, "b": 200}, differences={"b": {"empathy": 0.5}}, seed=6)
    faking = sim.simulation.faking
    assert faking is not None and faking.shape == (400,)
    assert faking.std() > 0  # the reference simulation varies faking between people
