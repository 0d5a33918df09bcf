"""A role learned from outcomes: non-negative, regularised, cross-validated scale weights, with their evidence.

How (docs/validation.md explains why):

1. Each hired person's scale scores become norm percentiles (the model's norm group, as
   ``profilefit score`` uses) and then *standings* in the direction the current role prefers
   (``lower`` scales flipped; scales the role does not weigh count as ``higher``). Directions are
   fixed in advance, not found in the data, so that weights cannot chase chance in both directions.
2. An elastic net with non-negative weights (scikit-learn's ``ElasticNetCV``) predicts the outcome
   from the standings; the penalty and its L1 share are chosen by 5-fold cross-validation.
3. Validity is cross-validated: the whole procedure, penalty choice included, is refitted in 5 outer
   folds, repeated twice; the held-out correlations are averaged over Fisher z, and the interval is
   the Fisher 95 % interval at the learning sample's n (an approximation).
4. The weights become an ordinary role file with ``scale_share = 1`` (the fit is the learned scales
   only) and band cut-offs that give the same shares of these applicants as the current role.
   Its comments hold the evidence: n, cross-validated validity with interval, date, data hashes.

The learned role is not trusted — and the command writes nothing without ``--force`` — when fewer
than :data:`MIN_STUDY_N` people have outcomes or the cross-validated interval includes zero.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import DEFAULT_ROLE, RoleProfile, load_role
from profilefit.evidence.validation._inputs import INCOMPLETE, Applicants, Outcomes, read_applicants, read_outcomes
from profilefit.evidence.validation._role_file import role_id_for, role_toml
from profilefit.evidence.validation._stats import Estimate, fisher_interval
from profilefit.evidence.validation._study import MIN_STUDY_N

if TYPE_CHECKING:
    from profilefit.core.scoring import NormGroup

#: Folds of the inner (penalty) and outer (validity) cross-validation.
FOLDS = 5
#: Repeats of the outer cross-validation, each with other folds.
REPEATS = 2
#: L1 shares of the elastic-net penalty tried by cross-validation (1 = lasso).
L1_RATIOS = (0.2, 0.6, 1.0)
#: The largest learned weight in the role file; the built-in roles use 3.0 for their heaviest scales.
TOP_WEIGHT = 3.0
#: Penalties tried per L1 share (a log-spaced path from the largest useful one).
ALPHAS = 40
#: Seed of the folds, so that learning the same data twice gives the same role.
LEARN_SEED = 20_261_130


@dataclass(frozen=True, eq=False)
class LearnedRole:
    """A role learned from outcomes, with its evidence.

    Attributes
    ----------
    role : RoleProfile
        The learned role, as it will be written.
    toml : str
        The role file's text, evidence in its comments.
    outcome, kind : str
    n : int
        Hired people with an outcome and every scale scored: the learning sample.
    left_out : dict of str to int
        Why others were left out (no outcome, a missing scale, outcome without a result).
    weights : dict of scale id to float
        Learned weights as written (largest ``TOP_WEIGHT``); scales with weight 0 are left out of the role.
    directions : dict of scale id to str
    unweighted : tuple of str
        Scales the model gave no weight.
    scale_r : dict of scale id to float
        Each scale's standing correlated with the outcome in the learning sample.
    cv_validity : Estimate
        Cross-validated (out-of-fold) Pearson r of the learned composite with the outcome.
    current_validity : Estimate
        The current fit's Pearson r with the outcome on the same people (Fisher interval), for comparison.
    alpha, l1_ratio : float
        The penalty chosen on the whole sample.
    learned_fit : ndarray of float, shape (n_applicants,)
        The learned role's fit for every applicant (``nan`` when a weighted scale is missing).
    learned_band : ndarray of str, shape (n_applicants,)
    problems : tuple of str
        Why the role is not to be trusted; empty when it may be written.
    warnings : tuple of str
        Things to know that do not block writing.
    """

    role: RoleProfile
    toml: str
    outcome: str
    kind: str
    n: int
    left_out: dict[str, int]
    weights: dict[str, float]
    directions: dict[str, str]
    unweighted: tuple[str, ...]
    scale_r: dict[str, float]
    cv_validity: Estimate
    current_validity: Estimate
    alpha: float
    l1_ratio: float
    learned_fit: NDArray[np.float64]
    learned_band: NDArray[np.str_]
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def trusted(self) -> bool:
        """Whether n and cross-validated validity are large enough to use the role."""
        return not self.problems


def _fit_model(
    standings: NDArray[np.float64], outcome: NDArray[np.float64], seed: int
) -> tuple[NDArray[np.float64], float, float, float]:
    """Non-negative elastic net with penalty chosen by CV: ``(weights, intercept, alpha, l1_ratio)``."""
    import sklearn
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    folds = min(FOLDS, standings.shape[0])
    # scikit-learn 1.7 takes the number of penalties as alphas=int and deprecates n_alphas; 1.6 (our
    # floor) knows only n_alphas. Either way the same log-spaced path of ALPHAS penalties.
    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    path = {"alphas": ALPHAS} if (major, minor) >= (1, 7) else {"n_alphas": ALPHAS}
    model = ElasticNetCV(
        l1_ratio=list(L1_RATIOS),
        **path,
        positive=True,
        cv=KFold(folds, shuffle=True, random_state=seed),
        max_iter=20_000,
    )
    model.fit(standings, outcome)
    return (
        np.asarray(model.coef_, dtype=np.float64),
        float(model.intercept_),
        float(model.alpha_),
        float(model.l1_ratio_),
    )


def _cross_validated_r(standings: NDArray[np.float64], outcome: NDArray[np.float64], seed: int) -> float:
    """Cross-validated validity: the mean (over Fisher z) of held-out correlations in repeated outer folds.

    The whole procedure, penalty choice included, is refitted on each training part. A fold whose model
    gives every scale weight 0 predicts nothing and counts as r = 0. Held-out correlations are averaged
    rather than pooled: pooling out-of-fold predictions of weak models gives a spuriously negative r
    (each fold's intercept is its training mean, which runs against the held-out mean).
    """
    from sklearn.model_selection import RepeatedKFold

    folds = RepeatedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=seed + 1)
    z = []
    for train, test in folds.split(standings):
        weights, intercept, _, _ = _fit_model(standings[train], outcome[train], seed)
        predicted = intercept + standings[test] @ weights
        r = 0.0
        if np.ptp(predicted) > 0 and np.ptp(outcome[test]) > 0:
            r = float(np.corrcoef(predicted, outcome[test])[0, 1])
        z.append(math.atanh(max(-0.999999, min(0.999999, r))))
    return math.tanh(float(np.mean(z)))


def _cutoffs(learned: NDArray[np.float64], current_band: NDArray[np.str_]) -> tuple[float, float]:
    """Band cut-offs giving the learned fit the current role's shares of strong and of possible-or-better."""
    complete = ~np.isnan(learned)
    scores = learned[complete]
    bands = current_band[complete]
    strong_share = float(np.mean(bands == "strong"))
    possible_share = float(np.mean((bands == "strong") | (bands == "possible")))

    def cut(share: float) -> float:
        if share <= 0:
            return min(100.0, round(float(scores.max()) + 0.1, 1))
        return round(float(np.quantile(scores, 1.0 - share, method="higher")), 1)

    strong = max(cut(strong_share), 0.2)
    possible = max(min(cut(possible_share), round(strong - 0.1, 1)), 0.1)
    return strong, possible


def learn_role(
    applicants: Applicants,
    outcomes: Outcomes,
    *,
    norms: NormGroup,
    base_role: RoleProfile | str = "complex-case",
    data_hash: str = "",
    date: str | None = None,
    seed: int = LEARN_SEED,
) -> LearnedRole:
    """Learn scale weights that predict an outcome, and build a role file from them.

    Parameters
    ----------
    applicants : Applicants
        Every scored candidate; needs the ``scale_*`` columns.
    outcomes : Outcomes
    norms : NormGroup
        Norm group that turns scale scores into percentiles (the model's, as ``profilefit score`` uses).
    base_role : RoleProfile or str, default="complex-case"
        The current role: gives scale directions, profile suitabilities and the band shares to keep.
    data_hash : str
        What identifies the data (see :func:`learn_role_files`); written into the evidence.
    date : str, optional
        ISO date written into the evidence; default today (UTC).
    seed : int

    Returns
    -------
    LearnedRole

    Raises
    ------
    ValueError
        If the results have no scale columns the norm group knows, or fewer than ``FOLDS * 2`` people can be used.
    """
    role = load_role(base_role)
    scale_ids = tuple(scale for scale in applicants.scales if scale in norms.scales)
    if not scale_ids:
        raise ValueError("the results file has no scale_<scale> columns that the norm group knows; re-score the export")
    scores = np.column_stack([applicants.scales[scale] for scale in scale_ids])
    lower = np.array([scale in role.scales and role.scales[scale].direction == "lower" for scale in scale_ids])
    percentiles = norms.percentiles(scores, scale_ids)
    standings = np.where(lower, 100.0 - percentiles, percentiles) / 100.0

    position = {candidate_id: k for k, candidate_id in enumerate(applicants.ids)}
    with_outcome = [key for key, value in outcomes.values.items() if key in position and value is not None]
    complete = [key for key in with_outcome if not np.isnan(standings[position[key]]).any()]
    left_out = {
        "outcome_without_result": sum(key not in position for key in outcomes.values),
        "blank_outcome": sum(key in position and value is None for key, value in outcomes.values.items()),
        "missing_scale": len(with_outcome) - len(complete),
    }
    if len(complete) < 2 * FOLDS:
        raise ValueError(
            f"only {len(complete)} hired people have an outcome and every scale scored; learning needs "
            f"at least {2 * FOLDS} (and {MIN_STUDY_N} to be trusted)"
        )
    index = np.array([position[key] for key in complete], dtype=np.intp)
    x = standings[index]
    y = np.array([outcomes.values[key] for key in complete], dtype=np.float64)
    n = len(complete)

    raw, _, alpha, l1_ratio = _fit_model(x, y, seed)
    cv_r = _cross_validated_r(x, y, seed)
    cv_validity = fisher_interval(cv_r, n)
    current = np.where(applicants.band[index] == INCOMPLETE, np.nan, applicants.fit[index])
    known = ~np.isnan(current)
    current_r = (
        float(np.corrcoef(current[known], y[known])[0, 1])
        if known.sum() > 3 and np.ptp(current[known]) > 0
        else math.nan
    )
    current_validity = fisher_interval(current_r, int(known.sum()))
    scale_r = {
        scale: (float(np.corrcoef(x[:, j], y)[0, 1]) if np.ptp(x[:, j]) > 0 else math.nan)
        for j, scale in enumerate(scale_ids)
    }

    weights: dict[str, float] = {}
    if raw.max() > 0:
        scaled = raw / raw.max() * TOP_WEIGHT
        weights = {
            scale: round(float(w), 2) for scale, w in zip(scale_ids, scaled, strict=True) if round(float(w), 2) > 0
        }
    directions = {scale: ("lower" if lower[j] else "higher") for j, scale in enumerate(scale_ids)}
    unweighted = tuple(scale for scale in scale_ids if scale not in weights)

    problems = []
    if n < MIN_STUDY_N:
        problems.append(f"only {n} people with outcomes and complete scales; at least {MIN_STUDY_N} are needed")
    if not weights:
        problems.append("no scale predicts the outcome: every learned weight is 0")
    elif cv_validity.low is None or cv_validity.low <= 0:
        problems.append(
            f"the cross-validated validity {cv_r:.3f} has a 95% interval that includes zero "
            f"({'–' if cv_validity.low is None else f'{cv_validity.low:.3f}'} to "
            f"{'–' if cv_validity.high is None else f'{cv_validity.high:.3f}'})"
        )
    notes = []
    if not math.isnan(current_r) and cv_r < current_r:
        notes.append(
            f"the learned role's cross-validated validity ({cv_r:.3f}) is below the current fit's observed validity "
            f"on the same people ({current_r:.3f}); the current role predicts this outcome at least as well"
        )

    if weights:
        weight_vector = np.array([weights.get(scale, 0.0) for scale in scale_ids])
        filled = np.where(np.isnan(standings), 0.0, standings)
        learned_fit = np.round(100.0 * (filled @ weight_vector) / weight_vector.sum(), 1)
        # Only a missing *weighted* scale makes the learned fit incomplete.
        learned_fit[np.isnan(standings[:, weight_vector > 0]).any(axis=1)] = np.nan
        strong, possible = _cutoffs(learned_fit, applicants.band)
    else:
        learned_fit = np.full(len(applicants), np.nan)
        strong, possible = role.bands.strong, role.bands.possible
    learned_band = np.where(
        np.isnan(learned_fit),
        INCOMPLETE,
        np.where(learned_fit >= strong, "strong", np.where(learned_fit >= possible, "possible", "weak")),
    ).astype(np.str_)

    date = date or datetime.now(UTC).date().isoformat()
    text = role_toml(
        role_id=role_id_for(outcomes.name),
        outcome=outcomes.name,
        kind=outcomes.kind,
        n=n,
        cv_validity=cv_validity,
        cv_method=f"{FOLDS}-fold, {REPEATS} repeats, mean held-out Pearson r, Fisher interval",
        current_validity=current_validity,
        date=date,
        data_hash=data_hash,
        alpha=alpha,
        l1_ratio=l1_ratio,
        base=role,
        weights=weights or {scale_ids[0]: TOP_WEIGHT},  # a placeholder only when nothing predicts: never written
        directions=directions,
        unweighted=unweighted,
        scale_r=scale_r,
        bands=(strong, possible),
        problems=problems,
    )
    learned_role = RoleProfile.model_validate(tomllib.loads(text))
    return LearnedRole(
        role=learned_role,
        toml=text,
        outcome=outcomes.name,
        kind=outcomes.kind,
        n=n,
        left_out=left_out,
        weights=weights,
        directions=directions,
        unweighted=unweighted,
        scale_r=scale_r,
        cv_validity=cv_validity,
        current_validity=current_validity,
        alpha=alpha,
        l1_ratio=l1_ratio,
        learned_fit=learned_fit,
        learned_band=learned_band,
        problems=tuple(problems),
        warnings=tuple(notes),
    )


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def learn_role_files(
    results: str | Path,
    outcomes: str | Path,
    outcome: str,
    *,
    norms: NormGroup | None = None,
    base_role: RoleProfile | str | Path | None = None,
    date: str | None = None,
) -> LearnedRole:
    """Read a results file and an outcomes file and learn a role; see :func:`learn_role`.

    The evidence records the sha256 of both files. ``norms`` defaults to the reference model's norm group.
    ``base_role`` defaults to the role the results record (complex-case for a file that records none);
    when given, it must be that role, since the learned role is compared with the fit in the file.

    Raises
    ------
    profilefit.exceptions.ResultsRoleError
        If the results record another role than ``base_role``, or more than one role.
    ValueError
        If the results hold no fit, or record a role that is not built in and ``base_role`` is not given.
    """
    if norms is None:
        from profilefit.core.screening import Screener

        norms = Screener.load(role=None).norms
    data_hash = f"sha256 results {file_sha256(results)}, outcomes {file_sha256(outcomes)}"
    applicants = read_applicants(results, role=base_role)
    chosen = applicants.fit_role
    base: RoleProfile | str | Path | None = base_role
    if chosen is not None and chosen.stored == "":
        raise ValueError(f"{results}: the results hold no fit (scored with --role none); score them with a role")
    if base is None:
        # The stored role; a file from before the fit_role column: the default role, as before.
        base = DEFAULT_ROLE if chosen is None or chosen.stored is None else chosen.profile()
    if base is None:
        raise ValueError(
            f"{results}: the fit is for role {chosen.stored if chosen else None!r}, which is not built in; "
            "give its file with --role FILE"
        )
    return learn_role(
        applicants,
        read_outcomes(outcomes, outcome),
        norms=norms,
        base_role=load_role(base),
        data_hash=data_hash,
        date=date,
    )
