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
        ``s.Y``, ``s.TX``, and the province's ``s.sectors``, ``s.sizes`` and
        ``s.locations`` with this run's parameters. Each is also an attribute of this
        object, the record arrays as :class:`numpy.recarray` views
        (``state.ent.tech`` is every enterprise's technology level, in place).
    p : float64[len(profile.space.names)]
        Parameter vector (the global parameters, then the per-entity ones).
    lev : float64[6, n_years]
        Yearly budget of each task group, billion VND.
    key : uint64[2]
        The run's random key, from (seed, run).
    profile : Profile
        The province.
    sizes : (int, int, int)
        Current sizes of the task, intermediary and offer tables (they start at the
        profile's ``[capacity]`` and double when a run fills one).
    log : bool
        Whether the transaction log is kept.
    """

    s: K.RunState | None
    p: np.ndarray
    lev: np.ndarray
    key: np.ndarray

    profile: Profile | None = None
    sizes: tuple[int, int, int] = (0, 0, 0)
    log: bool = True

    @classmethod
    def new(cls, profile: Profile, p: np.ndarray, lev: np.ndarray, seed: int, run: int,
            log: bool = True) -> State:
        """Allocate and initialise a run's state (agents' attributes drawn)."""
        cap = profile.capacity
        p = np.ascontiguousarray(p, dtype=np.float64)
        if p.shape != (len(profile.space.names),):
            raise ValueError(f"a parameter vector of {profile.id} has "
                             f"{len(profile.space.names)} elements, got shape {p.shape}")
        st = cls(s=None, p=p,
                 lev=np.ascontiguousarray(lev, dtype=np.float64), key=K.make_key(seed, run),
                 profile=profile, sizes=(cap["tasks"], cap["intermediaries"], cap["offers"]),
                 log=log)
        st._start()
        while st.s.G[K.G_OVERFLOW] != 0.0:  # the profile's tables are too small to start
            st.sizes = K.grown(st.s.G[K.G_OVERFLOW], *st.sizes)
            st._start()
        return st

    def _start(self) -> None:
        prof = self.profile
        self.s = K.allocate(prof.EI0, prof.RI0, prof.XI0, prof.AR0, prof.merge_month,
                            *self.sizes, prof.n_months,
                            TX_CAPACITY if self.log else 1)
        self.s.G[K.G_LOG] = 1.0 if self.log else 0.0
        K.init_state(self.s, self.p, self.key)

    def step(self, t: int) -> None:
        """Month ``t`` in the core (the months before it done)."""
        K.step_month(self.s, self.p, self.lev, self.key, t)
        if self.s.G[K.G_OVERFLOW] != 0.0:
            self.regrow(t + 1)

    def regrow(self, months: int) -> None:
        """A table was full: start again with it doubled and redo the first ``months``
        months. A run is a pure function of its key, so this gives what an unbounded
        table would (table sizes never change what happens). Values set by hand on the
        state or on agents before are not replayed: to keep such edits, start from
        larger tables (the profile's ``[capacity]``)."""
        while True:
            self.sizes = K.grown(self.s.G[K.G_OVERFLOW], *self.sizes)
            self._start()
            for t in range(months):
                K.step_month(self.s, self.p, self.lev, self.key, t)
                if self.s.G[K.G_OVERFLOW] != 0.0:
                    break
            else:
                if self.s.G[K.G_OVERFLOW] == 0.0:
                    return

    def replay(self, months: int) -> None:
        """Run the first ``months`` months in the core."""
        for t in range(months):
            self.step(t)

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
