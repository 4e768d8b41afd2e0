"""Intermediary organisations as businesses: the public one that TG4 builds (it
stalls and closes when TG4's capability runs down), private ones that enter when the
deals they can expect cover their costs and exit when they do not, their capacity,
skill and track record, and their connection to the national network.
"""

from __future__ import annotations

from numba import njit

from stmarket.model.kernels.layout import (
    FULL_INTERMEDIARIES,
    G_DEALS0,
    G_E4,
    G_E6,
    G_K4,
    G_N_BUYERS,
    G_N_INT,
    G_N_OPEN,
    G_OVERFLOW,
    G_PUBLIC_FORMED,
    INTERMEDIARY_AGENT0,
    P_BREAKEVEN,
    P_CONN_DEALS,
    P_CONN_RATE,
    P_CONN_SKILL,
    P_CONNECT_RULE,
    P_EXIT_SHARE,
    P_INT_CAP,
    P_INT_CAP_GAIN,
    P_INT_SETUP,
    P_INT_SKILL0,
    P_INT_STALL,
    P_PRIV_RATE,
    P_SKILL_LEARN,
    P_SKILL_TRAIN,
    P_USE_INT,
    PROVINCE_AGENT,
    PU_CONNECT,
    PU_FORM_PRIVATE,
)
from stmarket.model.kernels.rng import poisson, uniform


# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def intermediary_step(s, p, key, t, k):
    """Intermediary ``k`` starts its month.

    The public one works as long as TG4's capability holds: below
    ``int_stall_share`` of the capability it needed to open, it stalls and closes. A
    private one closes when its deals over the last year fall below
    ``int_exit_share`` of the deals it needs to break even. An open intermediary's
    capacity (clients a month; TG4's capability adds to the public one's), its staff's
    skill (TG6's trained staff, and learning from each deal it brokers), and its
    connection to the national network, which follows from its track record and skill
    (``connect_rule``).
    """
    m, G = s.ints, s.G
    a = INTERMEDIARY_AGENT0 - k
    if m[k].public == 1:
        if G[G_K4] < p[P_INT_STALL] * p[P_INT_SETUP]:
            close_intermediary(s, k, t)
            return
    elif m[k].booked >= 12.0 and deals_a_year(s, k) < p[P_EXIT_SHARE] * p[P_BREAKEVEN]:
        close_intermediary(s, k, t)
        return
    m[k].used = 0.0
    m[k].capacity = capacity(s, p, k)
    sk = m[k].skill
    m[k].skill = sk + p[P_SKILL_TRAIN] * G[G_E6] * (1.0 - sk) / 12.0
    if m[k].connected == 0:
        track = deals_a_year(s, k) / max(1e-9, p[P_CONN_DEALS])
        if p[P_CONNECT_RULE] < 1.0:
            # the network admits members with a record of deals and trained staff
            if track >= 1.0 and m[k].skill >= p[P_CONN_SKILL]:
                m[k].connected = 1
        elif uniform(key, t, a, PU_CONNECT, 0, G) < \
                p[P_CONN_RATE] * m[k].skill * min(1.0, track):
            m[k].connected = 1


@njit(cache=True, error_model="numpy")
def capacity(s, p, k):
    """Clients intermediary ``k`` can serve a month: ``int_cap_base``, and for the public
    one what TG4's capability adds (``int_cap_gain`` at full effect)."""
    cap = p[P_INT_CAP]
    if s.ints[k].public == 1:
        cap += p[P_INT_CAP_GAIN] * s.G[G_E4]
    return cap


@njit(cache=True, error_model="numpy")
def deals_a_year(s, k):
    """Intermediary ``k``'s deals over the last year, from its record: the
    exponentially weighted sum, divided by the weight its months so far carry
    (1 - (11/12)^months), so that a young intermediary is not judged on a partial
    year."""
    m = s.ints[k]
    if m.booked <= 0.0:
        return 0.0
    return m.deals12 / (1.0 - (11.0 / 12.0) ** m.booked)


@njit(cache=True, error_model="numpy")
def close_intermediary(s, k, t):
    """Intermediary ``k`` closes (it loses its connection)."""
    m = s.ints
    m[k].active = 0
    m[k].connected = 0
    m[k].closed = t
    s.G[G_N_OPEN] -= 1.0


@njit(cache=True, error_model="numpy")
def book_month(s, p):
    """End of an intermediary's month: its deals join its record of the last twelve
    months (exponentially weighted), its skill grows with the deals it brokered."""
    m = s.ints
    keep = 11.0 / 12.0
    for k in range(int(s.G[G_N_INT])):
        if m[k].active == 0:
            continue
        sk = m[k].skill
        m[k].skill = sk + (1.0 - sk) * (1.0 - (1.0 - p[P_SKILL_LEARN]) ** m[k].deals)
        m[k].deals12 = m[k].deals12 * keep + m[k].deals
        m[k].booked += 1.0
        m[k].deals = 0.0


@njit(cache=True, error_model="numpy")
def open_intermediary(s, p, t, public):
    """Open an intermediary in the next slot (public under TG4, or private); returns
    its slot, or -1 if the table is full (the run is then repeated with a larger
    one)."""
    m, G = s.ints, s.G
    k = int(G[G_N_INT])
    if k >= m.shape[0]:
        G[G_OVERFLOW] = float(int(G[G_OVERFLOW]) | FULL_INTERMEDIARIES)
        return -1
    m[k].active = 1
    m[k].public = public
    m[k].connected = 0
    m[k].formed = t
    m[k].closed = -1
    m[k].capacity = capacity(s, p, k)
    m[k].skill = p[P_INT_SKILL0]
    m[k].used = 0.0
    m[k].deals = 0.0
    m[k].deals12 = 0.0
    m[k].booked = 0.0
    G[G_N_INT] += 1.0
    G[G_N_OPEN] += 1.0
    if public:
        G[G_PUBLIC_FORMED] = 1.0
    return k


@njit(cache=True, error_model="numpy")
def public_slot(s):
    """Slot of the public intermediary, or -1 if it was never formed."""
    for k in range(int(s.G[G_N_INT])):
        if s.ints[k].public == 1:
            return k
    return -1


@njit(cache=True, error_model="numpy")
def entrant_deals(s, p):
    """Deals a year a new private intermediary can expect: the share of last year's
    deals that would go through an intermediary (``p_use_int``), split among the open
    intermediaries and itself, and at most the clients it can serve in a year
    (12 x ``int_cap_base``: each client is at most one deal)."""
    deals = 0.0
    for m in range(12):
        deals += s.G[G_DEALS0 + m]
    return min(p[P_USE_INT] * deals / (s.G[G_N_OPEN] + 1.0), 12.0 * p[P_INT_CAP])


@njit(cache=True, error_model="numpy")
def intermediaries_enter(s, p, key, t):
    """The province opens its public intermediary once TG4 has built the capability
    it needs (``int_setup_stock``: staff, platform; it reopens when a stalled one's
    capability is back). Would-be private intermediaries come along in proportion to
    the market: a Poisson number a month, ``private_rate`` per 1,000 buyers. Each opens
    while the deals it can expect (within its capacity, the market's intermediated
    deals shared with those open) reach the deals it needs to break even
    (``int_breakeven_deals``): its costs are counted in deals, so the test scales
    with the market."""
    G = s.G
    if G[G_K4] >= p[P_INT_SETUP]:
        k = public_slot(s)
        if k < 0:
            open_intermediary(s, p, t, 1)
        elif s.ints[k].active == 0:
            s.ints[k].active = 1
            s.ints[k].closed = -1
            s.ints[k].deals12 = 0.0
            s.ints[k].booked = 0.0
            G[G_N_OPEN] += 1.0
    if entrant_deals(s, p) >= p[P_BREAKEVEN]:
        lam = p[P_PRIV_RATE] * G[G_N_BUYERS] / 1000.0
        n = poisson(lam, uniform(key, t, PROVINCE_AGENT, PU_FORM_PRIVATE, 0, G))
        for _ in range(n):
            if entrant_deals(s, p) < p[P_BREAKEVEN] or open_intermediary(s, p, t, 0) < 0:
                break
