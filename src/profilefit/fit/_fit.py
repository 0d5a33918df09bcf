"""Role fit: a 0–100 score from norm percentiles and profile probabilities, vectorized over candidates.

The score (docs/fit.md explains each step)::

    standing_s = percentile_s / 100          for a scale the role wants high
               = 1 - percentile_s / 100      for a scale the role wants low
               = 0.5                          when the scale score is missing
    scale part   = sum_s w_s * standing_s / sum_s w_s
    profile part = sum_k P(profile k) * suitability_k
    fit          = 100 * (scale_share * scale part + (1 - scale_share) * profile part)

rounded to one decimal; the band follows from the rounded score and the role's cut-offs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.fit._reasons import render_reason
from profilefit.fit._result import FitReason, RoleFit, construct_trusted
from profilefit.fit._role import RoleProfile
from profilefit.profiles import PROFILE_IDS, load_profiles

#: A scale is a reason for or against the fit when its standing is at least this many
#: percentile points from the norm group's median (50) in the role's direction.
REASON_MARGIN = 10.0
#: At most this many scale reasons for, and as many against, largest weighted effect first.
MAX_SCALE_REASONS = 3
#: The most likely profile is a reason for the fit at this suitability or above...
SUITS_WELL = 0.7
#: ...and a reason against at this suitability or below (only when the profile is determined).
SUITS_POORLY = 0.4


@dataclass(frozen=True, eq=False)
class FitScores:
    """Role fit of ``n`` candidates as arrays.

    Attributes
    ----------
    score : ndarray of float, shape (n,)
        Fit from 0 to 100, rounded to one decimal.
    band : ndarray of str, shape (n,)
        ``"strong"``, ``"possible"`` or ``"weak"``.
    scale_component, profile_component : ndarray of float, shape (n,)
        The two parts of the fit, each 0–100.
    percentiles : ndarray of float, shape (n, n_weighted)
        Norm percentiles of the role's weighted scales (``nan`` where missing), in
        ``RoleFitScorer.weighted_scales`` order.
    weights : ndarray of float, shape (n_weighted,)
        The role's weights of those scales, normalised to sum to one.
    lower : ndarray of bool, shape (n_weighted,)
        Whether the role prefers the low end of each of those scales.
    """

    score: NDArray[np.float64]
    band: NDArray[np.str_]
    scale_component: NDArray[np.float64]
    profile_component: NDArray[np.float64]
    percentiles: NDArray[np.float64]
    weights: NDArray[np.float64]
    lower: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.score.shape[0])

    @property
    def standing(self) -> NDArray[np.float64]:
        """Standing on each weighted scale in the role's direction, 0–1; 0.5 (the median) where missing."""
        standing = np.where(self.lower, 100.0 - self.percentiles, self.percentiles) / 100.0
        result: NDArray[np.float64] = np.where(np.isnan(standing), 0.5, standing)
        return result

    @property
    def effects(self) -> NDArray[np.float64]:
        """What each weighted scale adds to the fit's scale part against a candidate at the median, 0–100 scale.

        Shape (n, n_weighted); negative values take away.
        """
        result: NDArray[np.float64] = 100.0 * self.weights * (self.standing - 0.5)
        return result


class RoleFitScorer:
    """A role bound to an instrument's scales and a model's profiles: computes fit for many candidates.

    Parameters
    ----------
    role : RoleProfile
    scale_ids : sequence of str
        Column order of the percentiles passed to :meth:`score`.
    profile_ids : sequence of str
        Column order of the probabilities passed to :meth:`score`.
    scale_names : mapping of scale id to English name, optional
        Used for the English reason texts; ids are shown when missing.

    Raises
    ------
    ValueError
        If the role weighs a scale the instrument lacks, or a profile the model reports
        has no suitability in the role (or the role names a profile nobody knows).

    Examples
    --------
    >>> import numpy as np
    >>> from profilefit.fit import load_role
    >>> from profilefit.profiles import PROFILE_IDS
    >>> scales = ("taking_charge", "composure", "empathy", "accommodation",
    ...           "procedure", "improvement", "competitiveness", "ownership")
    >>> scorer = RoleFitScorer(load_role("complex-case"), scales, PROFILE_IDS)
    >>> median = np.full((1, 8), 50.0)
    >>> controller = np.eye(7)[[0]]
    >>> float(scorer.score(median, controller).score[0])
    70.0
    """

    def __init__(
        self,
        role: RoleProfile,
        scale_ids: Sequence[str],
        profile_ids: Sequence[str],
        *,
        scale_names: Mapping[str, str] | None = None,
    ) -> None:
        unknown_scales = [s for s in role.scales if s not in scale_ids]
        if unknown_scales:
            raise ValueError(
                f"role {role.id!r} weighs scale(s) {unknown_scales} that the instrument does not have; "
                f"its scales are {', '.join(scale_ids)}"
            )
        unsuited = [p for p in profile_ids if p not in role.profiles]
        if unsuited:
            raise ValueError(f"role {role.id!r} gives no suitability for profile(s) {unsuited} that the model reports")
        unknown_profiles = [p for p in role.profiles if p not in profile_ids and p not in PROFILE_IDS]
        if unknown_profiles:
            raise ValueError(
                f"role {role.id!r} names unknown profile(s) {unknown_profiles}; known: {', '.join(profile_ids)}"
            )
        self.role = role
        self.weighted_scales: tuple[str, ...] = tuple(s for s in scale_ids if s in role.scales)
        self._columns = np.array([list(scale_ids).index(s) for s in self.weighted_scales], dtype=np.intp)
        weights = np.array([role.scales[s].weight for s in self.weighted_scales])
        self._weights = weights / weights.sum()
        self._lower = np.array([role.scales[s].direction == "lower" for s in self.weighted_scales])
        self._slopes = np.where(self._lower, -0.01, 0.01) * self._weights
        self._offset = float(self._weights[self._lower].sum())
        self._directions = tuple(role.scales[s].direction for s in self.weighted_scales)
        self._profile_ids = tuple(profile_ids)
        self._suitability = np.array([role.profiles[p] for p in profile_ids])
        # Plain lists for the per-candidate explanation, where Python floats beat numpy scalars.
        self._weights_list = self._weights.tolist()
        self._lower_list = self._lower.tolist()
        self._suitability_list = self._suitability.tolist()
        self._share = role.combine.scale_share
        profiles = load_profiles()
        known = set(profiles.ids)
        self._scale_names = dict(scale_names or {})
        self._profile_names = {p: profiles.name(p, "en") for p in profile_ids if p in known}

    def score(self, percentiles: np.ndarray, probabilities: np.ndarray) -> FitScores:
        """Fit of ``n`` candidates.

        Parameters
        ----------
        percentiles : ndarray of shape (n, n_scales)
            Norm percentiles (0–100) in ``scale_ids`` order; ``nan`` where a scale score is missing.
        probabilities : ndarray of shape (n, n_profiles)
            Profile probabilities in ``profile_ids`` order.

        Returns
        -------
        FitScores
        """
        weighted = np.asarray(percentiles, dtype=np.float64)[:, self._columns]
        # Standing 0–1 in the role's direction is offset + slope * percentile, so the weighted
        # sum folds into one dot product; a missing percentile counts as the median (50).
        filled = np.where(np.isnan(weighted), 50.0, weighted)
        scale_part = self._offset + filled @ self._slopes
        profile_part = np.asarray(probabilities, dtype=np.float64) @ self._suitability
        score = np.round(100.0 * (self._share * scale_part + (1.0 - self._share) * profile_part), 1)
        return FitScores(
            score=score,
            band=self._bands(score),
            scale_component=100.0 * scale_part,
            profile_component=100.0 * profile_part,
            percentiles=weighted,
            weights=self._weights,
            lower=self._lower,
        )

    def _bands(self, score: NDArray[np.float64]) -> NDArray[np.str_]:
        strong, possible = self.role.bands.strong, self.role.bands.possible
        if score.shape[0] <= 8:  # one candidate at a time: plain comparisons beat array operations
            return np.array(
                ["strong" if x >= strong else "possible" if x >= possible else "weak" for x in score.tolist()],
                dtype="<U8",
            )
        band: NDArray[np.str_] = np.where(score >= strong, "strong", np.where(score >= possible, "possible", "weak"))
        return band

    def explain(self, fit: FitScores, row: int, *, top: int, probability: float, determined: bool) -> RoleFit:
        """The typed fit of one candidate, with its reasons for and against.

        Parameters
        ----------
        fit : FitScores
        row : int
            The candidate's row in ``fit``.
        top : int
            Column of the candidate's most probable profile.
        probability : float
            Its probability.
        determined : bool
            Whether the profile is determined; an undetermined profile gives no profile reason.
        """
        weights = self._weights_list
        percentiles = fit.percentiles[row].tolist()
        ranked = []
        for k, percentile in enumerate(percentiles):
            if percentile != percentile:  # nan: a missing scale is no reason either way
                continue
            deviation = (100.0 - percentile if self._lower_list[k] else percentile) - 50.0
            if abs(deviation) >= REASON_MARGIN:
                ranked.append((-abs(weights[k] * deviation), k, deviation > 0, percentile))
        ranked.sort()
        reasons: dict[bool, list[FitReason]] = {True: [], False: []}
        for _, k, favourable, percentile in ranked:
            if len(reasons[favourable]) < MAX_SCALE_REASONS:
                scale_id, direction = self.weighted_scales[k], self._directions[k]
                reasons[favourable].append(self._reason("scale", scale_id, favourable, direction, percentile, None))
        if determined:
            suitability = self._suitability_list[top]
            if suitability >= SUITS_WELL or suitability <= SUITS_POORLY:
                favourable = suitability >= SUITS_WELL
                profile_id = self._profile_ids[top]
                reasons[favourable].insert(
                    0, self._reason("profile", profile_id, favourable, "higher", None, round(probability, 6))
                )
        return construct_trusted(
            RoleFit,
            role=self.role.id,
            score=float(fit.score[row]),
            band=str(fit.band[row]),
            strong_from=self.role.bands.strong,
            possible_from=self.role.bands.possible,
            scale_component=round(float(fit.scale_component[row]), 3),
            profile_component=round(float(fit.profile_component[row]), 3),
            reasons_for=reasons[True],
            reasons_against=reasons[False],
        )

    def _reason(
        self,
        kind: str,
        item_id: str,
        favourable: bool,
        direction: str,
        percentile: float | None,
        probability: float | None,
    ) -> FitReason:
        stance = "for" if favourable else "against"
        names = self._profile_names if kind == "profile" else self._scale_names
        text = render_reason(kind, stance, direction, item_id, percentile, probability, "en", names)
        return construct_trusted(
            FitReason,
            kind=kind,
            id=item_id,
            stance=stance,
            direction=direction,
            percentile=percentile,
            probability=probability,
            text=text,
        )
