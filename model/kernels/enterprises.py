"""Enterprises: buyers forming needs, searching, weighing offers and buying; outside
vendors offering technologies.

Each month a buyer without a need may form one (:func:`need_probability`); a buyer
with a need searches through an event, an intermediary or directly
(:func:`search_and_buy`), weighs the offers it sees by fit, quality and price
against its willingness to pay (:func:`surplus`), and buys the best one if the deal
closes (:func:`transact`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stmarket.model.kernels.areas import seen_origin, seen_price, seller_served
from stmarket.model.kernels.layout import (
    CH_DIRECT,
    CH_EVENT,
    CH_INTERMEDIARY,
    G_DEALS0,
    G_E1,
    G_E2,
    G_E2_COFUND,
    G_E6,
    G_EVENT,
    G_EVENT_OTHER,
    G_LOG,
    G_MV0,
    G_N_INT,
    G_N_LIVE,
    G_N_OPEN,
    G_N_SERVICE,
    G_NTX,
    G_SEEN_VN,
    G_TX_OVERFLOW,
    G_VENDOR_EXP,
    KIND_SERVICE,
    KIND_TECH,
    NEED_NONE,
    NEED_SERVICE,
    NEED_TECH,
    P_ABSORB_LEARN,
    P_ABSORB_W,
    P_ATTEND,
    P_AWARE_GAIN,
    P_CLOSE_BASE,
    P_CLOSE_GAIN,
    P_COOP_MULT,
    P_CROSS_FIT,
    P_DIG_VIS,
    P_INT_UNCERT_CUT,
    P_INT_VIS_UNCONN,
    P_INTL_GAIN,
    P_K_DIRECT,
    P_K_EVENT,
    P_K_INT,
    P_LEARN,
    P_NEED_GAIN,
    P_NEED_RATE,
    P_PATIENCE,
    P_RD_MULT,
    P_SEARCH,
    P_SERVICE_LEARN,
    P_SUBSIDY,
    P_TECH0,
    P_TECH_COMPLEMENT,
    P_TECH_NEED,
    P_TG1_OUTSIDE,
    P_USE_INT,
    P_VAL_UNCERT,
    P_VENDOR_RATE,
    P_VIS_EVENT,
    P_VIS_INT_LOCAL,
    PU_CHANNEL,
    PU_CLOSE,
    PU_LOOK,
    PU_NEED,
    PU_NEED_LEVEL,
    PU_OUTPUT,
    PU_SEARCH,
    PU_VISIBLE,
    ROLE_VENDOR,
    SCOPE_ABROAD,
    SCOPE_PROVINCE,
    SELLER_ENTERPRISE,
    SELLER_RESEARCH,
    TX_BUYER,
    TX_CHANNEL,
    TX_KIND,
    TX_MONTH,
    TX_OFFER,
    TX_ORIGIN,
    TX_SELLER,
    TX_SELLER_TYPE,
    TX_VALUE,
    Y_COUNT,
    Y_INT_DEALS,
    Y_N_DIRECT,
    Y_N_TECH,
    Y_NEEDS,
    Y_V_DIRECT,
    Y_V_DOMESTIC,
    Y_V_DOMESTIC_TECH,
    Y_V_PROVINCE,
    Y_V_RESEARCH_DOM,
    Y_V_TECH,
    Y_V_TECH_ABROAD,
    Y_VALUE,
)
from stmarket.model.kernels.offers import (
    direct_visibility,
    new_result,
    offer_sector,
    origin_quality,
    quality_factor,
    remove_offer,
)
from stmarket.model.kernels.rng import clip01, poisson_e, uniform


@njit(cache=True, error_model="numpy")
def need_probability(s, p, i):
    """Monthly probability that buyer ``i`` forms a need for an S&T good (TG2 raises
    it where the programme serves the buyer's area): ``need_rate`` times its size,
    sector, cooperative and R&D multipliers and its technology gap relative to the
    initial mean."""
    e = s.ent
    m = s.sizes[e[i].size_class].need
    m *= s.sectors[e[i].sector].need
    if e[i].coop == 1:
        m *= p[P_COOP_MULT]
    if e[i].rd == 1:
        m *= p[P_RD_MULT]
    gap = (1.0 - e[i].tech) / max(1e-9, 1.0 - p[P_TECH0])
    return min(1.0, p[P_NEED_RATE] * m * gap
               * (1.0 + p[P_NEED_GAIN] * s.G[G_E2] * e[i].srv))


@njit(cache=True, error_model="numpy")
def absorb_factor(p, a):
    """How absorptive capacity ``a`` scales what a firm can get out of a technology:
    1 at a = 0.5, changing by ``absorb_weight`` per unit."""
    return max(0.0, 1.0 + p[P_ABSORB_W] * (a - 0.5))


@njit(cache=True, error_model="numpy")
def tech_need_probability(s, p, i):
    """Probability that a new need of buyer ``i`` is for a technology rather than a
    service: ``tech_need_share`` scaled by its :func:`absorb_factor`."""
    return clip01(p[P_TECH_NEED] * absorb_factor(p, s.ent[i].absorb))


@njit(cache=True, error_model="numpy")
def vendor_step(s, p, key, t, i):
    """A technology vendor (an enterprise outside the province) offers new
    technologies at rate ``vendor_offer_rate``."""
    e = s.ent
    loc = e[i].loc
    n = poisson_e(p[P_VENDOR_RATE], s.G[G_VENDOR_EXP], uniform(key, t, i, PU_OUTPUT, 0, s.G))
    for j in range(n):
        sector = offer_sector(s, p, key, t, i, j, e[i].sector)
        new_result(s, s.Y, p, key, t, i, 2 * j, i, SELLER_ENTERPRISE, loc, sector, 1.0, 0,
                   origin_quality(s.locations, loc))


@njit(cache=True, error_model="numpy")
def channel_visibility(s, p, channel, origin, connected, srv):
    """Probability that a sampled, non-digitised offer of this origin is actually
    seen through a channel (at an event, ``vis_event``; an intermediary sees
    in-province offers with ``vis_int_local``, and outside ones in full once connected
    to the national network; TG6 raises the visibility of foreign offers to buyers
    the programme serves, ``srv`` = 1)."""
    return location_visibility(s.locations, s.G, p, channel, origin, connected, srv)


@njit(cache=True, error_model="numpy")
def location_visibility(locations, G, p, channel, origin, connected, srv):
    """:func:`channel_visibility` from the arrays it reads (a search calls it for
    every location: a kernel call costs a reference count per array it takes from the
    state)."""
    if channel == CH_EVENT:
        return p[P_VIS_EVENT]
    scope = locations[origin].scope
    if channel != CH_INTERMEDIARY:
        v = direct_visibility(locations, origin)
    elif scope == SCOPE_PROVINCE:
        v = p[P_VIS_INT_LOCAL]
    else:
        v = 1.0 if connected else p[P_INT_VIS_UNCONN]
    if scope == SCOPE_ABROAD:
        v *= 1.0 + p[P_INTL_GAIN] * G[G_E6] * srv  # TG6: international integration
    return min(1.0, v)


@njit(cache=True, error_model="numpy")
def surplus(p, scale, fit, quality, price, price_factor):
    """A buyer's expected surplus from an offer (billion VND).

    ``scale`` is the buyer's willingness to pay times its :func:`absorb_factor`, its
    technology complement (1 + ``tech_complement`` x technology level) and
    (1 - valuation discount); the benefit is ``scale * fit * quality_factor``; the
    price is net of the TG2 co-funding (``price_factor = 1 - subsidy``).
    """
    return scale * fit * quality_factor(p, quality) - price * price_factor


@njit(cache=True, error_model="numpy")
def enterprise_step(s, p, key, t, i):
    """Enterprise ``i`` acts for the month.

    A vendor offers technologies. A buyer without a need may form one (probability
    ``need_p``); a buyer with a need searches with a probability TG6 raises, through
    an event, an intermediary or directly, weighs the offers it sees, and buys the
    best if its surplus is positive and the deal closes (TG1 raises the closing
    probability). An unmet need lapses after ``need_patience`` months.
    """
    if s.ent[i].role == ROLE_VENDOR:
        vendor_step(s, p, key, t, i)
    elif not buyer_idle(s, key, t, i):
        if buyer_searches(s, p, key, t, i):
            search_and_buy(s, p, key, t, i)


@njit(cache=True, inline="always", error_model="numpy")
def buyer_idle(s, key, t, i):
    """True if buyer ``i`` has no need and forms none this month (the common case:
    its need draw is at or above ``need_p``).

    The core takes the same test on a block of need draws (see ``step_month``).
    """
    if s.ent[i].need != NEED_NONE:
        return False
    return uniform(key, t, i, PU_NEED, 0, s.G) >= s.ent[i].need_p


@njit(cache=True, error_model="numpy")
def buyer_searches(s, p, key, t, i):
    """A buyer that is not idle: set up the need it has just formed (technology-
    level with a probability rising with absorptive capacity), or age its current
    need and drop it after ``need_patience`` months. Returns True if the buyer
    searches this month (probability ``search_prob``, raised by TG6)."""
    e, G = s.ent, s.G
    if e[i].need == NEED_NONE:
        if uniform(key, t, i, PU_NEED_LEVEL, 0, G) < tech_need_probability(s, p, i):
            e[i].need = NEED_TECH
        else:
            e[i].need = NEED_SERVICE
        e[i].need_age = 0
        e[i].pref = -1
        if e[i].scored == 1:
            s.Y[t // 12, Y_NEEDS] += 1.0
    else:
        e[i].need_age += 1
        if e[i].need_age > p[P_PATIENCE]:
            e[i].need = NEED_NONE
            e[i].pref = -1
            return False
    search_p = p[P_SEARCH] + (1.0 - p[P_SEARCH]) * p[P_AWARE_GAIN] * G[G_E6] * e[i].srv
    return uniform(key, t, i, PU_SEARCH, 0, G) < search_p


@njit(cache=True, error_model="numpy")
def choose_channel(s, p, key, t, i):
    """Where buyer ``i`` looks this month: at one of this month's events (each
    attended with probability ``attend_prob``), else through an intermediary with
    spare capacity (with probability ``p_use_int``), else directly. Returns the
    channel and the intermediary used (-1 if none), whose capacity it takes.

    A buyer in an area the programme does not serve (before a merger) reaches only
    the events of the base rate and none of the programme's intermediaries."""
    G, m = s.G, s.ints
    srv = s.ent[i].srv == 1.0
    n_ev = G[G_EVENT] if srv else G[G_EVENT_OTHER]
    if n_ev > 0 and uniform(key, t, i, PU_CHANNEL, 0, G) < \
            1.0 - (1.0 - p[P_ATTEND]) ** n_ev:
        return CH_EVENT, -1
    if srv and G[G_N_OPEN] > 0 and uniform(key, t, i, PU_CHANNEL, 1, G) < p[P_USE_INT]:
        for k in range(int(G[G_N_INT])):  # slots in use; those after never opened
            if m[k].active == 1 and m[k].used < np.floor(m[k].capacity):
                m[k].used += 1.0
                return CH_INTERMEDIARY, k
    return CH_DIRECT, -1


@njit(cache=True, error_model="numpy")
def search_and_buy(s, p, key, t, i):
    """Channel choice, search over the offer pool, evaluation and purchase."""
    e, o, G = s.ent, s.offers, s.G
    channel, kint = choose_channel(s, p, key, t, i)
    discount = p[P_VAL_UNCERT]
    connected = 0
    if channel == CH_DIRECT:
        n_look = int(p[P_K_DIRECT])
    elif channel == CH_EVENT:
        n_look = int(p[P_K_EVENT])
    else:
        n_look = int(p[P_K_INT])
        # valuation help: its staff's skill (raised by TG6 training) cuts the discount
        discount *= 1.0 - p[P_INT_UNCERT_CUT] * s.ints[kint].skill
        connected = s.ints[kint].connected
    need = e[i].need
    wtp = e[i].wtp if need == NEED_TECH else e[i].wtp_service
    scale = wtp * absorb_factor(p, e[i].absorb) * (1.0 + p[P_TECH_COMPLEMENT] * e[i].tech) \
        * (1.0 - discount)
    srv = e[i].srv
    price_factor = 1.0 - p[P_SUBSIDY] * G[G_E2_COFUND] * srv
    sector = e[i].sector
    market = e[i].market
    seen_vn = int(G[G_SEEN_VN])
    cross = p[P_CROSS_FIT]
    dig_mult = p[P_DIG_VIS]
    # the visibility through this channel of an offer from each location (computed once
    # a search, not once a look: a kernel call costs more than the arithmetic)
    locs = s.locations
    n_loc = locs.shape[0]
    vis_loc = np.empty(n_loc)
    for loc in range(n_loc):
        vis_loc[loc] = location_visibility(locs, G, p, channel, loc, connected, srv)
    best = -1
    best_s = 0.0
    pref = e[i].pref
    if pref >= 0 and o[pref].active == 1 and o[pref].serial == e[i].pref_id:
        fit = 1.0 if o[pref].sector == sector else cross
        v = surplus(p, scale, fit, o[pref].quality,
                    seen_price(o, locs, pref, market, seen_vn), price_factor)
        if v > best_s:
            best = pref
            best_s = v
    # services: the standing offers in slots [0, n_service); otherwise the live list
    pool = int(G[G_N_SERVICE]) if need == NEED_SERVICE else int(G[G_N_LIVE])
    if pool > 0:
        for j in range(n_look):
            k = int(uniform(key, t, i, PU_LOOK, j, G) * pool)
            if need != NEED_SERVICE:
                k = s.live[k]
            vis = vis_loc[seen_origin(o, k, market, seen_vn)]
            if o[k].digitised == 1:
                vis = min(1.0, vis * dig_mult)  # digitised offers are easier to find
            if vis < 1.0:
                if uniform(key, t, i, PU_VISIBLE, j, G) >= vis:
                    continue
            # S&T services (testing, consulting, standards) serve every sector
            if o[k].kind == KIND_SERVICE or o[k].sector == sector:
                fit = 1.0
            else:
                fit = cross
            v = surplus(p, scale, fit, o[k].quality,
                        seen_price(o, locs, k, market, seen_vn), price_factor)
            if v > best_s:
                best = k
                best_s = v
    if best < 0:
        return
    if uniform(key, t, i, PU_CLOSE, 0, G) >= close_probability(s, p, i, best):
        return
    transact(s, p, t, i, best, channel, kint)


@njit(cache=True, error_model="numpy")
def close_probability(s, p, i, k):
    """Probability that buyer ``i``'s deal for offer ``k`` closes: ``close_base``,
    raised by TG1's commercialisation policy in full for deals between the programme's
    buyers and its sellers (in-province organisations and provincial tasks), by
    ``tg1_outside_reach`` of that when one side is outside the programme's province,
    not at all when neither is (before a merger: the province's rules bind its own
    firms and organisations)."""
    home_buyer = s.ent[i].srv == 1.0
    home_seller = seller_served(s.offers, s.locations, s.areas, k)
    if home_buyer and home_seller:
        reach = 1.0
    elif home_buyer or home_seller:
        reach = p[P_TG1_OUTSIDE]
    else:
        reach = 0.0
    return p[P_CLOSE_BASE] + (1.0 - p[P_CLOSE_BASE]) * p[P_CLOSE_GAIN] * s.G[G_E1] * reach


@njit(cache=True, error_model="numpy")
def transact(s, p, t, i, k, channel, kint):
    """Record buyer ``i``'s purchase of offer ``k`` (through intermediary ``kint``, or
    -1), credit the seller's and the intermediary's track records, and let the buyer
    learn."""
    e, o, G, TX = s.ent, s.offers, s.G, s.TX
    yr = t // 12
    market = e[i].market
    seen_vn = int(G[G_SEEN_VN])
    v = seen_price(o, s.locations, k, market, seen_vn)
    kind = o[k].kind
    origin = seen_origin(o, k, market, seen_vn)
    stype = o[k].seller_type
    # the yearly accumulators count the deals of buyers in the scored areas; the
    # intermediaries' market (the last twelve months' deals) those of the buyers the
    # programme serves
    if e[i].scored == 1:
        Y = s.Y
        Y[yr, Y_VALUE] += v
        Y[yr, Y_V_TECH + kind] += v
        Y[yr, Y_COUNT] += 1.0
        Y[yr, Y_N_TECH + kind] += 1.0
        scope = s.locations[origin].scope
        Y[yr, Y_V_PROVINCE + scope] += v
        if scope != SCOPE_ABROAD:
            Y[yr, Y_V_DOMESTIC] += v
            if kind != KIND_SERVICE:
                Y[yr, Y_V_DOMESTIC_TECH] += v
                if stype == SELLER_RESEARCH:
                    Y[yr, Y_V_RESEARCH_DOM] += v
        if kind == KIND_TECH and scope == SCOPE_ABROAD:
            Y[yr, Y_V_TECH_ABROAD] += v
        Y[yr, Y_V_DIRECT + channel] += v
        Y[yr, Y_N_DIRECT + channel] += 1.0
        G[G_MV0 + t] += v
        if kint >= 0:
            Y[yr, Y_INT_DEALS] += 1.0
    if e[i].srv == 1.0:
        G[G_DEALS0 + t % 12] += 1.0
    if stype == SELLER_RESEARCH and kind != KIND_SERVICE:
        s.res[o[k].seller].sold += 1.0
    if kint >= 0:
        s.ints[kint].deals += 1.0
    if G[G_LOG] == 1.0:
        n = int(G[G_NTX])
        if n < TX.shape[0]:
            TX[n, TX_MONTH] = t
            TX[n, TX_BUYER] = i
            TX[n, TX_SELLER] = o[k].seller
            TX[n, TX_SELLER_TYPE] = stype
            TX[n, TX_KIND] = kind
            TX[n, TX_VALUE] = v
            TX[n, TX_ORIGIN] = origin
            TX[n, TX_CHANNEL] = channel
            TX[n, TX_OFFER] = k
        else:
            G[G_TX_OVERFLOW] = 1.0
        G[G_NTX] += 1.0
    if kind != KIND_SERVICE:
        o[k].licences -= 1
        if o[k].licences <= 0:
            remove_offer(s, k)
    a = e[i].absorb
    gain = p[P_LEARN] * a * max(0.0, o[k].quality - e[i].tech)
    if kind == KIND_SERVICE:
        gain *= p[P_SERVICE_LEARN]
    e[i].tech = min(1.0, e[i].tech + gain)
    s.sectors[e[i].sector].spill += gain
    e[i].absorb = a + p[P_ABSORB_LEARN] * (1.0 - a)
    e[i].need = NEED_NONE
    e[i].pref = -1
    e[i].purchases += 1
