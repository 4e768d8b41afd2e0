"""The S&T market as a Mesa model, driving the core's kernels agent by agent."""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from stmarket.agents import Enterprise, Intermediary, ResearchOrganisation
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import check_seed, transactions_frame
from stmarket.model.profile import Profile, load_profile
from stmarket.model.scenario import Scenario, load_scenario
from stmarket.model.state import State


class STMarket(mesa.Model):
    """A province's S&T market, month by month, as Mesa agents.

    Each agent's ``step`` calls the same numba kernel that the batch core runs,
    on the same structure-of-arrays state, so this model and
    :func:`stmarket.model.core.run_batch` give identical results for the same seed.

    Parameters
    ----------
    profile : Profile or str
        The province (a bundled name, a path, or a loaded profile).
    scenario : Scenario or str
        The policy scenario.
    seed, run : int
        Key of the run's random numbers. Mesa's own generators are seeded with
        ``seed`` too but play no part in behaviour.
    params : float64[NP], optional
        Parameter vector; the profile's central values by default.
    log : bool
        Keep the transaction log.

    Attributes
    ----------
    month : int
        Months simulated so far (0 = January of the first year).
    state : State
        The arrays the agents view.
    enterprises, research_organisations, intermediaries : AgentSet
        The agents of each kind (``agents_by_type`` works too).
    """

    def __init__(self, profile: Profile | str | Path = "bac_kan",
                 scenario: Scenario | str | Path = "no_programme", seed: int = 0,
                 run: int = 0, params: np.ndarray | None = None, log: bool = True) -> None:
        super().__init__(rng=check_seed(seed))
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.seed = int(seed)
        self.run_index = check_seed(run, "run")
        p = self.profile.space.central() if params is None else np.asarray(params, float)
        self.state = State.new(self.profile, p, self.scenario.budgets(self.profile.years),
                               self.seed, self.run_index, log=log)
        self.month = 0
        n_b = self.profile.n_buyers
        self._buyers = [Enterprise(self, i) for i in range(n_b)]
        self._vendors = [Enterprise(self, i) for i in range(n_b, self.profile.EI0.shape[0])]
        for r in range(self.profile.RI0.shape[0]):
            ResearchOrganisation(self, r)
        self._intermediaries: list[Intermediary] = []

    # -- agent sets -------------------------------------------------------
    @property
    def enterprises(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Enterprise]

    @property
    def research_organisations(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[ResearchOrganisation]

    @property
    def intermediaries(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(Intermediary, mesa.agent.AgentSet([], random=self.random))

    @property
    def year(self) -> int:
        """Calendar year of the next month to simulate."""
        return self.profile.start_year + self.month // 12

    # -- dynamics ---------------------------------------------------------
    def step(self) -> None:
        """One month: province, research organisations, intermediaries, vendors,
        buyers in this month's random cyclic order, province."""
        s, t = self.state, self.month
        K.month_begin(s.s, s.p, s.lev, s.key, t)
        self.research_organisations.do("step")
        for agent in self._intermediaries:
            agent.step()
        for agent in self._vendors:
            agent.step()
        for i in K.buyer_order(s.G):
            self._buyers[i].step()
        K.month_end(s.s, s.p, s.lev, s.key, t)
        if s.s.G[K.G_OVERFLOW] != 0.0:  # a table was full: redo the run with it larger
            s.regrow(t + 1)
        while len(self._intermediaries) < int(s.G[K.G_N_INT]):
            self._intermediaries.append(Intermediary(self, len(self._intermediaries)))
        self.month += 1
        if self.month >= self.profile.n_months:
            self.running = False

    def run_model(self) -> None:
        """Run to December of the last year."""
        while self.running:
            self.step()

    # -- results ----------------------------------------------------------
    @property
    def Y(self) -> np.ndarray:
        """Yearly accumulators (complete years only)."""
        return self.state.Y[: self.month // 12]

    def indicators(self):
        """Yearly indicators of the complete years so far, as a DataFrame."""
        n = self.month // 12
        ind = indicators.compute(self.state.Y[:n], self.state.p[K.P_INFLATION])
        return indicators.to_frame(ind, self.profile.years[:n])

    def transactions(self):
        """Every transaction so far: buyer, seller, kind, value, origin, channel, month."""
        n = min(self.state.n_transactions, self.state.TX.shape[0])
        return transactions_frame(self.state.TX[:n], self.profile.start_year,
                                  self.profile.location_ids)
