"""Sobol and Morris indices of the per-point means (SALib's analyses).

- :func:`sobol_indices`: first-order ``S1`` and total ``ST`` indices with bootstrap 95 %
  intervals (:func:`SALib.analyze.sobol.analyze`, first and total order only), on a
  design of :func:`~stmarket.experiments.sensitivity.problem.sample_unit`.
- :func:`morris_indices`: ``mu*`` (mean absolute elementary effect, per unit of the
  input's quantile range), its bootstrap interval, ``sigma`` and ``mu``
  (:func:`SALib.analyze.morris.analyze`), and ``mu_star_rel``, comparable across outcomes.

A constant outcome gets nan indices, not an error; :func:`varying_share` tells how many
points an outcome's indices rest on. The bootstrap draws from the analysis's own random
stream, so the intervals are a pure function of the seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from stmarket.experiments.sensitivity.problem import BOOT_STREAM, MORRIS_LEVELS, TAG, Problem

RESAMPLES = 100
CONF_LEVEL = 0.95


def _boot_seed(seed: int, j: int) -> int:
    # SALib's Sobol bootstrap treats seed 0 as "unseeded": draw from [1, 2**31)
    return int(np.random.default_rng([TAG, seed, BOOT_STREAM, j]).integers(1, 2**31))


def _constant(y: np.ndarray) -> bool:
    return float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max()))


def varying_share(y: np.ndarray) -> float:
    """Share of points whose value differs from the most common value (1 for a
    continuous outcome; small for a target met in almost no run, or in almost every
    run, whose indices rest on a few points)."""
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    return float(1.0 - counts.max() / y.size)


def sobol_indices(problem: Problem, means: Mapping[str, np.ndarray], seed: int
                  ) -> pd.DataFrame:
    """S1 and ST with bootstrap intervals for each outcome (nan for a constant one),
    and the outcome's :func:`varying_share`."""
    import warnings

    from SALib.analyze import sobol as sobol_analyze

    rows = []
    for j, (name, y) in enumerate(means.items()):
        nan = np.full(problem.D, np.nan)
        if _constant(y):
            si = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        else:
            with warnings.catch_warnings():
                # a rare outcome constant in a bootstrap resample: varying_share tells
                warnings.filterwarnings("ignore", "Constant values encountered")
                si = sobol_analyze.analyze(problem.salib(), y, calc_second_order=False,
                                           num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                           seed=_boot_seed(seed, j))
        rows.append(pd.DataFrame({
            "method": "sobol", "outcome": name, "input": problem.names, "kind": problem.kinds,
            **{k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
            "varying_share": varying_share(y)}))
    return pd.concat(rows, ignore_index=True)


def morris_indices(problem: Problem, U: np.ndarray, means: Mapping[str, np.ndarray],
                   seed: int) -> pd.DataFrame:
    """mu*, its bootstrap interval, sigma and mu for each outcome, per unit of each
    input's quantile range (nan for a constant outcome); ``mu_star_rel``, mu* over the
    standard deviation of the outcome's per-point means (comparable across outcomes);
    and the outcome's :func:`varying_share`."""
    from SALib.analyze import morris as morris_analyze

    rows = []
    for j, (name, y) in enumerate(means.items()):
        nan = np.full(problem.D, np.nan)
        if _constant(y):
            si = {"mu_star": nan, "mu_star_conf": nan, "sigma": nan, "mu": nan}
        else:
            si = morris_analyze.analyze(problem.salib(), U, y, num_resamples=RESAMPLES,
                                        conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS,
                                        seed=np.random.default_rng([TAG, seed, BOOT_STREAM, j]))
        sd = float(np.std(y, ddof=1)) if y.size > 1 else float("nan")
        mu = np.asarray(si["mu_star"], dtype=float)
        rows.append(pd.DataFrame({
            "method": "morris", "outcome": name, "input": problem.names, "kind": problem.kinds,
            **{k: np.asarray(si[k], dtype=float)
               for k in ("mu_star", "mu_star_conf", "sigma", "mu")},
            "mu_star_rel": mu / sd if sd > 0 else nan, "varying_share": varying_share(y)}))
    return pd.concat(rows, ignore_index=True)
