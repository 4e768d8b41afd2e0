"""Yearly indicators from the core's yearly accumulators.

Definitions (see docs/ODD.md, "Observation"):

- ``value``: value of all S&T goods transactions in the year with a buyer in the
  province (in a profile with areas, in the scored areas: docs/ODD.md 7.11), billion
  VND at 2021 prices; ``value_nominal`` inflates it by the
  sampled inflation from the first simulated year.
- ``ip_share``: value of IP-asset transactions over ``value``;
  ``tech_share``: value of technology-transfer transactions over ``value``.
- ``research_origin_share``: value of technologies, IP and research results sold
  by Vietnamese research organisations over ``value`` (the plan's shares are of
  total value). ``research_origin_share_domestic`` divides the same by the value of
  technologies, IP and research results of Vietnamese origin (the national
  programme's denominator; scored by ``targets_1158`` and ``targets_khanh_hoa``).
- ``value_growth``: nominal growth over the previous year; ``value_growth_mean``:
  the mean of the yearly growth rates from the first year to this one (the
  alternative reading of "average growth"; reported, not scored).
- ``imported_tech_share``: value of technology bought from abroad over ``value``.
- ``digitised_share``: digitised share of the research results with commercial
  potential from provincial tasks and in-province organisations, over the last
  five years up to the year.
- A share whose denominator is zero is 0.

Each indicator's range (:func:`indicator_range`, beside the definitions): shares lie in
[0, 1]; growth rates in [-1, inf) (a value can fall to nothing, not below); the mean
technology level and absorptive capacity in [0, 1]; every value (bn VND), count and
stock in [0, inf). Targets are checked against these ranges when they are loaded.
"""

from __future__ import annotations

import numpy as np

from stmarket.model import kernels as K

SHARES = ("ip_share", "tech_share", "research_origin_share", "research_origin_share_domestic",
          "imported_tech_share", "digitised_share", "intermediary_channel_share")
DIGITISED_WINDOW = 5
#: Every indicator :func:`compute` returns (targets may name any of them).
INDICATORS = K.Y_NAMES + (
    "value_nominal", "ip_share", "tech_share", "research_origin_share",
    "research_origin_share_domestic", "imported_tech_share", "intermediary_channel_share",
    "digitised_share", "value_growth", "value_growth_mean",
)
INF = float("inf")
GROWTH_RANGE = (-1.0, INF)
#: Ranges that are not [0, inf) (values in bn VND, counts and stocks).
RANGES: dict[str, tuple[float, float]] = {
    **{name: (0.0, 1.0) for name in SHARES},
    "value_growth": GROWTH_RANGE,
    "value_growth_mean": GROWTH_RANGE,
    "tech_level_mean": (0.0, 1.0),            # technology level, 0-1 (ODD 2, buyers)
    "absorptive_capacity_mean": (0.0, 1.0),   # absorptive capacity, 0-1 (ODD 2, buyers)
}


def indicator_range(name: str) -> tuple[float, float]:
    """The range ``(low, high)`` of an indicator's yearly values.

    Named ranges first (:data:`RANGES`); otherwise by name: ``*_share`` (or
    ``*_share_*``) in [0, 1], ``*growth*`` in [-1, inf), anything else (values,
    counts, stocks) in [0, inf).
    """
    if name in RANGES:
        return RANGES[name]
    if name.endswith("_share") or "_share_" in name:
        return (0.0, 1.0)
    if "growth" in name:
        return GROWTH_RANGE
    return (0.0, INF)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return np.clip(out, 0.0, 1.0)


def compute(Y: np.ndarray, inflation: np.ndarray | float) -> dict[str, np.ndarray]:
    """Indicators from yearly accumulators.

    Parameters
    ----------
    Y : float64[..., n_years, NY]
        Yearly accumulators of one run or of many.
    inflation : float or float64[...]
        Yearly inflation of each run.

    Returns
    -------
    dict of str to float64[..., n_years]
    """
    Y = np.asarray(Y, dtype=float)
    n_years = Y.shape[-2]
    col = {name: Y[..., j] for j, name in enumerate(K.Y_NAMES)}
    out: dict[str, np.ndarray] = dict(col)
    infl = np.asarray(inflation, dtype=float)[..., None]
    deflator = (1.0 + infl) ** np.arange(n_years)
    value = col["value"]
    out["value_nominal"] = value * deflator
    out["ip_share"] = _share(col["value_ip"], value)
    out["tech_share"] = _share(col["value_technology"], value)
    out["research_origin_share"] = _share(col["value_research_domestic"], value)
    out["research_origin_share_domestic"] = _share(col["value_research_domestic"],
                                                   col["value_domestic_technology"])
    out["imported_tech_share"] = _share(col["value_technology_abroad"], value)
    out["intermediary_channel_share"] = _share(col["value_intermediary"], value)
    kernel = np.ones(DIGITISED_WINDOW)
    com = _rolling_sum(col["results_commercial"], kernel)
    dig = _rolling_sum(col["results_digitised"], kernel)
    out["digitised_share"] = _share(dig, com)
    nominal = out["value_nominal"]
    prev = np.concatenate([np.full(nominal.shape[:-1] + (1,), np.nan), nominal[..., :-1]],
                          axis=-1)
    growth = np.full_like(nominal, np.nan)
    np.divide(nominal, prev, out=growth, where=prev > 0)
    out["value_growth"] = growth - 1.0
    g = out["value_growth"]
    n_obs = np.cumsum(np.isfinite(g), axis=-1)
    total = np.cumsum(np.where(np.isfinite(g), g, 0.0), axis=-1)
    mean = np.full_like(g, np.nan)
    np.divide(total, n_obs, out=mean, where=n_obs > 0)
    out["value_growth_mean"] = mean
    return out


def _rolling_sum(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    c = np.cumsum(x, axis=-1)
    w = len(kernel)
    out = c.copy()
    out[..., w:] = c[..., w:] - c[..., :-w]
    return out


def to_frame(ind: dict[str, np.ndarray], years: np.ndarray):
    """One run's indicators as a tidy DataFrame indexed by year."""
    import pandas as pd

    return pd.DataFrame({k: np.asarray(v) for k, v in ind.items()},
                        index=pd.Index(years, name="year"))
