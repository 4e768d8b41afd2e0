"""The Mesa model and the numba core are one model.

:class:`model.market.STMarket` steps agent by agent through the same kernels that
:func:`model.core.simulate` and :func:`model.core.run_batch` run in a loop, so for
the same (seed, run, parameters, budgets) the three must give bit-identical yearly
accumulators, the same transaction log and the same number of random draws. The
second half tests the Mesa interface a researcher uses: AgentSet verbs, agents as
views of the state arrays, intermediaries appearing as agents, indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stmarket.agents import Enterprise, Intermediary, ResearchOrganisation
from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.indicators import compute
from stmarket.model.market import STMarket

FACTORS = (0.03, 0.06, 0.1)
SEEDS = (0, 7, 2**40 + 3)
SCENARIO_IDS = ("no_programme", "plan_2257")


@pytest.fixture(scope="module")
def scaled(profile):
    """Scaled copies of Bắc Kạn, by factor (built once per module)."""
    return {f: profile.scaled(f) for f in (*FACTORS, 0.3)}


def run_mesa(profile, scenario, seed=0, run=0, params=None):
    """Run the Mesa model to the end.

    Parameters
    ----------
    profile : Profile
    scenario : Scenario
    seed, run : int
    params : float64[NP], optional

    Returns
    -------
    STMarket
        The finished model.
    """
    model = STMarket(profile, scenario, seed=seed, run=run, params=params)
    model.run_model()
    return model


# ---------------------------------------------------------------------------
# Mesa == core
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_mesa_equals_core_at_central_parameters(scaled, scenarios, factor, scenario_id):
    prof, sc = scaled[factor], scenarios[scenario_id]
    lev = sc.budgets(prof.years)
    P = np.tile(prof.space.central(), (len(SEEDS), 1))
    Yb, draws = run_batch(prof, P, lev, np.array(SEEDS), np.zeros(len(SEEDS), dtype=np.int64))
    for b, seed in enumerate(SEEDS):
        model = run_mesa(prof, sc, seed=seed)
        res = simulate(prof, sc, seed=seed)
        assert model.month == prof.n_months and not model.running
        assert np.array_equal(model.state.Y, res.Y)
        assert np.array_equal(model.state.Y, Yb[b])
        assert np.array_equal(model.Y, res.Y)  # every year is complete
        assert model.state.draws == res.draws == int(draws[b, 0])
        pd.testing.assert_frame_equal(model.transactions(), res.transactions())
        assert len(res.transactions()) == int(res.Y[:, K.Y_COUNT].sum())


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_mesa_equals_core_at_sampled_parameters(scaled, scenarios, factor, scenario_id):
    prof, sc = scaled[factor], scenarios[scenario_id]
    P = prof.space.sample(3, seed=20211122)
    seeds = np.array([5, 5, 123456789], dtype=np.int64)
    runs = np.array([0, 1, 2], dtype=np.int64)
    Yb, draws = run_batch(prof, P, sc.budgets(prof.years), seeds, runs)
    for b in range(len(P)):
        model = run_mesa(prof, sc, seed=int(seeds[b]), run=int(runs[b]), params=P[b])
        res = simulate(prof, sc, seed=int(seeds[b]), run=int(runs[b]), params=P[b])
        assert np.array_equal(model.state.Y, res.Y)
        assert np.array_equal(model.state.Y, Yb[b])
        assert model.state.draws == res.draws == int(draws[b, 0])
        pd.testing.assert_frame_equal(model.transactions(), res.transactions())


def test_comparison_is_not_vacuous(scaled, scenarios):
    """The runs compared above do trade, through more than one channel."""
    res = simulate(scaled[0.1], scenarios["plan_2257"], seed=7)
    tx = res.transactions()
    assert len(tx) > 20
    assert tx["kind"].nunique() >= 2
    assert res.Y[:, K.Y_VALUE].sum() > 0


def test_mesa_and_core_agree_month_by_month(scaled, scenarios):
    """Stepping the Mesa model by hand keeps the whole state equal to the core's."""
    from stmarket.model.state import State

    prof, sc = scaled[0.06], scenarios["plan_2257"]
    model = STMarket(prof, sc, seed=3)
    st = State.new(prof, prof.space.central(), sc.budgets(prof.years), 3, 0, log=True)
    for t in range(30):
        model.step()
        K.step_month(st.s, st.p, st.lev, st.key, t)
        for name in K.RunState._fields:  # every record and every array, bit for bit
            a, b = getattr(model.state.s, name), getattr(st.s, name)
            assert a.tobytes() == b.tobytes(), (name, t)


# ---------------------------------------------------------------------------
# The Mesa interface
# ---------------------------------------------------------------------------
@pytest.fixture
def market(scaled, scenarios):
    """A 6% Bắc Kạn under plan_2257 run for 30 months (two complete years)."""
    model = STMarket(scaled[0.06], scenarios["plan_2257"], seed=3)
    for _ in range(30):
        model.step()
    return model


def test_agent_sets_hold_every_agent(market):
    prof = market.profile
    assert len(market.enterprises) == prof.EI0.shape[0]
    assert len(market.research_organisations) == prof.RI0.shape[0]
    assert all(isinstance(a, Enterprise) for a in market.enterprises)
    assert all(isinstance(a, ResearchOrganisation) for a in market.research_organisations)
    assert set(market.agents_by_type) >= {Enterprise, ResearchOrganisation}
    assert sorted(market.enterprises.get("index")) == list(range(prof.EI0.shape[0]))


def test_select_agg_groupby_get(market):
    st, prof = market.state, market.profile
    n_b = prof.n_buyers
    buyers = market.enterprises.select(lambda a: a.role == "buyer")
    assert len(buyers) == n_b
    assert all(a.index < n_b for a in buyers)
    vendors = market.enterprises.select(lambda a: a.role == "vendor")
    assert len(vendors) == prof.EI0.shape[0] - n_b
    assert buyers.agg("tech_level", np.mean) == pytest.approx(st.ent.tech[:n_b].mean(),
                                                               rel=1e-12)
    assert buyers.agg("purchases", sum) == int(st.ent.purchases[:n_b].sum())
    counts = market.enterprises.groupby("sector").count()
    expected = {x.id: int((prof.EI0[:, K.S_SECTOR] == s).sum())
                for s, x in enumerate(prof.sectors) if (prof.EI0[:, K.S_SECTOR] == s).any()}
    assert counts == expected
    got = market.enterprises.get(["index", "absorptive_capacity"])
    assert {i: v for i, v in got} == {i: st.ent.absorb[i] for i in range(len(st.ent.tech))}


def test_set_writes_through_to_state(market):
    st = market.state
    buyers = market.enterprises.select(lambda a: a.role == "buyer")
    buyers.set("tech_level", 0.25)
    assert np.all(st.ent.tech[: market.profile.n_buyers] == 0.25)
    first = market.research_organisations.select(at_most=1)
    first.set("quality", 0.9)
    assert st.res.quality[next(iter(first)).index] == 0.9
    with pytest.raises(AttributeError, match="read-only"):
        market.enterprises.set("sector", "services")


def test_set_changes_behaviour(scaled, scenarios):
    """Buyers whose willingness to pay is zero buy nothing: the kernels read what
    the agents were given."""
    prof, sc = scaled[0.1], scenarios["plan_2257"]
    base = run_mesa(prof, sc, seed=7)
    assert base.state.Y[:, K.Y_COUNT].sum() > 0
    model = STMarket(prof, sc, seed=7)
    model.enterprises.set("willingness_to_pay", 0.0).set("willingness_to_pay_service", 0.0)
    model.run_model()
    assert model.state.Y[:, K.Y_COUNT].sum() == 0
    assert model.transactions().empty


def test_agent_attributes_match_state(market):
    st = market.state
    needs = {K.NEED_NONE: None, K.NEED_SERVICE: "service", K.NEED_TECH: "technology"}
    for a in market.enterprises:
        i = a.index
        assert a.role == ("buyer" if st.ent.role[i] == K.ROLE_BUYER else "vendor")
        assert a.sector == market.profile.sector_ids[st.ent.sector[i]]
        assert a.size == market.profile.size_ids[st.ent.size_class[i]]
        assert a.location == market.profile.location_ids[st.ent.loc[i]]
        assert a.is_cooperative == bool(st.ent.coop[i])
        assert a.does_rd == bool(st.ent.rd[i])
        assert a.tech_level == st.ent.tech[i]
        assert a.absorptive_capacity == st.ent.absorb[i]
        assert a.willingness_to_pay == st.ent.wtp[i]
        assert a.need_probability == st.ent.need_p[i]
        assert a.need == needs[int(st.ent.need[i])]
        assert a.need_age == st.ent.need_age[i]
        assert a.purchases == st.ent.purchases[i]
        assert a.label == market.profile.enterprise_labels[i]
        if a.role == "buyer":
            assert 0.0 <= a.tech_level <= 1.0 and 0.0 <= a.absorptive_capacity <= 1.0
        else:
            assert a.location != "province" and a.purchases == 0
    for r in market.research_organisations:
        j = r.index
        assert r.location == market.profile.location_ids[st.res.loc[j]]
        assert r.sector == market.profile.sector_ids[st.res.sector[j]]
        assert r.is_university == bool(st.res.university[j])
        assert r.output_rate == st.res.rate[j]
        assert r.quality == st.res.quality[j]
        assert r.active_tasks == int(((st.tasks.active == 1)
                                      & (st.tasks.org == j)).sum())
    n_tx = int(st.Y[:, K.Y_COUNT].sum())  # two complete years and half of the third
    assert sum(a.purchases for a in market.enterprises) == n_tx == len(market.transactions())


def test_intermediaries_appear_as_agents(scaled, scenarios, profile):
    """Under plan_2257 (with a public intermediary that opens on little capability)
    intermediaries form, and each one is an Intermediary agent from the month after it
    forms."""
    prof = scaled[0.3]
    params = profile.space.vector({"int_setup_stock": 0.4})
    model = STMarket(prof, scenarios["plan_2257"], seed=11, params=params)
    assert len(model.intermediaries) == 0
    while model.running:
        model.step()
        st = model.state
        n = int(st.G[K.G_N_INT])
        assert len(model.intermediaries) == n
        assert int(st.ints.active.sum()) == int(st.G[K.G_N_OPEN]) <= n
    assert len(model.intermediaries) >= 1
    assert all(isinstance(a, Intermediary) for a in model.intermediaries)
    assert Intermediary in model.agents_by_type
    for a in model.intermediaries:
        k = a.index
        assert a.is_public == bool(st.ints.public[k])
        assert a.connected == bool(st.ints.connected[k])
        assert a.formed_month == st.ints.formed[k] < prof.n_months
        assert a.capacity == st.ints.capacity[k]
        assert 0.0 <= a.skill == st.ints.skill[k] <= 1.0
    assert any(a.is_public for a in model.intermediaries)
    assert model.state.Y[-1, K.Y_INT_ACTIVE] == sum(a.is_open for a in model.intermediaries)
    assert np.array_equal(model.state.Y, simulate(prof, scenarios["plan_2257"], seed=11,
                                                  params=params).Y)


@pytest.mark.parametrize("months", [0, 5, 12, 30, 120])
def test_indicators_one_row_per_complete_year(scaled, scenarios, months):
    prof = scaled[0.03]
    model = STMarket(prof, scenarios["plan_2257"], seed=2)
    for _ in range(months):
        model.step()
    ind = model.indicators()
    n = months // 12
    assert len(ind) == n == len(model.Y)
    assert list(ind.index) == list(prof.years[:n])
    assert model.year == prof.start_year + n
    if n:
        expected = compute(model.state.Y[:n], model.state.p[K.P_INFLATION])
        for name in ("value", "value_nominal", "count", "ip_share", "digitised_share"):
            assert np.array_equal(ind[name].to_numpy(), expected[name])
