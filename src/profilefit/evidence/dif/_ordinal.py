"""Ordinal logistic-regression DIF (Zumbo 1999): three nested proportional-odds models per item.

1. answer ~ matching score
2. answer ~ matching score + group            (uniform DIF: a shift at every level)
3. answer ~ matching score + group + group × score   (non-uniform DIF: a shift that changes with level)

Likelihood-ratio tests compare them: 2 against 1 for uniform DIF (1 df), 3 against 2 for
non-uniform DIF (1 df), 3 against 1 for any DIF (2 df). The effect size is the change in
Nagelkerke's R² from model 1 to model 3, classed by Zumbo & Thomas (1997) and by Jodoin &
Gierl (2001), as R's difR does.

The proportional-odds model is ``P(answer <= j) = logistic(c_j - x·beta)``, the
parametrisation of statsmodels' ``OrderedModel``; a test checks that the fits agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special, stats

#: Nagelkerke R² change cut-offs: (moderate from, large from).
ZUMBO_THOMAS = (0.13, 0.26)
JODOIN_GIERL = (0.035, 0.070)


@dataclass(frozen=True)
class OrdinalFit:
    """A fitted proportional-odds model.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
        Slopes ``beta``.
    thresholds : ndarray of shape (n_categories - 1,)
        Cut-points ``c_j``, increasing.
    loglik : float
    converged : bool
    """

    coef: NDArray[np.float64]
    thresholds: NDArray[np.float64]
    loglik: float
    converged: bool


def _cuts(u: NDArray[np.float64]) -> NDArray[np.float64]:
    cuts: NDArray[np.float64] = np.cumsum(np.concatenate([u[:1], np.exp(u[1:])]))
    return cuts


def _negative_loglik(
    params: NDArray[np.float64], codes: NDArray[np.intp], x: NDArray[np.float64], n_cuts: int
) -> tuple[float, NDArray[np.float64]]:
    beta, u = params[: x.shape[1]], params[x.shape[1] :]
    cuts = _cuts(u)
    eta = x @ beta
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    upper, lower = bounds[codes + 1] - eta, bounds[codes] - eta
    f_upper, f_lower = special.expit(upper), special.expit(lower)
    prob = np.maximum(f_upper - f_lower, 1e-300)
    d_upper = f_upper * (1 - f_upper)  # logistic density; 0 at +-inf
    d_lower = f_lower * (1 - f_lower)
    grad_eta = -(d_upper - d_lower) / prob
    grad_beta = x.T @ grad_eta
    # Gradient with respect to each cut-point: + from the category above it, - from the one below.
    grad_cuts = np.bincount(codes, weights=d_upper / prob, minlength=n_cuts + 1)[:n_cuts]
    grad_cuts -= np.bincount(codes, weights=d_lower / prob, minlength=n_cuts + 1)[1 : n_cuts + 1]
    from_end = np.cumsum(grad_cuts[::-1])[::-1]  # d cut_k / d u_m = exp(u_m) for every k >= m >= 1
    grad_u = np.concatenate([[from_end[0]], from_end[1:] * np.exp(u[1:])])
    loglik = float(np.log(prob).sum())
    return -loglik, -np.concatenate([grad_beta, grad_u])


def fit_ordinal_logit(answers: NDArray[np.float64], x: NDArray[np.float64]) -> OrdinalFit:
    """Fit a proportional-odds (cumulative logit) model by maximum likelihood.

    Parameters
    ----------
    answers : ndarray of shape (n,)
        Ordered answers; the categories are the distinct values observed, in order.
    x : ndarray of shape (n, n_features)
        Predictors, without a constant (the cut-points take its place).

    Returns
    -------
    OrdinalFit

    Raises
    ------
    ValueError
        If fewer than two categories are observed.
    """
    levels, codes = np.unique(answers, return_inverse=True)
    if levels.size < 2:
        raise ValueError("an ordinal model needs at least two observed answer categories")
    n_cuts = levels.size - 1
    x = np.asarray(x, dtype=np.float64).reshape(len(answers), -1)
    cumulative = np.cumsum(np.bincount(codes, minlength=levels.size))[:-1] / len(codes)
    start_cuts = special.logit(np.clip(cumulative, 1e-6, 1 - 1e-6))
    start_u = np.concatenate([start_cuts[:1], np.log(np.maximum(np.diff(start_cuts), 1e-3))])
    start = np.concatenate([np.zeros(x.shape[1]), start_u])
    solution = optimize.minimize(
        _negative_loglik,
        start,
        args=(codes.astype(np.intp), x, n_cuts),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": 500},
    )
    params = solution.x
    return OrdinalFit(
        coef=params[: x.shape[1]],
        thresholds=_cuts(params[x.shape[1] :]),
        loglik=-float(solution.fun),
        converged=bool(solution.success) or float(np.abs(solution.jac).max()) < 1e-4,
    )


def null_loglik(answers: NDArray[np.float64]) -> float:
    """Log-likelihood of the thresholds-only model: the observed category shares."""
    _, counts = np.unique(answers, return_counts=True)
    return float((counts * np.log(counts / counts.sum())).sum())


def nagelkerke_r2(loglik: float, loglik_null: float, n: int) -> float:
    """Nagelkerke's (1991) R²: Cox–Snell's R² divided by its maximum."""
    cox_snell = 1.0 - math.exp(2.0 * (loglik_null - loglik) / n)
    maximum = 1.0 - math.exp(2.0 * loglik_null / n)
    return cox_snell / maximum if maximum > 0 else math.nan


@dataclass(frozen=True)
class LogisticDif:
    """Ordinal logistic-regression DIF of one item.

    Attributes
    ----------
    chi2_uniform, p_uniform : float
        Model 2 against model 1 (1 df).
    chi2_nonuniform, p_nonuniform : float
        Model 3 against model 2 (1 df).
    chi2_any, p_any : float
        Model 3 against model 1 (2 df).
    r2_change : float
        Nagelkerke R² of model 3 minus that of model 1.
    group_coef : float
        The group slope in model 2 (focal = 1): negative when the focal group answers lower
        than reference people of the same matching score.
    converged : bool
    """

    chi2_uniform: float
    p_uniform: float
    chi2_nonuniform: float
    p_nonuniform: float
    chi2_any: float
    p_any: float
    r2_change: float
    group_coef: float
    converged: bool


def logistic_dif(answers: NDArray[np.float64], focal: NDArray[np.bool_], matching: NDArray[np.float64]) -> LogisticDif:
    """Fit the three nested models of one item and compare them.

    Parameters
    ----------
    answers : ndarray of shape (n,)
    focal : ndarray of bool, shape (n,)
    matching : ndarray of shape (n,)
        The matching score; centred here so that the interaction is well conditioned
        (the likelihoods do not depend on it).

    Returns
    -------
    LogisticDif
    """
    score = matching - matching.mean()
    group = focal.astype(np.float64)
    fits = [
        fit_ordinal_logit(answers, score[:, None]),
        fit_ordinal_logit(answers, np.column_stack([score, group])),
        fit_ordinal_logit(answers, np.column_stack([score, group, score * group])),
    ]
    ll = [fit.loglik for fit in fits]
    ll0 = null_loglik(answers)
    n = len(answers)
    chi_u, chi_n, chi_a = (max(2 * (ll[1] - ll[0]), 0.0), max(2 * (ll[2] - ll[1]), 0.0), max(2 * (ll[2] - ll[0]), 0.0))
    return LogisticDif(
        chi2_uniform=chi_u,
        p_uniform=float(stats.chi2.sf(chi_u, 1)),
        chi2_nonuniform=chi_n,
        p_nonuniform=float(stats.chi2.sf(chi_n, 1)),
        chi2_any=chi_a,
        p_any=float(stats.chi2.sf(chi_a, 2)),
        r2_change=nagelkerke_r2(ll[2], ll0, n) - nagelkerke_r2(ll[0], ll0, n),
        group_coef=float(fits[1].coef[1]),
        converged=all(fit.converged for fit in fits),
    )


def r2_class(r2_change: float, significant: bool, cutoffs: tuple[float, float]) -> str:
    """A (negligible), B (moderate) or C (large), from the R² change and the 2-df test.

    ``cutoffs`` is :data:`ZUMBO_THOMAS` or :data:`JODOIN_GIERL`.
    """
    if not significant or not math.isfinite(r2_change) or r2_change < cutoffs[0]:
        return "A"
    return "C" if r2_change >= cutoffs[1] else "B"
