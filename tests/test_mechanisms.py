"""Each behavioural mechanism on its own: the numba kernels driven one at a time on
the state of a small province (``bac_kan`` scaled to 5%).

Statistical checks use fixed keys, thousands of draws and tolerances of several
standard errors, so they are deterministic and fail only if a rule changes.
"""

from __future__ import annotations

import copy
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
    """Bắc Kạn scaled to 5% (66 buyers, 4 vendors, 5 research organisations)."""
    return load_profile("bac_kan").scaled(0.05)


def _p(prov, **over):
    """Central parameter vector with some values set by name (no range check)."""
    p = prov.space.central()
    for name, v in over.items():
        p[K.PARAM_NAMES.index(name)] = v
    return p


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


# ---------------------------------------------------------------- needs
def test_need_probability_rules(prov):
    st = _fresh(prov)
    p, s = st.p, st.s._replace(G=np.zeros(K.NG))  # scratch scalars: no lever effect
    ent, G = s.ent.view(np.recarray), s.G
    ent.tech[0] = p[K.P_TECH0]
    ent.size_class[0] = ent.sector[0] = ent.coop[0] = ent.rd[0] = 0
    base = K.need_probability(s, p, 0)
    assert base == pytest.approx(p[K.P_NEED_RATE] * p[K.P_SEC_AGRO])
    G[K.G_E2] = 0.5  # TG2
    assert K.need_probability(s, p, 0) == pytest.approx(base * (1 + 0.5 * p[K.P_NEED_GAIN]))
    G[K.G_E2], ent.size_class[0] = 0.0, 2
    assert K.need_probability(s, p, 0) == pytest.approx(base * p[K.P_SIZE_MEDIUM])
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
    for t in _trials(st, 4, 40, [30]):  # technology-level w.p. share * (0.5 + absorb)
        st.ent.need[:n_b:2] = K.NEED_NONE
        for i in range(0, n_b, 2):
            _k(st, K.enterprise_step, t, i)
        tech.extend(st.ent.need[:n_b:2] == K.NEED_TECH)
    _bernoulli(tech, st.p[K.P_TECH_NEED])


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
def _one_offer(prov, origin=K.LOC_PROVINCE, kind=K.KIND_TECH, licences=3, dig=0, **over):
    """A market whose only technology offer (research seller 2, sector 1, quality 0.8,
    price 0.5) every search sees, deals always close, and every buyer has a
    technology need in sector 1 with a huge willingness to pay."""
    p = _p(prov, **{"close_base": 1.0, "vis_local": 1.0, "vis_vn": 1.0, "vis_abroad": 1.0,
                    "k_direct": 4, "attend_prob": 0.0, **over})
    st, n_b = _fresh(prov, p), prov.n_buyers
    for o in _live(st):
        K.remove_offer(st.s, o)
    st.G[K.G_EVENT] = 0
    o = K.add_offer(st.s, 2, K.SELLER_RESEARCH, origin, kind, 1, 0.8, 0.5, dig, licences,
                    1000, 0)
    e = st.ent
    e.need[:n_b], e.sector[:n_b], e.pref[:n_b] = K.NEED_TECH, 1, -1
    e.wtp[:n_b], e.tech[:n_b], e.absorb[:n_b] = 1e6, 0.2, 0.4
    return st, o


@pytest.mark.parametrize("origin,kind", [(K.LOC_PROVINCE, K.KIND_TECH),
                                         (K.LOC_VIETNAM, K.KIND_IP),
                                         (K.LOC_ABROAD, K.KIND_TECH)])
def test_purchase_is_recorded_and_buyer_learns(prov, origin, kind):
    st, o = _one_offer(prov, origin, kind)
    p, t, i = st.p, 5, 7
    _k(st, K.search_and_buy, t, i)
    Y, abroad = st.Y[0], origin == K.LOC_ABROAD
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
    assert st.G[K.G_SPILL0 + 1] == pytest.approx(gain)  # the sector's spill-over pool
    assert st.ent.need[i] == K.NEED_NONE and st.ent.purchases[i] == 1


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
    st.ent.wtp[:] = benefit / ((0.5 + 0.4) * (1 - p[K.P_VAL_UNCERT]) * (0.5 + 0.8))
    _k(st, K.search_and_buy, 1, 0)
    assert st.G[K.G_NTX] == 0
    st.G[K.G_E2] = 1.0
    _k(st, K.search_and_buy, 2, 0)
    assert st.G[K.G_NTX] == 1 and st.TX[0, K.TX_VALUE] == 0.5  # value at the full price


@pytest.mark.parametrize("dig", [0, 1])
def test_an_offer_is_seen_with_its_visibility(prov, dig):
    st, o = _one_offer(prov, K.LOC_VIETNAM, dig=dig, vis_vn=0.2, k_direct=1, licences=10**9)
    for t in _trials(st, 21, 15, range(100)):
        st.ent.need[0] = K.NEED_TECH
        _k(st, K.search_and_buy, t, 0)
    seen = np.arange(1500) < st.G[K.G_NTX]  # every offer seen is bought
    _bernoulli(seen, 0.2 * (st.p[K.P_DIG_VIS] if dig else 1.0))  # digitised: easier to find


def test_channels_event_and_intermediary(prov):
    st, o = _one_offer(prov, attend_prob=1.0, p_use_int=1.0, int_cap_base=3.0, licences=100)
    st.G[K.G_EVENT] = 1
    _k(st, K.search_and_buy, 3, 0)
    st.G[K.G_EVENT] = 0
    k = K.form_intermediary(st.s, st.p, 3, 0)
    for i in range(1, 5):
        _k(st, K.search_and_buy, 4, i)
    assert st.TX[:5, K.TX_CHANNEL].tolist() == [K.CH_EVENT] + [K.CH_INTERMEDIARY] * 3 + [
        K.CH_DIRECT]  # the fifth buyer finds the intermediary full
    assert st.ints.used[k] == 3 and st.Y[0, K.Y_N_INTERMEDIARY] == 3
    assert st.Y[0, K.Y_N_EVENT] == 1 and st.Y[0, K.Y_V_EVENT] == 0.5


@pytest.mark.parametrize("n_events", [1, 3])
def test_each_event_is_attended_with_attend_prob(prov, n_events):
    st, o = _one_offer(prov, attend_prob=0.25, licences=10**9)
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


def test_closing_probability_rises_with_tg1(prov):
    fracs = []
    for e1 in (0.0, 1.0):
        st, o = _one_offer(prov, close_base=0.45, licences=10**9)
        st.G[K.G_E1] = e1
        for t in _trials(st, 8, 15, range(100)):
            st.ent.need[0] = K.NEED_TECH
            _k(st, K.search_and_buy, t, 0)
        bought = np.arange(1500) < st.G[K.G_NTX]
        _bernoulli(bought, 0.45 + 0.55 * st.p[K.P_CLOSE_GAIN] * e1)
        fracs.append(bought.mean())
    assert fracs[1] > fracs[0]


def test_channel_visibility(prov):
    p, vis = _p(prov), K.channel_visibility
    s = K.allocate(prov.EI0, prov.RI0, 1, 1, 1, 0, 1)  # G: NG zeroed scalars
    assert vis(s, p, K.CH_EVENT, K.LOC_ABROAD, 0) == 1.0
    assert vis(s, p, K.CH_DIRECT, K.LOC_PROVINCE, 0) == p[K.P_VIS_LOCAL]
    assert vis(s, p, K.CH_DIRECT, K.LOC_VIETNAM, 0) == p[K.P_VIS_VN]
    assert vis(s, p, K.CH_INTERMEDIARY, K.LOC_PROVINCE, 0) == 1.0
    assert vis(s, p, K.CH_INTERMEDIARY, K.LOC_VIETNAM, 0) == p[K.P_INT_VIS_UNCONN]
    assert vis(s, p, K.CH_INTERMEDIARY, K.LOC_VIETNAM, 1) == 1.0
    direct_abroad = vis(s, p, K.CH_DIRECT, K.LOC_ABROAD, 0)
    s.G[K.G_E6] = 0.5  # TG6 opens foreign offers, and only them
    assert vis(s, p, K.CH_DIRECT, K.LOC_ABROAD, 0) == pytest.approx(
        direct_abroad * (1 + 0.5 * p[K.P_INTL_GAIN]))
    assert vis(s, p, K.CH_DIRECT, K.LOC_VIETNAM, 0) == p[K.P_VIS_VN]


# ---------------------------------------------------------------- supply
def _research_offers(prov, loc, rate, months, **G_set):
    """Run the first research organisation at ``loc`` alone for ``months`` months at
    ``rate`` offers a month, with G columns set by name (``G_E1=1.0``); return the
    state and the slots of the new offers."""
    st = _fresh(prov, seed=5, months=months, offers=int(rate * months * 1.5) + 300)
    r = int(np.flatnonzero(prov.RI0[:, K.RS_LOC] == loc)[0])
    for name, v in G_set.items():
        st.G[getattr(K, name)] = v
    st.res.rate[r], st.res.exp_rate[r] = rate, np.exp(-rate)
    n0 = int(st.G[K.G_N_LIVE])
    for t in range(months):
        _k(st, K.research_step, t, r)
    new = _live(st)[n0:]  # nothing expires or sells: new offers are appended
    assert (st.offers.seller[new] == r).all() and (st.offers.origin[new] == loc).all()
    return st, new


def test_research_output_at_poisson_rate(prov):
    st, new = _research_offers(prov, K.LOC_PROVINCE, 0.4, 3000)
    _within(len(new), 0.4 * 3000, np.sqrt(0.4 * 3000))
    assert (st.offers.provincial[new] == 1).all()
    assert (st.offers.licences[new] == st.p[K.P_LICENCES]).all()
    month = st.offers.expires[new] - st.p[K.P_OFFER_LIFE]
    _within(np.bincount(month.astype(int)).var(), 0.4, 0.05)  # Poisson: variance = mean


def test_ip_protection_rises_with_tg1(prov):
    shares = []
    for e1 in (0.0, 1.0):
        st, new = _research_offers(prov, K.LOC_VIETNAM, 3.0, 1000, G_E1=e1)
        ip = st.offers.kind[new] == K.KIND_IP
        _bernoulli(ip, st.p[K.P_IP_BASE] + st.p[K.P_IP_GAIN] * e1)
        shares.append(ip.mean())
    assert shares[1] > shares[0] + 0.1


def test_digitisation_rises_with_tg3_for_provincial_results_only(prov):
    outside = []
    for e3 in (0.0, 1.0):
        st, new = _research_offers(prov, K.LOC_PROVINCE, 3.0, 1000, G_E3=e3)
        dig = st.offers.digitised[new]
        _bernoulli(dig, st.p[K.P_DIG_BASE] + st.p[K.P_DIG_GAIN] * e3)
        commercial = st.offers.kind[new] != K.KIND_RESULT
        assert st.Y[:, K.Y_RESULTS_COMMERCIAL].sum() == commercial.sum()
        assert st.Y[:, K.Y_RESULTS_DIGITISED].sum() == dig[commercial].sum()
        st, new = _research_offers(prov, K.LOC_VIETNAM, 3.0, 300, G_E3=e3)
        ints = [f for f in st.offers.dtype.names if f not in ("quality", "price")]
        outside.append(np.stack([st.offers[f][new] for f in ints]))  # every integer attribute
        assert st.Y[:, K.Y_RESULTS_COMMERCIAL].sum() == 0  # not provincial
    assert np.array_equal(outside[0], outside[1])  # same draws, national rate: unchanged


def test_enterprise_centred_share_rises_with_tg3(prov):
    share = []
    for e3 in (0.0, 0.5, 1.0):
        st = _fresh(prov)
        p, ec, local = st.p, [], []
        st.G[K.G_E3] = e3
        for t in range(100):
            st.tasks[:] = 0
            for j in range(20):
                _k(st, K.new_task, t, j, False)
            ti = st.tasks[st.tasks.active == 1]  # the active tasks
            dur = ti.end - t
            assert len(ti.active) == 20 and (dur >= p[K.P_TASK_DMIN]).all()
            assert (dur < p[K.P_TASK_DMAX]).all()
            assert ((ti.partner >= 0) == (ti.ec == 1)).all()
            with_ec = ti.ec == 1
            assert (st.ent.sector[ti.partner[with_ec]] == ti.sector[with_ec]).all()
            ec.extend(ti.ec)
            local.extend(st.res.loc[ti.org] == K.LOC_PROVINCE)
        _bernoulli(ec, p[K.P_EC_BASE] + (p[K.P_EC_MAX] - p[K.P_EC_BASE]) * e3)
        _bernoulli(local, p[K.P_LOCAL_TASK])
        assert st.Y[:, K.Y_TASKS_NEW].sum() == 2000 and st.Y[:, K.Y_TASKS_EC].sum() == sum(ec)
        share.append(np.mean(ec))
    assert share[0] < share[1] < share[2]


def _finish_task(st, t, partner):
    """Make slot 0 the only task: enterprise-centred, in-province, sector 1, ending at ``t``."""
    org = int(np.flatnonzero(st.res.loc == K.LOC_PROVINCE)[0])
    # active, org, sector, ec, end, partner
    st.tasks[:] = 0
    st.tasks[0] = (1, org, 1, 1, t, partner)
    st.G[K.G_TASK_HIGH] = 1


@pytest.mark.parametrize("uptake", [0.0, 1.0])
def test_task_completion_delivers_offers_and_partner_need(prov, uptake):
    p = _p(prov, partner_uptake=uptake, mr_ec=1.0, ip_protect_base=0.0, close_base=1.0,
           k_direct=0, results_per_task=1.0)
    st, b, t = _fresh(prov, p), 4, 7
    st.ent.need[b], st.ent.pref[b], st.ent.sector[b] = K.NEED_NONE, -1, 1
    _finish_task(st, t, b)
    n0 = int(st.G[K.G_N_LIVE])
    _k(st, K.month_end, t)
    assert st.tasks.active[0] == 0 and st.G[K.G_N_LIVE] == n0 + 1
    o = _live(st)[n0]
    assert st.offers.kind[o] == K.KIND_TECH and st.offers.provincial[o] == 1
    if uptake == 0.0:
        assert st.ent.need[b] == K.NEED_NONE and st.Y[0, K.Y_NEEDS] == 0
        return
    assert st.ent.need[b] == K.NEED_TECH and st.ent.pref[b] == o
    assert st.Y[0, K.Y_NEEDS] == 1
    st.ent.wtp[b] = 1e6
    stale = copy.deepcopy(st)  # the result sells out and its slot goes to another offer
    K.remove_offer(stale.s, o)
    assert K.add_offer(stale.s, 0, K.SELLER_ENTERPRISE, K.LOC_ABROAD, K.KIND_TECH, 1, 0.9,
                       0.1, 0, 3, 100, 0) == o
    _k(stale, K.search_and_buy, t + 1, b)
    assert stale.G[K.G_NTX] == 0  # a preference is for that offer, not for the slot
    _k(st, K.search_and_buy, t + 1, b)  # looks at nothing (k_direct 0) but its own result
    assert st.G[K.G_NTX] == 1 and st.TX[0, K.TX_OFFER] == o


def test_results_per_task_mean(prov):
    st = _fresh(prov, _p(prov, results_per_task=2.0), offers=6000)
    n0 = st.G[K.G_N_LIVE]
    for t in _trials(st, 3, 20, range(100)):
        _finish_task(st, t, -1)
        _k(st, K.month_end, t)
    _within((st.G[K.G_N_LIVE] - n0) / 2000, 2.0, np.sqrt(1.0 / 2000))


# ---------------------------------------------------------------- intermediaries, events
def test_public_intermediary_hazard_grows_with_tg4_budget(prov):
    fracs = []
    for b4 in (0.0, 0.5, 2.0, 8.0):
        st, formed = _fresh(prov, budget=(0, 0, 0, b4, 0, 0)), []
        p = st.p
        st.G[K.G_E4] = 0.5
        for t in _trials(st, 11, 25):
            m = st.ints
            st.tasks[:] = 0
            for a in (m.active, m.public, m.connected, m.formed):
                a[:] = 0
            st.G[[K.G_PUBLIC_FORMED, K.G_N_INT]] = 0
            _k(st, K.month_end, t)
            formed.append(st.G[K.G_PUBLIC_FORMED])
            if formed[-1]:
                assert [m.active[0], m.public[0], m.connected[0], m.formed[0]] == [1, 1, 0, t]
                assert st.G[K.G_N_INT] == 1
                assert st.ints.capacity[0] == pytest.approx(
                    p[K.P_INT_CAP] + 0.5 * p[K.P_INT_CAP_GAIN])
        _bernoulli(formed, 1 - np.exp(-(b4 / 12) / p[K.P_INT_SETUP]))
        fracs.append(np.mean(formed))
    assert fracs[0] == 0.0 and fracs[1] < fracs[2] < fracs[3]


def test_private_intermediary_forms_once_the_market_is_large(prov):
    st = _fresh(prov, _p(prov, private_rate=1.0, private_threshold=10.0))
    _k(st, K.month_end, 20)
    assert st.G[K.G_N_INT] == 0
    st.G[K.G_MV0 + 9: K.G_MV0 + 21] = 1.0  # 12 bn VND over the last 12 months
    _k(st, K.month_end, 20)
    assert st.G[K.G_N_INT] == 1 and st.ints.public[0] == 0
    assert st.G[K.G_PUBLIC_FORMED] == 0


def test_connection_hazard_rises_with_tg4(prov):
    st = _fresh(prov)
    k = K.form_intermediary(st.s, st.p, 0, 1)
    fracs = []
    for e4 in (0.0, 1.0):
        st.G[K.G_E4], hits = e4, []
        for t in _trials(st, 13, 100, range(100)):
            st.ints.connected[k] = 0
            _k(st, K.intermediary_step, t, k)
            hits.append(st.ints.connected[k])
        _bernoulli(hits, st.p[K.P_CONN_BASE] + st.p[K.P_CONN_GAIN] * e4)
        fracs.append(np.mean(hits))
    assert fracs[1] > fracs[0]


@pytest.mark.parametrize("public", [0, 1])
def test_skill_rises_with_tg6_and_capacity_with_tg4(prov, public):
    st = _fresh(prov)
    p = st.p
    k = K.form_intermediary(st.s, p, 0, public)
    s0 = st.ints.skill[k]
    for e6, months in ((0.0, 12), (0.6, 24)):
        st.G[[K.G_E4, K.G_E6]] = [0.5, e6]
        s = st.ints.skill[k]
        for t in range(months):
            _k(st, K.intermediary_step, t, k)
        want = 1 - (1 - s) * (1 - p[K.P_SKILL_TRAIN] * e6 / 12) ** months
        assert st.ints.skill[k] == pytest.approx(want)
    assert st.ints.skill[k] > s0
    assert st.ints.capacity[k] == pytest.approx(
        p[K.P_INT_CAP] + public * 0.5 * p[K.P_INT_CAP_GAIN])


def test_events_per_month_rise_with_tg5(prov):
    st, means = _fresh(prov), []
    p = st.p
    for e5 in (0.0, 1.0):
        counts, st.Y[:] = [], 0
        st.G[K.G_E5] = e5
        for t in _trials(st, 17, 20, [t for t in range(120) if t % 12]):  # no January
            _k(st, K.month_begin, t)
            counts.append(st.G[K.G_EVENT])
        rate = (p[K.P_EVENT_BASE] + (p[K.P_EVENT_MAX] - p[K.P_EVENT_BASE]) * e5) / 12
        _within(np.mean(counts), rate, np.sqrt(rate / len(counts)))
        assert st.Y[:, K.Y_EVENTS].sum() == sum(counts)
        means.append(np.mean(counts))
    assert means[1] > 2 * means[0]


def test_year_update_levers_capacity_and_spillover(prov):
    budget = (0.2, 1.5, 0.0, 0.4, 3.0, 0.1)
    st, n_b = _fresh(prov, budget=budget), prov.n_buyers
    p = st.p
    tech0, absorb0 = st.ent.tech[:n_b].copy(), st.ent.absorb[:n_b].copy()
    wtp0 = st.ent.wtp[:n_b].copy()
    st.G[K.G_SPILL0 + 1] = 0.5
    _k(st, K.year_update, 0)
    assert np.array_equal(st.ent.absorb[:n_b], absorb0)  # nothing learnt before t = 0
    assert np.array_equal(st.ent.tech[:n_b], tech0)
    for g in range(6):
        assert st.G[K.G_E1 + g] == pytest.approx(K.saturating(budget[g], p[K.P_H1 + g]))
    st.G[K.G_SPILL0 + 1] = 0.5  # last year's technology gains in sector 1
    _k(st, K.year_update, 12)
    e2 = st.G[K.G_E2]
    assert np.allclose(st.ent.absorb[:n_b], absorb0 + p[K.P_ABSORB_GAIN] * e2 * (1 - absorb0))
    # sector 1's firms share spill_rate x its pool, in proportion to absorptive capacity
    in_1 = st.ent.sector[:n_b] == 1
    gain = st.ent.tech[:n_b] - tech0
    assert gain[in_1].sum() == pytest.approx(p[K.P_SPILL] * 0.5)
    assert np.allclose(gain[in_1], p[K.P_SPILL] * 0.5 * absorb0[in_1] / absorb0[in_1].sum())
    assert (gain[~in_1] == 0).all()
    assert np.allclose(st.ent.wtp[:n_b], wtp0 * (1 + p[K.P_ECON_GROWTH]))
    assert (st.G[K.G_SPILL0: K.G_SPILL0 + 4] == 0).all()
    need = [K.need_probability(st.s, p, i) for i in range(n_b)]
    assert np.allclose(st.ent.need_p[:n_b], need)
    assert st.Y[1, K.Y_BUDGET] == pytest.approx(sum(budget))
