"""Simulated candidates of two or more groups: trait differences (impact) and item bias (DIF).

Built only on the generator's public functions (:func:`simulate` and :func:`answer`), so it
follows whatever that generator assumes about items and choices. Two kinds of group
difference can be planted, and they are kept apart on purpose, because fairness reviews
tell them apart:

- **Trait differences** (``differences``): a group's latent traits are shifted by ``d``
  population standard deviations. The answers of its members then differ because the
  people differ; a fair item shows such a difference too.
- **Item bias** (``item_dif``): an item's thresholds are shifted for one group, so that
  people of *equal* trait answer it differently by group. This is what DIF analysis
  looks for.

A shift of the thresholds of an item by ``delta`` equals answering that one item with the
trait shifted by ``-delta`` in the item's keyed direction; the answers to a biased item
are drawn that way, with :func:`answer`, and replace that item's column for the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import Responses
from profilefit.data.simulate._config import SimulationConfig, population_sd
from profilefit.data.simulate._forced_choice import simulate_forced_choice
from profilefit.data.simulate._generate import Simulation, answer, simulate


@dataclass(frozen=True, eq=False)
class GroupSimulation:
    """Simulated candidates of several groups.

    Attributes
    ----------
    simulation : Simulation
        All candidates, group after group, with their true (shifted) traits.
    groups : ndarray of str, shape (n,)
        The group of each candidate.
    differences : dict of group to (dict of trait to float)
        The planted trait differences, in population-SD units, against the reference group.
    item_dif : dict of group to (dict of item id to float)
        The planted threshold shifts, in logits (positive: the group agrees less readily).
    """

    simulation: Simulation
    groups: NDArray[np.str_]
    differences: Mapping[str, Mapping[str, float]]
    item_dif: Mapping[str, Mapping[str, float]]

    @property
    def responses(self) -> Responses:
        """The answers of every candidate."""
        return self.simulation.responses


def simulate_groups(
    sizes: Mapping[str, int],
    *,
    differences: Mapping[str, Mapping[str, float]] | None = None,
    item_dif: Mapping[str, Mapping[str, float]] | None = None,
    seed: int = 0,
    config: SimulationConfig | None = None,
    instrument: Instrument | None = None,
    id_prefix: str = "grp",
) -> GroupSimulation:
    """Simulate candidates of several groups that differ in traits and, optionally, in how they read items.

    Parameters
    ----------
    sizes : dict of group name to int
        Number of candidates in each group, in the order the groups are drawn.
    differences : dict of group to (dict of trait to float), optional
        Standardised mean differences ``d``: the group's trait mean minus the common
        baseline, in population standard deviations. Groups and traits not named are 0,
        so the group named nowhere is the reference.
    item_dif : dict of group to (dict of item id to float), optional
        Threshold shifts of agreement items for a group, in logits. Positive: at equal
        trait, the group agrees *less* readily with the statement (answers lower). On a
        forced-choice instrument (2.0) the keys are statement ids and the values lower the
        statement's utility (probit units): positive, the group marks it most less readily
        and least more readily at equal traits.
    seed : int, default=0
        Seed of everything random; each group draws from its own stream.
    config : SimulationConfig, optional
        The generative assumptions; by default the reference simulation.
    instrument : Instrument, optional
        The questionnaire; by default the shipped customer-contact instrument.
    id_prefix : str, default="grp"
        Candidate ids are ``f"{id_prefix}-{group}-{seed}-{k:07d}"``.

    Returns
    -------
    GroupSimulation

    Raises
    ------
    ValueError
        For a group, trait or item that is not known, or a group size below 1.

    Examples
    --------
    >>> from profilefit.data.simulate import simulate_groups
    >>> sim = simulate_groups({"a": 50, "b": 50}, differences={"b": {"empathy": 0.4}}, seed=1)
    >>> sim.responses.items.shape, sorted(set(sim.groups.tolist()))
    ((100, 48), ['a', 'b'])
    """
    config = config or SimulationConfig.reference()
    instrument = instrument or load_instrument()
    differences = {g: dict(v) for g, v in (differences or {}).items()}
    item_dif = {g: dict(v) for g, v in (item_dif or {}).items()}
    _check(sizes, differences, item_dif, config, instrument)
    sd = population_sd(config)
    trait_index = {trait: k for k, trait in enumerate(config.traits)}
    item_index = {item_id: k for k, item_id in enumerate(instrument.item_ids)}

    parts: list[Simulation] = []
    labels: list[NDArray[np.str_]] = []
    for position, (group, n) in enumerate(sizes.items()):
        group_seed = int(np.random.SeedSequence([seed, position]).generate_state(1)[0])
        if instrument.format == "forced_choice":
            parts.append(
                _forced_choice_group(instrument, config, group, n, group_seed, seed, id_prefix, differences, item_dif)
            )
            labels.append(np.asarray([group] * n, dtype=np.str_))
            continue
        base = simulate(n, seed=group_seed, config=config, instrument=instrument, id_prefix=f"{id_prefix}-{group}")
        shift = np.zeros(len(config.traits))
        for trait, d in differences.get(group, {}).items():
            shift[trait_index[trait]] = d * sd[trait_index[trait]]
        traits = base.traits + shift
        rng = np.random.default_rng([seed, position, 1])
        ids = np.array([f"{id_prefix}-{group}-{seed}-{k:07d}" for k in range(n)], dtype=np.str_)
        # The same people answer again with shifted traits: same carelessness, same faking strength.
        responses = answer(instrument, config, traits, base.careless, rng, ids, faking=base.faking)
        for item_id, delta in item_dif.get(group, {}).items():
            column = item_index[item_id]
            item = instrument.items[column]
            keyed = -1.0 if item.reverse else 1.0
            # Thresholds up by delta == the trait down by delta in the item's keyed direction.
            biased_traits = traits.copy()
            biased_traits[:, trait_index[item.scale]] -= keyed * delta
            biased = answer(instrument, config, biased_traits, base.careless, rng, ids, faking=base.faking)
            responses.items[:, column] = biased.items[:, column]
        parts.append(Simulation(responses, base.profiles, traits, base.careless, config, base.faking))
        labels.append(np.asarray([group] * n, dtype=np.str_))

    fakings = [p.faking for p in parts]
    combined = Simulation(
        Responses.concatenate([p.responses for p in parts]),
        np.concatenate([p.profiles for p in parts]),
        np.concatenate([p.traits for p in parts]),
        np.concatenate([p.careless for p in parts]),
        config,
        None if any(f is None for f in fakings) else np.concatenate([f for f in fakings if f is not None]),
    )
    return GroupSimulation(combined, np.concatenate(labels), differences, item_dif)


def _forced_choice_group(
    instrument: Instrument,
    config: SimulationConfig,
    group: str,
    n: int,
    group_seed: int,
    seed: int,
    id_prefix: str,
    differences: Mapping[str, Mapping[str, float]],
    item_dif: Mapping[str, Mapping[str, float]],
) -> Simulation:
    """One group answering a forced-choice instrument: shifted traits, and its statement DIF, before answering."""
    sd = population_sd(config)
    trait_index = {trait: k for k, trait in enumerate(config.traits)}
    shift = np.zeros(len(config.traits))
    for trait, d in differences.get(group, {}).items():
        shift[trait_index[trait]] = d * sd[trait_index[trait]]
    base = simulate_forced_choice(
        n,
        instrument,
        seed=group_seed,
        config=config,
        id_prefix=f"{id_prefix}-{group}",
        trait_shift=shift,
        statement_dif=item_dif.get(group),
    )
    ids = np.array([f"{id_prefix}-{group}-{seed}-{k:07d}" for k in range(n)], dtype=np.str_)
    responses = Responses(instrument, ids, np.empty((n, 0)), base.choices, base.checks, base.seconds, base.blocks)
    return Simulation(responses, base.profiles, base.traits, base.careless, config, base.faking)


def _check(
    sizes: Mapping[str, int],
    differences: Mapping[str, Mapping[str, float]],
    item_dif: Mapping[str, Mapping[str, float]],
    config: SimulationConfig,
    instrument: Instrument,
) -> None:
    if len(sizes) < 1:
        raise ValueError("give at least one group and its size")
    for group, n in sizes.items():
        if int(n) < 1:
            raise ValueError(f"group {group!r} has size {n}; each group needs at least 1 candidate")
    for what, table in (("differences", differences), ("item_dif", item_dif)):
        unknown = sorted(set(table) - set(sizes))
        if unknown:
            raise ValueError(f"{what} names group(s) {unknown} that are not among {sorted(sizes)}")
    for group, shifts in differences.items():
        unknown = sorted(set(shifts) - set(config.traits))
        if unknown:
            raise ValueError(f"differences[{group!r}] names unknown trait(s) {unknown}; traits are {config.traits}")
    for group, shifts in item_dif.items():
        if instrument.format == "forced_choice":
            unknown = sorted(set(shifts) - set(instrument.statement_ids))
            if unknown:
                raise ValueError(
                    f"item_dif[{group!r}] names unknown statement(s) {unknown}; on a forced-choice instrument "
                    "item_dif takes statement ids"
                )
            continue
        unknown = sorted(set(shifts) - set(instrument.item_ids))
        if unknown:
            raise ValueError(f"item_dif[{group!r}] names unknown item(s) {unknown}; items are agreement item ids")
