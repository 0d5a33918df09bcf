"""Role fit: a 0–100 score from the role's scales alone, monotone in every answer by construction.

The score (docs/fit.md explains each step and why the rules hold)::

    standing_s  = percentile_s / 100          for a scale the role wants high
                = 1 - percentile_s / 100      for a scale the role wants low
                  (an unanswered item counts as the answer the role wants least;
                   a percentile given as nan counts as standing 0)
    scale part    = sum_s w_s * standing_s / sum_s w_s
    profile part  = sum_k softmax(b + C u)_k * suitability_k,   u_s = probit(standing_s)
    fit           = 100 * (scale_share * scale part + (1 - scale_share) * profile part)

``b`` and ``C`` are the classifier's intercepts and its coefficients on the role's scales,
each scale's coefficients (signed in the role's direction) replaced by their isotonic
regression on the profiles' suitability. Then each part is nondecreasing in every
standing, for any model and any role, so the fit is too. Rounded to one decimal; the band
follows from the rounded score and the role's cut-offs, and is empty when a weighted scale
has too few answers (an incomplete fit).
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
#: percentile points from the norm group's median (50) in the role's direction...
REASON_MARGIN = 10.0
#: ...and when putting that scale at the median would move the (rounded) fit by at least this
#: many points: down for a reason for the fit, up for a reason against it.
REASON_MIN_POINTS = 0.5
#: At most this many scale reasons for, and as many against, largest effect on the fit first.
MAX_SCALE_REASONS = 3
#: The most likely profile is a reason for the fit at this suitability or above...
SUITS_WELL = 0.7
#: ...and a reason against at this suitability or below (only when the profile is determined).
SUITS_POORLY = 0.4
#: Standings are kept this far from 0 and 1 before the probit, so that it stays finite.
_STANDING_CLIP = 0.005
#: The logistic approximation of the normal quantile: probit(p) ~ logit(p) / 1.702.
_LOGISTIC_SCALE = 1.702


@dataclass(frozen=True, eq=False)
class ProfileLogits:
    """The classifier's linear logits on standardised scale scores: what the profile part starts from.

    ``logit_k = intercept_k + sum_s coef[k, s] * z_s`` with ``z_s`` a scale score in standard
    units of the population the classifier was trained on; every other feature sits at its mean.

    Attributes
    ----------
    scale_ids : tuple of str
        Columns of ``coef``.
    coef : ndarray of shape (n_profiles, n_scales)
        Rows in the scorer's ``profile_ids`` order.
    intercept : ndarray of shape (n_profiles,)
    """

    scale_ids: tuple[str, ...]
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class FitScores:
    """Role fit of ``n`` candidates as arrays.

    Attributes
    ----------
    score : ndarray of float, shape (n,)
        Fit from 0 to 100, rounded to one decimal.
    band : ndarray of str, shape (n,)
        ``"strong"``, ``"possible"`` or ``"weak"``; ``""`` where the fit is incomplete.
    incomplete : ndarray of bool, shape (n,)
        A weighted scale had too few answers to score: no band, and a person must review.
    missing : ndarray of bool, shape (n, n_weighted)
        Which weighted scales had too few answers.
    scale_component, profile_component : ndarray of float, shape (n,)
        The two parts of the fit, each 0–100.
    percentiles : ndarray of float, shape (n, n_weighted)
        Norm percentiles the fit used for the role's weighted scales (unanswered items counted
        at the role's least-wanted end), in ``RoleFitScorer.weighted_scales`` order.
    standing : ndarray of float, shape (n, n_weighted)
        Standing on each weighted scale in the role's direction, 0–1.
    weights : ndarray of float, shape (n_weighted,)
        The role's weights of those scales, normalised to sum to one.
    lower : ndarray of bool, shape (n_weighted,)
        Whether the role prefers the low end of each of those scales.
    """

    score: NDArray[np.float64]
    band: NDArray[np.str_]
    incomplete: NDArray[np.bool_]
    missing: NDArray[np.bool_]
    scale_component: NDArray[np.float64]
    profile_component: NDArray[np.float64]
    percentiles: NDArray[np.float64]
    standing: NDArray[np.float64]
    weights: NDArray[np.float64]
    lower: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.score.shape[0])


def isotonic_on(values: NDArray[np.float64], keys: NDArray[np.float64]) -> NDArray[np.float64]:
    """Least-squares fit of ``values`` that is nondecreasing in ``keys`` and equal for equal keys.

    Pool-adjacent-violators over the distinct keys, each pooled with equal weight per value.

    Examples
    --------
    >>> isotonic_on(np.array([3.0, 1.0, 2.0]), np.array([0.1, 0.2, 0.3]))
    array([2., 2., 2.])
    >>> isotonic_on(np.array([1.0, 3.0, 0.0]), np.array([0.5, 0.5, 0.9]))
    array([1.33333333, 1.33333333, 1.33333333])
    """
    distinct, group = np.unique(keys, return_inverse=True)
    blocks: list[list[float]] = []  # [sum, count, number of distinct keys pooled]
    for k in range(distinct.size):
        members = values[group == k]
        blocks.append([float(members.sum()), float(members.size), 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count, width = blocks.pop()
            blocks[-1] = [blocks[-1][0] + total, blocks[-1][1] + count, blocks[-1][2] + width]
    fitted = np.repeat([total / count for total, count, _ in blocks], [int(width) for _, _, width in blocks])
    result: NDArray[np.float64] = fitted[group]
    return result


def _probit(standing: NDArray[np.float64]) -> NDArray[np.float64]:
    # maximum/minimum rather than np.clip: several times faster on the small arrays of one candidate.
    clipped = np.minimum(np.maximum(standing, _STANDING_CLIP), 1.0 - _STANDING_CLIP)
    result: NDArray[np.float64] = np.log(clipped / (1.0 - clipped)) / _LOGISTIC_SCALE
    return result


class RoleFitScorer:
    """A role bound to an instrument's scales and a model's profiles: computes fit for many candidates.

    Parameters
    ----------
    role : RoleProfile
    scale_ids : sequence of str
        Column order of the percentiles passed to :meth:`score`.
    profile_ids : sequence of str
        Profiles the model reports, in the row order of ``profile_logits``.
    profile_logits : ProfileLogits, optional
        The classifier's logits on the scales. Without them every profile is equally likely
        and the profile part is the role's average suitability, the same for everyone.
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
    >>> fit = scorer.score(np.full((1, 8), 50.0))
    >>> float(fit.scale_component[0]), str(fit.band[0])
    (50.0, 'possible')
    """

    def __init__(
        self,
        role: RoleProfile,
        scale_ids: Sequence[str],
        profile_ids: Sequence[str],
        *,
        profile_logits: ProfileLogits | None = None,
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
        self.scale_ids: tuple[str, ...] = tuple(scale_ids)
        self.weighted_scales: tuple[str, ...] = tuple(s for s in scale_ids if s in role.scales)
        self._columns = np.array([list(scale_ids).index(s) for s in self.weighted_scales], dtype=np.intp)
        weights = np.array([role.scales[s].weight for s in self.weighted_scales])
        self._weights = weights / weights.sum()
        self._lower = np.array([role.scales[s].direction == "lower" for s in self.weighted_scales])
        self._directions = tuple(role.scales[s].direction for s in self.weighted_scales)
        self._profile_ids = tuple(profile_ids)
        self._suitability = np.array([role.profiles[p] for p in profile_ids])
        self._intercept, self._coef = self._monotone_logits(profile_logits)
        self._neutral_profile_part = float(_softmax(self._intercept[None, :])[0] @ self._suitability)
        self._share = role.combine.scale_share
        # Plain lists for the per-candidate explanation, where Python floats beat numpy scalars.
        self._suitability_list = self._suitability.tolist()
        profiles = load_profiles()
        known = set(profiles.ids)
        self._scale_names = dict(scale_names or {})
        self._profile_names = {p: profiles.name(p, "en") for p in profile_ids if p in known}

    def _monotone_logits(self, logits: ProfileLogits | None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Intercepts, and per weighted scale coefficients made nondecreasing in suitability.

        Signed in the role's direction, so that a higher standing moves probability only
        toward profiles at least as suitable (on average, by Chebyshev's sum inequality):
        the profile part can then never fall when a standing rises.
        """
        n_profiles = len(self._profile_ids)
        if logits is None:
            return np.zeros(n_profiles), np.zeros((n_profiles, len(self.weighted_scales)))
        if logits.coef.shape[0] != n_profiles or logits.intercept.shape != (n_profiles,):
            raise ValueError(f"profile logits have {logits.coef.shape[0]} profiles; the scorer has {n_profiles}")
        coef = np.zeros((n_profiles, len(self.weighted_scales)))
        for j, scale_id in enumerate(self.weighted_scales):
            if scale_id in logits.scale_ids:  # a scale the classifier does not read leaves the profile part alone
                signed = logits.coef[:, logits.scale_ids.index(scale_id)] * (-1.0 if self._lower[j] else 1.0)
                coef[:, j] = isotonic_on(signed, self._suitability)
        return np.asarray(logits.intercept, dtype=np.float64), coef

    def least_wanted(self, low: float, high: float) -> NDArray[np.float64]:
        """The keyed answer an unanswered item counts as, per scale in ``scale_ids`` order.

        ``low`` for a scale the role wants high, ``high`` for one it wants low (and ``low`` for
        scales the role does not weigh, which the fit does not read): so a blank never helps.

        Examples
        --------
        >>> from profilefit.fit import load_role
        >>> from profilefit.profiles import PROFILE_IDS
        >>> scales = ("taking_charge", "composure", "empathy", "accommodation",
        ...           "procedure", "improvement", "competitiveness", "ownership")
        >>> RoleFitScorer(load_role("complex-case"), scales, PROFILE_IDS).least_wanted(1, 6).tolist()
        [1.0, 1.0, 1.0, 6.0, 1.0, 1.0, 1.0, 1.0]
        """
        lower = {s for s, need in self.role.scales.items() if need.direction == "lower"}
        return np.array([float(high) if s in lower else float(low) for s in self.scale_ids])

    def _parts(self, standing: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Scale part and profile part, each 0–1, for standings of shape (n, n_weighted)."""
        scale_part: NDArray[np.float64] = standing @ self._weights
        profile_part: NDArray[np.float64] = (
            _softmax(self._intercept + _probit(standing) @ self._coef.T) @ self._suitability
        )
        return scale_part, profile_part

    def _points(self, standing: NDArray[np.float64]) -> NDArray[np.float64]:
        """The fit, rounded to one decimal, for standings of shape (n, n_weighted)."""
        return self._combine(*self._parts(standing))

    def _combine(self, scale_part: NDArray[np.float64], profile_part: NDArray[np.float64]) -> NDArray[np.float64]:
        share = self._share
        points: NDArray[np.float64] = np.round(100.0 * (share * scale_part + (1.0 - share) * profile_part), 1)
        return points

    def score(self, percentiles: np.ndarray, *, missing: np.ndarray | None = None) -> FitScores:
        """Fit of ``n`` candidates.

        Parameters
        ----------
        percentiles : ndarray of shape (n, n_scales)
            Norm percentiles (0–100) in ``scale_ids`` order, from scale scores in which an
            unanswered item counts as the answer the role wants least
            (:func:`profilefit.scoring.filled_scale_scores`). ``nan`` counts as the least
            wanted standing (0) and makes the fit incomplete.
        missing : ndarray of bool of shape (n, n_scales), optional
            Scales with too few answers to score: the fit is incomplete where a weighted one is.

        Returns
        -------
        FitScores
        """
        weighted = np.asarray(percentiles, dtype=np.float64)[:, self._columns]
        gaps = np.isnan(weighted)
        if missing is not None:
            gaps = gaps | np.asarray(missing, dtype=bool)[:, self._columns]
        standing = np.where(self._lower, 100.0 - weighted, weighted) / 100.0
        standing = np.where(np.isnan(standing), 0.0, standing)
        scale_part, profile_part = self._parts(standing)
        score = self._combine(scale_part, profile_part)
        incomplete: NDArray[np.bool_] = np.asarray(gaps.any(axis=1), dtype=bool)
        return FitScores(
            score=score,
            band=np.where(incomplete, "", self._bands(score)),
            incomplete=incomplete,
            missing=gaps,
            scale_component=100.0 * scale_part,
            profile_component=100.0 * profile_part,
            percentiles=weighted,
            standing=standing,
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

    def scale_effects(self, fit: FitScores, row: int, scales: Sequence[int] | None = None) -> NDArray[np.float64]:
        """What weighted scales do to one candidate's rounded fit, against standing at the median.

        ``effects[j]`` is the fit minus the fit with scale ``scales[j]`` (by default every weighted
        scale, in ``weighted_scales`` order) at the norm median, both rounded; positive: the scale
        raises the fit.
        """
        standing = fit.standing[row]
        columns = np.arange(standing.size) if scales is None else np.asarray(scales, dtype=np.intp)
        neutral = np.repeat(standing[None, :], columns.size, axis=0)
        neutral[np.arange(columns.size), columns] = 0.5
        effects: NDArray[np.float64] = fit.score[row] - self._points(neutral)
        return effects

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
        percentiles = fit.percentiles[row].tolist()
        missing = fit.missing[row].tolist()
        standing = fit.standing[row].tolist()
        # Only scales far enough from the median can be reasons; their effect is computed, not assumed.
        far = [k for k, value in enumerate(standing) if not missing[k] and abs(100.0 * value - 50.0) >= REASON_MARGIN]
        effects = self.scale_effects(fit, row, far).tolist() if far else []
        ranked = []
        for k, effect in zip(far, effects, strict=True):
            # The effect has the sign of the standing's side of the median (the fit is monotone) or is 0.
            if abs(effect) >= REASON_MIN_POINTS and (effect > 0) == (standing[k] > 0.5):
                ranked.append((-abs(effect), k, effect > 0))
        ranked.sort()
        reasons: dict[bool, list[FitReason]] = {True: [], False: []}
        for _, k, favourable in ranked:
            if len(reasons[favourable]) < MAX_SCALE_REASONS:
                scale_id, direction = self.weighted_scales[k], self._directions[k]
                reasons[favourable].append(self._reason("scale", scale_id, favourable, direction, percentiles[k], None))
        if determined:
            self._profile_reason(fit, row, top, probability, reasons)
        gaps = [self.weighted_scales[k] for k, gap in enumerate(missing) if gap]
        reasons[False][:0] = [
            self._reason("missing", scale_id, False, self._directions[self.weighted_scales.index(scale_id)], None, None)
            for scale_id in gaps
        ]
        band = str(fit.band[row])
        return construct_trusted(
            RoleFit,
            role=self.role.id,
            score=float(fit.score[row]),
            band=band or None,
            incomplete=bool(fit.incomplete[row]),
            missing_scales=gaps,
            strong_from=self.role.bands.strong,
            possible_from=self.role.bands.possible,
            scale_component=round(float(fit.scale_component[row]), 3),
            profile_component=round(float(fit.profile_component[row]), 3),
            reasons_for=reasons[True],
            reasons_against=reasons[False],
        )

    def _profile_reason(
        self, fit: FitScores, row: int, top: int, probability: float, reasons: dict[bool, list[FitReason]]
    ) -> None:
        # The profile is a reason only when the fit's profile part agrees: above what a candidate
        # at the norm median gets for a well-suited profile, below it for a poorly suited one.
        suitability = self._suitability_list[top]
        profile_part = float(fit.profile_component[row]) / 100.0
        if suitability >= SUITS_WELL and profile_part > self._neutral_profile_part:
            favourable = True
        elif suitability <= SUITS_POORLY and profile_part < self._neutral_profile_part:
            favourable = False
        else:
            return
        profile_id = self._profile_ids[top]
        reasons[favourable].insert(
            0, self._reason("profile", profile_id, favourable, "higher", None, round(probability, 6))
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


def _softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result
