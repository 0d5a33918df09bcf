"""The Thurstonian IRT model of forced-choice answers (Brown & Maydeu-Olivares 2011).

Each statement ``i`` has a latent utility for the candidate,
``t_i = mu_i + lambda_i * eta[trait(i)] + e_i`` with ``e_i ~ N(0, psi_i^2)``. In a block the
candidate marks the statement of highest utility as most like them and the lowest as least. A block of
``n`` is coded as its ``n(n-1)/2`` binary comparisons, ``y_ik = 1`` when ``t_i >= t_k``, so

    P(y_ik = 1 | eta) = Phi((-gamma_ik + lambda_i eta_a - lambda_k eta_b) / sqrt(psi_i^2 + psi_k^2))

with the threshold ``gamma_ik = mu_k - mu_i``. Traits are ``N(0, Phi)`` with unit variances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from profilefit.core.thurstonian._design import ForcedChoiceDesign, Layout, layout


@dataclass(frozen=True, eq=False)
class ThurstonianModel:
    """A forced-choice design with the parameters of its statements and traits.

    Parameters
    ----------
    design : ForcedChoiceDesign
    utility : array-like of shape (n_statements,)
        Mean utility ``mu`` of each statement (only differences within a block matter).
    loading : array-like of shape (n_statements,)
        ``lambda``: how strongly the statement's trait drives its utility (negative when keyed negatively).
    uniqueness : array-like of shape (n_statements,)
        Error variance ``psi^2`` of each utility, positive.
    trait_correlation : array-like of shape (n_traits, n_traits)
        ``Phi``: symmetric, unit diagonal, positive definite.
    person_fit_line : float, optional
        The person fit (:func:`~profilefit.core.thurstonian.fit_over_chance`) below which a candidate's marks
        are flagged as following no pattern, set for these parameters by
        :func:`~profilefit.core.thurstonian.person_fit_line`. ``None``: the line set on the reference
        simulation (``profilefit.core.validity.FC_PERSON_FIT``).

    Notes
    -----
    The parameters are identified only up to one scale and one shift per block (multiplying a block's
    utilities, loadings and error SDs by one positive number, or adding one number to its utilities,
    changes no probability). :meth:`identified` gives the form calibration estimates.
    """

    design: ForcedChoiceDesign
    utility: NDArray[np.float64]
    loading: NDArray[np.float64]
    uniqueness: NDArray[np.float64]
    trait_correlation: NDArray[np.float64]
    person_fit_line: float | None = None
    layout: Layout = field(init=False, repr=False)

    def __init__(
        self,
        design: ForcedChoiceDesign,
        *,
        utility: ArrayLike,
        loading: ArrayLike,
        uniqueness: ArrayLike,
        trait_correlation: ArrayLike,
        person_fit_line: float | None = None,
    ) -> None:
        n_statements = len(design.statements)
        n_traits = len(design.traits)
        arrays = {
            "utility": np.array(utility, dtype=np.float64),
            "loading": np.array(loading, dtype=np.float64),
            "uniqueness": np.array(uniqueness, dtype=np.float64),
        }
        for name, values in arrays.items():
            if values.shape != (n_statements,):
                raise ValueError(f"{name} has shape {values.shape}; the design has {n_statements} statements")
            if not np.isfinite(values).all():
                raise ValueError(f"{name} holds values that are not finite")
        if (arrays["uniqueness"] <= 0).any():
            raise ValueError("uniqueness (psi^2) must be positive for every statement")
        phi = np.array(trait_correlation, dtype=np.float64)
        if phi.shape != (n_traits, n_traits):
            raise ValueError(f"trait_correlation has shape {phi.shape}; the design has {n_traits} traits")
        if not (np.allclose(phi, phi.T) and np.allclose(np.diag(phi), 1.0)):
            raise ValueError("trait_correlation must be symmetric with a unit diagonal")
        if np.linalg.eigvalsh(phi).min() <= 1e-10:
            raise ValueError("trait_correlation must be positive definite")
        if person_fit_line is not None and not math.isfinite(person_fit_line):
            raise ValueError(f"person_fit_line must be a finite number, got {person_fit_line}")
        for values in (*arrays.values(), phi):
            values.setflags(write=False)
        object.__setattr__(self, "design", design)
        object.__setattr__(self, "utility", arrays["utility"])
        object.__setattr__(self, "loading", arrays["loading"])
        object.__setattr__(self, "uniqueness", arrays["uniqueness"])
        object.__setattr__(self, "trait_correlation", phi)
        object.__setattr__(self, "person_fit_line", None if person_fit_line is None else float(person_fit_line))
        object.__setattr__(self, "layout", layout(design))

    @property
    def threshold(self) -> NDArray[np.float64]:
        """``gamma`` of each comparison, ``mu_right - mu_left``, shape (n_comparisons,)."""
        return self.utility[self.layout.right] - self.utility[self.layout.left]

    @property
    def comparison_sd(self) -> NDArray[np.float64]:
        """``sqrt(psi_left^2 + psi_right^2)`` of each comparison."""
        return np.sqrt(self.uniqueness[self.layout.left] + self.uniqueness[self.layout.right])

    @cached_property
    def comparison_loadings(self) -> NDArray[np.float64]:
        """``A``: row ``c`` holds ``lambda_left`` at the left trait and ``-lambda_right`` at the right one.

        Shape (n_comparisons, n_traits); the comparison's latent difference is ``A @ eta + e_left - e_right``.
        """
        lay = self.layout
        a = np.zeros((len(lay.left), len(self.design.traits)))
        rows = np.arange(len(lay.left))
        np.add.at(a, (rows, lay.left_trait), self.loading[lay.left])
        np.add.at(a, (rows, lay.right_trait), -self.loading[lay.right])
        return a

    @cached_property
    def comparison_covariance(self) -> NDArray[np.float64]:
        """Covariance of the comparisons' latent differences, ``A Phi A' + B Psi B'``, (n_comparisons, n_comparisons).

        ``B`` maps statement errors to comparisons (+1 left, -1 right): comparisons sharing a statement
        share its error, which is what ties a block's comparisons together.
        """
        lay = self.layout
        rows = np.arange(len(lay.left))
        b = np.zeros((len(lay.left), len(self.utility)))
        b[rows, lay.left] = 1.0
        b[rows, lay.right] = -1.0
        a = self.comparison_loadings
        covariance: NDArray[np.float64] = a @ self.trait_correlation @ a.T + (b * self.uniqueness) @ b.T
        return covariance

    def identified(self) -> ThurstonianModel:
        """The same model in the form calibration estimates.

        In each block the first statement has ``psi^2 = 1`` and utility 0: each block is rescaled and
        its utilities shifted; no probability changes. Compare calibrated parameters with true ones in
        this form.
        """
        lay = self.layout
        first = lay.block_start[np.repeat(np.arange(len(lay.block_start)), self.design.block_sizes)]
        factor = 1.0 / np.sqrt(self.uniqueness[first])
        return ThurstonianModel(
            self.design,
            utility=(self.utility - self.utility[first]) * factor,
            loading=self.loading * factor,
            uniqueness=self.uniqueness * factor**2,
            trait_correlation=self.trait_correlation,
            person_fit_line=self.person_fit_line,
        )

    def with_person_fit_line(self, line: float | None) -> ThurstonianModel:
        """The same parameters with another person-fit line (``None``: the reference simulation's)."""
        return ThurstonianModel(
            self.design,
            utility=self.utility,
            loading=self.loading,
            uniqueness=self.uniqueness,
            trait_correlation=self.trait_correlation,
            person_fit_line=line,
        )


def example_model(design: ForcedChoiceDesign, *, seed: int = 0, max_correlation: float = 0.3) -> ThurstonianModel:
    """Parameters of the kind Brown & Maydeu-Olivares (2011) simulate, for a design made in code.

    Absolute loadings uniform on [0.65, 0.95] with the design's keying as sign, ``psi^2 = 1 - lambda^2``
    (standardised utilities), utilities ``N(0, 0.5^2)``, and trait correlations drawn from a random
    two-factor structure, scaled so that no correlation exceeds ``max_correlation`` in size.

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, example_model
    >>> model = example_model(balanced_design(n_traits=4, n_blocks=8), seed=3)
    >>> model.loading.shape, model.trait_correlation.shape
    ((24,), (4, 4))
    """
    rng = np.random.default_rng(seed)
    n_statements = len(design.statements)
    n_traits = len(design.traits)
    keys = np.array([s.keyed for s in design.statements], dtype=float)
    size = rng.uniform(0.65, 0.95, n_statements)
    factors = rng.normal(size=(n_traits, 2))
    shared = factors @ factors.T
    d = np.sqrt(np.diag(shared))
    corr = shared / np.outer(d, d)
    np.fill_diagonal(corr, 0.0)
    largest = np.abs(corr).max() if n_traits > 1 else 1.0
    corr = corr * (max_correlation / largest) + np.eye(n_traits)
    return ThurstonianModel(
        design,
        utility=rng.normal(0.0, 0.5, n_statements),
        loading=keys * size,
        uniqueness=1.0 - size**2,
        trait_correlation=corr,
    )
