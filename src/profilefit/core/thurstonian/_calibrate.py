"""Calibration: statement and trait parameters from many people's answers, without knowing their traits.

Limited-information estimation, as Mplus and lavaan fit Thurstonian IRT models (Brown &
Maydeu-Olivares 2012): the binary comparisons are thresholded latent differences
``y*_c = t_left - t_right``, jointly normal with covariance ``A Phi A' + B Psi B'`` (``A`` the
comparisons' loadings, ``B`` the +1/-1 map from statement errors to comparisons, ``Psi`` the
uniquenesses). So

1. each comparison's threshold ``tau_c`` comes from its proportion of ``y = 1``, and each pair of
   comparisons' tetrachoric correlation from its 2x2 table (pairwise present);
2. the loadings, uniquenesses and trait correlations are fitted to the tetrachoric matrix by
   unweighted least squares (ULS) with scipy's ``least_squares``;
3. the statement utilities follow by least squares from ``gamma_c = tau_c * sd(y*_c)`` and
   ``gamma_c = mu_right - mu_left``.

Identification, as thurstonianIRT does it: trait variances are 1; in each block the first statement's
``psi^2`` is 1 (for blocks of two, both); the first statement's utility in each block is 0. The sign of
each trait is set by the design's keying, which gives the loadings their starting signs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares
from scipy.special import ndtri

from profilefit.core.thurstonian._answers import comparisons
from profilefit.core.thurstonian._design import ForcedChoiceDesign, layout
from profilefit.core.thurstonian._model import ThurstonianModel
from profilefit.core.thurstonian._normal import bivariate_normal_cdf


@dataclass(frozen=True, eq=False)
class Calibration:
    """A calibrated model and how well it reproduces the data.

    Attributes
    ----------
    model : ThurstonianModel
        In identified form (each block's first statement at ``psi^2 = 1`` and utility 0; see
        :meth:`ThurstonianModel.identified`).
    n_people : int
        People with at least one answered block.
    rmsr : float
        Root mean square residual between the tetrachoric and the model-implied correlations.
    success : bool
        The least-squares optimiser met its convergence criterion.
    message : str
        The optimiser's own words.
    """

    model: ThurstonianModel
    n_people: int
    rmsr: float
    success: bool
    message: str


def tetrachoric(
    coded: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Thresholds and tetrachoric correlations of binary outcomes with missing values.

    Parameters
    ----------
    coded : array-like of int, shape (n_people, n_outcomes)
        1, 0, or -1 for missing (as :func:`comparisons` returns).

    Returns
    -------
    thresholds : ndarray of shape (n_outcomes,)
        ``tau`` with ``P(y = 1) = Phi(-tau)``.
    correlation : ndarray of shape (n_outcomes, n_outcomes)
        Tetrachoric correlations, unit diagonal; each pair from the people who answered both.
    pairs : ndarray of shape (n_outcomes, n_outcomes)
        Number of people behind each correlation.

    Examples
    --------
    >>> import numpy as np
    >>> from profilefit.core.thurstonian import tetrachoric
    >>> z = np.random.default_rng(0).multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=20000)
    >>> _, r, _ = tetrachoric((z > 0).astype(int))
    >>> round(float(r[0, 1]), 1)
    0.6
    """
    y = np.asarray(coded)
    present = (y >= 0).astype(np.float64)
    one = (y == 1).astype(np.float64)
    counts = present.sum(axis=0)
    shown = np.maximum(counts, 1.0)
    p = np.clip(one.sum(axis=0) / shown, 0.5 / shown, 1.0 - 0.5 / shown)
    tau = -ndtri(p)
    pairs = present.T @ present
    p11 = (one.T @ one) / np.maximum(pairs, 1.0)
    pi, pk = p[:, None], p[None, :]
    lowest = np.maximum(0.0, pi + pk - 1.0)
    highest = np.minimum(pi, pk)
    margin = 0.5 / np.maximum(pairs, 1.0)
    p11 = np.clip(p11, lowest + margin, np.maximum(highest - margin, lowest + margin))
    h = np.broadcast_to(-tau[:, None], p11.shape)
    k = np.broadcast_to(-tau[None, :], p11.shape)
    # Phi_2(-tau_i, -tau_k; rho) = P(both 1) increases with rho: bisection is slow but cannot fail.
    low = np.full(p11.shape, -0.999)
    high = np.full(p11.shape, 0.999)
    for _ in range(40):
        mid = 0.5 * (low + high)
        above = bivariate_normal_cdf(h, k, mid) > p11
        high = np.where(above, mid, high)
        low = np.where(above, low, mid)
    rho = 0.5 * (low + high)
    rho = 0.5 * (rho + rho.T)
    np.fill_diagonal(rho, 1.0)
    return tau, rho, pairs


def calibrate(
    design: ForcedChoiceDesign,
    answers: ArrayLike,
    *,
    max_nfev: int | None = None,
) -> Calibration:
    """Estimate a Thurstonian model's parameters from many people's most/least answers.

    Parameters
    ----------
    design : ForcedChoiceDesign
        Should pass :func:`check_design`; the keying gives each loading its starting sign.
    answers : array-like of int, shape (n_people, n_blocks, 2)
        Most and least positions per block, ``-1`` when missing.
    max_nfev : int, optional
        Passed to ``scipy.optimize.least_squares``.

    Returns
    -------
    Calibration

    Notes
    -----
    ULS on tetrachorics is consistent but not efficient, and gives no standard errors for the parameters
    here; thousands of people are needed for stable loadings (the recovery test uses 4,000 on 8 traits).
    Missing blocks and the unknown middle pairs of blocks of four or more only thin the pairwise tables.
    Each statement appears in one block (the design refuses repeated ids), so no equality constraints
    across blocks are needed. See docs/thurstonian.md.

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, calibrate, example_model, simulate_answers
    >>> truth = example_model(balanced_design(n_traits=3, n_blocks=9, seed=2), seed=2)
    >>> fitted = calibrate(truth.design, simulate_answers(truth, 3000, seed=5).answers)
    >>> fitted.success
    True
    """
    coded = comparisons(design, answers)
    marks = np.asarray(answers)
    answered = int(((marks >= 0).any(axis=(1, 2))).sum())
    tau, observed, _ = tetrachoric(coded)
    lay = layout(design)
    n_statements, n_traits = len(lay.statement_trait), len(design.traits)
    first = np.zeros(n_statements, dtype=bool)
    first[lay.block_start] = True
    two = np.array(design.block_sizes) == 2  # in pairs only the sum of the uniquenesses counts: fix both
    first[lay.block_start[two] + 1] = True
    free_psi = ~first
    n_corr = n_traits * (n_traits - 1) // 2
    lower = np.tril_indices(n_traits, -1)
    upper = np.triu_indices(len(lay.left), 1)
    rows = np.arange(len(lay.left))
    b = np.zeros((len(lay.left), n_statements))
    b[rows, lay.left] = 1.0
    b[rows, lay.right] = -1.0

    def unpack(theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        loading = theta[:n_statements]
        psi = np.ones(n_statements)
        psi[free_psi] = np.exp(theta[n_statements : n_statements + int(free_psi.sum())])
        chol = np.eye(n_traits)
        chol[lower] = theta[len(theta) - n_corr :]
        chol /= np.linalg.norm(chol, axis=1, keepdims=True)
        return loading, psi, chol @ chol.T

    def implied(theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        loading, psi, phi = unpack(theta)
        a = np.zeros((len(lay.left), n_traits))
        np.add.at(a, (rows, lay.left_trait), loading[lay.left])
        np.add.at(a, (rows, lay.right_trait), -loading[lay.right])
        cov = a @ phi @ a.T + (b * psi) @ b.T
        sd = np.sqrt(np.diag(cov))
        return cov / np.outer(sd, sd), sd

    def residuals(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        corr, _ = implied(theta)
        return (observed - corr)[upper]

    start = np.concatenate([lay.statement_key, np.zeros(int(free_psi.sum())), np.zeros(n_corr)])
    fit = least_squares(residuals, start, method="trf", max_nfev=max_nfev)
    loading, psi, phi = unpack(fit.x)
    _, sd = implied(fit.x)
    gamma = tau * sd
    # gamma_c = mu_right - mu_left, with each block's first utility at 0: one small least-squares problem.
    contrast = -b
    keep = np.ones(n_statements, dtype=bool)
    keep[lay.block_start] = False
    utility = np.zeros(n_statements)
    utility[keep] = np.linalg.lstsq(contrast[:, keep], gamma, rcond=None)[0]
    model = ThurstonianModel(design, utility=utility, loading=loading, uniqueness=psi, trait_correlation=phi)
    return Calibration(
        model=model,
        n_people=answered,
        rmsr=float(np.sqrt(np.mean(fit.fun**2))),
        success=bool(fit.success),
        message=str(fit.message),
    )
