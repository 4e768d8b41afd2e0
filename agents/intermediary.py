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

    is_public = Column("ints", "public", bool, doc="Formed by the province under TG4.")
    connected = Column("ints", "connected", bool, doc="Connected to the national network.")
    formed_month = Column("ints", "formed", int, doc="Month it was formed.")
    capacity = Column("ints", "capacity",
                      doc="Clients it can serve a month (whole clients; recomputed monthly).")
    skill = Column("ints", "skill", writable=True, doc="Staff skill, 0-1.")
    used = Column("ints", "used", doc="Clients served this month.")

    def step(self) -> None:
        """Start the month: :func:`stmarket.model.kernels.intermediary_step`."""
        s = self.model.state
        K.intermediary_step(s.s, s.p, s.key, self.model.month, self.index)
