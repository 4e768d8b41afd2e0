"""The offer table, prices, and the decisions of a research organisation about a new
result: whether to protect it as IP and whether to digitise it.

A research organisation, a finished provincial task or an outside vendor puts a new
result on the market with :func:`new_result`; the offer table keeps it in the list of
live offers (``s.live``) that buyers search until it is sold out or expires.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stmarket.model.kernels.areas import offer_market, served
from stmarket.model.kernels.layout import (
    FULL_OFFERS,
    G_E1,
    G_E3,
    G_E4,
    G_INCOME,
    G_N_FREE,
    G_N_INT,
    G_N_LIVE,
    G_OFFER_HIGH,
    G_OFFER_SERIAL,
    G_OVERFLOW,
    G_SEEN_VN,
    KIND_IP,
    KIND_RESULT,
    KIND_TECH,
    P_BELIEF_W,
    P_DECISION_SIGMA,
    P_DIG_COST,
    P_DIG_NET_BONUS,
    P_DIG_SUPPORT,
    P_DIG_VIS,
    P_DIGIT_RULE,
    P_IP_COST,
    P_IP_PREMIUM,
    P_IP_SUPPORT,
    P_LICENCES,
    P_OFFER_LIFE,
    P_OWN_SECTOR,
    P_PLATFORM_SUPPORT,
    P_PRICE_IP,
    P_PRICE_RES,
    P_PRICE_SERV,
    P_PRICE_SIGMA,
    P_PRICE_TECH,
    P_Q_SD,
    P_QUALITY_W,
    P_SALE_BELIEF,
    P_TG1_OUTSIDE,
    PU_DIGITISE,
    PU_OFFER_SECTOR,
    PU_PRICE,
    PU_PROTECT,
    PU_QUALITY,
    PU_READY,
    SCOPE_PROVINCE,
    SELLER_RESEARCH,
    Y_RESULTS_COMMERCIAL,
    Y_RESULTS_DIGITISED,
    Y_RESULTS_PROTECTED,
    Y_RESULTS_PROVINCIAL,
)
from stmarket.model.kernels.rng import clip01, normal, uniform


@njit(cache=True, error_model="numpy")
def add_offer(s, seller, seller_type, origin, kind, sector, quality, price, digitised,
              licences, expires, provincial, area):
    """Put an offer on the market: take a free slot and append it to the live list.

    Returns the slot, or -1 if the table is full: then ``G[G_OVERFLOW]`` is set and the
    run is repeated with a larger table (:func:`stmarket.model.kernels.run.run_one`),
    so the size of the table never changes what happens.
    """
    o, G = s.offers, s.G
    if G[G_N_FREE] == 0:
        G[G_OVERFLOW] = float(int(G[G_OVERFLOW]) | FULL_OFFERS)
        return -1
    G[G_N_FREE] -= 1.0
    slot = s.free[int(G[G_N_FREE])]
    if slot + 1 > G[G_OFFER_HIGH]:
        G[G_OFFER_HIGH] = slot + 1
    n_live = int(G[G_N_LIVE])
    s.live[n_live] = slot
    o[slot].pos = n_live
    G[G_N_LIVE] = n_live + 1
    o[slot].active = 1
    G[G_OFFER_SERIAL] += 1.0
    o[slot].serial = int(G[G_OFFER_SERIAL])
    o[slot].seller = seller
    o[slot].seller_type = seller_type
    o[slot].origin = origin
    o[slot].kind = kind
    o[slot].sector = sector
    o[slot].digitised = digitised
    o[slot].licences = licences
    o[slot].expires = expires
    o[slot].provincial = provincial
    o[slot].quality = quality
    o[slot].price = price
    o[slot].area = area
    o[slot].market = offer_market(s.locations, s.areas, G[G_SEEN_VN], origin, area)
    return slot


@njit(cache=True, error_model="numpy")
def remove_offer(s, k):
    """Withdraw live offer ``k`` (sold out or expired): swap it out of the live list
    and free its slot."""
    o, G = s.offers, s.G
    o[k].active = 0
    pos = o[k].pos
    last = int(G[G_N_LIVE]) - 1
    moved = s.live[last]
    s.live[pos] = moved
    o[moved].pos = pos
    o[k].pos = -1
    G[G_N_LIVE] = last
    s.free[int(G[G_N_FREE])] = k
    G[G_N_FREE] += 1.0


@njit(cache=True, error_model="numpy")
def expire_offers(s, t):
    """Withdraw every live offer whose life ended before month ``t``."""
    o = s.offers
    for j in range(int(s.G[G_N_LIVE]) - 1, -1, -1):
        k = s.live[j]
        if o[k].expires < t:
            remove_offer(s, k)


@njit(cache=True, error_model="numpy")
def kind_price(p, kind):
    """Median asking price of a kind of good from the province (billion VND, first
    year's prices)."""
    if kind == KIND_TECH:
        return p[P_PRICE_TECH]
    if kind == KIND_IP:
        return p[P_PRICE_IP]
    if kind == KIND_RESULT:
        return p[P_PRICE_RES]
    return p[P_PRICE_SERV]


@njit(cache=True, error_model="numpy")
def origin_quality(locations, origin):
    """Mean quality of offers from an origin (a location: ``quality.<id>``). Helpers
    this small take the ``locations`` records, not the whole state: a kernel call
    costs a reference count per array it receives."""
    return locations[origin].quality


@njit(cache=True, error_model="numpy")
def origin_price_mult(locations, origin):
    """Price multiplier of an origin (a location: ``price_mult.<id>``)."""
    return locations[origin].price_mult


@njit(cache=True, error_model="numpy")
def quality_factor(p, quality):
    """How quality scales a price or a benefit: 1 at quality 0.5, changing by
    ``quality_weight`` per unit of quality."""
    return max(0.0, 1.0 + p[P_QUALITY_W] * (quality - 0.5))


@njit(cache=True, error_model="numpy")
def median_price(s, p, kind, origin, quality):
    """Median asking price of a new offer (billion VND, this year's prices: it grows
    with incomes, as willingness to pay does)."""
    return kind_price(p, kind) * origin_price_mult(s.locations, origin) \
        * quality_factor(p, quality) \
        * s.G[G_INCOME]


@njit(cache=True, error_model="numpy")
def draw_price(s, p, key, t, agent, k, kind, origin, quality):
    """Asking price (billion VND): lognormal around :func:`median_price`."""
    z = normal(key, t, agent, PU_PRICE, k, s.G)
    return median_price(s, p, kind, origin, quality) * np.exp(p[P_PRICE_SIGMA] * z)


@njit(cache=True, error_model="numpy")
def sale_chance(s, p, seller, seller_type):
    """A seller's expected sales of an offer of its during the offer's life: its track
    record (sales, licences counted one by one, over offers it has put on the market,
    those at set-up included) shrunk towards ``sale_belief`` with the weight of
    ``belief_weight`` offers. It can exceed 1 when results sell several licences; times a
    price it is the revenue an offer is expected to bring. Vendors hold the prior
    belief."""
    w = p[P_BELIEF_W]
    if seller_type != SELLER_RESEARCH:
        return p[P_SALE_BELIEF]
    r = s.res[seller]
    return (r.sold + w * p[P_SALE_BELIEF]) / (r.offered + w)


@njit(cache=True, error_model="numpy")
def any_connected(s):
    """Whether an open intermediary is connected to the national network (results it
    lists are seen across the network)."""
    for k in range(int(s.G[G_N_INT])):  # slots in use; those after never opened
        if s.ints[k].active == 1 and s.ints[k].connected == 1:
            return True
    return False


@njit(cache=True, error_model="numpy")
def digitisation_support(s, p, provincial):
    """Share of the cost of digitising a provincial result that the province bears:
    TG3's support for commercialisation and TG4's platform (at most 0.95)."""
    if not provincial:
        return 0.0
    return min(0.95, p[P_DIG_SUPPORT] * s.G[G_E3] + p[P_PLATFORM_SUPPORT] * s.G[G_E4])


@njit(cache=True, error_model="numpy")
def direct_visibility(locations, origin):
    """Chance that a buyer searching on its own sees a sampled, non-digitised offer of
    this origin (a location: ``visibility.<id>``)."""
    return locations[origin].visibility


@njit(cache=True, error_model="numpy")
def decision_cost(s, p, base, support, z):
    """An organisation's own cost of protecting or digitising a result: the typical
    cost ``base`` at this year's prices, less the province's ``support``, times its
    lognormal draw ``exp(decision_cost_sigma * z)``."""
    return base * s.G[G_INCOME] * (1.0 - support) * np.exp(p[P_DECISION_SIGMA] * z)


@njit(cache=True, error_model="numpy")
def digitisation_uplift(s, p, origin):
    """Relative rise in a result's chance of being seen by a buyer who looks at it
    directly, once digitised: visibility ``v`` of its origin becomes
    min(1, v x ``digit_vis_mult``), and more when a connected intermediary lists it on
    the national network (``dig_network_bonus``)."""
    v = max(direct_visibility(s.locations, origin), 1e-9)
    bonus = p[P_DIG_NET_BONUS] if any_connected(s) else 0.0
    return (min(1.0, v * p[P_DIG_VIS]) / v - 1.0) * (1.0 + bonus)


@njit(cache=True, error_model="numpy")
def decides_to_protect(s, p, key, t, agent, k, seller, origin, provincial, psale,
                       quality):
    """A research organisation protects a new result as IP when the licence income
    that protection secures (``ip_premium`` of the expected licence value) exceeds the
    cost of protection, its own draw around ``ip_cost``. TG1 bears ``ip_support`` of
    the cost for provincial tasks and in-province organisations, unless the
    organisation's area is one the programme does not serve (before a merger);
    ``tg1_outside_reach`` of that for others."""
    area = s.res[seller].area
    home = s.locations[origin].scope == SCOPE_PROVINCE \
        and (area < 0 or served(s.areas, area))
    reach = 1.0 if provincial or home else p[P_TG1_OUTSIDE]
    support = min(0.95, p[P_IP_SUPPORT] * s.G[G_E1] * reach)
    z = normal(key, t, agent, PU_PROTECT, k, s.G)
    cost = decision_cost(s, p, p[P_IP_COST], support, z)
    gain = psale * p[P_IP_PREMIUM] * median_price(s, p, KIND_IP, origin, quality)
    return gain > cost


@njit(cache=True, error_model="numpy")
def decides_to_digitise(s, p, key, t, agent, k, seller, seller_type, origin, provincial,
                        psale, price):
    """Digitise a new result? Under the per-result rule (``digit_rule`` 0), when the
    extra sales expected from being easier to find (chance of sale x price x uplift)
    exceed the cost of digitising it, the organisation's own draw around ``dig_cost``
    less the province's support. Under the organisation rule (1), the organisation's
    standing choice, taken each January (:func:`stmarket.model.kernels.province.
    research_year`)."""
    if p[P_DIGIT_RULE] >= 1.0 and seller_type == SELLER_RESEARCH:
        return s.res[seller].digitises == 1
    z = normal(key, t, agent, PU_DIGITISE, k, s.G)
    support = digitisation_support(s, p, provincial)
    cost = decision_cost(s, p, p[P_DIG_COST], support, z)
    return psale * price * digitisation_uplift(s, p, origin) > cost


@njit(cache=True, error_model="numpy")
def new_result(s, Y, p, key, t, agent, k, seller, seller_type, origin, sector, ready_p,
               provincial, quality_mean):
    """A research result or technology enters the market as an offer.

    A research organisation protects it as IP if that pays (:func:`decides_to_protect`);
    otherwise it is market-ready (a technology) with probability ``ready_p`` or a
    research result. Its seller digitises it if that pays (:func:`decides_to_digitise`).
    Results from provincial tasks and from organisations in the areas the programme
    serves (the callers say) are *provincial*; those
    with commercial potential (market-ready or protected) count towards the
    digitisation indicator, in ``Y`` (the run's accumulators, or a scratch table at
    set-up). Returns the offer's slot (-1 if the table was full).
    """
    G = s.G
    yr = t // 12
    q = clip01(quality_mean + p[P_Q_SD] * normal(key, t, agent, PU_QUALITY, k, G))
    psale = sale_chance(s, p, seller, seller_type)
    if seller_type != SELLER_RESEARCH:
        kind = KIND_TECH
    elif decides_to_protect(s, p, key, t, agent, k, seller, origin, provincial, psale, q):
        kind = KIND_IP
    elif uniform(key, t, agent, PU_READY, k, G) < ready_p:
        kind = KIND_TECH
    else:
        kind = KIND_RESULT
    price = draw_price(s, p, key, t, agent, k, kind, origin, q)
    dig = 1 if decides_to_digitise(s, p, key, t, agent, k, seller, seller_type, origin,
                                   provincial, psale, price) else 0
    if seller_type == SELLER_RESEARCH:
        s.res[seller].offered += 1.0
        area = s.res[seller].area
    else:
        area = s.ent[seller].area
    if provincial:
        Y[yr, Y_RESULTS_PROVINCIAL] += 1.0
        Y[yr, Y_RESULTS_PROTECTED] += kind == KIND_IP
        if kind != KIND_RESULT:
            Y[yr, Y_RESULTS_COMMERCIAL] += 1.0
            Y[yr, Y_RESULTS_DIGITISED] += dig
    return add_offer(s, seller, seller_type, origin, kind, sector, q, price, dig,
                     int(p[P_LICENCES]), t + int(p[P_OFFER_LIFE]), provincial, area)


@njit(cache=True, error_model="numpy")
def offer_sector(s, p, key, t, agent, k, home):
    """Sector of a new offer: the seller's own sector with probability
    ``own_sector_share``, else one of the other sectors with equal probability."""
    u = uniform(key, t, agent, PU_OFFER_SECTOR, k, s.G)
    own = p[P_OWN_SECTOR]
    if u < own or own >= 1.0:
        return home
    n_sec = s.sectors.shape[0]
    if n_sec < 2:
        return home
    other = min(n_sec - 2, int((u - own) / (1.0 - own) * (n_sec - 1)))
    return other if other < home else other + 1
