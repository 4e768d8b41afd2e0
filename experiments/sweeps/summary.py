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

from stmarket.experiments.assessment.montecarlo import ALL
from stmarket.experiments.assessment.stats import wilson

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


def _quantiles(counts: np.ndarray, e: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` of every row of a histogram ``counts[points, bins]``: the bin
    where the cumulative count reaches q * n, interpolated within it (in log space for
    the log bins; the bin's integer for the integer bins). NaN for an empty row."""
    n = counts.sum(axis=1)
    c = np.cumsum(counts, axis=1)
    target = q * n
    b = np.minimum((c < target[:, None]).sum(axis=1), counts.shape[1] - 1)
    rows = np.arange(counts.shape[0])
    inbin = counts[rows, b]
    before = c[rows, b] - inbin
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(inbin > 0, (target - before) / np.maximum(inbin, 1), 0.0)
    lo, hi = e[b], e[b + 1]
    if e is _INTEGER:
        out = lo + 0.5
    elif e is _LOG:
        with np.errstate(divide="ignore"):
            logv = np.log(np.where(lo > 0, lo, 1.0)) + frac * (np.log(hi) -
                                                                np.log(np.where(lo > 0, lo, 1.0)))
        out = np.where(lo > 0, np.exp(logv), lo + frac * (hi - lo))
    else:
        out = lo + frac * (hi - lo)
    return np.where(n > 0, out, np.nan)


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
                h = self.hist[i][j]
                cells, counts = np.unique(pg * h.shape[1] + idx, return_counts=True)
                h.reshape(-1)[cells] += counts.astype(h.dtype)  # O(runs), not O(points)

    def target_table(self) -> pd.DataFrame:
        """For every point and target: probability, Wilson 95 % interval, runs that
        succeeded and runs that failed."""
        ids = self.target_ids + [ALL]
        n_pt, n_t = self.ok.size, len(ids)
        n = np.repeat(self.ok, n_t)
        k = self.met.reshape(-1)
        safe = np.maximum(n, 1)
        pr, lo, hi = wilson(np.minimum(k, safe), safe)
        empty = n == 0
        cols = {"point": np.repeat(np.arange(n_pt), n_t)}
        for j, name in enumerate(self.factor_names):
            cols[name] = np.repeat(self.points[:, j].astype(float), n_t)
        cols.update({"target": np.tile(np.array(ids, dtype=object), n_pt),
                     "probability": np.where(empty, np.nan, pr),
                     "ci_low": np.where(empty, np.nan, lo),
                     "ci_high": np.where(empty, np.nan, hi),
                     "runs": n, "failed": np.repeat(self.failed, n_t)})
        return pd.DataFrame(cols)

    def quantile_table(self) -> pd.DataFrame:
        """For every point, summary indicator and year: quantiles from the histograms."""
        frames = []
        n_pt = self.ok.size
        for i, name in enumerate(SUMMARY_INDICATORS):
            e = edges(name)
            for j, y in enumerate(self.years):
                h = self.hist[i][j]
                cols = {"point": np.arange(n_pt), "indicator": name, "year": int(y),
                        "runs": h.sum(axis=1).astype(np.int64)}
                for q, label in zip(QUANTILES, ("q05", "q25", "q50", "q75", "q95"),
                                    strict=True):
                    cols[label] = _quantiles(h, e, q)
                frames.append(pd.DataFrame(cols))
        return pd.concat(frames, ignore_index=True)

    @staticmethod
    def bytes_needed(n_points: int, n_years: int) -> int:
        """Memory of the counters for a design (it does not depend on the runs)."""
        bins = sum(edges(name).size - 1 for name in SUMMARY_INDICATORS)
        return int(n_points) * int(n_years) * bins * 4

    def nbytes(self) -> int:
        return int(sum(h.nbytes for hs in self.hist for h in hs) + self.met.nbytes)
