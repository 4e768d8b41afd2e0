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

Speed: the rules are read in every buyer's step and in every look of a search. The
markets and the programme's reach change only at the start and in the merger month, so
:func:`area_month` then copies them onto the buyers (``market``, ``srv``, ``scored``)
and the offers (``market``), and the helpers below take the arrays they read, never
the whole state (a kernel call costs a reference count per array it is given).
"""

from __future__ import annotations

from numba import njit

from stmarket.model.kernels.layout import (
    G_MERGE_MONTH,
    G_OFFER_HIGH,
    G_SEEN_VN,
    G_UNSERVED,
    SCOPE_PROVINCE,
)


@njit(cache=True, error_model="numpy")
def area_month(s, t):
    """Set each area's market and whether the programme serves it in month ``t``
    (before or from the merger month); in the merger month, copy them onto the
    enterprises and the offers (:func:`sync_areas`; :func:`.run.init_state` does at
    set-up). Returns True in the merger month itself (after the first month)."""
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
    if t == s.G[G_MERGE_MONTH] and t > 0:
        sync_areas(s)
        return True
    return False


@njit(cache=True, error_model="numpy")
def sync_areas(s):
    """Copy this month's markets and reach onto every enterprise (its area's market,
    ``srv`` 1.0 if the programme serves it, ``scored``) and every offer slot used so
    far (:func:`offer_market`)."""
    e, ar = s.ent, s.areas
    for i in range(e.shape[0]):
        a = e[i].area
        e[i].market = ar[a].market if a >= 0 else -1
        e[i].srv = 1.0 if served(ar, a) else 0.0
        e[i].scored = 1 if scored(ar, a) else 0
    o = s.offers
    seen_vn = s.G[G_SEEN_VN]
    for k in range(int(s.G[G_OFFER_HIGH])):
        o[k].market = offer_market(s.locations, ar, seen_vn, o[k].origin, o[k].area)


@njit(cache=True, error_model="numpy")
def offer_market(locations, areas, seen_vn, origin, area):
    """The market an offer of this origin and seller's area is sold from this month,
    if a buyer of another market sees it as from elsewhere in Vietnam: an in-province
    offer of an area, when the profile has a location of scope ``vietnam``
    (``seen_vn`` >= 0); -1 otherwise (every buyer sees its own origin)."""
    if area >= 0 and seen_vn >= 0.0 and locations[origin].scope == SCOPE_PROVINCE:
        return areas[area].market
    return -1


@njit(cache=True, error_model="numpy")
def served(areas, area):
    """Whether the programme serves ``area`` this month (an area outside the
    province, -1, is never served)."""
    return area >= 0 and areas[area].served == 1


@njit(cache=True, error_model="numpy")
def scored(areas, area):
    """Whether the deals of buyers in ``area`` are counted in the yearly accumulators."""
    return area >= 0 and areas[area].scored == 1


@njit(cache=True, inline="always", error_model="numpy")
def seen_origin(offers, k, market, seen_vn):
    """Origin of offer ``k`` as a buyer in ``market`` sees it: an in-province offer
    from another market is from elsewhere in Vietnam (location ``seen_vn``)."""
    m = offers[k].market
    if m >= 0 and m != market:
        return seen_vn
    return offers[k].origin


@njit(cache=True, inline="always", error_model="numpy")
def seen_price(offers, locations, k, market, seen_vn):
    """Price of offer ``k`` to a buyer in ``market``: an in-province offer from
    another market costs the ``price_mult`` of the location it is seen as times its
    price at home (travel, installation, dealing across the border)."""
    m = offers[k].market
    if m >= 0 and m != market:
        return offers[k].price * locations[seen_vn].price_mult
    return offers[k].price


@njit(cache=True, error_model="numpy")
def seller_served(offers, locations, areas, k):
    """Whether offer ``k`` comes from the programme's side: a provincial task or an
    organisation of an area the programme serves (at the offer's creation), or a
    seller in an area it serves now."""
    o = offers[k]
    return o.provincial == 1 or (locations[o.origin].scope == SCOPE_PROVINCE
                                 and served(areas, o.area))
