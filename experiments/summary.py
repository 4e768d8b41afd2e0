"""Running summaries of a sweep in bounded memory.

A sweep's runs are read back one chunk at a time and folded into integer counters:
for every design point, the runs that succeeded and failed, the runs meeting each
target (and all together), and a fixed-bin histogram of each summary indicator in
each year. Memory depends on the design (points x indicators x years x bins), never
on the number of runs, and integer counts add up the same in any order, so the
summary does not depend on which worker computed which chunk.

Quantiles come from the histograms: exact for the integer indicators (intermediaries),
within one bin otherwise (shares: 0.005 wide; values and counts: log bins, 25 a
decade, about 10 % wide, from 0.001 to 100,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.montecarlo import ALL
from experiments.stats import wilson

#: Indicators whose yearly values each run keeps and the summaries describe.
SUMMARY_INDICATORS = ("value_nominal", "count", "ip_share", "tech_share",
                      "research_origin_share", "digitised_share", "intermediaries_connected")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SHARE = np.linspace(0.0, 1.0, 201)
_INTEGER = np.arange(-0.5, 64.0, 1.0)
_LOG = np.concatenate([[0.0], np.logspace(-3, 5, 201)])  # [0, 1e-3) is the first bin


def edges(indicator: str) -> np.ndarray:
    """The histogram bin edges of an indicator."""
    if indicator.endswith("_share"):
        return _SHARE
    if indicator.startswith("intermediaries"):
        return _INTEGER
    return _LOG


def column(indicator: str, year: int) -> str:
    """Name of a run's indicator value in a chunk table."""
    return f"{indicator}_{year}"


def _hist(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Counts per bin; values beyond the edges go to the first or last bin."""
    idx = np.searchsorted(e, x, side="right") - 1
    return np.bincount(np.clip(idx, 0, e.size - 2), minlength=e.size - 1)


def _quantile(counts: np.ndarray, e: np.ndarray, q: float) -> float:
    n = counts.sum()
    if n == 0:
        return float("nan")
    c = np.cumsum(counts)
    target = q * n
    b = int(np.searchsorted(c, target, side="left"))
    b = min(b, counts.size - 1)
    before = c[b] - counts[b]
    frac = 0.0 if counts[b] == 0 else (target - before) / counts[b]
    lo, hi = e[b], e[b + 1]
    if e is _INTEGER:
        return float(lo + 0.5)  # integer values: the bin's value, exactly
    if e is _LOG and lo > 0:
        return float(np.exp(np.log(lo) + frac * (np.log(hi) - np.log(lo))))
    return float(lo + frac * (hi - lo))


@dataclass
class SweepSummary:
    """Integer counters over a sweep's runs, by design point."""

    points: np.ndarray
    factor_names: list[str]
    target_ids: list[str]
    years: np.ndarray
    ok: np.ndarray
    failed: np.ndarray
    met: np.ndarray
    hist: list[list[np.ndarray]]

    @classmethod
    def empty(cls, points: np.ndarray, factor_names: list[str], target_ids: list[str],
              years: np.ndarray) -> SweepSummary:
        n = points.shape[0]
        hist = [[np.zeros((n, e.size - 1), dtype=np.int32) for _ in years]
                for e in map(edges, SUMMARY_INDICATORS)]
        return cls(points, factor_names, target_ids, np.asarray(years),
                   np.zeros(n, np.int64), np.zeros(n, np.int64),
                   np.zeros((n, len(target_ids) + 1), np.int64), hist)

    def add(self, df: pd.DataFrame) -> None:
        """Fold one chunk's runs into the counters."""
        pt = df["point"].to_numpy()
        good = (df["status"] == "ok").to_numpy()
        n = self.ok.size
        self.ok += np.bincount(pt[good], minlength=n)
        self.failed += np.bincount(pt[~good], minlength=n)
        mets = np.stack([df[f"met_{t}"].to_numpy(bool) for t in self.target_ids], axis=1)
        mets = np.concatenate([mets, mets.all(axis=1, keepdims=True)], axis=1) & good[:, None]
        for k in range(mets.shape[1]):
            self.met[:, k] += np.bincount(pt, weights=mets[:, k], minlength=n).astype(np.int64)
        pg = pt[good]
        for i, name in enumerate(SUMMARY_INDICATORS):
            e = edges(name)
            for j, y in enumerate(self.years):
                x = df[column(name, int(y))].to_numpy()[good]
                idx = np.clip(np.searchsorted(e, x, side="right") - 1, 0, e.size - 2)
                np.add.at(self.hist[i][j], (pg, idx), 1)

    def target_table(self) -> pd.DataFrame:
        """For every point and target: probability, Wilson 95 % interval, runs that
        succeeded and runs that failed."""
        rows = []
        ids = self.target_ids + [ALL]
        for p in range(self.ok.size):
            fv = [float(v) for v in self.points[p]]
            for k, tid in enumerate(ids):
                n = int(self.ok[p])
                if n:
                    pr, lo, hi = wilson(int(self.met[p, k]), n)
                else:
                    pr = lo = hi = float("nan")
                rows.append((p, *fv, tid, float(pr), float(lo), float(hi), n,
                             int(self.failed[p])))
        return pd.DataFrame(rows, columns=["point", *self.factor_names, "target", "probability",
                                           "ci_low", "ci_high", "runs", "failed"])

    def quantile_table(self) -> pd.DataFrame:
        """For every point, summary indicator and year: quantiles from the histograms."""
        rows = []
        for i, name in enumerate(SUMMARY_INDICATORS):
            e = edges(name)
            for j, y in enumerate(self.years):
                h = self.hist[i][j]
                for p in range(h.shape[0]):
                    qs = [_quantile(h[p], e, q) for q in QUANTILES]
                    rows.append((p, name, int(y), int(h[p].sum()), *qs))
        return pd.DataFrame(rows, columns=["point", "indicator", "year", "runs", "q05", "q25",
                                           "q50", "q75", "q95"])

    @staticmethod
    def bytes_needed(n_points: int, n_years: int) -> int:
        """Memory of the counters for a design (it does not depend on the runs)."""
        bins = sum(edges(name).size - 1 for name in SUMMARY_INDICATORS)
        return int(n_points) * int(n_years) * bins * 4

    def nbytes(self) -> int:
        return int(sum(h.nbytes for hs in self.hist for h in hs) + self.met.nbytes)
