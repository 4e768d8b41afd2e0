"""Intermediary organisations of the S&T market."""

from __future__ import annotations

from stmarket.agents.base import Column, StateAgent
from stmarket.model import kernels as K


class Intermediary(StateAgent):
    """An intermediary organisation: a technology exchange or S&T service centre
    that matches firms' needs with offers and helps value technology.

    A business with a track record. The public one opens when task group 4 has built
    the capability it needs (staff, platform) and stalls and closes when that
    capability runs down; private ones enter when the deals they can expect cover
    their costs (counted in deals, so the test scales with the market) and leave when
    their deals fall short. Each month it has a capacity of clients (TG4 raises the
    public one's), a staff skill that TG6 training and its own deals raise and that
    cuts its clients' valuation discount, and it joins the national network by its
    record of deals and its skill; once connected it sees offers from outside the
    province in full.

    State
    -----
    is_public, connected, is_open : bool
    formed_month, closed_month : int, months since January of the first year (-1: open)
    capacity, skill, used : float
    deals_last_year : float (exponentially weighted over twelve months)
    """

    is_public = Column("ints", "public", bool, doc="Formed by the province under TG4.")
    connected = Column("ints", "connected", bool, doc="Connected to the national network.")
    formed_month = Column("ints", "formed", int, doc="Month it was formed.")
    capacity = Column("ints", "capacity",
                      doc="Clients it can serve a month (whole clients; recomputed monthly).")
    skill = Column("ints", "skill", writable=True, doc="Staff skill, 0-1.")
    is_open = Column("ints", "active", bool, doc="Open (not closed).")
    closed_month = Column("ints", "closed", int, doc="Month it closed, -1 while open.")
    deals_last_year = Column("ints", "deals12", doc="Deals brokered over about the last year.")

    used = Column("ints", "used", doc="Clients served this month.")

    def step(self) -> None:
        """Start the month: :func:`stmarket.model.kernels.intermediary_step`."""
        s = self.model.state
        if s.s.ints[self.index]["active"] == 1:
            K.intermediary_step(s.s, s.p, s.key, self.model.month, self.index)
