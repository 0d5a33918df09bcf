"""Forecast adverse impact before use: simulate applicants of groups that differ as published, score them.

Each draw simulates ``n`` applicants per group with :func:`profilefit.data.simulate.simulate_groups`
(the reference simulation, with the groups' traits shifted by the differences file), scores
them with the screener's model and role, and computes per group:

- the **selection rate** at each band (the share at that band or higher) and its impact
  ratio against the group with the highest rate, as the audit does;
- the **scoring rate**, the share scoring above the median fit of all simulated applicants
  (the scoring rate of NYC's rules for Local Law 144), and its impact ratio.

Repeating the draw gives a simulation interval (the 2.5th and 97.5th percentiles over
draws) and the share of draws in which a ratio falls below four-fifths. The interval shows
only the noise of a finite applicant pool; it says nothing about whether the published
differences hold for your applicants, which is the larger uncertainty (docs/forecast.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import BANDS, RoleProfile
from profilefit.core.instrument import Instrument
from profilefit.core.screening import Screener
from profilefit.data.simulate import SimulationConfig, simulate_groups
from profilefit.evidence import stats
from profilefit.evidence.forecast._differences import GroupDifferences, load_differences

#: The four-fifths rule of thumb (29 CFR 1607.4(D)).
#: The four-fifths rule as a float, for comparing arrays of ratios (its one home: profilefit.evidence.stats).
FOUR_FIFTHS = float(stats.FOUR_FIFTHS)
#: Bands a selection can be made at ("weak" would select everyone with a complete fit), strongest first.
SELECTABLE_BANDS = ("strong", "possible")


@dataclass(frozen=True)
class RateForecast:
    """One group's forecast rate and impact ratio over the draws.

    Attributes
    ----------
    group : str
    rate, rate_low, rate_high : float
        Mean over draws, and the 2.5th and 97.5th percentiles.
    ratio, ratio_low, ratio_high : float
        Impact ratio against the group with the highest rate in each draw.
    below_four_fifths : float
        Share of draws in which the ratio is below 0.8.
    """

    group: str
    rate: float
    rate_low: float
    rate_high: float
    ratio: float
    ratio_low: float
    ratio_high: float
    below_four_fifths: float


@dataclass(frozen=True)
class ImpactForecast:
    """The forecast of one role and model for one set of group differences.

    Attributes
    ----------
    role : str
        The role's id.
    model_id : str
    trained_on : str
        What the model was trained on (for the reference model: the documented simulation).
    differences : GroupDifferences
    n_per_group, draws, seed : int
    select_band : str
        The band whose selection rate is the headline.
    selection : dict of band to tuple of RateForecast
        Per selectable band, one entry per group (reference first).
    scoring : tuple of RateForecast
        Scoring rate (above the overall median fit).
    fit_gap : dict of group to (float, float, float)
        Each non-reference group's standardised mean difference in fit score against the
        reference group (pooled SD), with its simulation interval.
    role_scales : dict of scale to (weight, direction)
        The role's weighted scales, to show which differences the role rewards or penalises.
    instrument : Instrument or None
        The model's instrument (for scale names in reports).
    role_names : dict of language to str
        The role's name per language, as its role file gives it (for the title of reports); empty: the id.
    """

    role: str
    model_id: str
    trained_on: str
    differences: GroupDifferences
    n_per_group: int
    draws: int
    seed: int
    select_band: str
    selection: dict[str, tuple[RateForecast, ...]] = field(default_factory=dict)
    scoring: tuple[RateForecast, ...] = ()
    fit_gap: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    role_scales: dict[str, tuple[float, str]] = field(default_factory=dict)
    instrument: Instrument | None = None
    role_names: dict[str, str] = field(default_factory=dict)

    @property
    def headline(self) -> tuple[RateForecast, ...]:
        """The selection forecast at :attr:`select_band`."""
        return self.selection[self.select_band]

    @property
    def lowest_ratio(self) -> RateForecast:
        """The group with the lowest mean impact ratio at the headline band."""
        return min(self.headline, key=lambda r: r.ratio)


def _summary(group: str, rates: NDArray[np.float64], ratios: NDArray[np.float64]) -> RateForecast:
    return RateForecast(
        group=group,
        rate=float(rates.mean()),
        rate_low=float(np.percentile(rates, 2.5)),
        rate_high=float(np.percentile(rates, 97.5)),
        ratio=float(ratios.mean()),
        ratio_low=float(np.percentile(ratios, 2.5)),
        ratio_high=float(np.percentile(ratios, 97.5)),
        below_four_fifths=float((ratios < FOUR_FIFTHS).mean()),
    )


def _ratios(rates: NDArray[np.float64]) -> NDArray[np.float64]:
    """Impact ratios of each draw (rows) and group (columns) against that draw's highest rate."""
    highest = rates.max(axis=1, keepdims=True)
    ratios: NDArray[np.float64] = np.divide(rates, highest, out=np.ones_like(rates), where=highest > 0)
    return ratios


def forecast_impact(
    screener: Screener | None = None,
    *,
    role: RoleProfile | str | None = None,
    differences: GroupDifferences | str | Path | None = None,
    select_band: str = "possible",
    n_per_group: int = 2000,
    draws: int = 40,
    seed: int = 0,
    config: SimulationConfig | None = None,
) -> ImpactForecast:
    """Forecast selection-rate and scoring-rate impact ratios of a role before any real candidate is screened.

    Parameters
    ----------
    screener : Screener, optional
        The model to score with; by default the shipped reference model.
    role : RoleProfile or str, optional
        The role (id, file or object); by default the screener's own role.
    differences : GroupDifferences or str, optional
        Group differences (an object, a built-in name or a file); by default the shipped sex differences.
    select_band : {"strong", "possible"}, default="possible"
        The band the headline selection rate is taken at.
    n_per_group : int, default=2000
        Simulated applicants per group and draw.
    draws : int, default=40
        Repeated draws, for the simulation interval.
    seed : int, default=0
    config : SimulationConfig, optional
        The simulation; by default the reference simulation. Its traits must be the model
        instrument's scales.

    Returns
    -------
    ImpactForecast

    Raises
    ------
    ValueError
        For a band that cannot select, too few applicants or draws, a screener without a
        role, or differences naming scales the instrument lacks.

    Examples
    --------
    >>> from profilefit.evidence.forecast import forecast_impact
    >>> forecast = forecast_impact(role="complex-case", n_per_group=200, draws=3)
    >>> [r.group for r in forecast.headline]
    ['men', 'women']
    """
    if select_band not in SELECTABLE_BANDS:
        raise ValueError(f"select_band must be one of {', '.join(SELECTABLE_BANDS)}, got {select_band!r}")
    if n_per_group < 10 or draws < 2:
        raise ValueError(f"give at least 10 applicants per group and 2 draws, got {n_per_group} and {draws}")
    screener = screener or Screener.load()
    if role is not None:
        screener = Screener(screener.artifact, norms=screener.norms, min_confidence=screener.min_confidence, role=role)
    if screener.role is None:
        raise ValueError("the forecast needs a role: give role= (a built-in role id or a role file)")
    loaded = differences if isinstance(differences, GroupDifferences) else load_differences(differences)
    instrument = screener.instrument
    loaded.check_scales(instrument.scale_ids)
    config = config or SimulationConfig.reference()
    if tuple(config.traits) != instrument.scale_ids:
        raise ValueError(
            f"the simulation's traits ({', '.join(config.traits)}) are not the scales of the model's instrument "
            f"{instrument.id} ({', '.join(instrument.scale_ids)}); give a SimulationConfig for that instrument"
        )
    groups = loaded.group_names
    sizes = dict.fromkeys(groups, n_per_group)
    selection = {band: np.empty((draws, len(groups))) for band in SELECTABLE_BANDS}
    scoring = np.empty((draws, len(groups)))
    gaps = np.empty((draws, len(groups)))
    for draw in range(draws):
        simulated = simulate_groups(
            sizes, differences=loaded.d_values(), seed=seed * 100_003 + draw, config=config, instrument=instrument
        )
        fit = screener.score_responses(simulated.responses).fit
        assert fit is not None  # the screener has a role
        # An incomplete fit (no score, no band) counts as neither selected nor scoring, as in the audit.
        median = float(np.nanmedian(fit.score))
        for k, group in enumerate(groups):
            members = simulated.groups == group
            bands = fit.band[members]
            for band in SELECTABLE_BANDS:
                chosen = BANDS[: BANDS.index(band) + 1]
                selection[band][draw, k] = float(np.isin(bands, chosen).mean())
            scoring[draw, k] = float((fit.score[members] > median).mean())
        complete = ~np.isnan(fit.score)
        reference = fit.score[(simulated.groups == groups[0]) & complete]
        for k, group in enumerate(groups):
            other = fit.score[(simulated.groups == group) & complete]
            pooled = np.sqrt((reference.var(ddof=1) + other.var(ddof=1)) / 2)
            gaps[draw, k] = float((other.mean() - reference.mean()) / pooled) if pooled > 0 else 0.0
    manifest = screener.artifact.manifest
    return ImpactForecast(
        role=screener.role.id,
        model_id=manifest.model_id,
        trained_on=manifest.trained_on,
        differences=loaded,
        n_per_group=n_per_group,
        draws=draws,
        seed=seed,
        select_band=select_band,
        selection={
            band: tuple(_summary(group, rates[:, k], _ratios(rates)[:, k]) for k, group in enumerate(groups))
            for band, rates in selection.items()
        },
        scoring=tuple(_summary(group, scoring[:, k], _ratios(scoring)[:, k]) for k, group in enumerate(groups)),
        fit_gap={
            group: (
                float(gaps[:, k].mean()),
                float(np.percentile(gaps[:, k], 2.5)),
                float(np.percentile(gaps[:, k], 97.5)),
            )
            for k, group in enumerate(groups)
            if k > 0
        },
        role_scales={scale: (need.weight, need.direction) for scale, need in screener.role.scales.items()},
        instrument=instrument,
        role_names=dict(screener.role.name),
    )
