"""Every assumption of the candidate simulation, as one named, validated parameter set.

The defaults are the reference simulation the shipped model is trained on; each is
explained, with its source or the reason it is an extrapolation, in docs/simulation.md.
"""

from __future__ import annotations

import json
from functools import cached_property
from importlib import resources
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge, Gt, Le, MinLen
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from profilefit.core.profiles import load_profiles

Share = Annotated[float, Ge(0), Le(1)]

#: Seed of the shipped reference model: its training, test and retest candidates are drawn
#: from this seed and the two after it.
REFERENCE_SEED = 20261123


class SimulationConfig(BaseModel):
    """Parameters of the generative model of candidates.

    Parameters
    ----------
    traits : list of str
        Latent traits, one per instrument scale, in scale order.
    trait_correlations : dict of "a~b" to float
        Within-profile correlations between traits; pairs not given are 0.
    profile_means : dict of profile id to (dict of trait to float)
        Mean of each trait within a profile, in population-SD units.
    profile_sds : dict of profile id to (dict of trait to float)
        Within-profile SD of each trait (default 1 where not given): profiles differ in spread,
        so their covariances differ and no linear classifier is right by construction.
    separation : float, default=1.0
        Multiplies every profile mean: below 1 the profiles overlap more.
    prevalence : dict of profile id to float, optional
        Profile shares; by default those of the shipped profile file.
    discrimination_low, discrimination_high : float, default=0.9, 1.9
        Item discriminations of the graded-response model are drawn uniformly in this range.
    thresholds : list of float
        Category thresholds of an average item, before the agreement shift and jitter.
    agree_shift : float, default=0.4
        Social desirability: thresholds of forward-keyed (desirable) statements move down by this
        much and those of reverse-keyed (undesirable) statements up, so keyed answers lean favourable.
    threshold_jitter : float, default=0.25
        SD of each item's random offset of its thresholds.
    sjt_sensitivity : float, default=1.3
        How strongly traits drive situational choices (logit scale).
    sjt_popularity_sd : float, default=0.3
        SD of option-specific attractiveness shared by everyone.
    sjt_loading_sd : float, default=0.2
        SD of each scenario option's own deviation, per trait, from the unit direction of the
        profile it is keyed to: options have loadings of their own, drawn once from ``item_seed``.
    careless_share : float, default=0.11
        Share of careless responders (random or straight-lined answers, fast, failing checks).
    faking : float, default=1.0
        Average strength of the applicant-faking shift: 0 none, 1 the published applicant-versus-
        incumbent differences given in ``faking_shift``.
    faking_shift : dict of trait to float
        Shift of the trait used for answering, in SD units, at ``faking=1``.
    faking_sd : float, default=0.7
        Between-person SD of faking: each person's strength is ``faking`` times a gamma-distributed
        factor with mean 1 and this SD (0: everyone fakes alike).
    attention_error_rate : float, default=0.02
        Chance that an attentive candidate still misses an attention check.
    seconds_per_item, seconds_per_scenario : float
        Median answering times of attentive candidates.
    time_sigma : float, default=0.35
        Log-normal spread of answering times.
    item_seed : int, default=7
        Seed of the fixed item parameters: the same items for every data set drawn from this config.
    """

    # extra="forbid": a misspelt parameter would otherwise silently keep its default.
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal["1"] = "1"
    name: str = "custom"
    traits: Annotated[list[str], MinLen(1)]
    trait_correlations: dict[str, Annotated[float, Ge(-0.95), Le(0.95)]] = Field(default_factory=dict)
    profile_means: dict[str, dict[str, float]]
    profile_sds: dict[str, dict[str, Annotated[float, Gt(0), Le(5)]]] = Field(default_factory=dict)
    separation: Annotated[float, Gt(0), Le(5)] = 1.0
    prevalence: dict[str, Share] | None = None
    discrimination_low: Annotated[float, Gt(0), Le(5)] = 0.9
    discrimination_high: Annotated[float, Gt(0), Le(5)] = 1.9
    thresholds: list[float] = Field(default_factory=lambda: [-2.4, -1.4, -0.5, 0.4, 1.5])
    agree_shift: Annotated[float, Ge(-2), Le(2)] = 0.4
    threshold_jitter: Annotated[float, Ge(0), Le(2)] = 0.25
    sjt_sensitivity: Annotated[float, Ge(0), Le(10)] = 1.3
    sjt_popularity_sd: Annotated[float, Ge(0), Le(3)] = 0.3
    sjt_loading_sd: Annotated[float, Ge(0), Le(3)] = 0.2
    careless_share: Share = 0.11
    faking: Annotated[float, Ge(0), Le(3)] = 1.0
    faking_shift: dict[str, float] = Field(default_factory=dict)
    faking_sd: Annotated[float, Ge(0), Le(3)] = 0.7
    attention_error_rate: Share = 0.02
    seconds_per_item: Annotated[float, Gt(0)] = 6.0
    seconds_per_scenario: Annotated[float, Gt(0)] = 55.0
    time_sigma: Annotated[float, Ge(0), Le(2)] = 0.35
    item_seed: int = 7

    @classmethod
    def reference(cls, **overrides: object) -> SimulationConfig:
        """The reference simulation of the shipped model, with optional overrides."""
        text = resources.files("profilefit.data.simulate").joinpath("data", "reference.json").read_text("utf-8")
        return cls.model_validate({**json.loads(text), **overrides})

    @model_validator(mode="after")
    def _names_known(self) -> SimulationConfig:
        traits = set(self.traits)
        for pair in self.trait_correlations:
            a, _, b = pair.partition("~")
            if a not in traits or b not in traits or a == b:
                raise ValueError(
                    f"trait_correlations key {pair!r} must be 'a~b' with two different traits of {self.traits}"
                )
        for profile, means in self.profile_means.items():
            unknown = set(means) - traits
            if unknown:
                raise ValueError(f"profile_means[{profile!r}] names unknown traits {sorted(unknown)}")
        for profile, sds in self.profile_sds.items():
            if profile not in self.profile_means:
                raise ValueError(f"profile_sds names profile {profile!r}, which is not in profile_means")
            if set(sds) - traits:
                raise ValueError(f"profile_sds[{profile!r}] names unknown traits {sorted(set(sds) - traits)}")
        if set(self.faking_shift) - traits:
            raise ValueError(f"faking_shift names unknown traits {sorted(set(self.faking_shift) - traits)}")
        if self.prevalence is not None and set(self.prevalence) != set(self.profile_means):
            raise ValueError("prevalence must give a share for exactly the profiles in profile_means")
        if self.discrimination_low > self.discrimination_high:
            raise ValueError("discrimination_low must not exceed discrimination_high")
        if len(self.thresholds) < 1 or sorted(self.thresholds) != list(self.thresholds):
            raise ValueError("thresholds must be increasing")
        np.linalg.cholesky(self.correlation_matrix)  # raises LinAlgError when not positive definite
        return self

    @cached_property
    def profile_ids(self) -> tuple[str, ...]:
        """Profiles in the order of the shipped profile file (then any others, sorted)."""
        shipped = [p for p in load_profiles().ids if p in self.profile_means]
        return tuple(shipped + sorted(set(self.profile_means) - set(shipped)))

    @cached_property
    def priors(self) -> NDArray[np.float64]:
        """Profile shares, in :attr:`profile_ids` order, summing to one."""
        if self.prevalence is not None:
            shares = np.array([self.prevalence[p] for p in self.profile_ids])
        else:
            shipped = load_profiles().prevalence
            shares = np.array([shipped[p] for p in self.profile_ids])
        return shares / shares.sum()

    @cached_property
    def correlation_matrix(self) -> NDArray[np.float64]:
        """Within-profile trait correlation matrix, shape (n_traits, n_traits)."""
        index = {trait: k for k, trait in enumerate(self.traits)}
        matrix = np.eye(len(self.traits))
        for pair, r in self.trait_correlations.items():
            a, _, b = pair.partition("~")
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
        return matrix

    @cached_property
    def sds(self) -> NDArray[np.float64]:
        """Within-profile SD of each trait, shape (n_profiles, n_traits)."""
        return np.array([[self.profile_sds.get(p, {}).get(t, 1.0) for t in self.traits] for p in self.profile_ids])

    @cached_property
    def covariances(self) -> NDArray[np.float64]:
        """Within-profile trait covariance of each profile, shape (n_profiles, n_traits, n_traits)."""
        sds = self.sds
        return sds[:, :, None] * self.correlation_matrix[None, :, :] * sds[:, None, :]

    @cached_property
    def means(self) -> NDArray[np.float64]:
        """Profile means, shape (n_profiles, n_traits), scaled by ``separation`` and centred on the population."""
        raw = np.array([[self.profile_means[p].get(t, 0.0) for t in self.traits] for p in self.profile_ids])
        raw = raw * self.separation
        return raw - self.priors @ raw

    @cached_property
    def unit_shift(self) -> NDArray[np.float64]:
        """Applicant-faking shift of each trait at strength 1, shape (n_traits,)."""
        return np.array([self.faking_shift.get(t, 0.0) for t in self.traits])

    @cached_property
    def shift(self) -> NDArray[np.float64]:
        """Average applicant-faking shift of each trait, shape (n_traits,)."""
        return self.faking * self.unit_shift


def population_sd(config: SimulationConfig) -> NDArray[np.float64]:
    """Standard deviation of each trait over the whole population (within-profile spread plus profile means).

    Published differences are in units of the population SD, while the generator's
    within-profile spread is 1; this converts one into the other.

    Returns
    -------
    ndarray of shape (n_traits,)
    """
    between = config.priors @ (config.means**2)  # config.means is centred on the population mean
    sd: NDArray[np.float64] = np.sqrt(np.diag(config.correlation_matrix) + between)
    return sd
