"""Intermediary organisations of the S&T market."""

from __future__ import annotations

from stmarket.agents.base import Column, StateAgent
from stmarket.model import kernels as K


class Intermediary(StateAgent):
    """An intermediary organisation: a technology exchange or S&T service centre
    that matches firms' needs with offers and helps value technology.

    The public one forms under task group 4 (a hazard proportional to its budget);
    private ones enter when the last twelve months' transaction value exceeds a
    threshold. Each month it has a capacity of clients (TG4 raises the public
    one's), a staff skill that TG6 training raises and that cuts its clients'
    valuation discount, and a chance to connect to the national network (TG4
    raises it); once connected it sees offers from outside the province in full.

    State
    -----
    is_public, connected : bool
    formed_month : int, months since January of the first year
    capacity, skill, used : float
    """

    is_public = Column("II", K.II_PUBLIC, bool, doc="Formed by the province under TG4.")
    connected = Column("II", K.II_CONNECTED, bool, doc="Connected to the national network.")
    formed_month = Column("II", K.II_FORMED, int, doc="Month it was formed.")
    capacity = Column("IF", K.I_CAPACITY,
                      doc="Clients it can serve a month (whole clients; recomputed monthly).")
    skill = Column("IF", K.I_SKILL, writable=True, doc="Staff skill, 0-1.")
    used = Column("IF", K.I_USED, doc="Clients served this month.")

    def step(self) -> None:
        """Start the month: :func:`model.kernels.intermediary_step`."""
        s = self.model.state
        K.intermediary_step(s.EF, s.RF, s.TI, s.IF, s.II, s.G, s.p, s.key, self.model.month,
                            self.index)
