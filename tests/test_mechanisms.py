"""Each behavioural mechanism on its own: the numba kernels driven one at a time on
the state of a small province (``bac_kan`` scaled to 5%).

Statistical checks use fixed keys, thousands of draws and tolerances of several
standard errors, so they are deterministic and fail only if a rule changes. Rules that
take a draw are checked exactly where possible: the test draws the same number (draws
are pure functions of their keys) and computes the decision the rule states.

This file holds the shared helpers, random numbers, set-up and needs, search and
purchase, events, the yearly update, prices, and the capability stocks the task groups'
budgets build. Supply (research output, provincial tasks, the decisions to protect and
to digitise), intermediaries and the tables that grow are in ``test_decisions.py``.
"""

from __future__ import annotations

import dataclasses
import inspect
from functools import cache

import numpy as np
import pytest
from scipy import stats

from stmarket.model import kernels as K
from stmarket.model.profile import load_profile
from stmarket.model.state import State

Z = 5.0  # tolerance, in standard errors


@pytest.fixture(scope="module")
def prov():
    """Bắc Kạn scaled to 5% (66 buyers, 4 vendors, 5 research organisations: one in the
    province, three elsewhere in Vietnam, one abroad)."""
    return load_profile("bac_kan").scaled(0.05)


def _p(prov, **over):
    """Central parameter vector with some values set by name (no range check; a
    per-entity parameter by its ``family.id`` name, ``**{"visibility.vietnam": 0.2}``)."""
    p = prov.space.central()
    for name, v in over.items():
        p[prov.space.index(name)] = v
    return p


def _q(prov, p, family, j):
    """The value in ``p`` of entity ``j``'s parameter of a family (``_q(prov, p,
    "size_wtp", 0)``: the first size class's willingness to pay)."""
    ents = {"sector_need": prov.sectors, "task_share": prov.sectors,
            "size_need": prov.sizes, "size_wtp": prov.sizes}.get(family, prov.locations)
    return p[prov.space.index(f"{family}.{ents[j].id}")]


def _fresh(prov, p=None, seed=3, run=0, months=120, offers=0, budget=(0.0,) * 6):
    """A run's state after set-up (``State.new``), resized for the test.

    Parameters
    ----------
    p : float64[NP], optional
        Parameters (central by default).
    months, offers : int
        Months the kernels may be called for (Y, G, lev fit); minimum offer table rows.
    budget : sequence of 6 float
        Yearly budget of each task group, the same every year.
    """
    p = prov.space.central() if p is None else p
    n_years = -(-months // 12)
    lev = np.tile(np.asarray(budget, float)[:, None], (1, n_years))
    cap = {**prov.capacity, "offers": max(offers, prov.capacity["offers"])}
    st = State.new(dataclasses.replace(prov, capacity=cap), p, lev, seed, run)
    st.s = st.s._replace(Y=np.zeros((n_years, K.NY)),
                         G=np.concatenate([st.G[: K.NG], np.zeros(months)]))
    return st


def _live(st):
    """The slots of the live (listed) offers, in list order."""
    return st.live[: int(st.G[K.G_N_LIVE])].copy()


@cache
def _arg_names(fn):
    names = list(inspect.signature(fn.py_func).parameters)
    return names[: names.index("t")]


def _k(st, fn, t, *rest):
    """Call kernel ``fn`` for month ``t`` with the state's ``s``, ``p``, ``lev``, ``key``
    (or ``Y``), matched by the parameter names of its signature, then ``rest`` (agent
    index, ...)."""
    return fn(*[getattr(st, n) for n in _arg_names(fn)], t, *rest)


def _trials(st, seed, n_runs, months=range(120)):
    """Yield the months ``months`` for each of ``n_runs`` run keys set on ``st``."""
    for run in range(n_runs):
        st.key = K.make_key(seed, run)
        yield from months


def _within(x, mean, se, z=Z):
    """Assert that ``x`` is within ``z`` standard errors ``se`` of ``mean``."""
    assert abs(x - mean) <= z * se, f"{x} not within {z} SE ({se:.4g}) of {mean}"


def _bernoulli(hits, want):
    """Assert that the share of True in ``hits`` matches probability ``want``."""
    _within(np.mean(hits), want, np.sqrt(max(want * (1 - want), 1e-12) / len(hits)))


def _normal(key, t, agent, purpose, k):
    """The standard normal a kernel draws with this key (uncounted scratch scalars)."""
    return K.normal(key, t, agent, purpose, k, np.zeros(K.NG))


def _uniform(key, t, agent, purpose, k):
    """The uniform a kernel draws with this key."""
    return K.uniform(key, t, agent, purpose, k, np.zeros(K.NG))


def _mixed(decisions):
    """Assert that a rule's decisions go both ways (a check of a rule that always says
    yes, or always no, would prove nothing)."""
    share = np.mean(decisions)
    assert 0.05 < share < 0.95, f"decisions are too one-sided to test the rule: {share}"


# ---------------------------------------------------------------- random numbers
def _stream(key, t, agent, purpose, n, k0=0):
    G = np.zeros(K.NG)
    return np.array([K.uniform(key, t, agent, purpose, k0 + k, G) for k in range(n)])


def test_rng_is_a_pure_function_of_its_inputs():
    assert len({tuple(K.make_key(s, r)) for s in range(30) for r in range(30)}) == 900
    assert np.array_equal(K.make_key(12, 7), K.make_key(12, 7))
    assert not np.array_equal(K.make_key(12, 7), K.make_key(7, 12))
    key, G = K.make_key(4, 2), np.zeros(K.NG)
    G[K.G_EVENT] = 99.0  # no other state plays a part
    a = K.uniform(key, 7, 3, K.PU_CLOSE, 11, G)
    assert a == K.uniform(K.make_key(4, 2), 7, 3, K.PU_CLOSE, 11, np.zeros(K.NG))
    assert G[K.G_DRAWS] == 1.0  # but every draw is counted
    assert a == (int(K.bits(key, 7, 3, K.PU_CLOSE, 11)) >> 11) / 2.0**53


def test_uniform_in_unit_interval_with_uniform_moments():
    n = 20000
    u = _stream(K.make_key(1, 0), 5, 17, K.PU_SEARCH, n)
    assert u.min() >= 0.0 and u.max() < 1.0
    _within(u.mean(), 0.5, np.sqrt(1 / 12 / n))
    _within(u.var(), 1 / 12, np.sqrt(1 / 180 / n))  # Var[(u - 1/2)^2] = 1/180
    assert stats.chisquare(np.histogram(u, bins=20, range=(0, 1))[0]).pvalue > 1e-4
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < Z / np.sqrt(n)


@pytest.mark.parametrize("change", range(5))
def test_uniform_streams_differ_by_every_input(change):
    n = 4000
    args = [K.make_key(1, 0), 5, 17, K.PU_SEARCH, n, 0]
    base = _stream(*args)
    args[change] = [K.make_key(1, 1), 6, 18, K.PU_CLOSE, None][change]
    if change == 4:
        args[4:] = [n, n]  # the next n counters
    alt = _stream(*args)
    assert np.mean(base == alt) < 0.001
    assert abs(np.corrcoef(base, alt)[0, 1]) < Z / np.sqrt(n)


@pytest.mark.parametrize("lam", [0.05, 0.6, 3.0, 12.0])
def test_poisson_inversion_has_mean_lam(lam):
    n = 20000
    u = np.random.default_rng(42).random(n)
    x = np.array([K.poisson(lam, v) for v in u])
    _within(x.mean(), lam, np.sqrt(lam / n))
    _within(x.var(), lam, np.sqrt((lam + 2 * lam**2) / n))
    assert np.mean(x == stats.poisson.ppf(u, lam)) > 0.999  # it is the inverse CDF
    assert K.poisson(0.0, 0.99) == 0 and K.poisson(-1.0, 0.99) == 0


def test_saturating_has_diminishing_returns():
    h, b = 0.8, np.linspace(0.0, 20.0, 201)
    e = np.array([K.saturating(x, h) for x in b])
    assert e[0] == 0.0 and K.saturating(-1.0, h) == 0.0
    assert np.all((e >= 0) & (e < 1)) and np.all(np.diff(e) > 0)
    assert np.all(np.diff(e, 2) < 0)  # concave: each extra billion buys less
    assert K.saturating(h, h) == pytest.approx(0.5)
    assert K.saturating(1.0, 2.0) < K.saturating(1.0, 0.5)


def test_buyer_order_is_a_permutation(prov):
    st, orders = _fresh(prov), set()
    for n in (1, 2, 3, 4, 12, 30, prov.n_buyers):
        st.G[K.G_N_BUYERS] = n
        for t in range(1, 12):
            _k(st, K.month_begin, t)
            order = K.buyer_order(st.G)
            assert np.array_equal(np.sort(order), np.arange(n))
            orders.add((n, tuple(order)))
    assert sum(o[0] == prov.n_buyers for o in orders) >= 8  # it changes monthly


# ---------------------------------------------------------------- set-up and needs
def test_initial_buyers_follow_their_draws(prov):
    """Set-up: technology and absorptive capacity spread by ``init_sd``, willingness to
    pay by size class (a service's by ``wtp_service_elasticity``), and the needs already
    under way (``init_need_share`` of a patience's worth of need formation)."""
    p = _p(prov, init_sd=0.2, wtp_service_elasticity=0.4, init_need_share=0.8,
           need_rate=0.02)
    st, n_b = _fresh(prov, p, seed=11), prov.n_buyers
    e, key, t0 = st.ent, st.key, -1
    wtp_size = [_q(prov, p, "size_wtp", z) for z in range(3)]
    opened = []
    for i in range(n_b):
        z1, z2 = K.normal_pair(key, t0, i, K.PU_INIT, 1, np.zeros(K.NG))
        z3, z4 = K.normal_pair(key, t0, i, K.PU_INIT, 3, np.zeros(K.NG))
        assert e.tech[i] == pytest.approx(np.clip(p[K.P_TECH0] + 0.2 * z1, 0, 1))
        assert e.absorb[i] == pytest.approx(np.clip(p[K.P_ABSORB0] + 0.2 * z2, 0, 1))
        scale = wtp_size[e.size_class[i]]
        sigma = p[K.P_WTP_SIGMA]
        assert e.wtp[i] == pytest.approx(scale * np.exp(sigma * z3))
        assert e.wtp_service[i] == pytest.approx(
            p[K.P_WTP_SERVICE] * (scale / wtp_size[0]) ** 0.4 * np.exp(sigma * z4))
        open_p = min(1.0, 0.8 * p[K.P_PATIENCE] * K.need_probability(st.s, p, i))
        opened.append(_uniform(key, t0, i, K.PU_INIT, 9) < open_p)
        assert (e.need[i] != K.NEED_NONE) == opened[-1]
        if opened[-1]:
            tech = _uniform(key, t0, i, K.PU_INIT, 10) < K.tech_need_probability(st.s, p, i)
            assert e.need[i] == (K.NEED_TECH if tech else K.NEED_SERVICE)
            assert e.need_age[i] == int(_uniform(key, t0, i, K.PU_INIT, 11) * p[K.P_PATIENCE])
    _mixed(opened)
    assert len(set(e.size_class[:n_b])) == 3  # every size class was checked
    st = _fresh(prov, _p(prov, init_sd=0.0, init_need_share=0.0))
    assert (st.ent.tech[:n_b] == st.p[K.P_TECH0]).all()  # no spread
    assert (st.ent.absorb[:n_b] == st.p[K.P_ABSORB0]).all()
    assert (st.ent.need[:n_b] == K.NEED_NONE).all()  # the market starts empty


def test_need_probability_rules(prov):
    st = _fresh(prov)
    p, s = st.p, st.s._replace(G=np.zeros(K.NG))  # scratch scalars: no lever effect
    ent, G = s.ent.view(np.recarray), s.G
    ent.tech[0] = p[K.P_TECH0]
    ent.size_class[0] = ent.sector[0] = ent.coop[0] = ent.rd[0] = 0
    base = K.need_probability(s, p, 0)
    assert base == pytest.approx(p[K.P_NEED_RATE] * _q(prov, p, "sector_need", 0))
    G[K.G_E2] = 0.5  # TG2's capability
    assert K.need_probability(s, p, 0) == pytest.approx(base * (1 + 0.5 * p[K.P_NEED_GAIN]))
    G[K.G_E2], G[K.G_E2_COFUND] = 0.0, 1.0  # co-funding purchases raises no need
    assert K.need_probability(s, p, 0) == base
    ent.size_class[0] = 2
    assert K.need_probability(s, p, 0) == pytest.approx(base * _q(prov, p, "size_need", 2))
    ent.tech[0] = 1.0
    assert K.need_probability(s, p, 0) == 0.0  # at the frontier: no need


def test_need_forms_with_probability_one_and_never_with_zero(prov):
    st = _fresh(prov, _p(prov, search_prob=0.0, aware_gain=0.0, need_patience=100))
    n_b = prov.n_buyers
    st.ent.need[:n_b] = K.NEED_NONE
    st.ent.need_p[:n_b] = np.arange(n_b) % 2 == 0
    st.ent.absorb[:n_b] = 0.5
    for t in range(1, 24):
        for i in range(n_b):
            _k(st, K.enterprise_step, t, i)
        formed = st.ent.need[:n_b] != K.NEED_NONE
        assert formed[::2].all() and not formed[1::2].any()
    assert st.Y[0, K.Y_NEEDS] == (n_b + 1) // 2  # formed once, in month 1, and kept
    tech = []
    for t in _trials(st, 4, 40, [30]):  # technology-level w.p. share * absorb factor
        st.ent.need[:n_b:2] = K.NEED_NONE
        for i in range(0, n_b, 2):
            _k(st, K.enterprise_step, t, i)
        tech.extend(st.ent.need[:n_b:2] == K.NEED_TECH)
    _bernoulli(tech, st.p[K.P_TECH_NEED])  # absorb 0.5: factor 1 whatever absorb_weight
    st.p[K.P_ABSORB_W] = 2.0
    st.ent.absorb[0] = 0.8
    assert K.tech_need_probability(st.s, st.p, 0) == pytest.approx(
        st.p[K.P_TECH_NEED] * (1 + 2.0 * 0.3))


@pytest.mark.parametrize("patience", [3, 12])
def test_unmet_need_lapses_after_patience(prov, patience):
    st = _fresh(prov, _p(prov, search_prob=0.0, aware_gain=0.0, need_patience=patience))
    st.ent.need[0], st.ent.need_p[0] = K.NEED_NONE, 1.0
    _k(st, K.enterprise_step, 0, 0)
    st.ent.need_p[0] = 0.0
    kept = []
    for t in range(1, patience + 5):
        _k(st, K.enterprise_step, t, 0)
        kept.append(st.ent.need[0] != K.NEED_NONE)
    assert kept == [True] * patience + [False] * 4


def test_search_probability_rises_with_tg6(prov):
    st = _fresh(prov)
    p, fracs = st.p, []
    for e6 in (0.0, 1.0):
        st.G[K.G_E6], hits = e6, []
        for t in _trials(st, 19, 15, range(100)):
            st.ent.need[0], st.ent.need_age[0] = K.NEED_TECH, 0
            hits.append(_k(st, K.buyer_searches, t, 0))
        _bernoulli(hits, p[K.P_SEARCH] + (1 - p[K.P_SEARCH]) * p[K.P_AWARE_GAIN] * e6)
        fracs.append(np.mean(hits))
    assert fracs[1] > fracs[0]


# ---------------------------------------------------------------- search and purchase
def _one_offer(prov, origin=K.SCOPE_PROVINCE, kind=K.KIND_TECH, licences=3, dig=0,
               provincial=0, seller=2, **over):
    """A market whose only technology offer (research organisation ``seller``, sector 1,
    quality 0.8, price 0.5) every direct search sees, deals always close, and every buyer
    has a technology need in sector 1 with a huge willingness to pay."""
    p = _p(prov, **{"close_base": 1.0, "visibility.province": 1.0,
                    "visibility.vietnam": 1.0, "visibility.abroad": 1.0,
                    "k_direct": 4, "attend_prob": 0.0, **over})
    st, n_b = _fresh(prov, p), prov.n_buyers
    for o in _live(st):
        K.remove_offer(st.s, o)
    st.G[K.G_EVENT] = 0
    o = K.add_offer(st.s, seller, K.SELLER_RESEARCH, origin, kind, 1, 0.8, 0.5, dig,
                    licences, 1000, provincial, 0 if origin == K.SCOPE_PROVINCE else -1)
    e = st.ent
    e.need[:n_b], e.sector[:n_b], e.pref[:n_b] = K.NEED_TECH, 1, -1
    e.wtp[:n_b], e.tech[:n_b], e.absorb[:n_b] = 1e6, 0.2, 0.4
    return st, o


def _unit_benefit(p, tech=0.2, absorb=0.4, quality=0.8, fit=1.0):
    """What a buyer expects from an offer per unit of its willingness to pay: absorptive
    capacity (``absorb_weight``), technology complement (``tech_complement``), the
    valuation discount, fit and quality (``quality_weight``)."""
    return (1 + p[K.P_ABSORB_W] * (absorb - 0.5)) * (1 + p[K.P_TECH_COMPLEMENT] * tech) \
        * (1 - p[K.P_VAL_UNCERT]) * fit * (1 + p[K.P_QUALITY_W] * (quality - 0.5))


@pytest.mark.parametrize("origin,kind", [(K.SCOPE_PROVINCE, K.KIND_TECH),
                                         (K.SCOPE_VIETNAM, K.KIND_IP),
                                         (K.SCOPE_ABROAD, K.KIND_TECH)])
def test_purchase_is_recorded_and_buyer_learns(prov, origin, kind):
    st, o = _one_offer(prov, origin, kind)
    p, t, i = st.p, 5, 7
    _k(st, K.search_and_buy, t, i)
    Y, abroad = st.Y[0], origin == K.SCOPE_ABROAD
    assert Y[K.Y_COUNT] == 1 and Y[K.Y_N_TECH + kind] == 1 and Y[K.Y_N_DIRECT] == 1
    for col in (K.Y_VALUE, K.Y_V_TECH + kind, K.Y_V_PROVINCE + origin, K.Y_V_DIRECT):
        assert Y[col] == 0.5
    assert Y[K.Y_V_DOMESTIC] == Y[K.Y_V_RESEARCH_DOM] == (0.0 if abroad else 0.5)
    assert Y[K.Y_V_TECH_ABROAD] == (0.5 if abroad else 0.0)
    assert st.G[K.G_MV0 + t] == 0.5 and st.G[K.G_NTX] == 1
    cols = [K.TX_MONTH, K.TX_BUYER, K.TX_SELLER, K.TX_KIND, K.TX_VALUE, K.TX_ORIGIN,
            K.TX_CHANNEL, K.TX_OFFER]
    assert st.TX[0, cols].tolist() == [t, i, 2, kind, 0.5, origin, K.CH_DIRECT, o]
    assert st.offers.licences[o] == 2 and _live(st).tolist() == [o]
    gain = p[K.P_LEARN] * 0.4 * (0.8 - 0.2)
    assert st.ent.tech[i] == pytest.approx(0.2 + gain)
    assert st.ent.absorb[i] == pytest.approx(0.4 + p[K.P_ABSORB_LEARN] * 0.6)
    assert st.sectors.spill[1] == pytest.approx(gain)  # the sector's spill-over pool
    assert st.ent.need[i] == K.NEED_NONE and st.ent.purchases[i] == 1
    assert st.res.sold[2] == 1  # the seller's track record


def test_a_service_teaches_service_learn_share_of_a_technology(prov):
    st = _fresh(prov, _p(prov, service_learn_share=0.3))
    p, i, k = st.p, 3, 0  # slot 0: research organisation 0's standing service offer
    assert st.offers.kind[k] == K.KIND_SERVICE and st.offers.seller_type[k] == K.SELLER_RESEARCH
    st.ent.tech[i], st.ent.absorb[i], st.ent.need[i] = 0.1, 0.6, K.NEED_SERVICE
    q, licences = st.offers.quality[k], st.offers.licences[k]
    assert q > 0.1
    _k(st, K.transact, 4, i, k, K.CH_DIRECT, -1)
    assert st.ent.tech[i] == pytest.approx(0.1 + p[K.P_LEARN] * 0.6 * (q - 0.1) * 0.3)
    assert st.offers.licences[k] == licences and st.offers.active[k] == 1  # it stands
    assert st.res.sold[0] == 0  # services are no part of a research record
    assert st.Y[0, K.Y_N_SERVICE] == 1


@pytest.mark.parametrize("qw,aw,tc,same_sector", [(1.0, 1.0, 0.5, True),
                                                   (0.0, 2.0, 0.0, False),
                                                   (2.0, 0.0, 3.0, True)])
def test_a_buyer_buys_iff_its_valuation_exceeds_the_price(prov, qw, aw, tc, same_sector):
    st, o = _one_offer(prov, quality_weight=qw, absorb_weight=aw, tech_complement=tc,
                       licences=100)
    p = st.p
    if not same_sector:
        st.ent.sector[:] = 0  # the offer is for sector 1: fit is cross_fit
    fit = 1.0 if same_sector else p[K.P_CROSS_FIT]
    unit = _unit_benefit(p, fit=fit)
    for i, margin in enumerate((1.001, 0.999, 1.01, 0.99)):
        st.ent.wtp[i] = 0.5 * margin / unit
        _k(st, K.search_and_buy, 1, i)
    assert st.TX[: int(st.G[K.G_NTX]), K.TX_BUYER].tolist() == [0, 2]


def test_no_willingness_no_purchase_and_licences_run_out(prov):
    st, o = _one_offer(prov)
    st.ent.wtp[:] = 1e-9
    for t in range(30):
        _k(st, K.search_and_buy, t, 0)
    assert st.Y.sum() == 0 and st.offers.licences[o] == 3
    assert st.ent.need[0] == K.NEED_TECH
    st.ent.wtp[:] = 1e6
    for i in range(4):
        _k(st, K.search_and_buy, 31, i)
    assert st.G[K.G_NTX] == 3 and st.offers.active[o] == 0  # three licences, then gone
    assert st.G[K.G_N_LIVE] == 0 and st.offers.pos[o] == -1
    assert st.ent.need[3] == K.NEED_TECH


def test_tg2_co_funding_makes_a_dear_offer_affordable(prov):
    st, o = _one_offer(prov)
    p = st.p
    benefit = 0.4  # below the price 0.5, above the price net of the full co-funding
    assert 0.5 * (1 - p[K.P_SUBSIDY]) < benefit
    st.ent.wtp[:] = benefit / _unit_benefit(p)
    _k(st, K.search_and_buy, 1, 0)
    assert st.G[K.G_NTX] == 0
    st.G[K.G_E2] = 1.0  # TG2's capability stock does not co-fund
    _k(st, K.search_and_buy, 2, 0)
    assert st.G[K.G_NTX] == 0
    st.G[K.G_E2_COFUND] = 1.0  # this year's co-funding does
    _k(st, K.search_and_buy, 3, 0)
    assert st.G[K.G_NTX] == 1 and st.TX[0, K.TX_VALUE] == 0.5  # value at the full price


@pytest.mark.parametrize("dig", [0, 1])
def test_an_offer_is_seen_with_its_visibility(prov, dig):
    st, o = _one_offer(prov, K.SCOPE_VIETNAM, dig=dig, **{"visibility.vietnam": 0.2},
                       k_direct=1, licences=10**9)
    for t in _trials(st, 21, 15, range(100)):
        st.ent.need[0] = K.NEED_TECH
        _k(st, K.search_and_buy, t, 0)
    seen = np.arange(1500) < st.G[K.G_NTX]  # every offer seen is bought
    _bernoulli(seen, 0.2 * (st.p[K.P_DIG_VIS] if dig else 1.0))  # digitised: easier to find


def test_channels_event_and_intermediary(prov):
    st, o = _one_offer(prov, attend_prob=1.0, p_use_int=1.0, int_cap_base=3.0, licences=100,
                       vis_event=1.0, vis_int_local=1.0)
    st.G[K.G_EVENT] = 1
    _k(st, K.search_and_buy, 3, 0)
    st.G[K.G_EVENT] = 0
    k = K.open_intermediary(st.s, st.p, 3, 0)
    for i in range(1, 5):
        _k(st, K.search_and_buy, 4, i)
    assert st.TX[:5, K.TX_CHANNEL].tolist() == [K.CH_EVENT] + [K.CH_INTERMEDIARY] * 3 + [
        K.CH_DIRECT]  # the fifth buyer finds the intermediary full
    assert st.ints.used[k] == 3 and st.Y[0, K.Y_N_INTERMEDIARY] == 3
    assert st.Y[0, K.Y_N_EVENT] == 1 and st.Y[0, K.Y_V_EVENT] == 0.5


@pytest.mark.parametrize("n_events", [1, 3])
def test_each_event_is_attended_with_attend_prob(prov, n_events):
    st, o = _one_offer(prov, attend_prob=0.25, licences=10**9, vis_event=1.0)
    st.G[K.G_EVENT] = n_events
    for t in _trials(st, 9, 15, range(100)):
        st.ent.need[0] = K.NEED_TECH
        _k(st, K.search_and_buy, t, 0)
    assert st.G[K.G_NTX] == 1500  # every search buys, at an event or directly
    _bernoulli(st.TX[:1500, K.TX_CHANNEL] == K.CH_EVENT, 1 - 0.75**n_events)


def test_offers_expire_and_the_live_list_stays_consistent(prov):
    st = _fresh(prov)
    n_live = [len(_live(st))]
    for t in range(1, 40):
        _k(st, K.month_begin, t)
        n_live.append(len(_live(st)))
        live = _live(st)
        assert (st.offers.expires[live] >= t).all() and (st.offers.active[live] == 1).all()
        assert np.array_equal(st.offers.pos[live], np.arange(len(live)))
        n_s = int(st.G[K.G_N_SERVICE])
        assert st.offers.active[n_s:].sum() == len(live)  # nothing live outside the list
        assert len(live) + st.G[K.G_N_FREE] == len(st.offers.active) - n_s
    assert n_live[0] > 10 and (np.diff(n_live) <= 0).all()
    assert n_live[int(st.p[K.P_OFFER_LIFE])] == 0  # the initial stock is gone after a life


@pytest.mark.parametrize("origin,provincial", [(K.SCOPE_PROVINCE, 0), (K.SCOPE_VIETNAM, 1),
                                               (K.SCOPE_VIETNAM, 0)])
def test_closing_probability_rises_with_tg1(prov, origin, provincial):
    fracs = []
    for e1 in (0.0, 1.0):
        st, o = _one_offer(prov, origin, provincial=provincial, close_base=0.45,
                           licences=10**9, tg1_outside_reach=0.5)
        st.G[K.G_E1] = e1
        for t in _trials(st, 8, 15, range(100)):
            st.ent.need[0] = K.NEED_TECH
            _k(st, K.search_and_buy, t, 0)
        bought = np.arange(1500) < st.G[K.G_NTX]
        # TG1 reaches outside sellers' own offers less
        reach = 1.0 if origin == K.SCOPE_PROVINCE or provincial else 0.5
        _bernoulli(bought, 0.45 + 0.55 * st.p[K.P_CLOSE_GAIN] * e1 * reach)
        fracs.append(bought.mean())
    assert fracs[1] > fracs[0]


@pytest.mark.parametrize("reach", [0.0, 0.3, 1.0])
def test_tg1_raises_closing_for_in_province_and_provincial_offers(prov, reach):
    """TG1's commercialisation policy acts on offers of in-province sellers and of
    provincial tasks; on others only through ``tg1_outside_reach``."""
    st, _ = _one_offer(prov, tg1_outside_reach=reach, close_base=0.3)
    p = st.p
    cases = [(K.SCOPE_PROVINCE, 0, 1.0), (K.SCOPE_VIETNAM, 1, 1.0), (K.SCOPE_VIETNAM, 0, reach),
             (K.SCOPE_ABROAD, 0, reach)]
    slots = [K.add_offer(st.s, 1, K.SELLER_RESEARCH, origin, K.KIND_TECH, 1, 0.5, 0.5, 0,
                         3, 1000, provincial, 0 if origin == K.SCOPE_PROVINCE else -1)
             for origin, provincial, _ in cases]
    for e1 in (0.0, 0.4, 1.0):
        st.G[K.G_E1] = e1
        for k, (_, _, r) in zip(slots, cases, strict=True):
            want = 0.3 + 0.7 * p[K.P_CLOSE_GAIN] * e1 * r
            # buyer 0: in the province's one area, served by the programme
            assert K.close_probability(st.s, p, 0, k) == pytest.approx(want, abs=1e-15)


def test_channel_visibility(prov):
    p, vis = _p(prov, vis_event=0.9, vis_int_local=0.7), K.channel_visibility
    # G: NG zeroed scalars
    s = K.allocate(prov.EI0, prov.RI0, prov.XI0, prov.AR0, prov.merge_month, 1, 1, 1, 0, 1)
    K.set_structure(s, p)
    for origin in (K.SCOPE_PROVINCE, K.SCOPE_ABROAD):  # at an event: vis_event, any origin
        assert vis(s, p, K.CH_EVENT, origin, 0, 1.0) == vis(s, p, K.CH_EVENT, origin, 1, 1.0) == 0.9
    assert vis(s, p, K.CH_DIRECT, K.SCOPE_PROVINCE, 0, 1.0) == _q(prov, p, "visibility", 0)
    assert vis(s, p, K.CH_DIRECT, K.SCOPE_VIETNAM, 0, 1.0) == _q(prov, p, "visibility", 1)
    assert vis(s, p, K.CH_INTERMEDIARY, K.SCOPE_PROVINCE, 0, 1.0) == 0.7  # vis_int_local
    assert vis(s, p, K.CH_INTERMEDIARY, K.SCOPE_PROVINCE, 1, 1.0) == 0.7
    assert vis(s, p, K.CH_INTERMEDIARY, K.SCOPE_VIETNAM, 0, 1.0) == p[K.P_INT_VIS_UNCONN]
    assert vis(s, p, K.CH_INTERMEDIARY, K.SCOPE_VIETNAM, 1, 1.0) == 1.0
    direct_abroad = vis(s, p, K.CH_DIRECT, K.SCOPE_ABROAD, 0, 1.0)
    s.G[K.G_E6] = 0.5  # TG6 opens foreign offers, and only them
    assert vis(s, p, K.CH_DIRECT, K.SCOPE_ABROAD, 0, 1.0) == pytest.approx(
        direct_abroad * (1 + 0.5 * p[K.P_INTL_GAIN]))
    assert vis(s, p, K.CH_DIRECT, K.SCOPE_VIETNAM, 0, 1.0) == _q(prov, p, "visibility", 1)


# ---------------------------------------------------------------- events, the year
def test_events_per_month_rise_with_tg5(prov):
    st, means = _fresh(prov), []
    p = st.p
    for k5 in (0.0, 50.0):  # TG5's capability stock at the start of the month
        counts, rates, st.Y[:] = [], [], 0
        for t in _trials(st, 17, 20, [t for t in range(120) if t % 12]):  # no January
            st.G[K.G_K5], st.G[K.G_P5] = k5, 0.0
            _k(st, K.month_begin, t)
            e5 = st.G[K.G_E5]  # the stock after a month's depreciation, saturated
            assert e5 == pytest.approx(K.saturating(k5 * np.exp(-p[K.P_DECAY5] / 12),
                                                    p[K.P_H5]))
            rates.append((p[K.P_EVENT_BASE] + (p[K.P_EVENT_MAX] - p[K.P_EVENT_BASE]) * e5) / 12)
            counts.append(st.G[K.G_EVENT])
        _within(np.mean(counts), np.mean(rates), np.sqrt(np.mean(rates) / len(counts)))
        assert st.Y[:, K.Y_EVENTS].sum() == sum(counts)
        means.append(np.mean(counts))
    assert means[1] > 2 * means[0]


def test_year_update_levers_capacity_and_spillover(prov):
    budget = (0.2, 1.5, 0.0, 0.4, 3.0, 0.1)
    st, n_b = _fresh(prov, budget=budget), prov.n_buyers
    p = st.p
    tech0, absorb0 = st.ent.tech[:n_b].copy(), st.ent.absorb[:n_b].copy()
    wtp0 = st.ent.wtp[:n_b].copy()
    st.sectors.spill[1] = 0.5
    _k(st, K.year_update, 0)
    assert np.array_equal(st.ent.absorb[:n_b], absorb0)  # nothing learnt before t = 0
    assert np.array_equal(st.ent.tech[:n_b], tech0)
    # the year's budget builds capability only through the stocks (build_stocks) ...
    assert (st.G[K.G_E1: K.G_E1 + 6] == 0).all() and (st.G[K.G_K1: K.G_K1 + 6] == 0).all()
    # ... but TG2's co-funding share pays for purchases at once (a fast instrument)
    assert st.G[K.G_E2_COFUND] == pytest.approx(
        K.saturating(p[K.P_COFUND_SHARE] * 1.5, p[K.P_H2_COFUND]))
    st.lev[1, 1] = 0.0  # no TG2 budget in year 1: no co-funding, whatever its capability
    st.G[K.G_E2] = 0.4  # TG2's capability
    st.sectors.spill[1] = 0.5  # last year's technology gains in sector 1
    _k(st, K.year_update, 12)
    assert st.G[K.G_E2_COFUND] == 0.0
    assert np.allclose(st.ent.absorb[:n_b], absorb0 + p[K.P_ABSORB_GAIN] * 0.4 * (1 - absorb0))
    # sector 1's firms share spill_rate x its pool, in proportion to absorptive capacity
    in_1 = st.ent.sector[:n_b] == 1
    gain = st.ent.tech[:n_b] - tech0
    assert gain[in_1].sum() == pytest.approx(p[K.P_SPILL] * 0.5)
    assert np.allclose(gain[in_1], p[K.P_SPILL] * 0.5 * absorb0[in_1] / absorb0[in_1].sum())
    assert (gain[~in_1] == 0).all()
    assert np.allclose(st.ent.wtp[:n_b], wtp0 * (1 + p[K.P_ECON_GROWTH]))
    assert (st.sectors.spill == 0).all()
    need = [K.need_probability(st.s, p, i) for i in range(n_b)]
    assert np.allclose(st.ent.need_p[:n_b], need)
    assert st.Y[1, K.Y_BUDGET] == pytest.approx(sum(budget) - 1.5)


def test_prices_grow_with_incomes_as_willingness_to_pay_does(prov):
    """Standing services' prices, new offers' prices and buyers' willingness to pay all
    grow with the income index: no drift between them."""
    st, n_b = _fresh(prov, _p(prov, economic_growth=0.07)), prov.n_buyers
    p, n_s = st.p, int(st.G[K.G_N_SERVICE])
    price0, wtp0 = st.offers.price[:n_s].copy(), st.ent.wtp[:n_b].copy()
    wtps0 = st.ent.wtp_service[:n_b].copy()
    goods = [(kind, origin) for kind in range(4) for origin in range(3)]
    draw0 = [K.draw_price(st.s, p, st.key, 30, 5, 2, kind, o, 0.6) for kind, o in goods]
    for t in (0, 12, 24, 36):
        _k(st, K.year_update, t)
    g = 1.07**3
    assert st.G[K.G_INCOME] == pytest.approx(g, rel=1e-14)
    assert np.allclose(st.offers.price[:n_s] / price0, g, rtol=1e-12, atol=0)
    assert np.allclose(st.ent.wtp[:n_b] / wtp0, g, rtol=1e-12, atol=0)
    assert np.allclose(st.ent.wtp_service[:n_b] / wtps0, g, rtol=1e-12, atol=0)
    draw3 = [K.draw_price(st.s, p, st.key, 30, 5, 2, kind, o, 0.6) for kind, o in goods]
    assert np.allclose(np.divide(draw3, draw0), g, rtol=1e-12, atol=0)  # same draw
    mult = [_q(prov, p, "price_mult", j) for j in range(3)]
    for kind, origin in goods:
        want = K.kind_price(p, kind) * mult[origin] * (1 + p[K.P_QUALITY_W] * 0.1) * g
        assert K.median_price(st.s, p, kind, origin, 0.6) == pytest.approx(want, rel=1e-12)
    assert K.kind_price(p, K.KIND_IP) == p[K.P_PRICE_IP]
    assert K.kind_price(p, K.KIND_SERVICE) == p[K.P_PRICE_SERV]


# ---------------------------------------------------------------- capability stocks
BUDGET = np.array([0.3, 0.9, 0.8, 0.5, 0.3, 0.2])  # bn VND a year, per task group


def _stocks(prov, lev, **over):
    """Capability stocks month by month under yearly budgets ``lev`` (float64[6, years]),
    from :func:`build_stocks` alone.

    Returns
    -------
    p : float64[NP]
    K_, pipe, E : float64[months, 6]
        Each group's stock, budget still in the pipeline, and effect, after each month.
    """
    p = _p(prov, **over)
    s = K.allocate(prov.EI0, prov.RI0, prov.XI0, prov.AR0, prov.merge_month, 1, 1, 1, 0, 1)
    lev = np.ascontiguousarray(lev, dtype=np.float64)
    n, G = 12 * lev.shape[1], s.G
    out = np.zeros((3, n, 6))
    for t in range(n):
        K.build_stocks(s, p, lev, t)
        out[0, t] = G[K.G_K1: K.G_K1 + 6]
        out[1, t] = G[K.G_P1: K.G_P1 + 6] + G[K.G_Q1: K.G_Q1 + 6]
        out[2, t] = G[K.G_E1: K.G_E1 + 6]
    return p, *out


def _decays(p):
    return p[K.P_DECAY1: K.P_DECAY1 + 6]


def _capability_share(p):
    """The share of each group's budget that builds capability: all of it, but TG2's
    co-funding share, spent on purchases in the year."""
    share = np.ones(6)
    share[1] = 1.0 - p[K.P_COFUND_SHARE]
    return share


@pytest.mark.parametrize("lag_form", [0, 1])
def test_capability_stock_approaches_budget_over_decay(prov, lag_form):
    p, k, pipe, e = _stocks(prov, np.tile(BUDGET[:, None], (1, 100)), lag_form=lag_form)
    d, h = _decays(p), p[K.P_H1: K.P_H1 + 6]
    # steady state of monthly spending B/12 and monthly depreciation 1 - exp(-d/12)
    b = BUDGET * _capability_share(p)
    assert 0 < b[1] < BUDGET[1]
    assert np.allclose(k[-1], b / 12 / (1 - np.exp(-d / 12)), rtol=1e-4, atol=0)
    assert np.allclose(k[-1], b / d, rtol=0.05, atol=0)  # about budget over decay
    assert (np.diff(k[:, 0]) > 0).all()  # it grows all the way
    assert np.allclose(e, k / (k + h), rtol=1e-14, atol=0)  # effect: stock / (stock + h)
    # each group's stock is built by its own budget only
    one = np.zeros((6, 3))
    one[3] = 0.5
    _, k4, _, e4 = _stocks(prov, one, lag_form=lag_form)
    assert (k4[:, 3] > 0).all() and (np.delete(k4, 3, axis=1) == 0).all()
    assert (np.delete(e4, 3, axis=1) == 0).all()


def test_first_order_delay_builds_more_capability_in_the_first_year(prov):
    lev = np.tile(BUDGET[:, None], (1, 5))
    p, k1, _, _ = _stocks(prov, lev, lag_form=0)
    _, k2, _, _ = _stocks(prov, lev, lag_form=1)
    slow = p[K.P_BUILD1: K.P_BUILD1 + 6] >= 1.0  # build-up of a year or more
    assert slow.sum() >= 4
    assert (k1[11, slow] > k2[11, slow]).all() and (k2[11] > 0).all()  # after one year
    assert (k1[0] > k2[0]).all()  # first order starts at once, second slowly
    assert np.allclose(k1[-1], k2[-1], rtol=0.05)  # to much the same level


@pytest.mark.parametrize("lag_form", [0, 1])
def test_capability_arrives_after_the_build_up_time_and_nothing_leaks(prov, lag_form):
    """One year's budget (spent evenly, mean month 5.5), no depreciation: all of it
    becomes capability, on average ``build_tgN`` years after it is spent."""
    lev = np.zeros((6, 40))
    lev[:, 0] = BUDGET
    p, k, pipe, _ = _stocks(prov, lev, lag_form=lag_form,
                            **{f"decay_tg{g}": 0.0 for g in range(1, 7)})
    b = BUDGET * _capability_share(p)
    spent = b * np.minimum(np.arange(1, 481), 12)[:, None] / 12
    assert np.allclose(k + pipe, spent, rtol=1e-12, atol=0)  # spending in pipeline or stock
    assert np.allclose(k[-1], b, rtol=1e-6, atol=0)
    inflow = np.diff(k, axis=0, prepend=0.0)
    arrival = (np.arange(480)[:, None] * inflow).sum(0) / inflow.sum(0)
    build = p[K.P_BUILD1: K.P_BUILD1 + 6]
    assert np.all(np.abs(arrival - 5.5 - 12 * build) < 1.0), arrival - 5.5 - 12 * build


@pytest.mark.parametrize("lag_form", [0, 1])
def test_capability_depreciates_at_its_decay_rate(prov, lag_form):
    p = _p(prov, lag_form=lag_form)
    s = K.allocate(prov.EI0, prov.RI0, prov.XI0, prov.AR0, prov.merge_month, 1, 1, 1, 0, 1)
    s.G[K.G_K1: K.G_K1 + 6] = 2.0  # a stock and an empty pipeline, no budget
    for t in range(24):
        K.build_stocks(s, p, np.zeros((6, 2)), t)
    assert np.allclose(s.G[K.G_K1: K.G_K1 + 6], 2.0 * np.exp(-2 * _decays(p)), rtol=1e-12)
    # after a budget stops, the pipeline empties and the stock falls at the same rate
    lev = np.zeros((6, 27))
    lev[:, :10] = BUDGET[:, None]
    p, k, pipe, _ = _stocks(prov, lev, lag_form=lag_form)
    d = _decays(p)
    assert (k[12 * 10 + 11] / k[12 * 10 - 1] > np.exp(-d)).all()  # the pipeline delivers
    assert np.allclose(k[12 * 26 + 11] / k[12 * 25 + 11], np.exp(-d), rtol=2e-3)


@pytest.mark.parametrize("cofund", [0.0, 1.0])
def test_tg2_splits_its_budget_between_co_funding_and_capability(prov, cofund):
    p, k, _, _ = _stocks(prov, np.tile(BUDGET[:, None], (1, 3)), cofund_share=cofund)
    assert (k[-1, 1] > 0) == (cofund < 1.0)  # all to co-funding: no capability
    _, k_half, _, _ = _stocks(prov, np.tile(BUDGET[:, None], (1, 3)), cofund_share=0.5)
    assert k_half[-1, 1] == pytest.approx(0.5 * _stocks(prov, np.tile(BUDGET[:, None], (1, 3)),
                                                         cofund_share=0.0)[1][-1, 1])
    st = _fresh(prov, p, budget=BUDGET)
    _k(st, K.year_update, 0)
    assert st.G[K.G_E2_COFUND] == pytest.approx(K.saturating(cofund * BUDGET[1],
                                                             p[K.P_H2_COFUND]))
    assert (st.G[K.G_E2_COFUND] > 0) == (cofund > 0)


def test_month_begin_builds_the_stocks(prov):
    st = _fresh(prov, budget=BUDGET, months=36)
    _, k, _, e = _stocks(prov, np.tile(BUDGET[:, None], (1, 3)))
    for t in range(36):
        _k(st, K.month_begin, t)
        assert np.array_equal(st.G[K.G_K1: K.G_K1 + 6], k[t])
        assert np.array_equal(st.G[K.G_E1: K.G_E1 + 6], e[t])
        if t % 12 == 11:  # recorded in December
            _k(st, K.month_end, t)
            assert np.array_equal(st.Y[t // 12, K.Y_K1: K.Y_K1 + 6], k[t])
