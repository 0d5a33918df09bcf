"""Person scores from forced-choice answers: MAP by Newton's method, vectorised across people, or EAP.

The log posterior of one person is

    sum_c log Phi(d_c z_c) - eta' Phi^-1 eta / 2,    z_c = a_c' eta - g_c,

over the answered comparisons ``c`` (``d_c = +1`` when the left statement won, ``-1`` when the right
one did), with ``a_c`` the comparison's loadings and ``g_c`` its threshold, both divided by the
comparison's error SD. It is strictly concave (the probit log-likelihood is concave and the normal prior
strictly so), so the MAP is unique. Newton's method, with step halving as a safeguard, finds it in three
or four steps from the model's best linear predictor of the traits (:func:`_linear_start`).

Local dependence: the comparisons of one block share statements, so given the traits they are not
independent (``y_12`` and ``y_13`` share ``e_1``). Like the standard TIRT scoring (Brown &
Maydeu-Olivares 2011; thurstonianIRT; Mplus), this treats them as independent. Point estimates are
affected little; standard errors come out somewhat too small, since a triplet's three comparisons are
counted as three independent pieces of evidence. benchmarks/thurstonian.py prints the mean standard error
beside the root mean squared error against the true traits, so the size of this is measured, not assumed.

Numerics: the per-comparison work (the products with the loadings, the inverse Mills ratio from a
table, the gradient and curvature sums) runs in single precision, with people along the last axis so
that it walks contiguous memory; the per-person 8 x 8 algebra (Cholesky, Newton step, covariance) runs
in double. With ``tol=1e-3``, against the first, all-double version of this scorer run to 1e-10, the
estimates differ by at most 1.2e-6 and the standard errors by 2.4e-4 (20,000 simulated people, 8 traits,
20 triplets, some blocks missing): single precision costs nothing visible. The default ``tol=1e-2`` trades
that for speed (see :func:`score`); tests/test_thurstonian.py holds a twin test against scipy's optimiser.
Products with the loadings are scipy sparse products (two traits per comparison), which use no BLAS
threads: on a busy machine OpenBLAS's spinning threads made a tiny dense product 20 times slower.
Every sum over traits is taken term by term (:func:`_sum_rows`), so a person's numbers do not depend on
who else is scored with them, and :func:`map_row` repeats them for one person in Python floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.special import erfcx, log_ndtr, ndtr

from profilefit.core.thurstonian._answers import comparisons
from profilefit.core.thurstonian._model import ThurstonianModel
from profilefit.core.thurstonian._normal import bivariate_normal_cdf

#: People scored together in one pass. The (n_comparisons, chunk) single-precision work arrays then
#: stay near 1 MB (60 comparisons), inside the 2 MB second-level cache of the benchmark machine:
#: 4,096 scored 100,000 people at 184,000-207,000 rows/s where 8,192 gave 147,000-157,000.
CHUNK = 4096
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# Above this, Phi(u) is 1 to double precision, and erfcx(-u / sqrt 2) would overflow.
_U_MAX = 37.0
_TABLE_LOW, _TABLE_HIGH, _TABLE_STEP = -38.0, 38.0, 2.0**-10
# Coded comparison (-1 missing, 0 right won, 1 left won) + 1 -> d.
_SIGN = np.array([0.0, -1.0, 1.0], dtype=np.float32)


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
        Newton's method met its tolerance (for EAP: the MAP the quadrature is centred on).
    method : {"map", "eap"}
    person_fit : ndarray of float, shape (n_people,), or None
        :func:`fit_over_chance` at the estimates, when asked for (``score(..., person_fit=True)``).
    """

    traits: tuple[str, ...]
    estimate: NDArray[np.float64]
    standard_error: NDArray[np.float64]
    answered_blocks: NDArray[np.intp]
    converged: NDArray[np.bool_]
    method: Literal["map", "eap"]
    person_fit: NDArray[np.float64] | None = None


def score(
    model: ThurstonianModel,
    answers: ArrayLike,
    *,
    method: Literal["map", "eap"] = "map",
    tol: float = 1e-2,
    max_iter: int = 50,
    points: int = 15,
    standard_errors: bool = True,
    person_fit: bool = False,
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
    tol : float, default 1e-2
        Newton stops for a person after a step that moves no trait by more than this. Convergence is
        quadratic, so the estimate is then within about ``tol**2`` of the mode. Measured against the
        first, all-double version of this scorer run to 1e-10 (20,000 simulated people, 8 traits): at the
        default, estimates within 8e-5 (a 5,000th of their standard error) and standard errors, taken
        from the curvature before the last step, within 3e-3; at 1e-3, within 1.2e-6 and 2.4e-4, for
        about 10 % more time.
    max_iter : int, default 50
    points : int, default 15
        Quadrature nodes per trait for EAP.
    standard_errors : bool, default True
        MAP only: ``False`` leaves the standard errors ``nan`` and skips the inverse of the curvature that
        gives them (about a tenth of the time); the estimates are the same numbers either way.
    person_fit : bool, default False
        Also give :func:`fit_over_chance` at the estimates (``TraitScores.person_fit``): one more pass over
        the comparisons, about a tenth of the time.

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
    n_people, n_traits = coded.shape[0], len(model.design.traits)
    estimate = np.zeros((n_people, n_traits))
    se = np.zeros((n_people, n_traits))
    converged = np.zeros(n_people, dtype=bool)
    if method == "eap" and not standard_errors:
        raise ValueError("EAP needs the posterior covariance: standard_errors=False is for MAP only")
    if not standard_errors:
        se.fill(np.nan)
    if method == "eap" and points**n_traits > 100_000:
        raise ValueError(f"EAP with {points} points on {n_traits} traits needs {points**n_traits} nodes; use MAP")
    solver = _solver(model)
    fit = np.full(n_people, np.nan) if person_fit else None
    for first in range(0, n_people, CHUNK):
        rows = slice(first, first + CHUNK)
        d = _SIGN[coded[rows] + 1]
        eta, cov, ok = _map(d, solver, tol=tol, max_iter=max_iter, full=method == "eap", covariance=standard_errors)
        if method == "eap":
            eta, cov = _eap(d, solver.a, solver.g, solver.precision, eta, cov, points=points)
            se[rows] = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        elif standard_errors:
            se[rows] = np.sqrt(cov)
        estimate[rows] = eta
        converged[rows] = ok
        if fit is not None:
            d_t = np.ascontiguousarray(d.T)
            e_t = np.ascontiguousarray(eta.T, dtype=np.float32)
            fit[rows] = _chance_gain(solver, e_t, d_t, _shift(d_t, solver.g32))
    marks = np.asarray(answers)
    # Most or least marked; the two columns apart: ``any`` over an axis of length 2 is several times slower.
    answered = ((marks[..., 0] >= 0) | (marks[..., 1] >= 0)).sum(axis=1) if n_people else np.zeros(0, dtype=np.intp)
    return TraitScores(
        traits=model.design.traits,
        estimate=estimate,
        standard_error=se,
        answered_blocks=answered.astype(np.intp),
        converged=converged,
        method=method,
        person_fit=fit,
    )


def _probit_parts(
    eta: NDArray[np.float32], d: NDArray[np.float32], a: sparse.csr_matrix, shift: NDArray[np.float32]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``u = d z`` and the inverse Mills ratio ``phi(u) / Phi(u)`` of every comparison.

    People run along the last axis: ``eta`` is (n_traits, n), ``d``, ``shift`` and the results
    (n_comparisons, n). ``shift`` is :func:`_shift`: a missing comparison comes out with ``u`` far above
    the table and a Mills ratio of exactly 0, so it adds nothing to the gradient or the curvature
    without a mask. ``a`` is sparse (two traits per comparison): scipy's sparse product uses no BLAS
    threads, which on a busy machine spin for a tiny dense product (measured: 1.5 ms sparse against
    29 ms dense, 8,192 people).
    """
    u: NDArray[np.float32] = a @ eta
    u *= d
    u -= shift
    return u, _mills(u)


def _shift(d: NDArray[np.float32], g: NDArray[np.float32]) -> NDArray[np.float32]:
    """``d g``, and ``-2 * _TABLE_HIGH`` where the comparison is missing (``d = 0``).

    In single precision from ``g`` rounded to it: ``d`` is -1, 0 or 1, so ``d g`` is exact either way and
    these are the very numbers that ``d g`` taken in double and then rounded gives.
    """
    shift: NDArray[np.float32] = d * g[:, None]
    shift[d == 0] = -2.0 * _TABLE_HIGH
    return shift


@cache
def _mills_table() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The inverse Mills ratio on a grid of step 2^-10 over [-38, 38], and the differences between neighbours."""
    grid = np.arange(_TABLE_LOW, _TABLE_HIGH + _TABLE_STEP, _TABLE_STEP)
    values = _exact_mills(grid)
    values[values < 1e-30] = 0.0  # no subnormal numbers: they are slow, and a missing comparison needs 0
    return values[:-1].astype(np.float32), np.diff(values).astype(np.float32)


def _exact_mills(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """``phi(u) / Phi(u) = sqrt(2/pi) / erfcx(-u/sqrt2)``: stable far into both tails."""
    mills: NDArray[np.float64] = _SQRT_2_OVER_PI / erfcx(np.minimum(u, _U_MAX) * (-1.0 / math.sqrt(2.0)))
    return mills


def _mills(u: NDArray[np.float32]) -> NDArray[np.float32]:
    """The inverse Mills ratio by linear interpolation in :func:`_mills_table`, exact below its range.

    A third of ``erfcx``'s time (15 ms against 44 ms for 60 x 8,192 values). Interpolation is within
    3.6e-8 of the exact ratio (its second derivative is below 0.3, the step 2^-10); single precision
    adds a relative 1e-7. Above the range the ratio is 0 to single precision.
    """
    values, slopes = _mills_table()
    t = u * np.float32(1.0 / _TABLE_STEP)
    t -= np.float32(_TABLE_LOW / _TABLE_STEP)
    np.clip(t, 0.0, len(values) - 1, out=t)
    index = t.astype(np.int32)  # half the memory of intp; the same whole numbers, so the same table rows
    t -= index
    mills = values.take(index)
    mills += t * slopes.take(index)
    if u.min() < _TABLE_LOW:  # one pass; the exact values are needed only in this rare case
        below = u < _TABLE_LOW
        mills[below] = _exact_mills(u[below].astype(np.float64))
    return mills


def _log_cdf(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log Phi(u)``, stable in both tails (the same identity as :func:`_probit_parts`)."""
    u = np.minimum(u, _U_MAX)
    result: NDArray[np.float64] = np.log(0.5 * erfcx(u * (-1.0 / math.sqrt(2.0)))) - 0.5 * u * u
    return result


@dataclass(frozen=True, eq=False)
class _Solver:
    """What Newton's method needs from a model, built once per model (:func:`_solver`).

    ``a`` and ``g`` are the comparisons' loadings and thresholds over their error SDs; ``precision`` the
    inverse trait correlation; ``start`` :func:`_linear_start`'s ``E d`` and ``W'``. The sparse forms are
    those :func:`_map` multiplies with; ``curvature`` gives only the lower triangle of the curvature, column
    by column (:func:`_curvature_map`), which is all the Cholesky factor reads.
    """

    a: NDArray[np.float64]
    g: NDArray[np.float64]
    g32: NDArray[np.float32]
    precision: NDArray[np.float64]
    precision_lower: NDArray[np.float64]
    start_mean: NDArray[np.float32]
    start_weights_t: sparse.csr_matrix
    a_s: sparse.csr_matrix
    a_t: sparse.csr_matrix
    curvature: sparse.csr_matrix


@lru_cache(maxsize=8)  # a few models per process, as _linear_start
def _solver(model: ThurstonianModel) -> _Solver:
    sd = model.comparison_sd
    a = model.comparison_loadings / sd[:, None]
    g = model.threshold / sd
    precision = np.asarray(np.linalg.inv(model.trait_correlation), dtype=np.float64)
    mean, weights = _linear_start(model)
    k = a.shape[1]
    rows, columns = _lower_cells(k)
    return _Solver(
        a=a,
        g=g,
        g32=g.astype(np.float32),
        precision=precision,
        precision_lower=np.ascontiguousarray(precision[rows, columns][:, None]),
        start_mean=mean.astype(np.float32),
        start_weights_t=sparse.csr_matrix(weights.T, dtype=np.float32),
        a_s=sparse.csr_matrix(a, dtype=np.float32),
        a_t=sparse.csr_matrix(a.T, dtype=np.float32),
        curvature=_curvature_map(a).astype(np.float32),
    )


def _map(
    d: NDArray[np.float32],
    solver: _Solver,
    *,
    tol: float,
    max_iter: int,
    full: bool,
    covariance: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Newton's method on every row of ``d`` (n, n_comparisons) at once.

    It starts from :func:`_linear_start`'s predictor, given in ``solver``: ``E d`` (n_comparisons,) and
    ``W'`` (n_traits, n_comparisons).

    Returns the MAP (n, n_traits), the inverse Hessian (n, n_traits, n_traits) when ``full``, else only
    its diagonal (n, n_traits), and convergence (n,). Without ``covariance`` the inverse is not taken
    and its array is left unset (the MAP is the same).
    The inverse Hessian is the one of the last Newton step, taken at most ``tol`` from the returned point.
    Internally people run along the last axis, so every elementwise operation walks contiguous memory.

    Safeguard without the posterior's value (a logarithm per comparison saved on every pass): along the
    last step ``s`` the log posterior is concave; if its slope at the new point, ``grad' s``, is more
    negative than the slope at the start was positive, the step went further past the maximum along
    ``s`` than a quadratic would, so it is halved and the point tried again.
    """
    n, k = d.shape[0], solver.a.shape[1]
    precision = solver.precision
    d_t = np.ascontiguousarray(d.T, dtype=np.float32)
    shift_t = _shift(d_t, solver.g32)
    a_t, a_s, curvature = solver.a_t, solver.a_s, solver.curvature
    centred = d_t - solver.start_mean[:, None]
    centred *= d_t != 0
    # A sparse product (though W is dense): each person's sum is taken in one fixed order whatever the
    # batch, so a person scored alone gets the very same start, and no BLAS threads spin on a product
    # this small.
    eta = (solver.start_weights_t @ centred).astype(np.float64)
    step = np.zeros((k, n))
    slope = np.zeros(n)  # grad' s at the start of the last step
    inverse = np.empty((k, k, n) if full else (k, n))
    converged = np.zeros(n, dtype=bool)
    # The people still iterating, and their comparisons: compacted only when someone finishes, so the
    # first passes (where nobody does) copy nothing. While everyone iterates (``everyone``), the arrays
    # are used whole rather than through ``active`` (views, not copies; the same numbers).
    active = np.arange(n)
    everyone = True
    d_active, shift_active = d_t, shift_t
    for _ in range(max_iter):
        if not len(active):
            break
        e = eta if everyone else eta[:, active]
        u, mills = _probit_parts(e.astype(np.float32), d_active, a_s, shift_active)
        gradient = (a_t @ (d_active * mills)).astype(np.float64) - _prior_times(precision, e)
        worse = _sum_rows(gradient * (step if everyone else step[:, active])) < -(slope if everyone else slope[active])
        keep = ~worse
        if worse.any():
            back = active[worse]
            step[:, back] *= 0.5
            eta[:, back] -= step[:, back]
            slope[back] *= 0.5
            u, mills, gradient = u[:, keep], mills[:, keep], gradient[:, keep]
            whole = False
        else:
            whole = everyone
        rows = active[keep]
        u += mills
        u *= mills  # the curvature weight mills * (u + mills), in place
        chol = _cholesky((curvature @ u).astype(np.float64) + solver.precision_lower, k)
        newton = _solve(chol, gradient)
        if whole:
            eta += newton
            step = newton
            slope = _sum_rows(gradient * newton)
        else:
            eta[:, rows] += newton
            step[:, rows] = newton
            slope[rows] = _sum_rows(gradient * newton)
        done = np.abs(newton).max(axis=0) < tol
        if done.any():
            converged[rows[done]] = True
            if covariance:
                inverse[..., rows[done]] = _inverse(chol[:, :, done], full=full)
            still = worse.copy()
            still[np.flatnonzero(keep)[~done]] = True
            active, d_active, shift_active = active[still], d_active[:, still], shift_active[:, still]
            everyone = False
        elif not whole:
            everyone = False
    if len(active) and covariance:  # out of iterations: the curvature where they stopped
        u, mills = _probit_parts(eta[:, active].astype(np.float32), d_active, a_s, shift_active)
        weight = mills * (u + mills)
        inverse[..., active] = _inverse(
            _cholesky((curvature @ weight).astype(np.float64) + solver.precision_lower, k), full=full
        )
    people_first = inverse.transpose(2, 0, 1) if full else inverse.T
    return np.ascontiguousarray(eta.T), np.ascontiguousarray(people_first), converged


@lru_cache(maxsize=8)  # a few models per process; each entry is two small arrays and the model
def _linear_start(model: ThurstonianModel) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Where Newton's method starts: the best linear predictor of the traits from the coded answers.

    With ``d_c = +1 / -1`` the coded comparisons, the start is ``W' (d - E d)`` over the answered ones,
    ``W = Cov(d)^-1 Cov(d, eta)``, all from the model: ``Cov(d_c, eta) = 2 phi(tau_c) / sd_c * Phi a_c``
    (Stein's identity for a thresholded normal) and ``Cov(d_c, d_e) = 4 (Phi_2(-tau_c, -tau_e; rho) - p_c p_e)``.
    It lands about 0.12 (root mean square, 8 traits) from the mode, which saves two of six Newton passes;
    the mode itself does not depend on the start. A person with nothing answered starts at 0.

    Returns
    -------
    mean : ndarray of shape (n_comparisons,)
        ``E d``.
    weights : ndarray of shape (n_comparisons, n_traits)
        ``W``.
    """
    covariance = model.comparison_covariance
    sd = np.sqrt(np.diag(covariance))
    tau = model.threshold / sd
    p = ndtr(-tau)
    rho = np.clip(covariance / np.outer(sd, sd), -0.999, 0.999)
    both = bivariate_normal_cdf(
        np.broadcast_to(-tau[:, None], rho.shape), np.broadcast_to(-tau[None, :], rho.shape), rho
    )
    cov_d = 4.0 * (both - np.outer(p, p))
    np.fill_diagonal(cov_d, 4.0 * p * (1.0 - p))
    density = np.exp(-0.5 * tau**2) / math.sqrt(2.0 * math.pi)
    cov_d_eta = (2.0 * density / sd)[:, None] * (model.comparison_loadings @ model.trait_correlation)
    ridge = 1e-6 * np.eye(len(p))  # a block's comparisons are nearly collinear; keep the solve well posed
    weights = np.asarray(np.linalg.solve(cov_d + ridge, cov_d_eta), dtype=np.float64)
    return 2.0 * p - 1.0, weights


@cache
def _lower_cells(k: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Rows and columns of a k x k lower triangle, column by column (rows ``j`` to ``k - 1`` of column ``j``)."""
    rows = np.concatenate([np.arange(j, k) for j in range(k)])
    columns = np.concatenate([np.full(k - j, j) for j in range(k)])
    return rows, columns


def _curvature_map(a: NDArray[np.float64]) -> sparse.csr_matrix:
    """``O`` with ``O @ w`` = the lower triangle of ``sum_c w_c a_c a_c'``, column by column, people last.

    Each comparison touches two traits, so ``a_c a_c'`` has at most four non-zero cells (three in the
    lower triangle): as a sparse product this is many times less work than the dense one on 8 traits,
    and needs no BLAS threads. Only the lower triangle is formed, as :func:`_cholesky` reads no more.
    """
    k = a.shape[1]
    rows, columns = _lower_cells(k)
    outer = (a[:, :, None] * a[:, None, :])[:, rows, columns]
    return sparse.csr_matrix(outer.T)


def _sum_rows(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x.sum(axis=0)`` taken row after row, in that order, whatever the number of people.

    numpy sums an axis in a different order when it is the one in memory (one person: pairwise, eight
    at a time), so ``sum(axis=0)`` of a (k, 1) array can differ in the last bit from the same column of a
    (k, n) one. Every sum over traits here is taken this way, so a person's numbers do not depend on
    who else is scored with them, and :func:`map_row` repeats them with Python floats exactly.
    """
    total: NDArray[np.float64] = x[0].copy()
    for row in x[1:]:
        total += row
    return total


def _prior_times(precision: NDArray[np.float64], e: NDArray[np.float64]) -> NDArray[np.float64]:
    """``precision @ e`` for (k, n) ``e``, each sum taken term by term in trait order (see :func:`_sum_rows`)."""
    k = precision.shape[0]
    product: NDArray[np.float64] = precision[:, :1] * e[0]
    for col in range(1, k):
        product += precision[:, col : col + 1] * e[col]
    return product


def _cholesky(lower: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Lower Cholesky factors of many small matrices at once, shape (k, k, n) (people last).

    ``lower`` is each matrix's lower triangle column by column (:func:`_lower_cells`), shape
    (k (k + 1) / 2, n). numpy's batched ``linalg`` calls LAPACK once per matrix; for thousands of 8 x 8
    matrices a loop over the k columns, vectorised across people, is several times faster. Sums are
    taken term by term (:func:`_sum_rows`); :func:`_cholesky_row` is the same for one person.
    """
    chol = np.zeros((k, k, lower.shape[1]))
    first = 0
    for j in range(k):
        if j:
            inner = chol[j:, 0] * chol[j, 0]  # rows j.. of column j: the sums over the columns before it
            for col in range(1, j):
                inner += chol[j:, col] * chol[j, col]
            diagonal = np.sqrt(lower[first] - inner[0])
            chol[j + 1 :, j] = (lower[first + 1 : first + k - j] - inner[1:]) / diagonal
        else:
            diagonal = np.sqrt(lower[first])
            chol[1:, 0] = lower[first + 1 : first + k] / diagonal
        chol[j, j] = diagonal
        first += k - j
    return chol


def _solve(chol: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x`` with ``L L' x = b``, for (k, k, n) factors and (k, n) right-hand sides (sums term by term)."""
    k = chol.shape[0]
    y = np.empty_like(b)
    for j in range(k):
        if j:
            inner = chol[j, 0] * y[0]
            for col in range(1, j):
                inner += chol[j, col] * y[col]
            y[j] = (b[j] - inner) / chol[j, j]
        else:
            y[0] = b[0] / chol[0, 0]
    x = np.empty_like(b)
    for j in reversed(range(k)):
        if j + 1 < k:
            inner = chol[j + 1, j] * x[j + 1]
            for row in range(j + 2, k):
                inner += chol[row, j] * x[row]
            x[j] = (y[j] - inner) / chol[j, j]
        else:
            x[j] = y[j] / chol[j, j]
    return x


def _inverse(chol: NDArray[np.float64], *, full: bool) -> NDArray[np.float64]:
    """``(L L')^-1`` from (k, k, n) factors, or only its diagonal (k, n): ``M' M`` with ``M = L^-1``.

    ``M`` row by row (forward substitution on the identity), each row for every person at once and only
    over its lower triangle; the diagonal's sums term by term (:func:`_sum_rows`).
    """
    k = chol.shape[0]
    m = np.zeros_like(chol)
    for i in range(k):
        m[i, i] = 1.0 / chol[i, i]
        if i:
            inner = chol[i, 0] * m[0, :i]
            for col in range(1, i):
                inner += chol[i, col] * m[col, :i]
            m[i, :i] = -inner * m[i, i]
    if not full:
        return _sum_rows(m * m)
    inverse: NDArray[np.float64] = np.einsum("jin,jln->iln", m, m)
    return inverse


# ---- one person, in Python floats ---------------------------------------------------------------
# The same operations as _map, _cholesky, _solve and _inverse in the same order, on one person: the
# numbers equal that person's column of a batch bit for bit (tests/test_thurstonian.py holds it). The
# single-precision, per-comparison steps run through the very functions the batch uses, on one column.


def _dot(left: list[float], right: list[float]) -> float:
    """``sum(l * r)`` term by term from the first (``sum`` itself compensates from Python 3.12 on)."""
    total = left[0] * right[0]
    for position in range(1, len(left)):
        total += left[position] * right[position]
    return total


def _cholesky_row(lower: list[float], k: int) -> list[list[float]]:
    chol = [[0.0] * k for _ in range(k)]
    first = 0
    for j in range(k):
        row_j = chol[j]
        if j:
            for i in range(j, k):
                row_i = chol[i]
                inner = row_i[0] * row_j[0]
                for col in range(1, j):
                    inner += row_i[col] * row_j[col]
                if i == j:
                    value = lower[first] - inner
                    row_j[j] = math.sqrt(value) if value >= 0.0 else math.nan
                else:
                    row_i[j] = (lower[first + i - j] - inner) / row_j[j]
        else:
            row_j[0] = math.sqrt(lower[first]) if lower[first] >= 0.0 else math.nan
            for i in range(1, k):
                chol[i][0] = lower[first + i] / row_j[0]
        first += k - j
    return chol


def _solve_row(chol: list[list[float]], b: list[float]) -> list[float]:
    k = len(b)
    y = [0.0] * k
    y[0] = b[0] / chol[0][0]
    for j in range(1, k):
        row = chol[j]
        inner = row[0] * y[0]
        for col in range(1, j):
            inner += row[col] * y[col]
        y[j] = (b[j] - inner) / row[j]
    x = [0.0] * k
    x[k - 1] = y[k - 1] / chol[k - 1][k - 1]
    for j in range(k - 2, -1, -1):
        inner = chol[j + 1][j] * x[j + 1]
        for row_number in range(j + 2, k):
            inner += chol[row_number][j] * x[row_number]
        x[j] = (y[j] - inner) / chol[j][j]
    return x


def _variances_row(chol: list[list[float]]) -> list[float]:
    k = len(chol)
    m = [[0.0] * k for _ in range(k)]
    for i in range(k):
        row = chol[i]
        diagonal = 1.0 / row[i]
        m[i][i] = diagonal
        for col in range(i):
            inner = row[0] * m[0][col]
            for between in range(1, i):
                inner += row[between] * m[between][col]
            m[i][col] = -inner * diagonal
    variances = []
    for col in range(k):
        total = m[0][col] * m[0][col]
        for row_number in range(1, k):
            total += m[row_number][col] * m[row_number][col]
        variances.append(total)
    return variances


def map_row(
    model: ThurstonianModel, answers: ArrayLike, *, tol: float = 1e-2, max_iter: int = 50
) -> tuple[list[float], list[float], bool]:
    """One person's MAP, standard errors and convergence: :func:`score`'s numbers for them, bit for bit.

    ``answers`` is one person's (n_blocks, 2) most and least positions. What :func:`score` does across
    people with arrays, this does for one with Python floats (numpy's per-call overhead on one column was
    most of the time): about a third of the time of ``score`` on one row. Whether a person is scored
    alone, in a batch, here or there, they get the same floats.
    """
    eta, errors, converged, _ = _map_row(model, answers, tol=tol, max_iter=max_iter, person_fit=False)
    return eta, errors, converged


def map_row_fit(
    model: ThurstonianModel, answers: ArrayLike, *, tol: float = 1e-2, max_iter: int = 50
) -> tuple[list[float], list[float], bool, float]:
    """:func:`map_row` and :func:`fit_over_chance` at the MAP: ``score(..., person_fit=True)``'s numbers exactly."""
    return _map_row(model, answers, tol=tol, max_iter=max_iter, person_fit=True)


def _map_row(
    model: ThurstonianModel, answers: ArrayLike, *, tol: float, max_iter: int, person_fit: bool
) -> tuple[list[float], list[float], bool, float]:
    coded = comparisons(model.design, np.asarray(answers)[None])
    solver = _solver(model)
    k = solver.a.shape[1]
    d_t = np.ascontiguousarray(_SIGN[coded[0] + 1][:, None])
    shift_t = _shift(d_t, solver.g32)
    centred = d_t - solver.start_mean[:, None]
    centred *= d_t != 0
    eta = (solver.start_weights_t @ centred).astype(np.float64)[:, 0].tolist()
    precision = solver.precision.tolist()
    prior_lower = solver.precision_lower
    a_t, a_s, curvature = solver.a_t, solver.a_s, solver.curvature
    step, slope = [0.0] * k, 0.0
    chol: list[list[float]] | None = None
    converged = False
    for _ in range(max_iter):
        e = np.array(eta, dtype=np.float32)[:, None]
        u, mills = _probit_parts(e, d_t, a_s, shift_t)
        likelihood = (a_t @ (d_t * mills)).astype(np.float64)[:, 0].tolist()
        gradient = [g - _dot(row, eta) for g, row in zip(likelihood, precision, strict=True)]
        if _dot(gradient, step) < -slope:  # past the maximum along the last step: halve it, try again
            step = [s * 0.5 for s in step]
            eta = [x - s for x, s in zip(eta, step, strict=True)]
            slope *= 0.5
            chol = None
            continue
        u += mills
        u *= mills
        chol = _cholesky_row(((curvature @ u).astype(np.float64) + prior_lower)[:, 0].tolist(), k)
        newton = _solve_row(chol, gradient)
        eta = [x + s for x, s in zip(eta, newton, strict=True)]
        step, slope = newton, _dot(gradient, newton)
        if all(abs(s) < tol for s in newton):
            converged = True
            break
    if not converged or chol is None:  # out of iterations: the curvature where it stopped
        u, mills = _probit_parts(np.array(eta, dtype=np.float32)[:, None], d_t, a_s, shift_t)
        weight = mills * (u + mills)
        chol = _cholesky_row(((curvature @ weight).astype(np.float64) + prior_lower)[:, 0].tolist(), k)
    fit = math.nan
    if person_fit:
        fit = float(_chance_gain(solver, np.array(eta, dtype=np.float32)[:, None], d_t, shift_t)[0])
    return eta, [math.sqrt(v) for v in _variances_row(chol)], converged, fit


def _eap(
    d: NDArray[np.float32],
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
    d_t = np.ascontiguousarray(d.T)
    mask_t = (d_t != 0).astype(np.float64)
    a_sparse = sparse.csr_matrix(a)
    for j in range(nodes.shape[1]):
        e = np.ascontiguousarray(nodes[:, j].T)
        log_cdf = _log_cdf(d_t * (a_sparse @ e - g[:, None]))
        log_post[:, j] = (log_cdf * mask_t).sum(axis=0) - 0.5 * (e * (precision @ e)).sum(axis=0)
    log_weight = log_post + log_w
    weight = np.exp(log_weight - log_weight.max(axis=1, keepdims=True))
    weight /= weight.sum(axis=1, keepdims=True)
    mean = np.einsum("nm,nmk->nk", weight, nodes)
    centred = nodes - mean[:, None, :]
    cov = np.einsum("nm,nmk,nml->nkl", weight, centred, centred)
    return mean, cov


#: ``log Phi`` by a table, as the Mills ratio: step 2^-8 on [-38, 10]. Linear interpolation alone is within
#: 2^-16 / 8 (2e-6) of the exact value (the second derivative of log Phi lies between -1 and 0); the lookup
#: runs in single precision, so measured against scipy's ``log_ndtr`` on 2,000,001 points a value is within
#: 6.4e-6 above u = -2 (nearly every comparison), 1.6e-5 down to -10, 6.3e-5 at the table's foot (where
#: log Phi is about -720); a person's mean over their comparisons stays within 1e-5 (a test holds it).
#: Below the table the exact value; from its top (and for a missing comparison, which :func:`_shift` puts
#: far above it) exactly 0, where log Phi is above -1e-23.
_LOG_CDF_LOW, _LOG_CDF_HIGH, _LOG_CDF_STEP = -38.0, 10.0, 2.0**-8
#: ``log 2``: a comparison decided by a coin toss has log-likelihood ``-log 2``.
_LOG_2 = math.log(2.0)


@cache
def _log_cdf_table() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``log Phi`` on the grid and the differences between neighbours; the last entry 0 with slope 0."""
    grid = np.arange(_LOG_CDF_LOW, _LOG_CDF_HIGH + _LOG_CDF_STEP / 2, _LOG_CDF_STEP)
    values = np.append(log_ndtr(grid[:-1]), 0.0)
    return values.astype(np.float32), np.append(np.diff(values), 0.0).astype(np.float32)


def _table_log_cdf(u: NDArray[np.float32]) -> NDArray[np.float32]:
    """``log Phi(u)`` by :func:`_log_cdf_table`, elementwise: a value's result does not depend on the array."""
    values, slopes = _log_cdf_table()
    t = u * np.float32(1.0 / _LOG_CDF_STEP)
    t -= np.float32(_LOG_CDF_LOW / _LOG_CDF_STEP)
    np.clip(t, 0.0, len(values) - 1, out=t)
    index = t.astype(np.int32)
    t -= index
    result: NDArray[np.float32] = values.take(index)
    result += t * slopes.take(index)
    if u.size and u.min() < _LOG_CDF_LOW:  # far below the table (a mark the estimates call impossible): exact
        below = u < _LOG_CDF_LOW
        result[below] = log_ndtr(u[below].astype(np.float64))
    return result


def _chance_gain(
    solver: _Solver, eta: NDArray[np.float32], d: NDArray[np.float32], shift: NDArray[np.float32]
) -> NDArray[np.float64]:
    """:func:`fit_over_chance` with people along the last axis, as in :func:`_map`.

    ``eta`` is (n_traits, n), ``d`` and ``shift`` (n_comparisons, n).

    Every step is elementwise or a running sum over the comparisons in their order, so a person's number is
    the same alone or in a batch of any size.
    """
    u: NDArray[np.float32] = solver.a_s @ eta
    u *= d
    u -= shift  # d z; a missing comparison far above the table, where the table gives exactly 0
    log_likelihood = _table_log_cdf(u).astype(np.float64)
    counted = (d != 0).sum(axis=0)
    n = d.shape[1]
    total = np.zeros(n)
    if n == 1:  # one person: the same additions in Python floats (a numpy call per comparison costs more)
        running = 0.0
        for value in log_likelihood[:, 0].tolist():
            running += value
        total[0] = running
    else:
        for row in log_likelihood:  # comparison by comparison: numpy's sum would pair them differently
            total += row
    with np.errstate(invalid="ignore", divide="ignore"):
        # Less the n_traits / 2 nats that fitting the estimates gains on marks that carry no information.
        optimism = (0.5 * solver.a.shape[1]) / counted
        gain: NDArray[np.float64] = np.where(counted > 0, total / counted + _LOG_2 - optimism, np.nan)
    return gain


def fit_over_chance(model: ThurstonianModel, answers: ArrayLike, estimate: ArrayLike) -> NDArray[np.float64]:
    """Person fit: how much better than chance each person's own estimates explain their marks.

    For each person, the mean over their answered comparisons of ``log Phi(d_c z_c) + log 2`` at their
    estimate (``z_c`` as in the module docstring), less ``n_traits / (2 n_answered)``: the log-likelihood
    of the marks under the model, per comparison, above that of a coin toss (``-log 2``), less what the
    estimates gain by being fitted to these very marks (about ``n_traits / 2`` nats in all for marks that
    carry no information: twice the gain of fitting ``n_traits`` free parameters is about chi-square with
    ``n_traits`` degrees of freedom). Marks that follow the person's traits and the statements' utilities
    score well above 0 (a median of about 0.14 among attentive simulated applicants on instrument 2.0);
    marks given at random score near 0 (about 0.01) however many blocks are answered. It is the
    unstandardised log-likelihood person-fit index (Levine & Rubin's l0, 1979) per comparison, with the
    estimates' optimism taken out, on the comparisons the scorer uses, which treat a block's comparisons as
    independent, as scoring does. (The standardised lz of Drasgow, Levine & Williams, 1985, caught fewer
    random markers at the same false-alarm rate in a review: 29 % against 42 %.)
    ``score(..., person_fit=True)`` gives the same numbers at the estimates it finds.

    Parameters
    ----------
    model : ThurstonianModel
    answers : array-like of int, shape (n_people, n_blocks, 2)
        Most and least positions, ``-1`` when missing (as for :func:`score`).
    estimate : array-like of float, shape (n_people, n_traits)
        The people's trait estimates (as :func:`score` gives them).

    Returns
    -------
    ndarray of float, shape (n_people,)
        ``nan`` where a person has no answered comparison or an estimate is not finite.
    """
    coded = comparisons(model.design, answers)
    eta = np.asarray(estimate, dtype=np.float64)
    n = coded.shape[0]
    if eta.shape != (n, len(model.design.traits)):
        raise ValueError(f"estimate has shape {eta.shape}; expected ({n}, {len(model.design.traits)})")
    solver = _solver(model)
    result = np.full(n, np.nan)
    for first in range(0, n, CHUNK):
        rows = slice(first, first + CHUNK)
        d_t = np.ascontiguousarray(_SIGN[coded[rows] + 1].T)
        finite: NDArray[np.bool_] = np.asarray(np.isfinite(eta[rows]).all(axis=1))
        e_t = np.ascontiguousarray(np.where(finite[:, None], eta[rows], 0.0).T, dtype=np.float32)
        result[rows] = _chance_gain(solver, e_t, d_t, _shift(d_t, solver.g32))
    result[~np.isfinite(eta).all(axis=1)] = np.nan
    return result


def empirical_reliability(scores: TraitScores) -> NDArray[np.float64]:
    """Empirical reliability per trait: ``var(estimate) / (var(estimate) + mean(se^2))`` (Brown 2011).

    Only people with at least one answered block count.
    """
    used = scores.answered_blocks > 0
    spread = scores.estimate[used].var(axis=0)
    noise = (scores.standard_error[used] ** 2).mean(axis=0)
    reliability: NDArray[np.float64] = spread / (spread + noise)
    return reliability
