"""Role fit: a 0–100 score from the role's scales and scenarios, monotone in every answer by construction.

The score (docs/fit.md explains each step and why the rules hold)::

    standing_s  = percentile_s / 100          for a scale the role wants high
                = 1 - percentile_s / 100      for a scale the role wants low
                  (an unanswered item counts as the answer the role wants least;
                   a percentile given as nan counts as standing 0)
    scale part    = sum_s w_s * standing_s / sum_s w_s
    profile part  = sum_k softmax(b + C u)_k * suitability_k,   u_s = probit(standing_s)
    value_{j,o}   = (v_key(o) - min_o' v_key(o')) / (max - min) within scenario j
                    (v: the role's situational weight of the option's key, 0 when absent)
    situational   = mean over the scenarios the weights tell apart of value_{j, chosen}
                    (an unanswered scenario counts as its least-valued option, value 0)
    fit           = 100 * (scale_share * scale part + situational_share * situational
                           + (1 - scale_share - situational_share) * profile part)

``b`` and ``C`` are the classifier's intercepts and its coefficients on the role's scales,
each scale's coefficients (signed in the role's direction) replaced by their isotonic
regression on the profiles' suitability. Then each part is nondecreasing in every
standing, for any model and any role, and the situational part is nondecreasing in the
value of every choice, so the fit is too. Rounded to one decimal; the band follows from the
rounded score and the role's cut-offs, and is empty when a weighted scale has too few
answers, or the role weighs the scenarios and fewer than half were answered (an incomplete fit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit._reasons import render_reason
from profilefit.core.fit._result import FitReason, RoleFit, construct_trusted
from profilefit.core.fit._role import RoleProfile
from profilefit.core.profiles import PROFILE_IDS, load_profiles
from profilefit.core.scoring import MIN_ANSWERED_SHARE, NO_CHOICE

#: A scale is a reason for or against the fit when its standing is at least this many
#: percentile points from the norm group's median (50) in the role's direction...
REASON_MARGIN = 10.0
#: ...and when putting that scale at the median would move the (rounded) fit by at least this
#: many points: down for a reason for the fit, up for a reason against it.
REASON_MIN_POINTS = 0.5
#: At most this many scale reasons for, and as many against, largest effect on the fit first.
MAX_SCALE_REASONS = 3
#: The situational part a candidate is compared with for a situational reason: halfway between the
#: least- and the most-valued option of every scenario. The scenarios are a reason when the part is at
#: least REASON_MARGIN / 100 from it and putting it there moves the fit by REASON_MIN_POINTS.
SITUATIONAL_NEUTRAL = 0.5
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
        A weighted scale had too few answers to score, or the role weighs the scenarios and
        fewer than half were answered: no band, and a person must review.
    missing : ndarray of bool, shape (n, n_weighted)
        Which weighted scales had too few answers.
    missing_situational : ndarray of bool, shape (n,)
        The role weighs the scenarios and fewer than half were answered (always False otherwise).
    scale_component, profile_component, situational_component : ndarray of float, shape (n,)
        The parts of the fit, each 0–100 (the situational part 0 when the role does not weigh it).
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
    missing_situational: NDArray[np.bool_]
    scale_component: NDArray[np.float64]
    profile_component: NDArray[np.float64]
    situational_component: NDArray[np.float64]
    percentiles: NDArray[np.float64]
    standing: NDArray[np.float64]
    weights: NDArray[np.float64]
    lower: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.score.shape[0])


@dataclass(frozen=True, eq=False)
class RowFit:
    """One candidate's role fit in plain Python: one row of :class:`FitScores`, with the same fields.

    ``band`` is ``""`` where the fit is incomplete; ``missing``, ``percentiles`` and ``standing`` are
    in ``RoleFitScorer.weighted_scales`` order.
    """

    score: float
    band: str
    incomplete: bool
    missing: list[bool]
    missing_situational: bool
    scale_component: float
    profile_component: float
    situational_component: float
    percentiles: list[float]
    standing: list[float]
    #: The standings' probits (``RoleFitScorer._units_row``), when the one-row scorer has them already.
    units: list[float] | None = None


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


#: The probit of a standing at the median (0.5): the same float, 0.0, by either path.
_MEDIAN_UNIT = float(_probit(np.array([0.5]))[0])


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
    scenarios : sequence of sequences of str, default=()
        The instrument's scenarios, each as the behaviour keys of its options in option order
        (the column order and option numbering of the choices passed to :meth:`score`).
        Needed when the role weighs situational evidence.

    Raises
    ------
    ValueError
        If the role weighs a scale the instrument lacks, or a profile the model reports
        has no suitability in the role (or the role names a profile nobody knows), or the
        role weighs a behaviour no scenario option is keyed to, or its situational weights
        tell no scenario's options apart.

    Examples
    --------
    >>> import numpy as np
    >>> from profilefit.core.fit import load_role
    >>> from profilefit.core.profiles import PROFILE_IDS
    >>> scales = ("taking_charge", "composure", "empathy", "accommodation",
    ...           "procedure", "improvement", "competitiveness", "ownership")
    >>> from profilefit.core.instrument import load_instrument
    >>> scenarios = [[option.key for option in s.options] for s in load_instrument().scenarios]
    >>> scorer = RoleFitScorer(load_role("complex-case"), scales, PROFILE_IDS, scenarios=scenarios)
    >>> fit = scorer.score(np.full((1, 8), 50.0), choices=np.zeros((1, len(scenarios)), dtype=int))
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
        scenarios: Sequence[Sequence[str]] = (),
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
        self._option_values, self._scenarios_valued = self._situational_values(role, scenarios)
        self._n_scenarios = len(scenarios)
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
        self._situational_share = role.combine.situational_share
        # Plain lists for the per-candidate explanation, where Python floats beat numpy scalars.
        self._suitability_list = self._suitability.tolist()
        profiles = load_profiles()
        known = set(profiles.ids)
        self._scale_names = dict(scale_names or {})
        self._profile_names = {p: profiles.name(p, "en") for p in profile_ids if p in known}
        # The same numbers as plain lists, for one candidate at a time (score_row, explain_row).
        self._columns_list = self._columns.tolist()
        self._lower_list = self._lower.tolist()
        self._weights_list = self._weights.tolist()
        self._intercept_list = self._intercept.tolist()
        self._coef_list = self._coef.tolist()
        self._valued_rows = [
            (j, self._option_values[j].tolist()) for j in np.flatnonzero(self._scenarios_valued).tolist()
        ]

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

    @property
    def weighs_situational(self) -> bool:
        """Whether the role weighs the scenarios (its ``[situational]`` table and share)."""
        return self._situational_share > 0.0

    @staticmethod
    def _situational_values(
        role: RoleProfile, scenarios: Sequence[Sequence[str]]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Each option's value to the role, 0 to 1 within its scenario, and which scenarios the weights tell apart.

        Row ``j`` holds scenario ``j``'s values from column ``1 - NO_CHOICE`` on; column 0 is the
        unanswered choice, valued 0 like the least-valued option (so a blank never helps), and
        columns past a scenario's last option are never read. A scenario whose options all
        weigh the same carries no evidence for the role and is left out of the mean.
        """
        width = max((len(keys) for keys in scenarios), default=0) + 1
        values = np.zeros((len(scenarios), width))
        valued = np.zeros(len(scenarios), dtype=bool)
        if not role.situational:
            return values, valued
        offered = sorted({key for keys in scenarios for key in keys})
        unknown = [key for key in role.situational if key not in offered]
        if unknown:
            raise ValueError(
                f"role {role.id!r} weighs situational key(s) {unknown} that no scenario option of the instrument "
                f"is keyed to; its keys are {', '.join(offered) or 'none (it has no scenarios)'}"
            )
        for j, keys in enumerate(scenarios):
            weights = np.array([role.situational.get(key, 0.0) for key in keys])
            spread = float(weights.max() - weights.min())
            if spread > 0.0:
                values[j, 1 : len(keys) + 1] = (weights - weights.min()) / spread
                valued[j] = True
        if not valued.any():
            raise ValueError(
                f"role {role.id!r}: its [situational] weights value no option of any scenario above another, "
                "so the scenarios cannot tell candidates apart"
            )
        return values, valued

    def situational_part(self, choices: NDArray[np.integer]) -> NDArray[np.float64]:
        """The situational part, 0–1, of ``n`` candidates' choices (shape (n, n_scenarios), -1 unanswered).

        The mean over the scenarios the role's weights tell apart of the chosen option's value;
        0 for everyone when the role does not weigh the scenarios.
        """
        choices = np.asarray(choices)
        if not self.weighs_situational:
            return np.zeros(choices.shape[0])
        valued = self._option_values[self._scenarios_valued]
        chosen = valued[np.arange(valued.shape[0]), choices[:, self._scenarios_valued] - NO_CHOICE]
        # Summed column by column, not with mean(axis=1): numpy's pairwise, vectorised sum can differ in
        # the last bit between a batch and one row, and the batch must give each candidate its own fit.
        total = np.zeros(chosen.shape[0])
        for column in chosen.T:
            total = total + column
        result: NDArray[np.float64] = total / chosen.shape[1]
        return result

    def least_wanted(self, low: float, high: float) -> NDArray[np.float64]:
        """The keyed answer an unanswered item counts as, per scale in ``scale_ids`` order.

        ``low`` for a scale the role wants high, ``high`` for one it wants low (and ``low`` for
        scales the role does not weigh, which the fit does not read): so a blank never helps.

        Examples
        --------
        >>> from profilefit.core.fit import load_role
        >>> from profilefit.core.profiles import PROFILE_IDS
        >>> scales = ("taking_charge", "composure", "empathy", "accommodation",
        ...           "procedure", "improvement", "competitiveness", "ownership")
        >>> from profilefit.core.instrument import load_instrument
        >>> scenarios = [[option.key for option in s.options] for s in load_instrument().scenarios]
        >>> scorer = RoleFitScorer(load_role("complex-case"), scales, PROFILE_IDS, scenarios=scenarios)
        >>> scorer.least_wanted(1, 6).tolist()
        [1.0, 1.0, 1.0, 6.0, 1.0, 1.0, 1.0, 1.0]
        """
        lower = {s for s, need in self.role.scales.items() if need.direction == "lower"}
        return np.array([float(high) if s in lower else float(low) for s in self.scale_ids])

    def _parts(self, standing: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Scale part and profile part, each 0–1, for standings of shape (n, n_weighted).

        Every sum runs term by term in a fixed order (weighted scales, then profiles) rather than
        through matrix products, whose blocked sums differ in the last bit from one candidate's plain
        sum: :meth:`_parts_row` repeats these steps exactly, and the fit's rounding to 0.1 (and to 0.001
        of its parts) must not depend on the path. exp and log are numpy's on both paths.

        The same additions are done on whole columns, each held contiguous, into arrays allocated once
        (``out=``): one candidate's floats are those of the plain loops, at about a quarter of the time of
        adding (n, profiles) arrays scale by scale. exp and log run on the (n, ...) arrays, as before.
        """
        n = standing.shape[0]
        term = np.empty(n)
        scale_part = np.zeros(n)
        for column, weight in zip(np.ascontiguousarray(standing.T), self._weights.tolist(), strict=True):
            np.multiply(column, weight, out=term)
            np.add(scale_part, term, out=scale_part)
        units = np.ascontiguousarray(_probit(standing).T)  # (n_weighted, n)
        logits_by_profile = np.zeros((len(self._profile_ids), n))
        for row, coef in zip(logits_by_profile, self._coef, strict=True):
            for unit, c in zip(units, coef.tolist(), strict=True):
                np.multiply(unit, c, out=term)
                np.add(row, term, out=row)
        logits = np.ascontiguousarray(logits_by_profile.T)
        np.add(self._intercept, logits, out=logits)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        shifted_by_profile = np.ascontiguousarray(shifted.T)
        total = np.zeros(n)
        for values in shifted_by_profile:
            np.add(total, values, out=total)
        profile_part = np.zeros(n)
        for values, suitability in zip(shifted_by_profile, self._suitability.tolist(), strict=True):
            np.divide(values, total, out=term)
            np.multiply(term, suitability, out=term)
            np.add(profile_part, term, out=profile_part)
        return scale_part, profile_part

    def _points(self, standing: NDArray[np.float64], situational: NDArray[np.float64]) -> NDArray[np.float64]:
        """The fit, rounded to one decimal, for standings of shape (n, n_weighted) and situational parts (n,)."""
        return self._combine(*self._parts(standing), situational)

    def _combine(
        self, scale_part: NDArray[np.float64], profile_part: NDArray[np.float64], situational: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        share, situational_share = self._share, self._situational_share
        if situational_share == 0.0:  # exactly the arithmetic of roles written before the scenarios counted
            mixed = share * scale_part + (1.0 - share) * profile_part
        else:
            profile_share = 1.0 - share - situational_share
            mixed = share * scale_part + situational_share * situational + profile_share * profile_part
        points: NDArray[np.float64] = np.round(100.0 * mixed, 1)
        return points

    def score(
        self,
        percentiles: np.ndarray,
        *,
        missing: np.ndarray | None = None,
        choices: np.ndarray | None = None,
    ) -> FitScores:
        """Fit of ``n`` candidates.

        Parameters
        ----------
        percentiles : ndarray of shape (n, n_scales)
            Norm percentiles (0–100) in ``scale_ids`` order, from scale scores in which an
            unanswered item counts as the answer the role wants least
            (:func:`profilefit.core.scoring.filled_scale_scores`). ``nan`` counts as the least
            wanted standing (0) and makes the fit incomplete.
        missing : ndarray of bool of shape (n, n_scales), optional
            Scales with too few answers to score: the fit is incomplete where a weighted one is.
        choices : ndarray of int of shape (n, n_scenarios), optional
            The option chosen in each scenario (0-based, -1 unanswered), as
            :attr:`profilefit.core.scoring.Responses.choices`. Required when the role weighs the
            scenarios; the fit is then incomplete where fewer than half were answered (the
            rule of the situational scores, :data:`profilefit.core.scoring.MIN_ANSWERED_SHARE`).

        Returns
        -------
        FitScores

        Raises
        ------
        ValueError
            If the role weighs the scenarios and ``choices`` is missing or has another number of scenarios.
        """
        weighted, standing = self._standing(percentiles)
        gaps = np.isnan(weighted)
        if missing is not None:
            gaps = gaps | np.asarray(missing, dtype=bool)[:, self._columns]
        n = standing.shape[0]
        situational, missing_situational = np.zeros(n), np.zeros(n, dtype=bool)
        if self.weighs_situational:
            chosen = self._checked_choices(choices, n)
            situational = self.situational_part(chosen)
            answered = (chosen != NO_CHOICE).sum(axis=1)
            missing_situational = answered < np.ceil(MIN_ANSWERED_SHARE * self._n_scenarios)
        scale_part, profile_part = self._parts(standing)
        score = self._combine(scale_part, profile_part, situational)
        incomplete: NDArray[np.bool_] = np.asarray(gaps.any(axis=1) | missing_situational, dtype=bool)
        return FitScores(
            score=score,
            band=np.where(incomplete, "", self._bands(score)),
            incomplete=incomplete,
            missing=gaps,
            missing_situational=missing_situational,
            scale_component=100.0 * scale_part,
            profile_component=100.0 * profile_part,
            situational_component=100.0 * situational,
            percentiles=weighted,
            standing=standing,
            weights=self._weights,
            lower=self._lower,
        )

    def points(self, percentiles: np.ndarray, *, choices: np.ndarray | None = None) -> NDArray[np.float64]:
        """The fit alone, 0-100 rounded to one decimal: :meth:`score`'s ``score``, the same floats.

        For a caller that needs nothing else, such as the Screener's search for a blank block's least-liked
        answer (docs/fit.md), which weighs many trial answers: the components, bands and flags are not built.
        Parameters as :meth:`score`; which scales are missing does not change the points.
        """
        _, standing = self._standing(percentiles)
        n = standing.shape[0]
        situational = (
            self.situational_part(self._checked_choices(choices, n)) if self.weighs_situational else np.zeros(n)
        )
        return self._points(standing, situational)

    def _standing(self, percentiles: np.ndarray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The weighted scales' percentiles and their standings (0-1, ``nan`` as 0), shape (n, n_weighted) each."""
        weighted = np.asarray(percentiles, dtype=np.float64)[:, self._columns]
        standing = np.where(self._lower, 100.0 - weighted, weighted) / 100.0
        return weighted, np.where(np.isnan(standing), 0.0, standing)

    def _checked_choices(self, choices: np.ndarray | None, n: int) -> NDArray[np.integer]:
        if choices is None or np.shape(choices) != (n, self._n_scenarios):
            raise ValueError(
                f"role {self.role.id!r} weighs the scenarios: give the choices of each candidate in "
                f"{self._n_scenarios} scenarios"
            )
        return np.asarray(choices)

    def score_row(self, percentiles: list[float], missing: list[bool], choices: list[int]) -> RowFit:
        """:meth:`score` of one candidate, in plain Python: the same rule and arithmetic step by step.

        ``percentiles`` and ``missing`` are in ``scale_ids`` order, ``choices`` one per scenario (-1
        unanswered). The sums run term by term in the order of the weighted scales, as :meth:`_parts`
        sums them, so the floats are the batch's (tests/core/test_one_row.py states a 1e-9 tolerance).
        """
        weighted = [percentiles[c] for c in self._columns_list]
        gaps = [w != w or missing[c] for w, c in zip(weighted, self._columns_list, strict=True)]
        standing = []
        for w, lower in zip(weighted, self._lower_list, strict=True):
            value = (100.0 - w if lower else w) / 100.0
            standing.append(0.0 if value != value else value)
        situational, missing_situational = 0.0, False
        if self.weighs_situational:
            if len(choices) != self._n_scenarios:
                raise ValueError(
                    f"role {self.role.id!r} weighs the scenarios: give the choices of each candidate in "
                    f"{self._n_scenarios} scenarios"
                )
            situational = self._situational_row(choices)
            answered = sum(choice != NO_CHOICE for choice in choices)
            missing_situational = answered < math.ceil(MIN_ANSWERED_SHARE * self._n_scenarios)
        units = self._units_row(standing)
        scale_part, profile_part = self._parts_row(standing, units)
        score = self._combine_row(scale_part, profile_part, situational)
        incomplete = any(gaps) or missing_situational
        strong, possible = self.role.bands.strong, self.role.bands.possible
        band = "" if incomplete else "strong" if score >= strong else "possible" if score >= possible else "weak"
        return RowFit(
            score=score,
            band=band,
            incomplete=incomplete,
            missing=gaps,
            missing_situational=missing_situational,
            scale_component=100.0 * scale_part,
            profile_component=100.0 * profile_part,
            situational_component=100.0 * situational,
            percentiles=weighted,
            standing=standing,
            units=units,
        )

    def row(self, fit: FitScores, row: int) -> RowFit:
        """One row of a batch's :class:`FitScores` as a :class:`RowFit`."""
        return RowFit(
            score=float(fit.score[row]),
            band=str(fit.band[row]),
            incomplete=bool(fit.incomplete[row]),
            missing=fit.missing[row].tolist(),
            missing_situational=bool(fit.missing_situational[row]),
            scale_component=float(fit.scale_component[row]),
            profile_component=float(fit.profile_component[row]),
            situational_component=float(fit.situational_component[row]),
            percentiles=fit.percentiles[row].tolist(),
            standing=fit.standing[row].tolist(),
        )

    def _situational_row(self, choices: list[int]) -> float:
        # Summed scenario by scenario from 0, as situational_part sums its columns: the same float.
        total = 0.0
        for j, values in self._valued_rows:
            total = total + values[choices[j] - NO_CHOICE]
        return total / len(self._valued_rows)

    def _parts_row(self, standing: list[float], units: list[float] | None = None) -> tuple[float, float]:
        """:meth:`_parts` of one candidate's standings: the same operations in the same order.

        ``units`` are the standings' probits (:meth:`_units_row`) when the caller has them already.
        exp is numpy's, as in :meth:`_parts` (it differs from ``math.exp`` in the last bit for some
        inputs); the sums are explicit loops, never ``sum()``, which compensates on Python 3.12+.
        """
        scale_part = 0.0
        for value, weight in zip(standing, self._weights_list, strict=True):
            scale_part = scale_part + value * weight
        if units is None:
            units = self._units_row(standing)
        return scale_part, self._profile_part_row(linear_row(units, self._coef_list, self._intercept_list))

    def _profile_part_row(self, logits: list[float]) -> float:
        """The profile part of one candidate's classifier logits (:meth:`_parts_row`'s last steps)."""
        profile_part = 0.0
        for probability, suitability in zip(softmax_row(logits), self._suitability_list, strict=True):
            profile_part = profile_part + probability * suitability
        return profile_part

    @staticmethod
    def _units_row(standing: list[float]) -> list[float]:
        """:func:`_probit` of one candidate's standings (numpy's log, as there)."""
        ratios = []
        for value in standing:
            clipped = min(max(value, _STANDING_CLIP), 1.0 - _STANDING_CLIP)
            ratios.append(clipped / (1.0 - clipped))
        units: list[float] = (np.log(ratios) / _LOGISTIC_SCALE).tolist()
        return units

    def _combine_row(self, scale_part: float, profile_part: float, situational: float) -> float:
        """:meth:`_combine` of one candidate, rounded as ``np.round(x, 1)`` rounds (times 10, half to even, / 10)."""
        share, situational_share = self._share, self._situational_share
        if situational_share == 0.0:
            mixed = share * scale_part + (1.0 - share) * profile_part
        else:
            profile_share = 1.0 - share - situational_share
            mixed = share * scale_part + situational_share * situational + profile_share * profile_part
        return round(100.0 * mixed * 10.0) / 10.0

    def _points_row(self, standing: list[float], situational: float) -> float:
        return self._combine_row(*self._parts_row(standing), situational)

    def _scale_effects_row(self, fit: RowFit, columns: Sequence[int]) -> list[float]:
        """:meth:`scale_effects` of one candidate: the fit minus the fit with each scale at the median."""
        situational = fit.situational_component / 100.0
        standing = fit.standing
        units = self._units_row(standing) if fit.units is None else fit.units
        median_unit = _MEDIAN_UNIT  # the float _units_row gives a standing of 0.5
        weights, coefs = self._weights_list, self._coef_list
        # The sums of _parts_row run scale by scale from 0: up to the changed scale they are the
        # candidate's own partial sums, kept here once, and only the rest is summed again. The same
        # additions in the same order as _parts_row(neutral) makes: the same floats.
        scale_prefix = [0.0]
        for value, weight in zip(standing, weights, strict=True):
            scale_prefix.append(scale_prefix[-1] + value * weight)
        logit_prefixes = []
        for coef in coefs:
            prefix = [0.0]
            for unit, c in zip(units, coef, strict=True):
                prefix.append(prefix[-1] + unit * c)
            logit_prefixes.append(prefix)
        n = len(standing)
        scale_parts, logit_rows = [], []
        for column in columns:
            scale_part = scale_prefix[column] + 0.5 * weights[column]
            for j in range(column + 1, n):
                scale_part = scale_part + standing[j] * weights[j]
            scale_parts.append(scale_part)
            logits = []
            for intercept, coef, prefix in zip(self._intercept_list, coefs, logit_prefixes, strict=True):
                logit = prefix[column] + median_unit * coef[column]
                for j in range(column + 1, n):
                    logit = logit + units[j] * coef[j]
                logits.append(intercept + logit)
            logit_rows.append(logits)
        profile_parts = self._profile_parts_rows(logit_rows)
        return [
            fit.score - self._combine_row(scale_part, profile_part, situational)
            for scale_part, profile_part in zip(scale_parts, profile_parts, strict=True)
        ]

    def _profile_parts_rows(self, logit_rows: list[list[float]]) -> list[float]:
        """:meth:`_profile_part_row` of several logit rows, with one call of numpy's exp for them all.

        Each row's softmax and weighted sum are :func:`softmax_row`'s and :meth:`_profile_part_row`'s
        operations in their order; exp works element by element, so each value is the one a call of
        its own gives.
        """
        shifted_rows: list[float] = []
        for logits in logit_rows:
            top = max(logits)
            shifted_rows.extend(logit - top for logit in logits)
        shifted: list[float] = np.exp(shifted_rows).tolist()
        width = len(self._suitability_list)
        parts = []
        for start in range(0, len(shifted), width):
            values = shifted[start : start + width]
            total = 0.0
            for value in values:
                total = total + value
            part = 0.0
            for value, suitability in zip(values, self._suitability_list, strict=True):
                part = part + value / total * suitability
            parts.append(part)
        return parts

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
        situational = np.full(columns.size, fit.situational_component[row] / 100.0)
        effects: NDArray[np.float64] = fit.score[row] - self._points(neutral, situational)
        return effects

    def situational_effect(self, fit: FitScores, row: int) -> float:
        """What the scenarios do to one candidate's rounded fit; positive: they raise it.

        The fit minus the fit with the situational part at :data:`SITUATIONAL_NEUTRAL` (halfway
        between the least- and the most-valued option of every scenario), both rounded.
        """
        neutral = self._points(fit.standing[row][None, :], np.array([SITUATIONAL_NEUTRAL]))
        return float(fit.score[row] - neutral[0])

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
        return self.explain_row(self.row(fit, row), top=top, probability=probability, determined=determined)

    def explain_row(self, fit: RowFit, *, top: int, probability: float, determined: bool) -> RoleFit:
        """:meth:`explain` of one candidate's :class:`RowFit` (the one rule both paths use)."""
        percentiles, missing, standing = fit.percentiles, fit.missing, fit.standing
        # Only scales far enough from the median can be reasons; their effect is computed, not assumed.
        far = [k for k, value in enumerate(standing) if not missing[k] and abs(100.0 * value - 50.0) >= REASON_MARGIN]
        effects = self._scale_effects_row(fit, far) if far else []
        effect_of = dict(zip(far, effects, strict=True))
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
        missing_situational = fit.missing_situational
        if self.weighs_situational and not missing_situational:
            self._situational_reason(fit, reasons, effect_of)
        if determined:
            self._profile_reason(fit, top, probability, reasons)
        gaps = [self.weighted_scales[k] for k, gap in enumerate(missing) if gap]
        reasons[False][:0] = [
            self._reason("missing", scale_id, False, self._directions[self.weighted_scales.index(scale_id)], None, None)
            for scale_id in gaps
        ]
        if missing_situational:
            missing_reason = self._reason("missing_situational", "scenarios", False, "higher", None, None)
            reasons[False].insert(len(gaps), missing_reason)
        return construct_trusted(
            RoleFit,
            role=self.role.id,
            score=fit.score,
            band=fit.band or None,
            incomplete=fit.incomplete,
            missing_scales=gaps,
            strong_from=self.role.bands.strong,
            possible_from=self.role.bands.possible,
            scale_component=round(fit.scale_component, 3),
            profile_component=round(fit.profile_component, 3),
            situational_component=round(fit.situational_component, 3) if self.weighs_situational else None,
            missing_situational=missing_situational,
            reasons_for=reasons[True],
            reasons_against=reasons[False],
        )

    def _situational_reason(
        self, fit: RowFit, reasons: dict[bool, list[FitReason]], effect_of: dict[int, float]
    ) -> None:
        # Like a scale reason: far enough from neutral, and putting the part at neutral moves the
        # rounded fit the other way by at least REASON_MIN_POINTS (so the reason holds by construction).
        part = fit.situational_component / 100.0
        if abs(part - SITUATIONAL_NEUTRAL) < REASON_MARGIN / 100.0:
            return
        effect = fit.score - self._points_row(fit.standing, SITUATIONAL_NEUTRAL)
        if abs(effect) < REASON_MIN_POINTS or (effect > 0) != (part > SITUATIONAL_NEUTRAL):
            return
        favourable = effect > 0
        reason = self._reason("situational", "scenarios", favourable, "higher", None, None, round(100.0 * part, 3))
        # After the scale reasons that move the fit more, before those that move it less.
        # The scale reasons listed so far are far scales, whose effects explain_row computed already.
        effects = [abs(effect_of[self.weighted_scales.index(r.id)]) for r in reasons[favourable]]
        place = sum(e > abs(effect) for e in effects)
        reasons[favourable].insert(place, reason)

    def _profile_reason(self, fit: RowFit, top: int, probability: float, reasons: dict[bool, list[FitReason]]) -> None:
        # The profile is a reason only when the fit's profile part agrees: above what a candidate
        # at the norm median gets for a well-suited profile, below it for a poorly suited one.
        suitability = self._suitability_list[top]
        profile_part = fit.profile_component / 100.0
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
        situational: float | None = None,
    ) -> FitReason:
        stance = "for" if favourable else "against"
        names = self._profile_names if kind == "profile" else self._scale_names
        text = render_reason(kind, stance, direction, item_id, percentile, probability, "en", names, situational)
        return construct_trusted(
            FitReason,
            kind=kind,
            id=item_id,
            stance=stance,
            direction=direction,
            percentile=percentile,
            probability=probability,
            situational=situational,
            text=text,
        )


def linear_row(values: Sequence[float], coefs: Sequence[Sequence[float]], intercepts: Sequence[float]) -> list[float]:
    """One candidate's linear predictors, ``intercept_k + sum_j values_j * coef_kj``, in plain Python.

    Each sum runs term by term from 0 in ``j``'s order, as the batch paths sum their columns, so the
    floats are theirs (never ``sum()``, which compensates on Python 3.12+). The one-row paths of the
    classifier (:class:`~profilefit.core.screening.Screener`) and of the fit's profile part share it.
    """
    logits = []
    for coef, intercept in zip(coefs, intercepts, strict=True):
        logit = 0.0
        for value, c in zip(values, coef, strict=True):
            logit = logit + value * c
        logits.append(logit + intercept)
    return logits


def softmax_row(logits: Sequence[float]) -> list[float]:
    """One candidate's softmax in plain Python, the batch's arithmetic: numpy's exp, a left-to-right total."""
    top = max(logits)
    shifted: list[float] = np.exp([logit - top for logit in logits]).tolist()
    total = 0.0
    for value in shifted:
        total = total + value
    return [value / total for value in shifted]


def _softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result
