"""Areas of a province and a merger of their markets.

A profile may split the province into areas (a merged province's former provinces).
Each area has a market before and after the merger month (areas with the same market
number are one market), is served or not by the scenario's programme (its S&T
department's budget, tasks, events and intermediary network), and is scored or not
(the yearly accumulators count the deals, needs and firms of scored areas' buyers).
A profile without areas is one area that is one market, served and scored: every rule
below then reduces to the rule without areas.

Location is relative to the buyer's market: an offer of an in-province supplier in
an area of another market is seen as one from elsewhere in Vietnam, the profile's first
location of scope ``vietnam`` (:func:`seen_origin`): its visibility, its price (times
that location's ``price_mult``), the reach of TG1 and the origin indicators follow.
Quality and output are the supplier's own (its ``standing``).
"""

from __future__ import annotations

from numba import njit

from stmarket.model.kernels.layout import (
    G_MERGE_MONTH,
    G_SEEN_VN,
    G_UNSERVED,
    SCOPE_PROVINCE,
)


@njit(cache=True, error_model="numpy")
def area_month(s, t):
    """Set each area's market and whether the programme serves it in month ``t``
    (before or from the merger month). Returns True in the merger month itself."""
    ar = s.areas
    merged = t >= s.G[G_MERGE_MONTH]
    unserved = 0
    for a in range(ar.shape[0]):
        if merged:
            ar[a].market = ar[a].market1
            ar[a].served = ar[a].served1
        else:
            ar[a].market = ar[a].market0
            ar[a].served = ar[a].served0
        if ar[a].served == 0:
            unserved = 1
    s.G[G_UNSERVED] = unserved
    return t == s.G[G_MERGE_MONTH] and t > 0


@njit(cache=True, error_model="numpy")
def served(s, area):
    """Whether the programme serves ``area`` this month (an area outside the
    province, -1, is never served)."""
    return area >= 0 and s.areas[area].served == 1


@njit(cache=True, error_model="numpy")
def scored(s, area):
    """Whether the deals of buyers in ``area`` are counted in the yearly accumulators."""
    return area >= 0 and s.areas[area].scored == 1


@njit(cache=True, error_model="numpy")
def buyer_served(s, i):
    """1.0 if the programme serves buyer ``i``'s area this month, else 0.0: the factor
    on every effect of the task groups on a buyer."""
    return 1.0 if served(s, s.ent[i].area) else 0.0


@njit(cache=True, error_model="numpy")
def other_market(s, k, market):
    """Whether offer ``k`` is an in-province offer from an area outside ``market``."""
    o = s.offers[k]
    return s.locations[o.origin].scope == SCOPE_PROVINCE and o.area >= 0 \
        and s.areas[o.area].market != market and s.G[G_SEEN_VN] >= 0.0


@njit(cache=True, error_model="numpy")
def seen_origin(s, k, market):
    """Origin of offer ``k`` as a buyer in ``market`` sees it: an in-province offer
    from another market is from elsewhere in Vietnam."""
    if other_market(s, k, market):
        return int(s.G[G_SEEN_VN])
    return s.offers[k].origin


@njit(cache=True, error_model="numpy")
def seen_price(s, p, k, market):
    """Price of offer ``k`` to a buyer in ``market``: an in-province offer from
    another market costs the ``price_mult`` of the location it is seen as times its
    price at home (travel, installation, dealing across the border)."""
    if other_market(s, k, market):
        return s.offers[k].price * s.locations[int(s.G[G_SEEN_VN])].price_mult
    return s.offers[k].price


@njit(cache=True, error_model="numpy")
def seller_served(s, k):
    """Whether offer ``k`` comes from the programme's side: a provincial task or an
    organisation of an area the programme serves (at the offer's creation), or a
    seller in an area it serves now."""
    o = s.offers[k]
    return o.provincial == 1 or (s.locations[o.origin].scope == SCOPE_PROVINCE
                                 and served(s, o.area))
