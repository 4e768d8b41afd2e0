"""Monte Carlo over parameter uncertainty and seeds, with common random numbers.

A run is (parameter sample, seed replicate). Every scenario gets the same samples
and the same random keys, so scenario comparisons are paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.stats import mcnemar, paired_difference, wilson
from model import indicators
from model import kernels as K
from model.core import check_seed, run_batch
from model.profile import Profile
from model.scenario import Scenario
from model.targets import TargetSet

ALL = "all_targets"


@dataclass
class Design:
    """The runs of a Monte Carlo: ``P[run]``, and the key ``(seeds[run], runs[run])``."""

    P: np.ndarray
    sample: np.ndarray
    replicate: np.ndarray
    seeds: np.ndarray
    runs: np.ndarray


def make_design(profile: Profile, n_samples: int, n_seeds: int = 1, seed: int = 0) -> Design:
    """Latin hypercube samples of the priors, each run with ``n_seeds`` random keys.

    Run ``r = sample * n_seeds + replicate`` has key ``(seed, r)``.
    """
    seed = check_seed(seed)
    if n_samples < 1 or n_seeds < 1:
        raise ValueError("n_samples and n_seeds must be at least 1")
    P = np.repeat(profile.space.sample(n_samples, seed), n_seeds, axis=0)
    r = np.arange(n_samples * n_seeds, dtype=np.int64)
    return Design(P, r // n_seeds, r % n_seeds, np.full(r.size, seed, dtype=np.int64), r)


@dataclass
class MonteCarloResult:
    """Yearly accumulators and target verdicts of every scenario on one design."""

    profile: Profile
    targets: TargetSet
    design: Design
    Y: dict[str, np.ndarray]
    met: dict[str, np.ndarray]
    measures: dict[str, np.ndarray]

    def indicators(self, scenario: str) -> dict[str, np.ndarray]:
        """Indicators of every run of a scenario, arrays [n_runs, n_years]."""
        return indicators.compute(self.Y[scenario], self.design.P[:, K.P_INFLATION])

    def target_table(self) -> pd.DataFrame:
        """Probability of each target (and of all together) with its Wilson 95 %
        interval and the number of runs: columns
        ``scenario,target,year,threshold,probability,ci_low,ci_high,runs``."""
        rows = []
        for sc, met in self.met.items():
            n = met.shape[0]
            cols = [(t.id, t.year, t.threshold, met[:, k]) for k, t in
                    enumerate(self.targets.targets)]
            cols.append((ALL, max(t.year for t in self.targets.targets), np.nan,
                         met.all(axis=1)))
            for tid, year, thr, m in cols:
                p, lo, hi = wilson(int(m.sum()), n)
                rows.append((sc, tid, year, thr, float(p), float(lo), float(hi), n))
        return pd.DataFrame(rows, columns=["scenario", "target", "year", "threshold",
                                           "probability", "ci_low", "ci_high", "runs"])

    def compare(self, a: str, b: str) -> pd.DataFrame:
        """Paired comparison of scenarios A and B on every target (and all together):
        runs where only A meets it, only B, the exact McNemar p-value, and the
        difference in probability with its 95 % interval."""
        ma, mb = self.met[a], self.met[b]
        rows = []
        pairs = [(t.id, ma[:, k], mb[:, k]) for k, t in enumerate(self.targets.targets)]
        pairs.append((ALL, ma.all(axis=1), mb.all(axis=1)))
        for tid, x, y in pairs:
            a_only = int((x & ~y).sum())
            b_only = int((~x & y).sum())
            d, lo, hi = paired_difference(x, y)
            rows.append((a, b, tid, a_only, b_only, mcnemar(a_only, b_only), d, lo, hi,
                         x.size))
        return pd.DataFrame(rows, columns=["a", "b", "target", "a_only", "b_only",
                                           "mcnemar_p", "difference", "ci_low", "ci_high",
                                           "runs"])

    def value_difference(self, a: str, b: str, year: int | None = None) -> np.ndarray:
        """Per-run difference in nominal transaction value, A minus B, in a year
        (the last by default): its distribution over the paired runs."""
        j = -1 if year is None else int(year - self.profile.start_year)
        va = self.indicators(a)["value_nominal"][:, j]
        vb = self.indicators(b)["value_nominal"][:, j]
        return va - vb


def run_monte_carlo(profile: Profile, scenarios: list[Scenario], targets: TargetSet,
                    design: Design, n_threads: int | None = None) -> MonteCarloResult:
    """Run every scenario on the same design (common random numbers) in the core.

    Parameters
    ----------
    profile : Profile
    scenarios : list of Scenario
    targets : TargetSet
    design : Design
        From :func:`make_design`.
    n_threads : int, optional
        numba threads; results do not depend on it.
    """
    Ys, mets, measures = {}, {}, {}
    for sc in scenarios:
        Y, _ = run_batch(profile, design.P, sc.budgets(profile.years), design.seeds,
                         design.runs, n_threads=n_threads)
        ind = indicators.compute(Y, design.P[:, K.P_INFLATION])
        m, met = targets.score(ind, profile.years)
        Ys[sc.id], mets[sc.id], measures[sc.id] = Y, met, m
    return MonteCarloResult(profile, targets, design, Ys, mets, measures)
