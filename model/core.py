"""Python entry points to the numba core: one run, and many runs in parallel.

The public functions validate and prepare arrays; the kernels in
:mod:`stmarket.model.kernels` do the work.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np

from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.state import State

MAX_SEED = 2**62


def check_seed(seed: int, what: str = "seed") -> int:
    from stmarket.model.errors import InputError

    ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if not ok or not 0 <= seed < MAX_SEED:
        raise InputError("argument", what, f"must be an integer in [0, 2**62), got {seed!r}")
    return int(seed)


@dataclass
class RunResult:
    """One run: yearly accumulators, indicators, and the transaction log."""

    Y: np.ndarray
    years: np.ndarray
    inflation: float
    TX: np.ndarray
    n_transactions: int
    draws: int
    origins: tuple[str, ...] = K.SCOPE_NAMES

    def indicators(self):
        """Yearly indicators as a DataFrame indexed by year."""
        return indicators.to_frame(indicators.compute(self.Y, self.inflation), self.years)

    def transactions(self):
        """The transaction log as a DataFrame (one row per transaction)."""
        if self.n_transactions > self.TX.shape[0]:
            import warnings

            warnings.warn(f"the transaction log holds the first {self.TX.shape[0]} "
                          "transactions only; yearly indicators count them all", stacklevel=2)
        return transactions_frame(self.TX[: min(self.n_transactions, self.TX.shape[0])],
                                  self.years[0], self.origins)


def transactions_frame(TX: np.ndarray, start_year: int,
                       origins: tuple[str, ...] | list[str] = K.SCOPE_NAMES):
    """Decode a transaction log into named columns; ``origins`` are the profile's
    location ids (an offer's origin is the index of its location)."""
    import pandas as pd

    month = TX[:, K.TX_MONTH].astype(int)
    return pd.DataFrame({
        "month": month,
        "year": start_year + month // 12,
        "buyer": TX[:, K.TX_BUYER].astype(int),
        "seller": TX[:, K.TX_SELLER].astype(int),
        "seller_type": pd.Categorical.from_codes(TX[:, K.TX_SELLER_TYPE].astype(int),
                                                 ["research_organisation", "enterprise"]),
        "kind": pd.Categorical.from_codes(TX[:, K.TX_KIND].astype(int), K.KIND_NAMES),
        "value": TX[:, K.TX_VALUE],
        "origin": pd.Categorical.from_codes(TX[:, K.TX_ORIGIN].astype(int), origins),
        "channel": pd.Categorical.from_codes(TX[:, K.TX_CHANNEL].astype(int), K.CHANNEL_NAMES),
        "offer": TX[:, K.TX_OFFER].astype(int),
    })


def simulate(profile: Profile, scenario: Scenario, seed: int = 0, run: int = 0,
             params: np.ndarray | None = None) -> RunResult:
    """Run one simulation in the core, keeping its transaction log.

    Parameters
    ----------
    profile : Profile
        The province.
    scenario : Scenario
        The yearly budgets of the six task groups.
    seed, run : int
        Key of the run's random numbers.
    params : float64[len(profile.space.names)], optional
        Parameter vector; the profile's central values by default.
    """
    seed, run = check_seed(seed), check_seed(run, "run")
    p = profile.space.central() if params is None else np.asarray(params, dtype=np.float64)
    lev = scenario.budgets(profile.years)
    st = State.new(profile, p, lev, seed, run, log=True)
    st.replay(profile.n_months)
    return RunResult(st.Y, profile.years, float(p[K.P_INFLATION]), st.TX,
                     st.n_transactions, st.draws, tuple(profile.location_ids))


@contextmanager
def threads(n: int | None):
    """Temporarily set numba's thread count."""
    if n is None:
        yield
        return
    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def run_batch(profile: Profile, P: np.ndarray, LEV: np.ndarray, seeds: np.ndarray,
              runs: np.ndarray, n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run many simulations in the core, in parallel over threads.

    Parameters
    ----------
    profile : Profile
    P : float64[n, len(profile.space.names)]
        Parameter vector of each run (global parameters, then per-entity ones).
    LEV : float64[n, 6, n_years] or float64[6, n_years]
        Budgets of each run (broadcast if 2-D).
    seeds, runs : int64[n]
        Random keys. A run's result depends on (seed, run, parameters, budgets) only.
    n_threads : int, optional
        numba threads to use (all by default).

    Returns
    -------
    Y : float64[n, n_years, NY]
    draws : float64[n, 2]
        Uniforms and standard normals each run drew.
    """
    P = np.ascontiguousarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != len(profile.space.names):
        raise ValueError(f"parameter vectors of {profile.id} have {len(profile.space.names)} "
                         f"elements, got shape {P.shape}")
    n = P.shape[0]
    LEV = np.asarray(LEV, dtype=np.float64)
    if LEV.ndim == 2:
        LEV = np.broadcast_to(LEV, (n,) + LEV.shape)
    # writable C-contiguous copies: one compiled signature of the kernel
    LEV = np.require(LEV, requirements=["C", "W"])
    seeds = np.require(np.broadcast_to(np.asarray(seeds, dtype=np.int64), (n,)),
                       requirements=["C", "W"])
    runs = np.require(np.broadcast_to(np.asarray(runs, dtype=np.int64), (n,)),
                      requirements=["C", "W"])
    Y = np.zeros((n, profile.n_years, K.NY))
    draws = np.zeros((n, 2))
    cap = profile.capacity
    with threads(n_threads):
        K.run_batch(P, LEV, seeds, runs, profile.EI0, profile.RI0, profile.XI0, profile.AR0,
                    profile.merge_month, cap["tasks"], cap["intermediaries"], cap["offers"],
                    profile.n_months, Y, draws)
    return Y, draws
