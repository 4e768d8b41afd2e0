"""The offer table: offers enter, are withdrawn and expire; prices and qualities;
research results and technologies entering the market.

A research organisation, a finished provincial task or an outside vendor puts a new
result on the market with :func:`new_result`; the offer table keeps it in the list
of live offers (``s.offers.live``) that buyers search until it is sold out or expires.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stmarket.model.kernels.layout import (
    G_E1,
    G_E3,
    G_N_FREE,
    G_N_LIVE,
    G_OFFER_EVICTED,
    G_OFFER_HIGH,
    G_OFFER_SERIAL,
    KIND_IP,
    KIND_RESULT,
    KIND_TECH,
    LOC_PROVINCE,
    LOC_VIETNAM,
    N_SECTORS,
    P_DIG_BASE,
    P_DIG_GAIN,
    P_DIG_NAT,
    P_IP_BASE,
    P_IP_GAIN,
    P_LICENCES,
    P_OFFER_LIFE,
    P_PMULT_ABROAD,
    P_PMULT_VN,
    P_PRICE_IP,
    P_PRICE_RES,
    P_PRICE_SERV,
    P_PRICE_SIGMA,
    P_PRICE_TECH,
    P_Q_ABROAD,
    P_Q_LOCAL,
    P_Q_SD,
    P_Q_VN,
    PU_DIGITISE,
    PU_OFFER_SECTOR,
    PU_PRICE,
    PU_PROTECT,
    PU_QUALITY,
    PU_READY,
    SELLER_ENTERPRISE,
    Y_RESULTS_COMMERCIAL,
    Y_RESULTS_DIGITISED,
)
from stmarket.model.kernels.rng import clip01, normal, uniform


@njit(cache=True, error_model="numpy")
def add_offer(s, seller, seller_type, origin, kind, sector, quality, price, digitised,
              licences, expires, provincial):
    """Put an offer on the market: take a free slot and append it to the live list.

    If the table is full (it is sized never to be), the offer at the head of the live
    list is withdrawn first and ``G[G_OFFER_EVICTED]`` counts it.
    """
    o, G = s.offers, s.G
    if G[G_N_FREE] == 0:
        remove_offer(s, s.live[0])
        G[G_OFFER_EVICTED] += 1.0
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
    """Median asking price of a kind of good from the province (billion VND)."""
    if kind == KIND_TECH:
        return p[P_PRICE_TECH]
    if kind == KIND_IP:
        return p[P_PRICE_IP]
    if kind == KIND_RESULT:
        return p[P_PRICE_RES]
    return p[P_PRICE_SERV]


@njit(cache=True, error_model="numpy")
def origin_quality(p, origin):
    """Mean quality of offers from an origin (province, rest of Vietnam, abroad)."""
    if origin == LOC_PROVINCE:
        return p[P_Q_LOCAL]
    if origin == LOC_VIETNAM:
        return p[P_Q_VN]
    return p[P_Q_ABROAD]


@njit(cache=True, error_model="numpy")
def origin_price_mult(p, origin):
    """Price multiplier of an origin relative to the province."""
    if origin == LOC_PROVINCE:
        return 1.0
    if origin == LOC_VIETNAM:
        return p[P_PMULT_VN]
    return p[P_PMULT_ABROAD]


@njit(cache=True, error_model="numpy")
def draw_price(s, p, key, t, agent, k, kind, origin, quality):
    """Asking price (billion VND): lognormal around the kind's median, scaled by quality."""
    z = normal(key, t, agent, PU_PRICE, k, s.G)
    return kind_price(p, kind) * origin_price_mult(p, origin) * (0.5 + quality) \
        * np.exp(p[P_PRICE_SIGMA] * z)


@njit(cache=True, error_model="numpy")
def new_result(s, Y, p, key, t, agent, k, seller, seller_type, origin, sector, ready_p,
               provincial, quality_mean):
    """A research result or technology enters the market as an offer.

    It is protected as IP with probability ``ip_protect`` (TG1), market-ready with
    ``ready_p``, digitised with the provincial (TG3) or national probability. Results
    from provincial tasks and in-province organisations with commercial potential
    (market-ready or protected) count towards the digitisation indicator, in ``Y``
    (the run's yearly accumulators, or a scratch table at set-up).
    """
    G = s.G
    yr = t // 12
    q = clip01(quality_mean + p[P_Q_SD] * normal(key, t, agent, PU_QUALITY, k, G))
    protect_p = p[P_IP_BASE] + p[P_IP_GAIN] * G[G_E1]
    if seller_type == SELLER_ENTERPRISE:
        kind = KIND_TECH
    elif uniform(key, t, agent, PU_PROTECT, k, G) < protect_p:
        kind = KIND_IP
    elif uniform(key, t, agent, PU_READY, k, G) < ready_p:
        kind = KIND_TECH
    else:
        kind = KIND_RESULT
    if provincial:
        dig_p = p[P_DIG_BASE] + p[P_DIG_GAIN] * G[G_E3]
    else:
        dig_p = p[P_DIG_NAT]
    dig = 1 if uniform(key, t, agent, PU_DIGITISE, k, G) < dig_p else 0
    if provincial and kind != KIND_RESULT:
        Y[yr, Y_RESULTS_COMMERCIAL] += 1.0
        Y[yr, Y_RESULTS_DIGITISED] += dig
    price = draw_price(s, p, key, t, agent, k, kind, origin, q)
    return add_offer(s, seller, seller_type, origin, kind, sector, q, price, dig,
                     int(p[P_LICENCES]), t + int(p[P_OFFER_LIFE]), provincial)


@njit(cache=True, error_model="numpy")
def offer_sector(s, key, t, agent, k, home):
    """Sector of a new offer: the seller's own sector with probability 0.7, else one
    of the other sectors with equal probability."""
    u = uniform(key, t, agent, PU_OFFER_SECTOR, k, s.G)
    if u < 0.7:
        return home
    other = min(N_SECTORS - 2, int((u - 0.7) / 0.3 * (N_SECTORS - 1)))
    return other if other < home else other + 1
