"""Person scores from forced-choice answers: MAP by Newton's method, vectorised across people, or EAP.

The log posterior of one person is

    sum_c log Phi(d_c z_c) - eta' Phi^-1 eta / 2,    z_c = a_c' eta - g_c,

over the answered comparisons ``c`` (``d_c = +1`` when the left statement won, ``-1`` when the right
one did), with ``a_c`` the comparison's loadings and ``g_c`` its threshold, both divided by the
comparison's error SD. It is strictly concave (the probit log-likelihood is concave and the normal prior
strictly so), so the MAP is unique and Newton's method, with step halving as a safeguard, finds it in a
handful of steps from the prior mean.

Local dependence: the comparisons of one block share statements, so given the traits they are not
independent (``y_12`` and ``y_13`` share ``e_1``). Like the standard TIRT scoring (Brown &
Maydeu-Olivares 2011; thurstonianIRT; Mplus), this treats them as independent. Point estimates are
affected little; standard errors come out somewhat too small, since a triplet's three comparisons are
counted as three independent pieces of evidence. benchmarks/thurstonian.py prints the mean standard error
beside the root mean squared error against the true traits, so the size of this is measured, not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erfcx

from profilefit.core.thurstonian._answers import comparisons
from profilefit.core.thurstonian._model import ThurstonianModel

#: People scored together in one pass: keeps the (chunk, n_comparisons) and (chunk, n_traits^2)
#: work arrays to a few tens of MB whatever the batch size.
CHUNK = 8192
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# Above this, Phi(u) is 1 to double precision, and erfcx(-u / sqrt 2) would overflow.
_U_MAX = 37.0


@dataclass(frozen=True, eq=False)
class TraitScores:
    """Trait estimates of a batch of people.

    Attributes
    ----------
    traits : tuple of str
    estimate : ndarray of shape (n_people, n_traits)
        MAP or EAP, on the scale of the trait distribution (mean 0, SD 1).
    standard_error : ndarray of shape (n_people, n_traits)
        Posterior SD: from the curvature at the MAP (Laplace), or the quadrature posterior's SD (EAP).
    answered_blocks : ndarray of int, shape (n_people,)
        Blocks with at least one mark. A person with none gets the prior mean and the prior SD.
    converged : ndarray of bool, shape (n_people,)
        Newton's method met its tolerance (always true for EAP, whose MAP start is reported too).
    method : {"map", "eap"}
    """

    traits: tuple[str, ...]
    estimate: NDArray[np.float64]
    standard_error: NDArray[np.float64]
    answered_blocks: NDArray[np.intp]
    converged: NDArray[np.bool_]
    method: Literal["map", "eap"]


def score(
    model: ThurstonianModel,
    answers: ArrayLike,
    *,
    method: Literal["map", "eap"] = "map",
    tol: float = 1e-7,
    max_iter: int = 50,
    points: int = 15,
) -> TraitScores:
    """Score a batch of people's most/least answers.

    Parameters
    ----------
    model : ThurstonianModel
    answers : array-like of int, shape (n_people, n_blocks, 2)
        Most and least positions per block, ``-1`` when missing (see :func:`comparisons`).
    method : {"map", "eap"}, default "map"
        ``"map"``: the posterior mode, standard errors from the Hessian there. ``"eap"``: the posterior
        mean and SD by adaptive Gauss-Hermite quadrature centred on the MAP, with ``points`` nodes per
        trait (``points ** n_traits`` in all, so meant for a few traits; refused above 100,000 nodes).
    tol : float, default 1e-7
        Newton stops for a person when no trait moves by more than this.
    max_iter : int, default 50
    points : int, default 15
        Quadrature nodes per trait for EAP.

    Returns
    -------
    TraitScores

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, example_model, score, simulate_answers
    >>> model = example_model(balanced_design(n_traits=4, n_blocks=12))
    >>> people = simulate_answers(model, 3, seed=0)
    >>> score(model, people.answers).estimate.shape
    (3, 4)
    """
    coded = comparisons(model.design, answers)
    sd = model.comparison_sd
    a = model.comparison_loadings / sd[:, None]
    g = model.threshold / sd
    precision = np.asarray(np.linalg.inv(model.trait_correlation), dtype=np.float64)
    n_people, n_traits = coded.shape[0], len(model.design.traits)
    estimate = np.zeros((n_people, n_traits))
    se = np.zeros((n_people, n_traits))
    converged = np.zeros(n_people, dtype=bool)
    if method == "eap" and points**n_traits > 100_000:
        raise ValueError(f"EAP with {points} points on {n_traits} traits needs {points**n_traits} nodes; use MAP")
    for start in range(0, n_people, CHUNK):
        rows = slice(start, start + CHUNK)
        d = np.sign(coded[rows].astype(np.float64) - 0.5) * (coded[rows] >= 0)
        eta, cov, ok = _map(d, a, g, precision, tol=tol, max_iter=max_iter)
        if method == "eap":
            eta, cov = _eap(d, a, g, precision, eta, cov, points=points)
        estimate[rows] = eta
        se[rows] = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        converged[rows] = ok
    marks = np.asarray(answers)
    answered = ((marks >= 0).any(axis=2)).sum(axis=1) if n_people else np.zeros(0, dtype=np.intp)
    return TraitScores(
        traits=model.design.traits,
        estimate=estimate,
        standard_error=se,
        answered_blocks=answered.astype(np.intp),
        converged=converged,
        method=method,
    )


def _log_posterior_parts(
    eta: NDArray[np.float64], d: NDArray[np.float64], a: NDArray[np.float64], g: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``u = d z``, ``log Phi(u)`` and the inverse Mills ratio ``phi(u) / Phi(u)``, from one ``erfcx`` call."""
    u = np.minimum(d * (eta @ a.T - g), _U_MAX)
    # Phi(u) = erfcx(-u/sqrt2) exp(-u^2/2) / 2: stable far into both tails, and cheaper than log_ndtr + ndtr.
    scaled = erfcx(-u * (1.0 / math.sqrt(2.0)))
    log_cdf = np.log(0.5 * scaled) - 0.5 * u * u
    mills = _SQRT_2_OVER_PI / scaled
    return u, log_cdf, mills


def _map(
    d: NDArray[np.float64],
    a: NDArray[np.float64],
    g: NDArray[np.float64],
    precision: NDArray[np.float64],
    *,
    tol: float,
    max_iter: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Newton's method on every row at once; returns the MAP, the inverse Hessian there, and convergence."""
    n, k = d.shape[0], a.shape[1]
    observed = d != 0
    outer = (a[:, :, None] * a[:, None, :]).reshape(len(a), k * k)
    eta = np.zeros((n, k))
    step = np.zeros((n, k))
    best = np.full(n, -np.inf)
    converged = np.zeros(n, dtype=bool)
    active = np.arange(n)
    for _ in range(max_iter):
        if not len(active):
            break
        e, dd = eta[active], d[active]
        u, log_cdf, mills = _log_posterior_parts(e, dd, a, g)
        value = np.where(observed[active], log_cdf, 0.0).sum(axis=1) - 0.5 * np.einsum("nk,kl,nl->n", e, precision, e)
        # Safeguard: a step that lowered the posterior is halved and tried again.
        worse = value < best[active] - 1e-12 * (1.0 + np.abs(value))
        if worse.any():
            back = active[worse]
            step[back] *= 0.5
            eta[back] -= step[back]
        keep = ~worse
        rows = active[keep]
        u, mills, dd, e = u[keep], mills[keep], dd[keep], e[keep]
        best[rows] = value[keep]
        gradient = (dd * mills) @ a - e @ precision
        weight = np.where(dd != 0, mills * (u + mills), 0.0)
        hessian = (weight @ outer).reshape(-1, k, k) + precision
        newton = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        eta[rows] += newton
        step[rows] = newton
        done = np.abs(newton).max(axis=1) < tol
        converged[rows[done]] = True
        active = np.concatenate([active[worse], rows[~done]])
    # The curvature at the returned point gives the Laplace covariance.
    u, _, mills = _log_posterior_parts(eta, d, a, g)
    weight = np.where(observed, mills * (u + mills), 0.0)
    hessian = (weight @ outer).reshape(-1, k, k) + precision
    return eta, np.asarray(np.linalg.inv(hessian), dtype=np.float64), converged


def _eap(
    d: NDArray[np.float64],
    a: NDArray[np.float64],
    g: NDArray[np.float64],
    precision: NDArray[np.float64],
    mode: NDArray[np.float64],
    laplace: NDArray[np.float64],
    *,
    points: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Posterior mean and covariance by Gauss-Hermite quadrature on the Laplace approximation's axes."""
    x, w = np.polynomial.hermite.hermgauss(points)
    k = a.shape[1]
    grid = np.stack(np.meshgrid(*([x] * k), indexing="ij"), axis=-1).reshape(-1, k)  # (m, k)
    log_w = np.log(np.stack(np.meshgrid(*([w] * k), indexing="ij"), axis=-1).reshape(-1, k)).sum(axis=1)
    log_w += (grid**2).sum(axis=1)  # the nodes integrate against exp(-x'x); undo that weight
    chol = np.linalg.cholesky(laplace)  # (n, k, k)
    nodes = mode[:, None, :] + math.sqrt(2.0) * np.einsum("nkl,ml->nmk", chol, grid)  # (n, m, k)
    log_post = np.empty(nodes.shape[:2])
    observed = d != 0
    for j in range(nodes.shape[1]):
        _, log_cdf, _ = _log_posterior_parts(nodes[:, j], d, a, g)
        e = nodes[:, j]
        log_post[:, j] = np.where(observed, log_cdf, 0.0).sum(axis=1) - 0.5 * np.einsum("nk,kl,nl->n", e, precision, e)
    log_weight = log_post + log_w
    weight = np.exp(log_weight - log_weight.max(axis=1, keepdims=True))
    weight /= weight.sum(axis=1, keepdims=True)
    mean = np.einsum("nm,nmk->nk", weight, nodes)
    centred = nodes - mean[:, None, :]
    cov = np.einsum("nm,nmk,nml->nkl", weight, centred, centred)
    return mean, cov


def empirical_reliability(scores: TraitScores) -> NDArray[np.float64]:
    """Empirical reliability per trait: ``var(estimate) / (var(estimate) + mean(se^2))`` (Brown 2011).

    Only people with at least one answered block count.
    """
    used = scores.answered_blocks > 0
    spread = scores.estimate[used].var(axis=0)
    noise = (scores.standard_error[used] ** 2).mean(axis=0)
    reliability: NDArray[np.float64] = spread / (spread + noise)
    return reliability
