"""Mantel–Haenszel statistics for DIF: the binary common odds ratio and Mantel's ordinal test.

People are matched on a score (strata ``k``), and within each stratum the reference and
focal groups are compared.

Binary (Holland & Thayer 1988): in stratum ``k`` let ``A`` and ``B`` be the reference
group's counts of "yes" and "no", ``C`` and ``D`` the focal group's, ``N`` the total. Then

- the common odds ratio ``alpha = sum(A D / N) / sum(B C / N)``; above 1 the reference group
  says "yes" more often than focal people of the same score;
- its log has the Robins–Breslow–Greenland (1986) standard error;
- the MH chi-square ``(|sum A - sum E(A)| - 1/2)^2 / sum Var(A)`` with one degree of freedom
  (with the continuity correction, as ETS uses it; when the difference is under 1/2 the
  statistic is 0, where statsmodels squares the negative difference);
- the ETS delta ``-2.35 ln alpha`` and the A/B/C classes of Dorans & Holland (1993).

Ordinal (Mantel 1963): with item score ``y``, the focal group's score sum ``F_k`` in each
stratum is compared with its expectation under no DIF; ``(sum F - sum E(F))^2 / sum Var(F)``
is chi-square with one degree of freedom. The standardised mean difference (Dorans &
Schmitt 1991) ``SMD = sum_k p_Fk (m_Fk - m_Rk)``, weighting strata by the focal group's
share, says how much lower (negative) or higher the focal group scores at the same level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

#: The ETS delta scale: ``delta = DELTA_PER_LOG_ODDS * ln(alpha)``.
DELTA_PER_LOG_ODDS = -2.35
#: |delta| from which an item can be in class B, and from which (significantly above 1) in class C.
DELTA_B, DELTA_C = 1.0, 1.5
#: |SMD| / SD cut-offs of the ETS polytomous classes BB and CC (Zwick, Thayer & Mazzeo 1997).
SMD_BB, SMD_CC = 0.17, 0.25


@dataclass(frozen=True)
class BinaryMH:
    """The Mantel–Haenszel comparison of a yes/no response.

    Attributes
    ----------
    odds_ratio : float
        Common odds ratio alpha (reference over focal); ``nan`` when undefined.
    log_odds_se : float
        Robins–Breslow–Greenland standard error of ``ln(alpha)``.
    chi2, p_value : float
        MH chi-square with continuity correction, one degree of freedom.
    delta, delta_se : float
        ETS delta ``-2.35 ln(alpha)`` and its standard error.
    n_strata : int
        Strata that held both groups.
    """

    odds_ratio: float
    log_odds_se: float
    chi2: float
    p_value: float
    delta: float
    delta_se: float
    n_strata: int


@dataclass(frozen=True)
class OrdinalMH:
    """Mantel's ordinal test and the standardised mean difference of an item.

    Attributes
    ----------
    chi2, p_value : float
        Mantel's chi-square, one degree of freedom.
    smd : float
        Standardised mean difference, focal minus reference, in answer points.
    smd_effect : float
        ``smd`` divided by the item's standard deviation in both groups together.
    n_strata : int
    levels : tuple of float
        The matching score of each stratum used (both groups present).
    mean_reference, mean_focal : tuple of float
        Each group's mean answer in those strata: the empirical item curves, for plots.
    """

    chi2: float
    p_value: float
    smd: float
    smd_effect: float
    n_strata: int
    levels: tuple[float, ...] = ()
    mean_reference: tuple[float, ...] = ()
    mean_focal: tuple[float, ...] = ()


def _strata(matching: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Stratum index of each person, and the matching score of each stratum."""
    levels, index = np.unique(matching, return_inverse=True)
    return index.astype(np.intp), levels.astype(np.float64)


def binary_mh(yes: NDArray[np.bool_], focal: NDArray[np.bool_], matching: NDArray[np.float64]) -> BinaryMH:
    """Mantel–Haenszel common odds ratio, chi-square and ETS delta of a yes/no response.

    Parameters
    ----------
    yes : ndarray of bool, shape (n,)
        Whether each person gave the response (chose the option, passed the check).
    focal : ndarray of bool, shape (n,)
        True for the focal group, False for the reference group.
    matching : ndarray of shape (n,)
        The matching score; each distinct value is a stratum.

    Returns
    -------
    BinaryMH
    """
    index, levels = _strata(matching)
    n_levels = len(levels)
    a = np.bincount(index, weights=(yes & ~focal), minlength=n_levels)
    b = np.bincount(index, weights=(~yes & ~focal), minlength=n_levels)
    c = np.bincount(index, weights=(yes & focal), minlength=n_levels)
    d = np.bincount(index, weights=(~yes & focal), minlength=n_levels)
    n = a + b + c + d
    used = ((a + b) > 0) & ((c + d) > 0) & (n > 1)
    a, b, c, d, n = a[used], b[used], c[used], d[used], n[used]
    r, s = a * d / n, b * c / n
    sum_r, sum_s = r.sum(), s.sum()
    odds_ratio = sum_r / sum_s if sum_s > 0 and sum_r > 0 else math.nan
    # Robins, Breslow & Greenland (1986) variance of ln(alpha).
    p, q = (a + d) / n, (b + c) / n
    if math.isfinite(odds_ratio):
        variance = (p * r).sum() / (2 * sum_r**2) + (p * s + q * r).sum() / (2 * sum_r * sum_s)
        variance += (q * s).sum() / (2 * sum_s**2)
        log_se = math.sqrt(variance)
    else:
        log_se = math.nan
    expected = (a + b) * (a + c) / n
    var_a = (a + b) * (c + d) * (a + c) * (b + d) / (n**2 * (n - 1))
    total_var = var_a.sum()
    if total_var > 0:
        chi2 = max(abs(a.sum() - expected.sum()) - 0.5, 0.0) ** 2 / total_var
        p_value = float(stats.chi2.sf(chi2, 1))
    else:
        chi2, p_value = math.nan, math.nan
    delta = DELTA_PER_LOG_ODDS * math.log(odds_ratio) if math.isfinite(odds_ratio) else math.nan
    return BinaryMH(
        odds_ratio=float(odds_ratio),
        log_odds_se=float(log_se),
        chi2=float(chi2),
        p_value=p_value,
        delta=float(delta),
        delta_se=float(abs(DELTA_PER_LOG_ODDS) * log_se),
        n_strata=int(used.sum()),
    )


def ordinal_mh(score: NDArray[np.float64], focal: NDArray[np.bool_], matching: NDArray[np.float64]) -> OrdinalMH:
    """Mantel's (1963) test for an ordered response, with the standardised mean difference.

    Parameters
    ----------
    score : ndarray of shape (n,)
        The item answer (its numeric value is the score).
    focal : ndarray of bool, shape (n,)
    matching : ndarray of shape (n,)

    Returns
    -------
    OrdinalMH
    """
    index, levels = _strata(matching)
    n_levels = len(levels)
    n_ref = np.bincount(index, weights=~focal, minlength=n_levels)
    n_foc = np.bincount(index, weights=focal, minlength=n_levels)
    n = n_ref + n_foc
    sum_all = np.bincount(index, weights=score, minlength=n_levels)
    sum_sq = np.bincount(index, weights=score**2, minlength=n_levels)
    sum_foc = np.bincount(index, weights=score * focal, minlength=n_levels)
    used = (n_ref > 0) & (n_foc > 0) & (n > 1)
    n_ref, n_foc, n, sum_all, sum_sq, sum_foc = (v[used] for v in (n_ref, n_foc, n, sum_all, sum_sq, sum_foc))
    expected = n_foc / n * sum_all
    variance = n_ref * n_foc / (n**2 * (n - 1)) * (n * sum_sq - sum_all**2)
    total_var = variance.sum()
    if total_var > 0:
        chi2 = (sum_foc.sum() - expected.sum()) ** 2 / total_var
        p_value = float(stats.chi2.sf(chi2, 1))
    else:
        chi2, p_value = math.nan, math.nan
    mean_foc = sum_foc / n_foc
    mean_ref = (sum_all - sum_foc) / n_ref
    weights = n_foc / n_foc.sum() if n_foc.sum() > 0 else n_foc
    smd = float((weights * (mean_foc - mean_ref)).sum()) if n_foc.sum() > 0 else math.nan
    sd = float(np.std(score, ddof=1)) if score.size > 1 else math.nan
    return OrdinalMH(
        chi2=float(chi2),
        p_value=p_value,
        smd=smd,
        smd_effect=smd / sd if sd > 0 else math.nan,
        n_strata=int(used.sum()),
        levels=tuple(levels[used].tolist()),
        mean_reference=tuple(mean_ref.tolist()),
        mean_focal=tuple(mean_foc.tolist()),
    )


def ets_class(result: BinaryMH, significant: bool) -> str:
    """ETS class of a binary response (Dorans & Holland 1993).

    A: ``|delta| < 1`` or not significant. C: ``|delta| >= 1.5`` and ``|delta|`` significantly
    above 1 (one-sided, 5 %). B: otherwise.
    """
    delta = abs(result.delta)
    if not math.isfinite(delta) or not significant or delta < DELTA_B:
        return "A"
    if delta >= DELTA_C and result.delta_se > 0 and (delta - DELTA_B) / result.delta_se > stats.norm.ppf(0.95):
        return "C"
    return "B"


def ets_polytomous_class(result: OrdinalMH, significant: bool) -> str:
    """ETS class of an ordered item (Zwick, Thayer & Mazzeo 1997): AA, BB or CC.

    CC: Mantel's test significant and ``|SMD| / SD > .25``; BB: significant and above .17; AA otherwise.
    """
    effect = abs(result.smd_effect)
    if not significant or not math.isfinite(effect) or effect <= SMD_BB:
        return "AA"
    return "CC" if effect > SMD_CC else "BB"
