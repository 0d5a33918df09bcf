"""The bivariate normal distribution function, vectorised (for tetrachoric correlations and the scorer's start)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)


def bivariate_normal_cdf(
    h: NDArray[np.float64], k: NDArray[np.float64], rho: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``P(X <= h, Y <= k)`` for standard normals with correlation ``rho`` (|rho| < 1), elementwise.

    Uses ``Phi(h) Phi(k) + (1/2pi) int_0^asin(rho) exp(-(h^2 - 2hk sin t + k^2) / (2 cos^2 t)) dt``,
    whose integrand has no singularity, by 24-point Gauss-Legendre.
    """
    top = np.arcsin(rho)
    t = 0.5 * top[..., None] * (_NODES + 1.0)
    s, c2 = np.sin(t), np.cos(t) ** 2
    hh, kk = h[..., None], k[..., None]
    integrand = np.exp(-(hh * hh - 2.0 * hh * kk * s + kk * kk) / (2.0 * c2))
    integral = 0.5 * top * (integrand @ _WEIGHTS)
    cdf: NDArray[np.float64] = ndtr(h) * ndtr(k) + integral / (2.0 * math.pi)
    return cdf
