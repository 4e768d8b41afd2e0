"""Deciding beyond noise on paired runs: the optimiser's statistics.

Candidates are evaluated on the same Monte Carlo runs (common random numbers), so
their differences are paired. :func:`compare` says whether one candidate beats another
beyond noise, lexicographically (the objective first, then the tie-breaker, which never
trades the objective away); :func:`rank` orders the candidates of a race;
:func:`interval` and :func:`paired` give a mean or a paired difference with its 95 %
interval (Wilson and Newcombe for 0/1 values, normal otherwise).
"""

from __future__ import annotations

import math

import numpy as np

from stmarket.experiments.assessment.stats import Z95, paired_difference, wilson


def _mean_se(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = d.shape[-1]
    sd = d.std(axis=-1, ddof=1) if n > 1 else np.full(d.shape[:-1], np.inf)
    return d.mean(axis=-1), sd / math.sqrt(n)


def compare(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
            z: float = Z95) -> int:
    """Whether A beats B beyond noise on paired runs, lexicographically: +1 if A's
    objective is higher beyond ``z`` standard errors of the paired difference, -1 if
    lower; if the objective is tied within noise, the same test on the tie-breaker,
    counted only if A's objective is not lower (+1) or not higher (-1) on these runs;
    else 0.

    Parameters
    ----------
    a, b : (value, tiebreak), arrays [m]
        Per-run objective and tie-breaker of A and B on the same runs.
    """
    m, se = _mean_se(np.asarray(a[0], float) - np.asarray(b[0], float))
    if m != 0 and abs(m) > z * se:
        return int(np.sign(m))
    mt, set_ = _mean_se(np.asarray(a[1], float) - np.asarray(b[1], float))
    if mt != 0 and abs(mt) > z * set_ and np.sign(mt) * m >= 0:
        return int(np.sign(mt))
    return 0


def rank(value: np.ndarray, tiebreak: np.ndarray, z: float = 0.0) -> np.ndarray:
    """Order of ``k`` candidates evaluated on the same runs, best first.

    The leader has the highest mean objective (the higher tie-breaker among equals).
    Candidates whose paired difference from the leader is not below zero by more than
    ``z`` standard errors are tied with it and come first, by mean tie-breaker; the
    others follow by mean objective, then tie-breaker. With ``z = 0`` (the races'
    default) only exact ties go to the tie-breaker.

    Parameters
    ----------
    value, tiebreak : float64[k, m]
    z : float
        Width of the band of ties, in standard errors of the paired difference.
    """
    mv, mt = value.mean(axis=1), tiebreak.mean(axis=1)
    lead = np.lexsort((-mt, -mv))[0]
    m, se = _mean_se(value - value[lead])
    tied = m + z * se >= 0 if z > 0 else m >= 0  # se is infinite on one run: all tied
    return np.lexsort((-mt, np.where(tied, 0.0, -mv), ~tied))


def interval(x: np.ndarray, binary: bool, z: float = Z95) -> tuple[float, float, float]:
    """Mean of per-run values with its 95 % interval: Wilson for 0/1 values, normal
    otherwise."""
    x = np.asarray(x, dtype=float)
    if binary:
        p, lo, hi = wilson(int(round(x.sum())), x.size, z)
        return float(p), float(lo), float(hi)
    m, se = _mean_se(x)
    return float(m), float(m - z * se), float(m + z * se)


def paired(x: np.ndarray, y: np.ndarray, binary: bool, z: float = Z95
           ) -> tuple[float, float, float]:
    """Paired difference X - Y with its 95 % interval: Newcombe's for 0/1 values
    (:func:`stmarket.experiments.assessment.stats.paired_difference`), normal otherwise."""
    if binary:
        d, lo, hi = paired_difference(np.asarray(x) > 0.5, np.asarray(y) > 0.5, z)
        return float(d), float(lo), float(hi)
    return interval(np.asarray(x, float) - np.asarray(y, float), False, z)
