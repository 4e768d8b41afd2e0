"""The state of one run, as the Mesa model and :func:`stmarket.model.core.simulate`
hold it: the kernels' :class:`~stmarket.model.kernels.RunState` with the run's
parameters, budgets and random key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.profile import Profile

#: rows of the transaction log of a single run (a run of Bắc Kạn makes hundreds)
TX_CAPACITY = 20000


@dataclass
class State:
    """All arrays of one run.

    Attributes
    ----------
    s : RunState
        What the kernels act on: the agents' records (``s.ent``, ``s.res``,
        ``s.tasks``, ``s.ints``, ``s.offers``), the live and free offer lists, ``s.G``,
        ``s.Y``, ``s.TX``. Each is also an attribute of this object, the record arrays
        as :class:`numpy.recarray` views (``state.ent.tech`` is every enterprise's
        technology level, in place).
    p : float64[NP]
        Parameter vector.
    lev : float64[6, n_years]
        Yearly budget of each task group, billion VND.
    key : uint64[2]
        The run's random key, from (seed, run).
    """

    s: K.RunState
    p: np.ndarray
    lev: np.ndarray
    key: np.ndarray

    @classmethod
    def new(cls, profile: Profile, p: np.ndarray, lev: np.ndarray, seed: int, run: int,
            log: bool = True) -> State:
        """Allocate and initialise a run's state (agents' attributes drawn)."""
        cap = profile.capacity
        s = K.allocate(profile.EI0, profile.RI0, cap["tasks"], cap["intermediaries"],
                       cap["offers"], profile.n_months, TX_CAPACITY if log else 1)
        st = cls(s=s, p=np.ascontiguousarray(p, dtype=np.float64),
                 lev=np.ascontiguousarray(lev, dtype=np.float64), key=K.make_key(seed, run))
        s.G[K.G_LOG] = 1.0 if log else 0.0
        K.init_state(s, st.p, st.key)
        return st

    def __getattr__(self, name: str):
        # the parts of the run state: the agents' records as record arrays (fields as
        # attributes, views of the same memory: ``state.ent.tech[i]``), and the arrays
        if name in K.RunState._fields and "s" in self.__dict__:
            arr = getattr(self.__dict__["s"], name)
            return arr.view(np.recarray) if arr.dtype.names else arr
        raise AttributeError(name)

    @property
    def n_transactions(self) -> int:
        return int(self.s.G[K.G_NTX])

    @property
    def draws(self) -> int:
        return int(self.s.G[K.G_DRAWS])
