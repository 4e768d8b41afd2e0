"""Structure-of-arrays state of one run, shared by the core and the Mesa model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.profile import Profile

TX_CAPACITY = 20000


@dataclass
class State:
    """All arrays of one run (shapes in :mod:`model.kernels`)."""

    EF: np.ndarray
    EI: np.ndarray
    RF: np.ndarray
    RI: np.ndarray
    TI: np.ndarray
    IF: np.ndarray
    II: np.ndarray
    OF: np.ndarray
    OI: np.ndarray
    G: np.ndarray
    Y: np.ndarray
    TX: np.ndarray
    p: np.ndarray
    lev: np.ndarray
    key: np.ndarray

    @classmethod
    def new(cls, profile: Profile, p: np.ndarray, lev: np.ndarray, seed: int, run: int,
            log: bool = True) -> State:
        """Allocate and initialise a run's state (agents' attributes drawn)."""
        n_e = profile.EI0.shape[0]
        n_r = profile.RI0.shape[0]
        cap = profile.capacity
        st = cls(
            EF=np.zeros((n_e, K.NEF)), EI=profile.EI0.copy(),
            RF=np.zeros((n_r, K.NRF)), RI=profile.RI0.copy(),
            TI=np.zeros((cap["tasks"], K.NTI), dtype=np.int64),
            IF=np.zeros((cap["intermediaries"], K.NIF)),
            II=np.zeros((cap["intermediaries"], K.NII), dtype=np.int64),
            OF=np.zeros((cap["offers"], K.NOF)),
            OI=np.zeros((cap["offers"], K.NOI), dtype=np.int64),
            G=np.zeros(K.NG + profile.n_months),
            Y=np.zeros((profile.n_years, K.NY)),
            TX=np.zeros((TX_CAPACITY if log else 1, K.NTX)),
            p=np.ascontiguousarray(p, dtype=np.float64),
            lev=np.ascontiguousarray(lev, dtype=np.float64),
            key=K.make_key(seed, run),
        )
        st.G[K.G_LOG] = 1.0 if log else 0.0
        K.init_state(st.EF, st.EI, st.RF, st.RI, st.TI, st.OF, st.OI, st.G, st.p, st.key)
        return st

    @property
    def n_transactions(self) -> int:
        return int(self.G[K.G_NTX])

    @property
    def draws(self) -> int:
        return int(self.G[K.G_DRAWS])
