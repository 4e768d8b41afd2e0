"""Running a model with seed replicates, and the noise share of its outcomes.

The model is stochastic, so every point of a design is run ``seeds`` times
(:func:`evaluate_replicates`). With **common random numbers** (the default), replicate
``k`` of every point has the core's key ``(seed, k)``: two points that differ in one input
follow the same random path wherever that input does not matter. With independent keys,
replicate ``k`` of point ``i`` has key ``(seed, i * seeds + k)``.

The **noise share** comes from its own plain Monte Carlo (:func:`noise_design`):
points drawn from the inputs' distributions, each run ``seeds`` times with independent
keys ``(seed, NOISE_RUN0 + i * seeds + k)``. The variance of a single run is split,
one-way random-effects ANOVA (:func:`variance_components`), into the variance of the
per-point means (less the noise they still carry) and the mean within-point variance;
:func:`noise_table` reports the noise share of every outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from stmarket.experiments.sensitivity.problem import NOISE_STREAM, TAG, Problem

#: Runs handed to the model at once (memory only; results do not depend on it).
CHUNK = 8192
#: Points of the plain Monte Carlo that measures the noise share, by default.
DEFAULT_NOISE_SAMPLES = 512
#: First run index of the noise design's keys (apart from the indices' design's keys).
NOISE_RUN0 = 2**40

#: ``f(X[n, D], seeds[n], runs[n]) -> {outcome: float64[n]}``: one value per run; the
#: randomness of run i must be a pure function of ``(seeds[i], runs[i])``.
Model = Callable[[np.ndarray, np.ndarray, np.ndarray], Mapping[str, np.ndarray]]
Progress = Callable[[int, int], None]


def evaluate_replicates(model: Model, X: np.ndarray, seeds: int, seed: int,
                        common: bool = True, run0: int = 0,
                        progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Run every point ``seeds`` times.

    Replicate k of point i has key ``(seed, run0 + k)`` with common random numbers
    (``common``), else ``(seed, run0 + i * seeds + k)``.

    Returns
    -------
    dict of str to float64[n_points, seeds]
    """
    n = X.shape[0]
    total = n * seeds
    flat = np.arange(total, dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for a in range(0, total, CHUNK):
        r = flat[a:a + CHUNK]
        keys = run0 + (r % seeds if common else r)
        res = model(X[r // seeds], np.full(r.size, seed, dtype=np.int64), keys)
        for name, v in res.items():
            v = np.asarray(v, dtype=float)
            if v.shape != r.shape:
                raise ValueError(f"outcome {name!r}: model returned shape {v.shape}, "
                                 f"expected {r.shape}")
            out.setdefault(name, np.empty(total))[a:a + r.size] = v
        if progress is not None:
            progress(min(a + CHUNK, total), total)
    return {k: v.reshape(n, seeds) for k, v in out.items()}


def noise_design(problem: Problem, samples: int, seed: int) -> np.ndarray:
    """Unit-cube points of the noise share's plain Monte Carlo (pure function of seed)."""
    return np.random.default_rng([TAG, seed, NOISE_STREAM]).random((samples, problem.D))


def variance_components(y: np.ndarray) -> tuple[float, float]:
    """Between-sample and within-sample variance of single runs.

    Parameters
    ----------
    y : float64[n_samples, seeds]
        One row per input sample, one column per seed replicate.

    Returns
    -------
    parameter_variance, noise_variance : float
        Unbiased one-way random-effects estimates: the noise variance is the mean
        within-sample variance (ddof 1); the parameters' variance is the variance of
        the per-sample means less the noise it still carries (noise / seeds), floored
        at 0. Their sum is the variance of a single run. With one seed the noise
        variance is nan and the parameters' variance is the variance of the runs.
    """
    y = np.asarray(y, dtype=float)
    k = y.shape[1]
    if y.shape[0] < 2:
        return float("nan"), float("nan")
    between = float(np.var(y.mean(axis=1), ddof=1))
    if k < 2:
        return between, float("nan")
    noise = float(np.var(y, axis=1, ddof=1).mean())
    return max(between - noise / k, 0.0), noise


def noise_table(values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The noise share of every outcome, from points with independent keys.

    Parameters
    ----------
    values : dict of str to float64[n_points, seeds]

    Returns
    -------
    DataFrame
        ``outcome, total_variance`` (of a single run: parameters' plus noise),
        ``parameter_variance``, ``noise_variance``, ``noise_share`` (noise over total;
        nan with fewer than 2 seeds or 2 points), ``means_noise_share`` (the share of
        the variance of per-point means over ``seeds`` independent replicates that is
        still noise, (noise / seeds) over (parameters' + noise / seeds): what the noise
        adds to every total index ST without common random numbers), ``samples, seeds``.
    """
    rows = []
    for name, y in values.items():
        n, k = y.shape
        if n < 2 or k < 2:
            par = noise = float("nan")
        else:
            par, noise = variance_components(y)
        total, means_var = par + noise, par + noise / k
        rows.append({
            "outcome": name, "total_variance": total, "parameter_variance": par,
            "noise_variance": noise,
            "noise_share": noise / total if total > 0 else float("nan"),
            "means_noise_share": noise / k / means_var if means_var > 0 else float("nan"),
            "samples": n, "seeds": k})
    return pd.DataFrame(rows)
