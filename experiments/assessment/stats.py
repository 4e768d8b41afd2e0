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
    # exact bounds at the edges (k = 0 or k = n), free of rounding noise
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    if low.ndim == 0:
        return p, float(low), float(high)
    return p, low, high


def design_effect(x: np.ndarray, cluster: np.ndarray) -> float:
    """Kish's design effect of a mean over clustered runs.

    Runs that share a parameter sample (``--seeds-per-sample`` above 1) are not
    independent. The design effect is the variance of the mean estimated between
    clusters over the variance it would have from independent runs; dividing the
    run count by it gives the effective number of runs. It is clipped to
    [1, largest cluster] (1: no correction; the largest cluster: the clusters are
    the independent units).

    Parameters
    ----------
    x : array of float or bool
        One value per run.
    cluster : array of int
        The cluster (parameter sample) of each run.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    _, inv, sizes = np.unique(np.asarray(cluster), return_inverse=True, return_counts=True)
    k = sizes.size
    var_iid = x.var(ddof=1) / n if n > 1 else 0.0
    if k == n or var_iid <= 0:
        return 1.0
    if k < 2:
        return float(sizes.max())
    mean = x.mean()
    sums = np.bincount(inv, weights=x - mean, minlength=k)
    var_cluster = k / (k - 1) * float((sums**2).sum()) / n**2
    return float(np.clip(var_cluster / var_iid, 1.0, sizes.max()))


def mcnemar(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar test: the p-value that runs where only A meets a
    target and runs where only B does are equally likely."""
    n = int(a_only) + int(b_only)
    if n == 0:
        return 1.0
    return float(_st.binomtest(int(a_only), n, 0.5).pvalue)


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95, deff: float = 1.0):
    """Difference in the probability of meeting a target, A minus B, from paired
    runs (common random numbers), with Newcombe's hybrid score interval for paired
    proportions (Newcombe 1998, Statistics in Medicine 17: 2635-2650, method 10).

    It combines the Wilson intervals of the two proportions with their correlation
    over the paired runs, so it stays inside [-1, 1] and is not degenerate when
    the target is rarely or always met (where a normal interval collapses to a
    point).

    Parameters
    ----------
    a, b : array of bool
        Whether each paired run meets the target under A and under B.
    z : float
        Normal quantile.
    deff : float
        Design effect of clustered runs (:func:`design_effect`): the cell counts
        are divided by it.

    Returns
    -------
    diff, low, high : float
    """
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    n = x.size
    if n == 0 or y.size != n:
        raise ValueError("paired_difference needs two equal, non-empty samples")
    both = int((x & y).sum())
    x_only = int((x & ~y).sum())
    y_only = int((~x & y).sum())
    neither = n - both - x_only - y_only
    both, x_only, y_only, neither = (c / deff for c in (both, x_only, y_only, neither))
    p1, l1, u1 = wilson(both + x_only, n / deff, z)
    p2, l2, u2 = wilson(both + y_only, n / deff, z)
    den = float(both + x_only) * (y_only + neither) * (both + y_only) * (x_only + neither)
    phi = (float(both) * neither - float(x_only) * y_only) / np.sqrt(den) if den > 0 else 0.0
    d = float(p1 - p2)
    dl = np.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    du = np.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return d, max(-1.0, d - float(dl)), min(1.0, d + float(du))
