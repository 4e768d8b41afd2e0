"""Statistics for Monte Carlo verdicts: proportions with intervals, paired tests."""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

Z95 = 1.959963984540054


def wilson(k: np.ndarray | int, n: np.ndarray | int, z: float = Z95):
    """Wilson score interval of a proportion.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials (n > 0).
    z : float
        Normal quantile (1.96 for 95 %).

    Returns
    -------
    p, low, high : float or ndarray
        The observed proportion and the interval's bounds.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson needs 0 <= k <= n and n > 0")
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mcnemar(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar test: the p-value that runs where only A meets a
    target and runs where only B does are equally likely."""
    n = int(a_only) + int(b_only)
    if n == 0:
        return 1.0
    return float(_st.binomtest(int(a_only), n, 0.5).pvalue)


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95):
    """Difference in the probability of meeting a target, A minus B, from paired
    runs (common random numbers), with a normal-approximation interval on the
    per-run differences.

    Returns
    -------
    diff, low, high : float
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = d.size
    if n == 0:
        raise ValueError("paired_difference needs at least one run")
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return mean, max(-1.0, mean - z * se), min(1.0, mean + z * se)
