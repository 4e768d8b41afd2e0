"""Supply and intermediation in Model 2, each rule on its own: research output and
provincial tasks, the research organisations' decisions to protect a result as IP
and to digitise it, intermediaries as businesses, and tables that grow without
changing what happens.

A decision that takes a draw is checked exactly: the test draws the same number (a
draw is a pure function of its key), computes the decision the rule states from the
parameters, and compares, over many draws and states, checking that the decisions go
both ways. The helpers are shared with ``test_mechanisms.py``; ``prov`` is the
session's ``small_profile`` (Bắc Kạn scaled to 5%).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from scipy import stats
from test_mechanisms import (
    _bernoulli,
    _fresh,
    _k,
    _live,
    _mixed,
    _normal,
    _one_offer,
    _p,
    _q,
    _trials,
    _uniform,
    _within,
)

from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.market import STMarket
from stmarket.model.profile import load_profile
from stmarket.model.scenario import load_scenario
from stmarket.model.state import State

#: the bundled profile, for the names of its per-entity parameters
_BK = load_profile("bac_kan")


@pytest.fixture(scope="module")
def prov(small_profile):
    """Bắc Kạn scaled to 5% (66 buyers, 4 vendors, 5 research organisations: one in the
    province, three elsewhere in Vietnam, one abroad)."""
    return small_profile


def _price_mult(p, origin):
    return _q(_BK, p, "price_mult", origin)


def _protects(st, key, t, agent, k, origin, provincial, psale, quality):
    """The IP decision as the rule states it: protect when ``psale`` x ``ip_premium`` x
    the median IP price exceeds the organisation's cost draw, ``ip_cost`` x income x
    (1 - TG1's support) x lognormal; TG1 supports in-province organisations and
    provincial tasks fully, others with ``tg1_outside_reach``."""
    p, G = st.p, st.G
    reach = 1.0 if provincial or origin == K.SCOPE_PROVINCE else p[K.P_TG1_OUTSIDE]
    support = min(0.95, p[K.P_IP_SUPPORT] * G[K.G_E1] * reach)
    z = _normal(key, t, agent, K.PU_PROTECT, k)
    cost = p[K.P_IP_COST] * G[K.G_INCOME] * (1 - support) * np.exp(p[K.P_DECISION_SIGMA] * z)
    ip_price = p[K.P_PRICE_IP] * _price_mult(p, origin) \
        * max(0.0, 1 + p[K.P_QUALITY_W] * (quality - 0.5)) * G[K.G_INCOME]
    return psale * p[K.P_IP_PREMIUM] * ip_price > cost


def _uplift(st, origin):
    """Relative rise in the chance of being seen once digitised: visibility v becomes
    min(1, v x ``digit_vis_mult``); more when an open intermediary is connected."""
    p, m = st.p, st.ints
    v = _q(_BK, p, "visibility", origin)
    connected = bool(np.any((m.active == 1) & (m.connected == 1)))
    return (min(1.0, v * p[K.P_DIG_VIS]) / v - 1) * (1 + p[K.P_DIG_NET_BONUS] * connected)


def _dig_support(st, provincial):
    p, G = st.p, st.G
    if not provincial:
        return 0.0
    return min(0.95, p[K.P_DIG_SUPPORT] * G[K.G_E3] + p[K.P_PLATFORM_SUPPORT] * G[K.G_E4])


def _digitises(st, key, t, agent, k, origin, provincial, psale, price):
    """The per-result digitisation decision as the rule states it: digitise when
    ``psale`` x price x uplift exceeds the cost draw, ``dig_cost`` x income x (1 - the
    province's support: TG3 and TG4's platform, provincial results only) x lognormal."""
    p, G = st.p, st.G
    z = _normal(key, t, agent, K.PU_DIGITISE, k)
    cost = p[K.P_DIG_COST] * G[K.G_INCOME] * (1 - _dig_support(st, provincial)) \
        * np.exp(p[K.P_DECISION_SIGMA] * z)
    return psale * price * _uplift(st, origin) > cost


def _sale_chance(p, sold, offered):
    w = p[K.P_BELIEF_W]
    return (sold + w * p[K.P_SALE_BELIEF]) / (offered + w)


# ---------------------------------------------------------------- research output
def _research_offers(prov, loc, rate, months, over=None, **G_set):
    """Run the first research organisation at ``loc`` alone for ``months`` months at
    ``rate`` offers a month (parameters ``over`` set by name), with G columns set by
    name (``G_E1=1.0``); return the state and the slots of the new offers."""
    st = _fresh(prov, _p(prov, **(over or {})), seed=5, months=months,
                offers=int(rate * months * 1.5) + 300)
    r = int(np.flatnonzero(prov.RI0[:, K.RS_LOC] == loc)[0])
    for name, v in G_set.items():
        st.G[getattr(K, name)] = v
    st.res.rate[r], st.res.exp_rate[r] = rate, np.exp(-rate)
    n0, offered0 = int(st.G[K.G_N_LIVE]), st.res.offered[r]
    for t in range(months):
        _k(st, K.research_step, t, r)
    new = _live(st)[n0:]  # nothing expires or sells: new offers are appended
    assert (st.offers.seller[new] == r).all() and (st.offers.origin[new] == loc).all()
    assert st.res.offered[r] - offered0 == len(new)  # its record of results offered
    return st, new


def test_research_output_at_poisson_rate(prov):
    st, new = _research_offers(prov, K.SCOPE_PROVINCE, 0.4, 3000)
    _within(len(new), 0.4 * 3000, np.sqrt(0.4 * 3000))
    assert (st.offers.provincial[new] == 1).all()
    assert (st.offers.licences[new] == st.p[K.P_LICENCES]).all()
    month = st.offers.expires[new] - st.p[K.P_OFFER_LIFE]
    _within(np.bincount(month.astype(int)).var(), 0.4, 0.05)  # Poisson: variance = mean


@pytest.mark.parametrize("own", [0.0, 0.675, 1.0])
def test_offer_sector_is_the_sellers_with_own_sector_share(prov, own):
    st, n = _fresh(prov, _p(prov, own_sector_share=own)), 3000
    n_sec = len(prov.sectors)
    for home in range(n_sec):
        sec = np.array([_k(st, K.offer_sector, 7, 5, k, home) for k in range(n)])
        _bernoulli(sec == home, own)
        other = np.bincount(sec[sec != home], minlength=n_sec)
        if own < 1.0:  # the other sectors equally likely
            assert stats.chisquare(np.delete(other, home)).pvalue > 1e-4


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
            local.extend(st.res.loc[ti.org] == K.SCOPE_PROVINCE)
        _bernoulli(ec, p[K.P_EC_BASE] + (p[K.P_EC_MAX] - p[K.P_EC_BASE]) * e3)
        _bernoulli(local, p[K.P_LOCAL_TASK])
        assert st.Y[:, K.Y_TASKS_NEW].sum() == 2000 and st.Y[:, K.Y_TASKS_EC].sum() == sum(ec)
        share.append(np.mean(ec))
    assert share[0] < share[1] < share[2]


def test_tasks_are_numbered_in_order_of_start(prov):
    st = _fresh(prov)
    n0 = int(st.G[K.G_TASK_SERIAL])
    assert n0 == st.p[K.P_INIT_TASKS]  # the tasks under way at set-up
    st.tasks[:] = 0
    for j in range(5):
        _k(st, K.new_task, 3, j, False)
    assert st.tasks.serial[:5].tolist() == list(range(n0, n0 + 5))
    assert st.G[K.G_TASK_SERIAL] == n0 + 5 and st.G[K.G_OVERFLOW] == 0


def _finish_task(st, t, partner, serial=0):
    """Make slot 0 the only task: enterprise-centred, in-province, sector 1, ending at ``t``."""
    org = int(np.flatnonzero(st.res.loc == K.SCOPE_PROVINCE)[0])
    # active, org, sector, ec, end, partner, serial
    st.tasks[:] = 0
    st.tasks[0] = (1, org, 1, 1, t, partner, serial)
    st.G[K.G_TASK_HIGH] = 1


@pytest.mark.parametrize("uptake", [0.0, 1.0])
def test_task_completion_delivers_offers_and_partner_need(prov, uptake):
    p = _p(prov, partner_uptake=uptake, mr_ec=1.0, ip_premium=0.0, close_base=1.0,
           k_direct=0, results_per_task=1.0)  # one result, market-ready, never protected
    st, b, t = _fresh(prov, p), 4, 7
    st.ent.need[b], st.ent.pref[b], st.ent.sector[b] = K.NEED_NONE, -1, 1
    _finish_task(st, t, b)
    n0 = int(st.G[K.G_N_LIVE])
    _k(st, K.month_end, t)
    assert st.tasks.active[0] == 0 and st.G[K.G_N_LIVE] == n0 + 1
    o = _live(st)[n0]
    assert st.offers.kind[o] == K.KIND_TECH and st.offers.provincial[o] == 1
    assert st.Y[0, K.Y_RESULTS_PROVINCIAL] == st.Y[0, K.Y_RESULTS_COMMERCIAL] == 1
    if uptake == 0.0:
        assert st.ent.need[b] == K.NEED_NONE and st.Y[0, K.Y_NEEDS] == 0
        return
    assert st.ent.need[b] == K.NEED_TECH and st.ent.pref[b] == o
    assert st.Y[0, K.Y_NEEDS] == 1
    st.ent.wtp[b] = 1e6
    stale = copy.deepcopy(st)  # the result sells out and its slot goes to another offer
    K.remove_offer(stale.s, o)
    assert K.add_offer(stale.s, 0, K.SELLER_ENTERPRISE, K.SCOPE_ABROAD, K.KIND_TECH, 1, 0.9,
                       0.1, 0, 3, 100, 0, -1) == o
    _k(stale, K.search_and_buy, t + 1, b)
    assert stale.G[K.G_NTX] == 0  # a preference is for that offer, not for the slot
    _k(st, K.search_and_buy, t + 1, b)  # looks at nothing (k_direct 0) but its own result
    assert st.G[K.G_NTX] == 1 and st.TX[0, K.TX_OFFER] == o


def test_partner_takes_up_the_first_result_with_commercial_potential(prov):
    """A task's partner decides once, on the task's first market-ready or protected
    result (not on its first result), and takes it up with ``partner_uptake``."""
    p = _p(prov, partner_uptake=0.6, mr_ec=0.35, ip_premium=0.0, results_per_task=3.0)
    st, b, serial = _fresh(prov, p), 4, 17
    agent = st.ent.shape[0] + st.res.shape[0] + serial  # the task's agent number
    later, takes_up = 0, []
    for t in _trials(st, 6, 6, range(100)):
        st.ent.need[b], st.ent.pref[b] = K.NEED_NONE, -1
        _finish_task(st, t, b, serial)
        n0 = int(st.G[K.G_N_LIVE])
        _k(st, K.finish_tasks, t)
        new = _live(st)[n0:]
        commercial = np.flatnonzero(st.offers.kind[new] != K.KIND_RESULT)
        if len(commercial) == 0:
            assert st.ent.need[b] == K.NEED_NONE
        else:
            m = commercial[0]
            later += m > 0
            takes_up.append(_uniform(st.key, t, agent, K.PU_PARTNER, m) < 0.6)
            assert (st.ent.need[b] == K.NEED_TECH) == takes_up[-1]
            if takes_up[-1]:
                assert st.ent.pref[b] == new[m]
                assert st.ent.pref_id[b] == st.offers.serial[new[m]]
        for o in new:
            K.remove_offer(st.s, o)
    assert later >= 30  # the first commercial result was often not the first result
    _mixed(takes_up)
    _bernoulli(takes_up, 0.6)


def test_results_per_task_mean(prov):
    st = _fresh(prov, _p(prov, results_per_task=2.0), offers=6000)
    n0 = st.G[K.G_N_LIVE]
    for t in _trials(st, 3, 20, range(100)):
        _finish_task(st, t, -1)
        _k(st, K.month_end, t)
    assert st.G[K.G_OVERFLOW] == 0
    _within((st.G[K.G_N_LIVE] - n0) / 2000, 2.0, np.sqrt(1.0 / 2000))


# ---------------------------------------------------------------- a seller's expectation
def test_sale_chance_is_the_record_shrunk_to_the_prior_belief(prov):
    st = _fresh(prov)
    p, r = st.p, 1
    w, b = p[K.P_BELIEF_W], p[K.P_SALE_BELIEF]
    # the stock of offers at set-up is part of the record, with no sale yet
    assert st.res.offered.sum() > 0 and (st.res.sold == 0).all()
    o = st.res.offered[r]
    assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx(w * b / (o + w))
    st.res.offered[:] = 0.0  # no record at all: the prior belief
    assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx(b)
    st.res.sold[r], st.res.offered[r] = 3.0, 20.0
    assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx((3 + w * b) / (20 + w))
    st.res.sold[r], st.res.offered[r] = 6e5, 1e6  # a long record outweighs the belief
    assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx(0.6, abs=1e-4)
    assert K.sale_chance(st.s, p, 0, K.SELLER_RESEARCH) == pytest.approx(b)  # its own record
    assert K.sale_chance(st.s, p, prov.n_buyers, K.SELLER_ENTERPRISE) == b  # vendors: belief
    p[K.P_BELIEF_W] = 0.0
    assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx(0.6)


# ---------------------------------------------------------------- protecting as IP
def test_a_result_is_protected_iff_the_licence_income_exceeds_the_cost(prov):
    st, rng = _fresh(prov), np.random.default_rng(1)
    got, want = [], []
    for j in range(720):
        key = K.make_key(2, j)
        origin, provincial = j % 3, (j // 3) % 2
        st.G[K.G_E1] = (0.0, 0.5, 1.0)[(j // 6) % 3]
        st.G[K.G_INCOME] = (1.0, 1.4)[(j // 18) % 2]
        psale, q = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)
        t, agent, k = j % 120, 70 + j % 5, 2 * (j % 7)
        got.append(K.decides_to_protect(st.s, st.p, key, t, agent, k, 1, origin, provincial,
                                        psale, q))
        want.append(_protects(st, key, t, agent, k, origin, provincial, psale, q))
    assert np.array_equal(got, want)
    _mixed(got)


@pytest.mark.parametrize("reach", [0.0, 0.5])
def test_tg1_ip_support_reaches_outside_results_only_through_outside_reach(prov, reach):
    """TG1 bears ``ip_support`` of the cost for in-province organisations and
    provincial tasks; for other results only ``tg1_outside_reach`` of that."""
    st = _fresh(prov, _p(prov, tg1_outside_reach=reach))
    cases = [(K.SCOPE_PROVINCE, 1), (K.SCOPE_VIETNAM, 1), (K.SCOPE_VIETNAM, 0), (K.SCOPE_ABROAD, 0)]
    protect = {}
    for e1 in (0.0, 1.0):
        st.G[K.G_E1] = e1
        for origin, provincial in cases:
            protect[origin, provincial, e1] = np.array([
                K.decides_to_protect(st.s, st.p, st.key, 5, 70, k, 1, origin, provincial,
                                     0.5, 0.6) for k in range(0, 1200, 2)])
    for origin, provincial in cases:
        off, on = protect[origin, provincial, 0.0], protect[origin, provincial, 1.0]
        assert (on >= off).all()  # support only lowers the cost
        if provincial or reach > 0:
            assert on.sum() > off.sum() + 20
        else:
            assert np.array_equal(on, off)  # out of TG1's reach
    # a provincial task led by an organisation elsewhere in Vietnam is in reach; the
    # same organisation's own results are reached only partly
    inside, outside = protect[K.SCOPE_VIETNAM, 1, 1.0], protect[K.SCOPE_VIETNAM, 0, 1.0]
    assert (inside >= outside).all() and inside.sum() > outside.sum()


def test_new_results_are_protected_by_the_sellers_own_expectation(prov):
    """``new_result``: a research organisation's result is protected iff it pays at the
    organisation's sale chance before the result; otherwise market-ready with
    ``ready_p``; each new result joins the organisation's record of results offered."""
    st, rng = _fresh(prov, offers=3000), np.random.default_rng(4)
    p, n_e, t = st.p, st.ent.shape[0], 30
    kinds = []
    for j in range(600):
        r = j % st.res.shape[0]
        origin, provincial = st.res.loc[r], j % 2
        st.res.sold[r] = rng.uniform(0, 40)  # records from poor to excellent
        before = st.res.offered[r]
        psale = _sale_chance(p, st.res.sold[r], before)
        assert K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) == pytest.approx(psale)
        a, k = n_e + r, 2 * j
        slot = K.new_result(st.s, st.Y, p, st.key, t, a, k, r, K.SELLER_RESEARCH, origin, 1,
                            0.5, provincial, 0.55)
        o = st.offers[slot]
        assert st.res.offered[r] == before + 1
        ip = _protects(st, st.key, t, a, k, origin, provincial, psale, o.quality)
        ready = _uniform(st.key, t, a, K.PU_READY, k) < 0.5
        want = K.KIND_IP if ip else (K.KIND_TECH if ready else K.KIND_RESULT)
        assert o.kind == want and o.provincial == provincial
        z = _normal(st.key, t, a, K.PU_PRICE, k)
        assert o.price == pytest.approx(K.median_price(st.s, p, want, origin, o.quality)
                                         * np.exp(p[K.P_PRICE_SIGMA] * z))
        kinds.append(o.kind)
        K.remove_offer(st.s, slot)
    kinds = np.array(kinds)
    _mixed(kinds == K.KIND_IP)
    provincial = np.arange(600) % 2 == 1
    Y = st.Y[t // 12]
    assert Y[K.Y_RESULTS_PROVINCIAL] == provincial.sum()
    assert Y[K.Y_RESULTS_PROTECTED] == (kinds[provincial] == K.KIND_IP).sum()
    assert Y[K.Y_RESULTS_COMMERCIAL] == (kinds[provincial] != K.KIND_RESULT).sum()
    # vendors never protect: their offers are technologies, and no research record moves
    offered = st.res.offered.copy()
    v = prov.n_buyers
    kinds = [st.offers.kind[K.new_result(st.s, st.Y, p, st.key, t, v, 2 * j, v,
                                         K.SELLER_ENTERPRISE, K.SCOPE_ABROAD, 1, 0.0, 0, 0.7)]
             for j in range(50)]
    assert (np.array(kinds) == K.KIND_TECH).all()
    assert np.array_equal(st.res.offered, offered)


def test_decisions_do_not_drift_with_income_growth(prov):
    """Prices and the costs of protecting and digitising all grow with incomes, so the
    same draws give the same decisions in a later, richer year."""
    st, rng = _fresh(prov), np.random.default_rng(9)
    psale, quality, out = rng.uniform(0, 1, 600), rng.uniform(0, 1, 600), {}
    for income in (1.0, 1.05**9):
        st.G[K.G_INCOME] = income
        out[income] = [(K.decides_to_protect(st.s, st.p, st.key, 40, 71, k, 1, k % 3, 0, ps, q),
                        K.decides_to_digitise(st.s, st.p, st.key, 40, 71, k, 1,
                                              K.SELLER_RESEARCH, k % 3, 0, ps, 0.05 * income))
                       for k, ps, q in zip(range(0, 1200, 2), psale, quality, strict=True)]
    a, b = np.array(out[1.0]), np.array(out[1.05**9])
    assert np.array_equal(a, b)
    _mixed(a[:, 0])
    _mixed(a[:, 1])


# ---------------------------------------------------------------- digitising
def test_digitisation_uplift(prov):
    st = _fresh(prov, _p(prov, **{"visibility.province": 0.6, "visibility.vietnam": 0.2,
                                  "visibility.abroad": 0.05}, digit_vis_mult=2.0,
                         dig_network_bonus=0.5))
    p = st.p
    want = [1 / 0.6 - 1, 1.0, 1.0]  # visibility 0.6 is capped at 1: less to gain
    assert [K.digitisation_uplift(st.s, p, o) for o in range(3)] == pytest.approx(want)
    k = K.open_intermediary(st.s, p, 0, 0)
    assert K.digitisation_uplift(st.s, p, K.SCOPE_VIETNAM) == 1.0  # not connected
    st.ints.connected[k] = 1  # a connected intermediary lists it on the national network
    assert K.digitisation_uplift(st.s, p, K.SCOPE_VIETNAM) == pytest.approx(1.5)
    K.close_intermediary(st.s, k, 3)  # and only while it is open
    assert K.digitisation_uplift(st.s, p, K.SCOPE_VIETNAM) == 1.0


def test_a_result_is_digitised_iff_the_extra_sales_exceed_the_cost(prov):
    st, rng = _fresh(prov), np.random.default_rng(2)
    k_int = K.open_intermediary(st.s, st.p, 0, 0)
    got, want = [], []
    for j in range(720):
        key = K.make_key(3, j)
        origin, provincial = j % 3, (j // 3) % 2
        st.G[K.G_E3], st.G[K.G_E4] = (0.0, 1.0)[(j // 6) % 2], (0.0, 0.7)[(j // 12) % 2]
        st.G[K.G_INCOME] = (1.0, 1.3)[(j // 24) % 2]
        st.ints.connected[k_int] = (j // 48) % 2
        psale, price = rng.uniform(0, 1), np.exp(rng.uniform(-4, 0))
        t, agent, k = j % 120, 70 + j % 5, 2 * (j % 7)
        seller_type = (K.SELLER_RESEARCH, K.SELLER_ENTERPRISE)[(j // 96) % 2]
        got.append(K.decides_to_digitise(st.s, st.p, key, t, agent, k, 1, seller_type, origin,
                                         provincial, psale, price))
        want.append(_digitises(st, key, t, agent, k, origin, provincial, psale, price))
    assert np.array_equal(got, want)
    _mixed(got)


def test_tg3_and_tg4_support_digitisation_of_provincial_results_only(prov):
    outside, share = [], []
    over = {"belief_weight": 1e9}  # a fixed expectation of a sale
    for e3, e4 in ((0.0, 0.0), (1.0, 1.0)):
        st, new = _research_offers(prov, K.SCOPE_PROVINCE, 3.0, 300, over, G_E3=e3, G_E4=e4)
        dig = st.offers.digitised[new]
        share.append(dig.mean())
        commercial = st.offers.kind[new] != K.KIND_RESULT
        assert st.Y[:, K.Y_RESULTS_COMMERCIAL].sum() == commercial.sum()
        assert st.Y[:, K.Y_RESULTS_DIGITISED].sum() == dig[commercial].sum()
        st, new = _research_offers(prov, K.SCOPE_VIETNAM, 3.0, 300, over, G_E3=e3, G_E4=e4)
        ints = [f for f in st.offers.dtype.names if f not in ("quality", "price")]
        outside.append(np.stack([st.offers[f][new] for f in ints]))  # every integer attribute
        assert st.Y[:, K.Y_RESULTS_COMMERCIAL].sum() == 0  # not provincial
        _mixed(st.offers.digitised[new])
    assert share[1] > share[0] + 0.1
    assert np.array_equal(outside[0], outside[1])  # same draws, no support: unchanged


def _org_digitises(st, t, r):
    """The organisation-level rule: digitising its results pays when its sale chance x
    the median price of its mix (``mr_base`` technologies, the rest research results) x
    uplift exceeds one yearly cost draw, ``dig_cost`` x income x (1 - support for
    in-province organisations)."""
    p, res = st.p, st.res
    a = st.ent.shape[0] + r
    ready = p[K.P_MR_BASE]
    price = ready * K.median_price(st.s, p, K.KIND_TECH, res.loc[r], res.quality[r]) \
        + (1 - ready) * K.median_price(st.s, p, K.KIND_RESULT, res.loc[r], res.quality[r])
    benefit = _sale_chance(p, res.sold[r], res.offered[r]) * price * _uplift(st, res.loc[r])
    z = _normal(st.key, t, a, K.PU_DIGITISE, K.YEARLY_K)
    cost = p[K.P_DIG_COST] * st.G[K.G_INCOME] \
        * (1 - _dig_support(st, res.loc[r] == K.SCOPE_PROVINCE)) * np.exp(p[K.P_DECISION_SIGMA] * z)
    return benefit > cost


def test_organisation_level_digitisation_rule(prov):
    st, rng = _fresh(prov, _p(prov, digit_rule=1)), np.random.default_rng(5)
    p, n_r = st.p, prov.RI0.shape[0]
    k_int = K.open_intermediary(st.s, p, 0, 0)
    got, want = [], []
    for run in range(60):
        st.key = K.make_key(8, run)
        st.res.offered[:], st.res.sold[:] = 40.0, rng.uniform(0, 30, n_r)
        st.G[K.G_E3], st.G[K.G_E4] = (0.0, 1.0)[run % 2], (0.0, 1.0)[(run // 2) % 2]
        st.ints.connected[k_int] = (run // 4) % 2
        for r in range(n_r):
            _k(st, K.research_year, 12, r)
            got.append(st.res.digitises[r] == 1)
            want.append(_org_digitises(st, 12, r))
    assert np.array_equal(got, want)
    _mixed(got)
    # every result of the organisation follows its standing choice, whatever the draws
    for choice in (0, 1):
        st.res.digitises[:] = choice
        n0 = int(st.G[K.G_N_LIVE])
        for t in range(60):
            _k(st, K.research_step, t, 1)
        assert (st.offers.digitised[_live(st)[n0:]] == choice).all()
        assert len(_live(st)) - n0 > 3
    # vendors still decide result by result
    v = prov.n_buyers
    for k in range(0, 200, 2):
        assert K.decides_to_digitise(st.s, p, st.key, 9, v, k, v, K.SELLER_ENTERPRISE,
                                     K.SCOPE_ABROAD, 0, 0.3, 0.4) == \
            _digitises(st, st.key, 9, v, k, K.SCOPE_ABROAD, 0, 0.3, 0.4)
    # under the per-result rule, the standing choice is neither made nor read
    st.p[K.P_DIGIT_RULE] = 0.0
    st.res.digitises[:] = 1
    _k(st, K.research_year, 24, 1)
    assert st.res.digitises[1] == 1
    per_result = [K.decides_to_digitise(st.s, p, st.key, 9, 71, k, 1, K.SELLER_RESEARCH,
                                        K.SCOPE_VIETNAM, 0, 0.3, 0.1) for k in range(0, 400, 2)]
    assert per_result == [_digitises(st, st.key, 9, 71, k, K.SCOPE_VIETNAM, 0, 0.3, 0.1)
                          for k in range(0, 400, 2)]
    _mixed(per_result)


def test_digitised_offers_sell_more_and_raise_their_sellers_expectations(prov):
    """Digitisation feeds back: a digitised offer is seen, so bought, more often; its
    seller's record, so its sale chance, rises; and with it the results it will
    protect and digitise (the same draws, a higher sale chance)."""
    st, plain = _one_offer(prov, K.SCOPE_VIETNAM, seller=1, **{"visibility.vietnam": 0.2},
                           k_direct=1, licences=10**9)
    p = st.p
    K.add_offer(st.s, 2, K.SELLER_RESEARCH, K.SCOPE_VIETNAM, K.KIND_TECH, 1, 0.8, 0.5, 1,
                10**9, 1000, 0, -1)
    st.res.offered[1:3] = 100.0
    for t in _trials(st, 23, 10, range(100)):
        st.ent.need[0] = K.NEED_TECH
        _k(st, K.search_and_buy, t, 0)
    sold = st.res.sold[1:3] / 1000  # sales a search: one look at one of the two offers
    for share, vis in zip(sold, (0.2, 0.2 * p[K.P_DIG_VIS]), strict=True):
        _within(share, 0.5 * vis, np.sqrt(0.5 * vis * (1 - 0.5 * vis) / 1000))
    ps = [K.sale_chance(st.s, p, r, K.SELLER_RESEARCH) for r in (1, 2)]
    assert ps[1] > ps[0] + 0.3
    draws = range(0, 1200, 2)
    prot = np.array([[K.decides_to_protect(st.s, p, st.key, 50, 71, k, 1, K.SCOPE_VIETNAM, 0,
                                           ps_, 0.6) for k in draws] for ps_ in ps])
    dig = np.array([[K.decides_to_digitise(st.s, p, st.key, 50, 71, k, 1, K.SELLER_RESEARCH,
                                           K.SCOPE_VIETNAM, 0, ps_, 0.05) for k in draws]
                    for ps_ in ps])
    for d in (prot, dig):
        assert (d[1] >= d[0]).all() and d[1].sum() > d[0].sum() + 20


# ---------------------------------------------------------------- intermediaries
def test_public_intermediary_opens_at_the_setup_stock_and_stalls_below_the_stall_share(prov):
    st = _fresh(prov)
    p, G, m = st.p, st.G, st.ints
    setup, stall = p[K.P_INT_SETUP], p[K.P_INT_STALL]
    G[K.G_E4] = 0.5
    G[K.G_K4] = setup * 0.999
    _k(st, K.intermediaries_enter, 0)
    assert G[K.G_N_INT] == 0 and G[K.G_PUBLIC_FORMED] == 0
    G[K.G_K4] = setup  # TG4 has built what it takes: staff, platform
    _k(st, K.intermediaries_enter, 1)
    assert G[K.G_N_INT] == G[K.G_N_OPEN] == G[K.G_PUBLIC_FORMED] == 1
    assert [m.active[0], m.public[0], m.connected[0], m.formed[0], m.closed[0]] == [
        1, 1, 0, 1, -1]
    assert m.capacity[0] == pytest.approx(p[K.P_INT_CAP] + 0.5 * p[K.P_INT_CAP_GAIN])
    assert m.skill[0] == p[K.P_INT_SKILL0]
    _k(st, K.intermediaries_enter, 2)
    assert G[K.G_N_INT] == 1  # one public intermediary
    m.connected[0], m.deals12[0] = 1, 9.0
    G[K.G_K4] = stall * setup  # it works as long as the capability holds at the stall share
    _k(st, K.intermediary_step, 3, 0)
    assert m.active[0] == 1
    G[K.G_K4] = stall * setup * 0.999
    _k(st, K.intermediary_step, 4, 0)
    assert [m.active[0], m.connected[0], m.closed[0]] == [0, 0, 4] and G[K.G_N_OPEN] == 0
    G[K.G_K4] = setup * 0.999  # back above the stall share, below the setup stock
    _k(st, K.intermediaries_enter, 5)
    assert m.active[0] == 0
    G[K.G_K4] = setup  # capability rebuilt: the same intermediary reopens
    _k(st, K.intermediaries_enter, 6)
    assert [m.active[0], m.closed[0], m.deals12[0]] == [1, -1, 0.0]
    assert G[K.G_N_INT] == G[K.G_N_OPEN] == 1


def test_tg4_budget_opens_the_public_intermediary_and_it_closes_after_the_budget_stops(prov):
    st = _fresh(prov, budget=(0.0, 0.0, 0.0, 0.6, 0.0, 0.0))
    st.lev[3, 4:] = 0.0  # four years of TG4, then nothing
    p, k4, is_open = st.p, [], []
    for t in range(120):
        _k(st, K.month_begin, t)
        k4.append(st.G[K.G_K4])
        for k in range(int(st.G[K.G_N_INT])):
            if st.ints.active[k] == 1:
                _k(st, K.intermediary_step, t, k)
        _k(st, K.month_end, t)
        is_open.append(st.G[K.G_N_OPEN] == 1)
    k4 = np.array(k4)
    t_open = int(np.argmax(k4 >= p[K.P_INT_SETUP]))
    t_close = t_open + int(np.argmax(k4[t_open:] < p[K.P_INT_STALL] * p[K.P_INT_SETUP]))
    assert 12 < t_open < t_close < 120
    assert st.ints.formed[0] == t_open and st.ints.closed[0] == t_close
    assert is_open == [t_open <= t < t_close for t in range(120)]
    assert st.G[K.G_N_INT] == 1 and st.ints.public[0] == 1  # no deals: no private one
    december = np.arange(11, 120, 12)
    assert np.array_equal(st.Y[:, K.Y_PUBLIC_FORMED], np.array(is_open)[december])
    assert np.array_equal(st.Y[:, K.Y_INT_ACTIVE], np.array(is_open)[december])


def _deals(G, counts):
    """Set the market's deals in the last twelve months (month by month)."""
    G[K.G_DEALS0: K.G_DEALS0 + 12] = 0.0
    G[K.G_DEALS0: K.G_DEALS0 + len(counts)] = counts


def test_private_entry_iff_expected_deals_reach_break_even(prov):
    # would-be entrants every month (private_rate per 1,000 buyers: dozens a month here)
    st = _fresh(prov, _p(prov, private_rate=1000.0, p_use_int=0.5, int_breakeven_deals=10.0))
    G, m = st.G, st.ints
    _deals(G, [2.0] * 9 + [1.0])  # 19 deals: half through intermediaries, 9.5 < 10
    assert K.entrant_deals(st.s, st.p) == 9.5
    _k(st, K.intermediaries_enter, 20)
    assert G[K.G_N_INT] == 0
    _deals(G, [2.0] * 10)  # 20 deals: 10, break-even
    _k(st, K.intermediaries_enter, 21)
    assert G[K.G_N_INT] == G[K.G_N_OPEN] == 1 and G[K.G_PUBLIC_FORMED] == 0
    assert [m.active[0], m.public[0], m.formed[0], m.closed[0]] == [1, 0, 21, -1]
    assert m.capacity[0] == st.p[K.P_INT_CAP]  # TG4 adds to the public one's only
    # a second entrant would share the market with the first: 20 / 2 / 2 = 5 < 10
    assert K.entrant_deals(st.s, st.p) == 5.0
    _k(st, K.intermediaries_enter, 22)
    assert G[K.G_N_INT] == 1
    _deals(G, [4.0] * 10)  # a market twice as large lets it in
    _k(st, K.intermediaries_enter, 23)
    assert G[K.G_N_INT] == G[K.G_N_OPEN] == 2 and m.public[1] == 0


def test_would_be_entrants_come_along_with_private_rate_per_1000_buyers(prov):
    st = _fresh(prov, _p(prov, int_breakeven_deals=1.0))
    lam = 0.3  # would-be entrants a month: private_rate x buyers / 1,000
    st.p[K.P_PRIV_RATE] = lam * 1000.0 / st.G[K.G_N_BUYERS]
    _deals(st.G, [100.0])  # room for every entrant of the month
    entered = []
    for t in _trials(st, 12, 10, range(100)):
        st.ints[:] = 0
        st.G[[K.G_N_INT, K.G_N_OPEN]] = 0.0
        _k(st, K.intermediaries_enter, t)
        u = _uniform(st.key, t, K.PROVINCE_AGENT, K.PU_FORM_PRIVATE, 0)
        assert st.G[K.G_N_INT] == K.poisson(lam, u)
        entered.append(st.G[K.G_N_INT] >= 1)
    _bernoulli(entered, 1.0 - np.exp(-lam))


def test_an_entrant_counts_the_deals_of_the_last_twelve_months(prov):
    st, _ = _one_offer(prov, licences=10**9)
    for t in range(36):
        _k(st, K.month_begin, t)
        st.ent.need[0] = K.NEED_TECH
        _k(st, K.search_and_buy, t, 0)
        _k(st, K.month_end, t)
    months = st.TX[: int(st.G[K.G_NTX]), K.TX_MONTH]
    assert len(months) >= 30
    last_year = (months >= 24).sum()
    assert K.entrant_deals(st.s, st.p) == pytest.approx(
        st.p[K.P_USE_INT] * last_year / (st.G[K.G_N_OPEN] + 1))


def test_a_private_intermediary_exits_after_a_year_without_enough_deals(prov):
    st = _fresh(prov)
    p, m = st.p, st.ints
    floor = p[K.P_EXIT_SHARE] * p[K.P_BREAKEVEN]
    short, enough = K.open_intermediary(st.s, p, 0, 0), K.open_intermediary(st.s, p, 0, 0)
    rate = {short: floor * 0.999, enough: floor * 1.001}  # deals a year, steady
    for t in range(1, 30):
        for k in (short, enough):
            if m.active[k] == 1:
                # t - 1 months booked at the start of month t: the weighted record of a
                # steady flow, which deals_a_year turns back into the yearly rate
                m.booked[k] = t - 1
                m.deals12[k] = rate[k] * (1 - (11 / 12) ** (t - 1))
                assert K.deals_a_year(st.s, k) == pytest.approx(rate[k] if t > 1 else 0.0)
                _k(st, K.intermediary_step, t, k)
        assert m.active[short] == (t < 13)  # a year (12 months booked) to prove itself
        assert m.active[enough] == 1
    assert m.closed[short] == 13 and st.G[K.G_N_OPEN] == 1
    # the public one never exits for want of deals, only when TG4's capability runs down
    st.G[K.G_K4] = p[K.P_INT_SETUP]
    pub = K.open_intermediary(st.s, p, 30, 1)
    for t in range(31, 80):
        _k(st, K.intermediary_step, t, pub)
    assert m.active[pub] == 1 and m.deals12[pub] == 0


def test_brokered_deals_build_the_record_and_the_skill(prov):
    st, o = _one_offer(prov, p_use_int=1.0, int_cap_base=3.0, licences=100, vis_int_local=1.0)
    p, m = st.p, st.ints
    k = K.open_intermediary(st.s, p, 4, 0)
    m.deals12[k] = 6.0
    for i in range(3):
        _k(st, K.search_and_buy, 4, i)
    assert m.deals[k] == 3 and st.Y[0, K.Y_INT_DEALS] == 3 and st.G[K.G_DEALS0 + 4] == 3
    s0 = m.skill[k]
    K.book_month(st.s, p)  # the month's deals join the record; each one teaches the staff
    assert m.deals12[k] == pytest.approx(6 * 11 / 12 + 3) and m.deals[k] == 0
    assert m.skill[k] == pytest.approx(s0 + (1 - s0) * (1 - (1 - p[K.P_SKILL_LEARN]) ** 3))
    s1 = m.skill[k]
    K.book_month(st.s, p)  # a month without deals: the record fades, the skill stays
    assert m.deals12[k] == pytest.approx((6 * 11 / 12 + 3) * 11 / 12) and m.skill[k] == s1


@pytest.mark.parametrize("public", [0, 1])
def test_track_record_connection_needs_deals_and_skill_not_a_budget(prov, public):
    st = _fresh(prov, _p(prov, connect_rule=0, int_exit_share=0.0))
    p, m = st.p, st.ints
    cd, cs = p[K.P_CONN_DEALS], p[K.P_CONN_SKILL]
    k = K.open_intermediary(st.s, p, 0, public)
    m.booked[k] = 1e9  # a long record: deals_a_year is the weighted record itself
    for e4, k4 in ((0.0, p[K.P_INT_SETUP]), (1.0, 50.0)):  # TG4's capability plays no part
        st.G[K.G_E4], st.G[K.G_K4] = e4, k4
        for deals in (0.0, 0.5 * cd, cd * (1 - 1e-9), cd, 3 * cd):
            for skill in (0.1, cs * (1 - 1e-9), cs, 0.95):
                m.connected[k], m.deals12[k], m.skill[k] = 0, deals, skill
                _k(st, K.intermediary_step, 30, k)
                assert m.connected[k] == (deals >= cd and skill >= cs), (deals, skill)
    # the skill that counts is this month's, after TG6's training
    st.G[K.G_E6] = 1.0
    for skill in np.linspace(cs - 0.03, cs, 13):
        m.connected[k], m.deals12[k], m.skill[k] = 0, cd, skill
        _k(st, K.intermediary_step, 31, k)
        trained = skill + p[K.P_SKILL_TRAIN] * (1 - skill) / 12
        assert m.connected[k] == (trained >= cs)
    assert m.connected[k] == 1  # skill cs: connects
    m.skill[k] = 0.0  # once connected, it stays connected while open
    _k(st, K.intermediary_step, 32, k)
    assert m.connected[k] == 1


def test_activity_hazard_connection_rises_with_skill_and_record_not_a_budget(prov):
    st = _fresh(prov, _p(prov, connect_rule=1, connect_rate=0.5, int_exit_share=0.0))
    p, m = st.p, st.ints
    cd = p[K.P_CONN_DEALS]
    k = K.open_intermediary(st.s, p, 0, 0)
    m.booked[k] = 1e9  # a long record: deals_a_year is the weighted record itself
    agent = K.INTERMEDIARY_AGENT0 - k  # its random keys do not depend on the table
    share = {}
    for skill in (0.2, 0.8):
        for deals in (0.0, 0.5 * cd, 2 * cd):
            hits = []
            for t in _trials(st, 31, 4, range(100)):
                outcome = []
                for e4 in (0.0, 1.0):  # TG4's capability plays no part
                    st.G[K.G_E4] = e4
                    m.connected[k], m.deals12[k], m.skill[k] = 0, deals, skill
                    _k(st, K.intermediary_step, t, k)
                    outcome.append(m.connected[k])
                want = _uniform(st.key, t, agent, K.PU_CONNECT, 0) < \
                    0.5 * skill * min(1.0, deals / cd)
                assert outcome == [want, want]
                hits.append(want)
            share[skill, deals] = np.mean(hits)
            _bernoulli(hits, 0.5 * skill * min(1.0, deals / cd))
    for skill in (0.2, 0.8):
        assert share[skill, 0.0] == 0 < share[skill, 0.5 * cd] < share[skill, 2 * cd]
    assert share[0.2, 2 * cd] < share[0.8, 2 * cd]


@pytest.mark.parametrize("public", [0, 1])
def test_skill_rises_with_tg6_and_capacity_with_tg4(prov, public):
    st = _fresh(prov, _p(prov, int_exit_share=0.0, connect_skill=2.0))
    p = st.p
    st.G[K.G_K4] = 10 * p[K.P_INT_SETUP]
    k = K.open_intermediary(st.s, p, 0, public)
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


def test_december_records_the_intermediaries(prov):
    st = _fresh(prov)
    p, m = st.p, st.ints
    st.G[K.G_K4] = 10 * p[K.P_INT_SETUP]
    pub, a, b = (K.open_intermediary(st.s, p, 0, public) for public in (1, 0, 0))
    m.connected[a] = 1
    K.close_intermediary(st.s, b, 5)
    _k(st, K.month_end, 11)
    Y = st.Y[0]
    assert [Y[K.Y_INT_ACTIVE], Y[K.Y_INT_CONNECTED], Y[K.Y_INT_PRIVATE],
            Y[K.Y_PUBLIC_FORMED]] == [2, 1, 1, 1]
    K.close_intermediary(st.s, pub, 20)
    st.G[K.G_K4] = 0.0
    _k(st, K.month_end, 23)
    Y = st.Y[1]
    assert [Y[K.Y_INT_ACTIVE], Y[K.Y_INT_CONNECTED], Y[K.Y_INT_PRIVATE],
            Y[K.Y_PUBLIC_FORMED]] == [1, 1, 1, 0]
    assert st.G[K.G_PUBLIC_FORMED] == 1  # it was formed once


# ---------------------------------------------------------------- tables that grow
def test_a_full_table_is_flagged_and_the_run_repeated_with_it_doubled(prov):
    st = _fresh(prov)
    p, G = st.p, st.G
    free, live = int(G[K.G_N_FREE]), _live(st)
    slots = [K.add_offer(st.s, 0, K.SELLER_RESEARCH, 0, K.KIND_TECH, 0, 0.5, 0.1, 0, 3, 99, 0,
                         0) for _ in range(free + 1)]
    assert min(slots[:free]) >= 0 and slots[free] == -1  # full: no offer is evicted
    assert G[K.G_OVERFLOW] == K.FULL_OFFERS and G[K.G_N_FREE] == 0
    assert np.array_equal(_live(st)[: len(live)], live) and len(_live(st)) == len(live) + free
    for j in range(st.tasks.shape[0] + 1):
        _k(st, K.new_task, 12, j, False)
    assert (st.tasks.active == 1).all() and G[K.G_OVERFLOW] == K.FULL_OFFERS | K.FULL_TASKS
    for _ in range(st.ints.shape[0]):
        assert K.open_intermediary(st.s, p, 12, 0) >= 0
    assert K.open_intermediary(st.s, p, 12, 0) == -1
    assert G[K.G_OVERFLOW] == 7 and G[K.G_N_INT] == st.ints.shape[0]
    assert K.grown(K.FULL_TASKS | K.FULL_OFFERS, 2, 3, 5) == (4, 3, 10)
    assert K.grown(K.FULL_INTERMEDIARIES, 2, 3, 5) == (2, 6, 5)


def _growing(prov):
    """The province with the smallest tables (one task, one intermediary, one offer
    besides the standing service offers) and with tables large enough for any of the
    runs here, and three parameter vectors: central, the alternative rules (second-order
    build-up, organisation-level digitisation, activity-hazard connection), and a busy
    intermediation market (many private entrants, an early public intermediary)."""
    n_service = prov.RI0.shape[0] + int((prov.EI0[:, K.S_ROLE] == K.ROLE_VENDOR).sum())
    tiny = dataclasses.replace(prov, capacity={"tasks": 1, "intermediaries": 1,
                                               "offers": n_service + 1})
    big = dataclasses.replace(prov, capacity={"tasks": 512, "intermediaries": 128,
                                              "offers": 8192})
    P = np.array([_p(prov), _p(prov, lag_form=1, digit_rule=1, connect_rule=1),
                  _p(prov, private_rate=20.0, int_breakeven_deals=1.0, int_setup_stock=0.2,
                     connect_rule=1, connect_rate=0.5)])
    return tiny, big, P, load_scenario("plan_2257").budgets(prov.years)


def test_table_sizes_never_change_results_in_the_core(prov):
    tiny, big, P, lev = _growing(prov)
    seeds = np.array([5, 6, 7])
    Yt, dt = run_batch(tiny, P, lev, seeds, 0)
    Yb, db = run_batch(big, P, lev, seeds, 0)
    assert np.array_equal(Yt, Yb) and np.array_equal(dt, db)
    start = (1, 1, tiny.capacity["offers"])
    grew = []
    for b in range(len(P)):
        st = State.new(tiny, P[b], lev, seeds[b], 0)
        st.replay(tiny.n_months)
        assert np.array_equal(st.Y, Yb[b]) and st.n_transactions == Yb[b, :, K.Y_COUNT].sum()
        sb = State.new(big, P[b], lev, seeds[b], 0)
        sb.replay(big.n_months)
        assert sb.sizes == (512, 128, 8192)  # large enough: never repeated
        assert np.array_equal(st.TX[: st.n_transactions], sb.TX[: sb.n_transactions])
        grew.append(np.greater(st.sizes, start))
    assert np.all(grew, axis=0).tolist() == [True, False, True]  # tasks and offers grew
    assert grew[2][1] and Yb[2, :, K.Y_INT_PRIVATE].max() >= 2  # and intermediaries


def test_table_sizes_never_change_results_on_the_mesa_path(prov):
    tiny, big, P, lev = _growing(prov)
    sc = load_scenario("plan_2257")
    for b in (1, 2):
        model = STMarket(tiny, sc, seed=11, params=P[b])
        ints0 = model.state.sizes[1]
        model.run_model()
        res = simulate(big, sc, seed=11, params=P[b])
        assert np.array_equal(model.state.Y, res.Y)
        assert model.state.draws == res.draws
        assert model.transactions().equals(res.transactions())
        assert len(model.intermediaries) == model.state.G[K.G_N_INT]
    assert model.state.sizes[1] > ints0  # the intermediaries' table grew during the run
    assert len(model.intermediaries) >= 2


def test_an_entrant_expects_no_more_deals_than_it_can_serve(prov):
    """A would-be private intermediary counts the deals it can expect, at most one per
    client it can serve in a year (12 x int_cap_base): a market with many deals does not
    make an office of a few staff viable beyond its capacity."""
    st = _fresh(prov)
    p = st.p
    st.G[K.G_DEALS0:K.G_DEALS0 + 12] = 1000.0  # a very busy year
    assert K.entrant_deals(st.s, p) == pytest.approx(12 * p[K.P_INT_CAP])
    st.G[K.G_DEALS0:K.G_DEALS0 + 12] = 1.0  # a quiet one: the market's share binds
    assert K.entrant_deals(st.s, p) == pytest.approx(p[K.P_USE_INT] * 12 / (st.G[K.G_N_OPEN] + 1))
