"""The province's part of a month: the yearly update of lever effects and firms,
provincial S&T tasks, promotion events, research organisations' output,
intermediaries, and the order in which buyers act.

One month is :func:`month_begin`, :func:`research_step` for each research
organisation, :func:`intermediary_step` for each active intermediary, the
enterprises' steps (vendors in index order, then buyers in this month's
:func:`buyer_order`), and :func:`month_end`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stmarket.model.kernels.areas import area_month, served
from stmarket.model.kernels.enterprises import need_probability
from stmarket.model.kernels.intermediaries import book_month, intermediaries_enter, public_slot
from stmarket.model.kernels.layout import (
    FULL_TASKS,
    G_DEALS0,
    G_E1,
    G_E2,
    G_E2_COFUND,
    G_E3,
    G_E5,
    G_EVENT,
    G_EVENT_OTHER,
    G_INCOME,
    G_K1,
    G_N_BUYERS,
    G_N_INT,
    G_N_LIVE,
    G_N_OPEN,
    G_N_SERVICE,
    G_ORDER_OFF,
    G_ORDER_STRIDE,
    G_OVERFLOW,
    G_P1,
    G_Q1,
    G_TASK_HIGH,
    G_TASK_SERIAL,
    G_UNSERVED,
    KIND_RESULT,
    KIND_TECH,
    NEED_NONE,
    NEED_TECH,
    P_ABSORB_GAIN,
    P_BUILD1,
    P_COFUND_SHARE,
    P_DECAY1,
    P_DIG_COST,
    P_DIGIT_RULE,
    P_EC_BASE,
    P_EC_MAX,
    P_ECON_GROWTH,
    P_EVENT_BASE,
    P_EVENT_MAX,
    P_H1,
    P_H2_COFUND,
    P_LAG_FORM,
    P_LOCAL_TASK,
    P_MR_BASE,
    P_MR_EC,
    P_NEW_TASKS,
    P_PARTNER,
    P_RESULTS_TASK,
    P_SPILL,
    P_TASK_DMAX,
    P_TASK_DMIN,
    PROVINCE_AGENT,
    PU_DIGITISE,
    PU_EVENT,
    PU_ORDER,
    PU_OUTPUT,
    PU_PARTNER,
    PU_RESULTS,
    PU_TASK,
    PU_TASK_COUNT,
    SCOPE_PROVINCE,
    SCOPE_VIETNAM,
    SELLER_RESEARCH,
    Y_ABSORB_MEAN,
    Y_BUDGET,
    Y_EVENTS,
    Y_INT_ACTIVE,
    Y_INT_CONNECTED,
    Y_INT_PRIVATE,
    Y_K1,
    Y_NEEDS,
    Y_OFFERS_ACTIVE,
    Y_PUBLIC_FORMED,
    Y_TASKS_EC,
    Y_TASKS_NEW,
    Y_TECH_MEAN,
    YEARLY_K,
)
from stmarket.model.kernels.offers import (
    decision_cost,
    digitisation_support,
    digitisation_uplift,
    expire_offers,
    median_price,
    new_result,
    offer_sector,
    sale_chance,
)
from stmarket.model.kernels.rng import normal, poisson, poisson_e, saturating, uniform


# ----------------------------------------------------------------------------
# The order of buyers
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def buyer_order(G):
    """This month's order of the buyers: a random cyclic permutation
    ``(offset + j * stride) mod n_buyers`` with ``stride`` coprime to ``n_buyers``.

    Returns
    -------
    int64[n_buyers]
    """
    n = int(G[G_N_BUYERS])
    out = np.empty(n, dtype=np.int64)
    i = int(G[G_ORDER_OFF])
    stride = int(G[G_ORDER_STRIDE])
    for j in range(n):
        out[j] = i
        i += stride
        if i >= n:
            i -= n
    return out


@njit(cache=True, error_model="numpy")
def in_buyer_order(G, buyers):
    """The given buyers sorted by their place in this month's :func:`buyer_order`:
    buyer ``i`` is at place ``(i - offset) * stride^-1 mod n_buyers``."""
    n = int(G[G_N_BUYERS])
    off = int(G[G_ORDER_OFF])
    inv = _modinv(int(G[G_ORDER_STRIDE]), n)
    place = np.empty(buyers.shape[0], dtype=np.int64)
    for j in range(buyers.shape[0]):
        place[j] = ((buyers[j] - off) % n) * inv % n
    return buyers[np.argsort(place)]


@njit(cache=True, error_model="numpy")
def _modinv(a, n):
    """The inverse of ``a`` modulo ``n`` (``a`` coprime to ``n``); 0 when n == 1."""
    if n == 1:
        return 0
    r0, r1, s0, s1 = n, a % n, 0, 1
    while r1 != 0:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        s0, s1 = s1, s0 - q * s1
    return s0 % n


@njit(cache=True, error_model="numpy")
def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


# ----------------------------------------------------------------------------
# Capability stocks: what the task groups' spending builds
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def build_stocks(s, p, lev, t):
    """Month ``t``'s spending of each task group enters its capability stock.

    The year's budget is spent evenly over its months. Spending becomes capability
    with a delay of ``build_tgN`` years on average: a first-order delay (``lag_form``
    0: capability starts at once and builds up exponentially) or a second-order one (1:
    two stages of half the time each, so capability starts slowly, S-shaped).
    Capability depreciates by ``decay_tgN`` a year (staff leave, contacts and rules go
    stale). Each group's effect this month is its stock over the stock plus the
    half-saturation stock ``hN`` (diminishing returns). See docs/ODD.md, 7.1.
    """
    G = s.G
    yr = t // 12
    second = p[P_LAG_FORM] >= 1.0
    for g in range(6):
        spend = max(0.0, lev[g, yr]) / 12.0
        if g == 1:  # TG2: the co-funding share is spent on purchases in the year
            spend *= 1.0 - p[P_COFUND_SHARE]
        if spend == 0.0 and G[G_P1 + g] == 0.0 and G[G_Q1 + g] == 0.0 \
                and G[G_K1 + g] == 0.0:
            continue  # nothing spent yet: no stock, no effect (G_E stays 0)
        tau = max(1e-6, p[P_BUILD1 + g]) * 12.0  # months
        keep = np.exp(-p[P_DECAY1 + g] / 12.0)
        G[G_P1 + g] += spend
        if second:
            stay = np.exp(-2.0 / tau)  # each stage holds the half-time tau / 2
            f1 = G[G_P1 + g] * (1.0 - stay)
            G[G_P1 + g] -= f1
            G[G_Q1 + g] += f1
            flow = G[G_Q1 + g] * (1.0 - stay)
            G[G_Q1 + g] -= flow
        else:
            flow = G[G_P1 + g] * (1.0 - np.exp(-1.0 / tau))
            G[G_P1 + g] -= flow
        G[G_K1 + g] = G[G_K1 + g] * keep + flow
        G[G_E1 + g] = saturating(G[G_K1 + g], p[P_H1 + g])


# ----------------------------------------------------------------------------
# The year and the month
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def year_update(s, p, lev, key, t):
    """January: this year's budgets and co-funding (TG2's fast instrument), incomes
    and the prices of standing services, learning spill-overs, TG2's capacity
    building, need probabilities, research organisations' standing choices, and the
    year's new provincial S&T tasks."""
    e, G = s.ent, s.G
    yr = t // 12
    for g in range(6):
        s.Y[yr, Y_BUDGET] += lev[g, yr]
    # co-funding of purchases: cofund_share of the year's TG2 budget, acting in the year
    # (a fast instrument); the rest of TG2 builds capability (build_stocks)
    G[G_E2_COFUND] = saturating(p[P_COFUND_SHARE] * lev[1, yr], p[P_H2_COFUND])
    growth = 1.0 + p[P_ECON_GROWTH]
    n_buyers = int(G[G_N_BUYERS])
    if t > 0:
        # incomes grow with the real economy; S&T goods are mostly skilled labour, so
        # their prices grow with incomes too: no drift between the two
        G[G_INCOME] *= growth
        for k in range(int(G[G_N_SERVICE])):
            s.offers[k].price *= growth
    sectors = s.sectors
    absorb_sector = np.zeros(sectors.shape[0])
    for i in range(n_buyers):
        absorb_sector[e[i].sector] += e[i].absorb
    for i in range(n_buyers):
        a = e[i].absorb
        if t > 0:
            sec = e[i].sector
            # spill-over: a sector's firms share spill_rate times last year's technology
            # gains from adoption in the sector, in proportion to absorptive capacity
            share = a / absorb_sector[sec] if absorb_sector[sec] > 0.0 else 0.0
            e[i].tech = min(1.0, e[i].tech + p[P_SPILL] * sectors[sec].spill * share)
            # TG2: capacity building raises absorptive capacity (where it serves)
            e[i].absorb = a + p[P_ABSORB_GAIN] * G[G_E2] * e[i].srv * (1.0 - a)
            e[i].wtp *= growth
            e[i].wtp_service *= growth
        e[i].need_p = need_probability(s, p, i)
    for sec in range(sectors.shape[0]):
        sectors[sec].spill = 0.0
    for r in range(s.res.shape[0]):
        research_year(s, p, key, t, r)
    n_new = poisson(p[P_NEW_TASKS], uniform(key, t, PROVINCE_AGENT, PU_TASK_COUNT, 0, G))
    new_tasks(s, s.Y, p, key, t, n_new, 0, False)


@njit(cache=True, error_model="numpy")
def research_year(s, p, key, t, r):
    """January (and at set-up): under the organisation-level digitisation rule
    (``digit_rule`` 1), research organisation ``r`` decides whether to digitise all its
    results this year. It weighs a year of results as the per-result rule weighs one:
    the extra sales it expects from its typical result (its chance of sale times the
    median price of its mix of market-ready results and research results, times the
    uplift) against the cost of digitising a result (``dig_cost``, less the province's
    support for in-province organisations), but with one cost draw for the year: the
    two rules differ in who decides and how often, not in what things cost."""
    if p[P_DIGIT_RULE] < 1.0:
        return
    res = s.res
    a = research_agent(s, r)
    loc = res[r].loc
    provincial = served(s.areas, res[r].area)
    psale = sale_chance(s, p, r, SELLER_RESEARCH)
    ready = p[P_MR_BASE]
    price = ready * median_price(s, p, KIND_TECH, loc, res[r].quality) \
        + (1.0 - ready) * median_price(s, p, KIND_RESULT, loc, res[r].quality)
    benefit = psale * price * digitisation_uplift(s, p, loc)
    z = normal(key, t, a, PU_DIGITISE, YEARLY_K, s.G)
    cost = decision_cost(s, p, p[P_DIG_COST], digitisation_support(s, p, provincial), z)
    res[r].digitises = 1 if benefit > cost else 0


@njit(cache=True, error_model="numpy")
def task_sector(sectors, u):
    """The sector of a new provincial task, for a uniform draw ``u``: sector ``k`` with
    its ``task_share`` over the sum of the shares (1 unless some share is uncertain);
    the last sector takes what rounding leaves."""
    n_sec = sectors.shape[0]
    total = 0.0
    for k in range(n_sec):
        total += sectors[k].task_share
    x = u * total
    acc = 0.0
    for k in range(n_sec - 1):
        acc += sectors[k].task_share
        if x < acc:
            return k
    return n_sec - 1


@njit(cache=True, error_model="numpy")
def new_task(s, Y, p, key, t, j, carried):
    """A provincial S&T task starts (the ``j``-th of month ``t``): see
    :func:`new_tasks`."""
    new_tasks(s, Y, p, key, t, 1, j, carried)


@njit(cache=True, error_model="numpy")
def new_tasks(s, Y, p, key, t, n, j0, carried):
    """``n`` provincial S&T tasks start (numbers ``j0`` to ``j0 + n - 1`` of month
    ``t``), each in the lowest free slot of the task table, as ``n`` calls of
    :func:`new_task` would start them. The organisations of each location are listed
    once and each free slot is searched from the last one taken (no slot is freed
    in between), so a year's tasks cost a pass over the tables, not one pass each."""
    res, locs = s.res, s.locations
    n_res = res.shape[0]
    local = np.empty(n_res, dtype=np.int64)
    vn = np.empty(n_res, dtype=np.int64)
    n_local = 0
    n_vn = 0
    for r in range(n_res):  # in-province: in an area the programme serves (before a
        # merger an organisation in another area is one elsewhere in Vietnam)
        scope = locs[res[r].loc].scope
        if scope == SCOPE_PROVINCE and served(s.areas, res[r].area):
            local[n_local] = r
            n_local += 1
        elif scope == SCOPE_VIETNAM or scope == SCOPE_PROVINCE:
            vn[n_vn] = r
            n_vn += 1
    tk = s.tasks
    slot = 0
    for j in range(j0, j0 + n):
        while slot < tk.shape[0] and tk[slot].active == 1:
            slot += 1
        if slot >= tk.shape[0]:
            s.G[G_OVERFLOW] = float(int(s.G[G_OVERFLOW]) | FULL_TASKS)
            return
        start_task(s, Y, p, key, t, j, carried, slot, local[:n_local], vn[:n_vn])


@njit(cache=True, error_model="numpy")
def start_task(s, Y, p, key, t, j, carried, slot, local, vn):
    """Task ``j`` of month ``t`` starts in free slot ``slot``. It is led by an
    in-province organisation (one of ``local``) with probability
    ``local_task_share`` (else by one elsewhere in Vietnam, one of ``vn``), is in a
    sector drawn by the sectors' ``task_share`` (:func:`task_sector`), and is
    enterprise-centred with a probability that TG3's capability raises from ``ec_base``
    towards ``ec_max``; an enterprise-centred task has a partner buyer of its sector. A
    carried-over task (at set-up) ends within ``task_duration_max`` months. The tasks
    are the programme's: "in-province" means in an area it serves (an organisation in
    another area, before a merger, is one elsewhere in Vietnam), and the partner is a
    buyer it serves."""
    tk, G = s.tasks, s.G
    k0 = 8 * j
    u_org = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0, G)
    u_pick = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 1, G)
    u_sec = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 2, G)
    u_ec = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 3, G)
    u_dur = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 4, G)
    u_par = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 5, G)
    n_local = local.shape[0]
    n_vn = vn.shape[0]
    if (u_org < p[P_LOCAL_TASK] and n_local > 0) or n_vn == 0:
        if n_local == 0:
            return
        org = local[int(u_pick * n_local)]
    else:
        org = vn[int(u_pick * n_vn)]
    if slot + 1 > G[G_TASK_HIGH]:
        G[G_TASK_HIGH] = slot + 1
    sector = task_sector(s.sectors, u_sec)
    ec_p = p[P_EC_BASE] + (p[P_EC_MAX] - p[P_EC_BASE]) * G[G_E3]
    ec = 1 if u_ec < ec_p else 0
    tk[slot].active = 1
    tk[slot].org = org
    tk[slot].sector = sector
    tk[slot].ec = ec
    tk[slot].serial = int(G[G_TASK_SERIAL])
    G[G_TASK_SERIAL] += 1.0
    if carried:
        tk[slot].end = int(u_dur * p[P_TASK_DMAX])
    else:
        dmin = p[P_TASK_DMIN]
        tk[slot].end = t + int(dmin + u_dur * (p[P_TASK_DMAX] - dmin))
    tk[slot].partner = -1
    if ec == 1:  # the partner: a buyer of the task's sector, drawn by rejection
        e = s.ent
        n_b = int(G[G_N_BUYERS])
        i = int(u_par * n_b)
        tries = 1
        while (e[i].sector != sector or e[i].srv != 1.0) and tries < 256:
            i = int(uniform(key, t, PROVINCE_AGENT, PU_PARTNER, 256 * j + tries, G) * n_b)
            tries += 1
        if e[i].sector == sector and e[i].srv == 1.0:
            tk[slot].partner = i
    if not carried:
        yr = t // 12
        Y[yr, Y_TASKS_NEW] += 1.0
        Y[yr, Y_TASKS_EC] += ec


@njit(cache=True, error_model="numpy")
def month_begin(s, p, lev, key, t):
    """Province-level start of month ``t``: the yearly update in January, this month's
    spending into the capability stocks, offers whose life has ended leave the market,
    this month's promotion events (TG5's contacts), and the order in which buyers act.
    First, each area's market and whether the programme serves it this month: in the
    merger month the buyers' need probabilities are drawn up again (TG2 now acts on the
    areas that joined)."""
    G = s.G
    G[G_DEALS0 + t % 12] = 0.0  # the slot of this month last year: the last 12 months
    if area_month(s, t) and t % 12 != 0:
        for i in range(int(G[G_N_BUYERS])):
            s.ent[i].need_p = need_probability(s, p, i)
    if t % 12 == 0:
        year_update(s, p, lev, key, t)
    build_stocks(s, p, lev, t)
    expire_offers(s, t)
    rate = (p[P_EVENT_BASE] + (p[P_EVENT_MAX] - p[P_EVENT_BASE]) * G[G_E5]) / 12.0
    n_ev = poisson(rate, uniform(key, t, PROVINCE_AGENT, PU_EVENT, 0, G))
    G[G_EVENT] = n_ev
    s.Y[t // 12, Y_EVENTS] += n_ev
    if G[G_UNSERVED] == 1.0:  # areas outside the programme reach the base rate's events
        G[G_EVENT_OTHER] = poisson(p[P_EVENT_BASE] / 12.0,
                                   uniform(key, t, PROVINCE_AGENT, PU_EVENT, 1, G))
    else:
        G[G_EVENT_OTHER] = 0.0
    n = int(G[G_N_BUYERS])
    G[G_ORDER_OFF] = int(uniform(key, t, PROVINCE_AGENT, PU_ORDER, 0, G) * n)
    stride = 1
    if n > 2:
        stride = 1 + int(uniform(key, t, PROVINCE_AGENT, PU_ORDER, 1, G) * (n - 1))
        while _gcd(stride, n) != 1:
            stride = stride % (n - 1) + 1
    G[G_ORDER_STRIDE] = stride


@njit(cache=True, error_model="numpy")
def research_agent(s, r):
    """Agent number of research organisation ``r`` in random keys."""
    return s.ent.shape[0] + r


@njit(cache=True, error_model="numpy")
def research_step(s, p, key, t, r):
    """Research organisation ``r`` puts this month's new results and technologies on
    the market (a Poisson number at its output rate). The results of organisations
    in areas the programme serves are provincial."""
    res = s.res
    a = research_agent(s, r)
    loc = res[r].loc
    n = poisson_e(res[r].rate, res[r].exp_rate, uniform(key, t, a, PU_OUTPUT, 0, s.G))
    for j in range(n):
        sector = offer_sector(s, p, key, t, a, j, res[r].sector)
        new_result(s, s.Y, p, key, t, a, 2 * j, r, SELLER_RESEARCH, loc, sector,
                   p[P_MR_BASE], 1 if served(s.areas, res[r].area) else 0, res[r].quality)


# ----------------------------------------------------------------------------
# The end of the month
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def finish_tasks(s, p, key, t):
    """Provincial tasks ending this month deliver their results; an enterprise-centred
    task's partner firm, if it has no need, may take up (``partner_uptake``) its first
    result with commercial potential."""
    tk, e, o, G, Y = s.tasks, s.ent, s.offers, s.G, s.Y
    yr = t // 12
    base = s.ent.shape[0] + s.res.shape[0]
    for q in range(int(G[G_TASK_HIGH])):
        if tk[q].active == 0 or tk[q].end != t:
            continue
        tk[q].active = 0
        a = base + tk[q].serial
        r = tk[q].org
        ready = p[P_MR_EC] if tk[q].ec == 1 else p[P_MR_BASE]
        extra = max(0.0, p[P_RESULTS_TASK] - 1.0)
        n_out = 1 + poisson(extra, uniform(key, t, a, PU_RESULTS, 0, G))
        partner = tk[q].partner
        for m in range(n_out):
            k = new_result(s, Y, p, key, t, a, 2 * m, r, SELLER_RESEARCH, s.res[r].loc,
                           tk[q].sector, ready, 1, s.res[r].quality)
            if k < 0 or partner < 0 or e[partner].need != NEED_NONE \
                    or o[k].kind == KIND_RESULT:
                continue
            if uniform(key, t, a, PU_PARTNER, m, G) < p[P_PARTNER]:
                e[partner].need = NEED_TECH
                e[partner].need_age = 0
                e[partner].pref = k
                e[partner].pref_id = o[k].serial
                if e[partner].scored == 1:
                    Y[yr, Y_NEEDS] += 1.0
            partner = -1  # one decision per task: on its first commercial result


@njit(cache=True, error_model="numpy")
def month_end(s, p, lev, key, t):
    """Province-level end of month ``t``: finished S&T tasks deliver results,
    intermediaries book the month, the public one opens or a private one enters
    (:func:`intermediaries_enter`), and in December the year's stock indicators are
    recorded."""
    G, Y, m = s.G, s.Y, s.ints
    yr = t // 12
    finish_tasks(s, p, key, t)
    book_month(s, p)
    intermediaries_enter(s, p, key, t)
    if t % 12 == 11:
        connected = 0.0
        private = 0.0
        for k in range(int(G[G_N_INT])):
            if m[k].active == 1:
                connected += m[k].connected
                private += 1 - m[k].public
        Y[yr, Y_INT_ACTIVE] = G[G_N_OPEN]
        Y[yr, Y_INT_CONNECTED] = connected
        Y[yr, Y_INT_PRIVATE] = private
        k = public_slot(s)
        Y[yr, Y_PUBLIC_FORMED] = 1.0 if k >= 0 and m[k].active == 1 else 0.0
        for g in range(6):
            Y[yr, Y_K1 + g] = G[G_K1 + g]
        n_b = int(G[G_N_BUYERS])
        tech = 0.0
        absorb = 0.0
        n_scored = 0
        for i in range(n_b):  # the buyers of the scored areas
            if s.ent[i].scored == 1:
                tech += s.ent[i].tech
                absorb += s.ent[i].absorb
                n_scored += 1
        Y[yr, Y_TECH_MEAN] = tech / max(1, n_scored)
        Y[yr, Y_ABSORB_MEAN] = absorb / max(1, n_scored)
        Y[yr, Y_OFFERS_ACTIVE] = G[G_N_LIVE]
