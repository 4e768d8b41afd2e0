"""Research organisations: institutes and universities, in or outside the province."""

from __future__ import annotations

from stmarket.agents.base import Column, IdColumn, StateAgent
from stmarket.model import kernels as K


class ResearchOrganisation(StateAgent):
    """An institute or university that supplies research results, technologies,
    IP and S&T services to the province's firms.

    Each month it offers a Poisson number of new results at its output rate. For each
    it decides whether to protect it as IP (when the licence income protection secures,
    by its own record of sales, exceeds its cost of protection, which TG1 lowers for
    in-province organisations and provincial tasks) and whether to digitise it (when
    the extra sales from being easier to find exceed the cost, which TG3 and TG4 lower
    for provincial results; or, under the organisation rule, by a yearly choice). An
    unprotected result is market-ready (a technology) or not (a research result); its
    price is drawn from a heavy-tailed distribution around its kind's median, scaled by
    quality and origin, and grows with incomes. Organisations in the province or
    elsewhere in Vietnam also lead provincial S&T tasks (:mod:`stmarket.model.kernels`
    ``new_task``), whose results reach the market when they finish. Each holds one
    standing S&T service offer. In-province organisations
    compete with those elsewhere in Vietnam and abroad, which offer better quality
    at higher prices and are harder to find. Its record of offers and sales
    (``offered``, ``sold``) and its standing digitisation choice (``digitises``) are in
    ``model.state.res``.

    State
    -----
    location, sector, area, standing : str
    is_university : bool
    output_rate : float, offers per month
    quality : float, mean quality of its offers (0-1)
    """

    location = IdColumn("res", "loc", "locations",
                        doc="Location id (the profile's [[locations]]).")
    sector = IdColumn("res", "sector", "sectors", doc="Main sector id (the profile's [[sectors]]).")
    is_university = Column("res", "university", bool, doc="A university (else an institute).")
    output_rate = Column("res", "rate", doc="New offers per month (set from the parameters).")
    quality = Column("res", "quality", writable=True, doc="Mean quality of its offers.")

    @property
    def standing(self) -> str:
        """Location id whose offer quality and output rate it has (its own unless the
        profile says)."""
        return self.model.profile.locations[int(self.model.state.s.res[self.index]["standing"])].id

    @property
    def area(self) -> str:
        """The area of the province it is in (``"outside"`` if not in the province)."""
        return self.model.profile.areas.label(int(self.model.state.s.res[self.index]["area"]))

    @property
    def label(self) -> str:
        return self.model.profile.research_labels[self.index]

    @property
    def active_tasks(self) -> int:
        """Provincial S&T tasks it leads now."""
        tasks = self.model.state.tasks
        return int(((tasks.active == 1) & (tasks.org == self.index)).sum())

    def step(self) -> None:
        """Offer this month's results: :func:`stmarket.model.kernels.research_step`."""
        s = self.model.state
        K.research_step(s.s, s.p, s.key, self.model.month, self.index)
