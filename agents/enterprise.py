"""Enterprises: the province's buyers of S&T goods, and outside technology vendors."""

from __future__ import annotations

from stmarket.agents.base import Column, IdColumn, StateAgent
from stmarket.model import kernels as K

_NEEDS = {K.NEED_NONE: None, K.NEED_SERVICE: "service", K.NEED_TECH: "technology"}


class Enterprise(StateAgent):
    """A firm or cooperative.

    A *buyer* is an enterprise or cooperative in the province. Each month it may
    form a need for an S&T good (more likely the larger its technology gap, its
    size, its sector's use of S&T and its R&D propensity; TG2 raises it), search
    for offers directly, through an intermediary or at a promotion event, weigh
    them by fit, quality, price against its willingness to pay and its absorptive
    capacity, and buy. Adoption raises its technology level and absorptive capacity
    and spills over to peers in its sector.

    A *vendor* (``role == "vendor"``) is a technology supplier outside the province:
    it only offers technologies.

    State (views of ``model.state``; the real-valued ones can be set)
    -----------------------------------------------------------------
    role, sector, size, location, area : str
    is_cooperative, does_rd : bool
    tech_level, absorptive_capacity : float in [0, 1]
    willingness_to_pay, willingness_to_pay_service : float, billion VND
    need_probability : float, monthly, recomputed each January
    need : None, "service" or "technology"; need_age : months the need has lasted
    purchases : int
    """

    role = Column("ent", "role", lambda v: "buyer" if v == K.ROLE_BUYER else "vendor",
                  doc="'buyer' (in the province) or 'vendor' (outside supplier).")
    sector = IdColumn("ent", "sector", "sectors", doc="Sector id (the profile's [[sectors]]).")
    size = IdColumn("ent", "size_class", "sizes",
                    doc="Size class id (the profile's [[sizes]]: micro, small, ...).")
    location = IdColumn("ent", "loc", "locations",
                        doc="Location id (the profile's [[locations]]).")
    is_cooperative = Column("ent", "coop", bool, doc="A cooperative rather than a company.")
    does_rd = Column("ent", "rd", bool, doc="Spends on R&D (drawn at set-up).")
    tech_level = Column("ent", "tech", writable=True, doc="Technology level, 0-1.")
    absorptive_capacity = Column("ent", "absorb", writable=True,
                                 doc="Capacity to absorb technology, 0-1.")
    willingness_to_pay = Column("ent", "wtp", writable=True,
                                doc="Benefit scale of a technology, billion VND.")
    willingness_to_pay_service = Column("ent", "wtp_service", writable=True,
                                        doc="Benefit scale of an S&T service, billion VND.")
    need_probability = Column("ent", "need_p", writable=True,
                              doc="Monthly probability of forming a need.")
    need = Column("ent", "need", lambda v: _NEEDS[int(v)], doc="Current need, if any.")
    need_age = Column("ent", "need_age", int, doc="Months the current need has lasted.")
    purchases = Column("ent", "purchases", int, doc="S&T goods bought so far.")

    @property
    def area(self) -> str:
        """The area of the province it is in (``"province"`` for a profile without
        areas, ``"outside"`` for a vendor outside the province)."""
        return self.model.profile.areas.label(int(self.model.state.s.ent[self.index]["area"]))

    @property
    def label(self) -> str:
        """The profile group this enterprise belongs to."""
        return self.model.profile.enterprise_labels[self.index]

    def step(self) -> None:
        """Act for the month: the core's :func:`stmarket.model.kernels.enterprise_step`."""
        s = self.model.state
        K.enterprise_step(s.s, s.p, s.key, self.model.month, self.index)
