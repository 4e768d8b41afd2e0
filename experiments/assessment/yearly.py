"""The probability, year by year, that a level target's criterion holds.

A target on a count that is mostly 0 or 1 (one intermediary connected to the national
network) reads poorly as a fan of quantiles: the median jumps from 0 to 1. What an advisor
needs is the probability, in each year, of having met the criterion by then, with its
interval; the fan charts draw it as a line with a band
(:func:`stmarket.experiments.reports.fanchart.fan_chart`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.montecarlo import MonteCarloResult
from stmarket.experiments.assessment.stats import wilson

YEARLY_COLUMNS = ("scenario", "target", "indicator", "year", "runs", "probability",
                  "ci_low", "ci_high")


def yearly_probability(result: MonteCarloResult, target_ids: list[str] | None = None
                       ) -> pd.DataFrame:
    """The probability that each level target's criterion holds in every simulated year.

    Parameters
    ----------
    result : MonteCarloResult
    target_ids : list of str, optional
        The level targets to score (all of them by default; growth targets are skipped).

    Returns
    -------
    DataFrame
        ``scenario,target,indicator,year,runs,probability,ci_low,ci_high``: the share of
        runs whose indicator meets the target's criterion (``op`` and ``threshold``) in
        ``year``, with its Wilson 95 % interval (on the effective number of runs when runs
        share parameter samples, as in the target table). A run whose indicator is
        undefined in a year does not meet the criterion.
    """
    targets = [t for t in result.targets.targets if t.kind == "level"
               and (target_ids is None or t.id in target_ids)]
    years = result.profile.years
    rows = []
    for sc in result.met:
        ind = result.indicators(sc)
        for tg in targets:
            met = tg.met(np.nan_to_num(ind[tg.indicator], nan=-np.inf))
            n = met.shape[0]
            for j, y in enumerate(years):
                m = met[:, j]
                de = result.deff(m.astype(float))
                p, lo, hi = wilson(m.sum() / de, n / de)
                rows.append((sc, tg.id, tg.indicator, int(y), n, float(p), float(lo),
                             float(hi)))
    return pd.DataFrame(rows, columns=list(YEARLY_COLUMNS))
