"""The numba core: every behavioural rule of the model, as ``@njit`` kernels.

This module is the one truth for behaviour. The Mesa model
(:class:`model.market.STMarket`) and the batch core (:func:`run_batch`) call the
same phase kernels (:func:`month_begin`, :func:`research_step`,
:func:`intermediary_step`, :func:`month_end`, and for enterprises the functions that
:func:`enterprise_step` composes: :func:`vendor_step`, :func:`buyer_idle`,
:func:`buyer_searches`, :func:`search_and_buy`) on the same structure-of-arrays
state, so the two paths cannot drift apart.

Layout constants (column indices, parameter indices, random-draw purposes) are
defined here, in the kernels' own file, because numba freezes globals at compile
time and invalidates its cache only when this file changes. Parameter *values*
are never read from globals: they arrive in the vector ``p``.

State arrays (shapes and dtypes)
--------------------------------
EF : float64[n_ent, NEF]   enterprise reals (technology level, absorptive capacity, ...)
EI : int64[n_ent, NEI]     enterprise integers (role, sector, size, need, ...)
RF : float64[n_res, NRF]   research organisation reals (output rate, quality)
RI : int64[n_res, NRI]     research organisation integers (location, sector)
IF : float64[n_int, NIF]   intermediary reals (capacity, skill, used capacity)
II : int64[n_int, NII]     intermediary integers (active, public, connected, formed)
OF : float64[n_off, NOF]   offers: quality, price
OI : int64[n_off, NOI]     offers: seller, seller type, origin, kind, sector, ...
TI : int64[n_task, NTI]    provincial S&T tasks: org, sector, enterprise-centred, end
G  : float64[NG + T]       run-level scalars, then the value transacted each month
Y  : float64[n_years, NY]  yearly accumulators from which indicators are computed
TX : float64[n_tx, NTX]    transaction log (only written when G[G_LOG] == 1)
p  : float64[NP]           parameter vector (indices ``P_*``)
lev: float64[6, n_years]   yearly budget of each task group, billion VND
key: uint64[2]             the run's key, from (seed, run)
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# ----------------------------------------------------------------------------
# Parameter vector layout. PARAM_NAMES[i] is the name of p[i].
# ----------------------------------------------------------------------------
PARAM_NAMES = (
    # demand
    "need_rate", "size_mult_small", "size_mult_medium", "coop_need_mult",
    "sector_need_agro", "sector_need_construction", "sector_need_manufacturing",
    "sector_need_services", "rd_share", "rd_need_mult", "tech_need_share",
    "wtp_micro", "wtp_small", "wtp_medium", "wtp_service", "wtp_sigma",
    "tech_init_mean", "absorb_init_mean", "need_patience", "search_prob",
    "learn_rate", "absorb_learn", "spill_rate", "cross_fit",
    # supply
    "new_tasks_per_year", "initial_active_tasks", "task_duration_min",
    "task_duration_max", "task_agro_share", "local_task_share", "results_per_task",
    "ec_base", "ec_max", "mr_base", "mr_ec", "partner_uptake", "local_offer_rate",
    "outside_offer_rate", "vendor_offer_rate", "ip_protect_base", "ip_protect_gain",
    "digit_base", "digit_gain", "digit_national", "quality_local", "quality_vn",
    "quality_abroad", "quality_sd", "price_service", "price_result", "price_tech",
    "price_ip", "price_sigma", "price_mult_vn", "price_mult_abroad", "licences_max",
    "offer_life",
    # search and intermediation
    "k_direct", "vis_local", "vis_vn", "vis_abroad", "digit_vis_mult", "k_int",
    "int_vis_unconnected", "val_uncert", "int_uncert_cut", "p_use_int",
    "int_cap_base", "int_cap_gain", "int_skill_init", "skill_train",
    "int_setup_cost", "connect_base", "connect_gain", "private_threshold",
    "private_rate", "event_base", "event_max", "attend_prob", "k_event",
    # levers: half-saturation budgets and mechanism gains
    "h1", "h2", "h3", "h4", "h5", "h6", "close_base", "close_gain",
    "subsidy_max", "need_gain", "absorb_gain", "aware_gain", "intl_gain",
    "inflation", "economic_growth",
)
NP = len(PARAM_NAMES)
(P_NEED_RATE, P_SIZE_SMALL, P_SIZE_MEDIUM, P_COOP_MULT, P_SEC_AGRO, P_SEC_CONSTR,
 P_SEC_MANUF, P_SEC_SERV, P_RD_SHARE, P_RD_MULT, P_TECH_NEED, P_WTP_MICRO,
 P_WTP_SMALL, P_WTP_MEDIUM, P_WTP_SERVICE, P_WTP_SIGMA, P_TECH0, P_ABSORB0,
 P_PATIENCE, P_SEARCH, P_LEARN, P_ABSORB_LEARN, P_SPILL, P_CROSS_FIT,
 P_NEW_TASKS, P_INIT_TASKS, P_TASK_DMIN, P_TASK_DMAX, P_TASK_AGRO, P_LOCAL_TASK,
 P_RESULTS_TASK, P_EC_BASE, P_EC_MAX, P_MR_BASE, P_MR_EC, P_PARTNER,
 P_LOCAL_RATE, P_OUTSIDE_RATE, P_VENDOR_RATE, P_IP_BASE, P_IP_GAIN, P_DIG_BASE,
 P_DIG_GAIN, P_DIG_NAT, P_Q_LOCAL, P_Q_VN, P_Q_ABROAD, P_Q_SD, P_PRICE_SERV,
 P_PRICE_RES, P_PRICE_TECH, P_PRICE_IP, P_PRICE_SIGMA, P_PMULT_VN,
 P_PMULT_ABROAD, P_LICENCES, P_OFFER_LIFE,
 P_K_DIRECT, P_VIS_LOCAL, P_VIS_VN, P_VIS_ABROAD, P_DIG_VIS, P_K_INT,
 P_INT_VIS_UNCONN, P_VAL_UNCERT, P_INT_UNCERT_CUT, P_USE_INT, P_INT_CAP,
 P_INT_CAP_GAIN, P_INT_SKILL0, P_SKILL_TRAIN, P_INT_SETUP, P_CONN_BASE,
 P_CONN_GAIN, P_PRIV_THRESH, P_PRIV_RATE, P_EVENT_BASE, P_EVENT_MAX, P_ATTEND,
 P_K_EVENT,
 P_H1, P_H2, P_H3, P_H4, P_H5, P_H6, P_CLOSE_BASE, P_CLOSE_GAIN, P_SUBSIDY,
 P_NEED_GAIN, P_ABSORB_GAIN, P_AWARE_GAIN, P_INTL_GAIN, P_INFLATION, P_ECON_GROWTH) = range(NP)

# ----------------------------------------------------------------------------
# Categorical codes
# ----------------------------------------------------------------------------
# sectors: 0 agro-forestry & food, 1 construction/materials/mining, 2 manufacturing,
# 3 trade and services
N_SECTORS = 4
SECTOR_NAMES = ("agro_forestry", "construction_mining", "manufacturing", "services")
SIZE_NAMES = ("micro", "small", "medium")
ROLE_BUYER, ROLE_VENDOR = 0, 1
LOC_PROVINCE, LOC_VIETNAM, LOC_ABROAD = 0, 1, 2
ORIGIN_NAMES = ("province", "vietnam", "abroad")
KIND_TECH, KIND_IP, KIND_RESULT, KIND_SERVICE = 0, 1, 2, 3
KIND_NAMES = ("technology", "ip", "research_result", "service")
SELLER_RESEARCH, SELLER_ENTERPRISE = 0, 1
CH_DIRECT, CH_INTERMEDIARY, CH_EVENT = 0, 1, 2
CHANNEL_NAMES = ("direct", "intermediary", "event")
NEED_NONE, NEED_SERVICE, NEED_TECH = -1, 0, 1

# ----------------------------------------------------------------------------
# State columns
# ----------------------------------------------------------------------------
E_TECH, E_ABSORB, E_WTP, E_WTP_SERVICE, E_NEED_P = range(5)
NEF = 5
EI_ROLE, EI_SECTOR, EI_SIZE, EI_COOP, EI_RD, EI_LOC, EI_NEED, EI_NEED_AGE, EI_PREF, \
    EI_PURCHASES, EI_PREF_ID = range(11)
NEI = 11
# EI_PREF is the slot of a preferred offer and EI_PREF_ID its serial number: slots are
# reused, so a preference holds only while the slot still holds that offer
R_RATE, R_QUALITY, R_EXP_RATE = range(3)
NRF = 3
RI_LOC, RI_SECTOR, RI_UNIVERSITY = range(3)
NRI = 3
I_CAPACITY, I_SKILL, I_USED = range(3)
NIF = 3
II_ACTIVE, II_PUBLIC, II_CONNECTED, II_FORMED = range(4)
NII = 4
O_QUALITY, O_PRICE = range(2)
NOF = 2
OI_ACTIVE, OI_SELLER, OI_SELLER_TYPE, OI_ORIGIN, OI_KIND, OI_SECTOR, OI_DIGITISED, \
    OI_LICENCES, OI_EXPIRES, OI_PROVINCIAL, OI_SERIAL, OI_POS, OI_LIST, OI_FREE = range(14)
NOI = 14
# OI_POS is the offer's position in the list of live offers (-1 if not live). The last
# two columns are not per-offer data but two lists stored alongside: OI[j, OI_LIST] is
# the j-th live offer (j < G[G_N_LIVE]) and OI[j, OI_FREE] the j-th free slot
# (j < G[G_N_FREE]). Searches sample the live list, so every look finds a live offer.
TI_ACTIVE, TI_ORG, TI_SECTOR, TI_EC, TI_END, TI_PARTNER = range(6)
NTI = 6
(G_E1, G_E2, G_E3, G_E4, G_E5, G_E6, G_EVENT, G_ORDER_OFF, G_ORDER_STRIDE, G_NTX,
 G_LOG, G_TX_OVERFLOW, G_N_SERVICE, G_OFFER_HIGH, G_N_LIVE, G_N_FREE, G_N_INT,
 G_PUBLIC_FORMED, G_DRAWS, G_N_BUYERS, G_NORMALS, G_VENDOR_EXP, G_TASK_HIGH,
 G_OFFER_EVICTED, G_OFFER_SERIAL, G_SPILL0) = range(26)
G_MV0 = G_SPILL0 + N_SECTORS  # monthly transaction value (real, bn VND) from here on
NG = G_MV0

# Yearly accumulators
(Y_VALUE, Y_V_TECH, Y_V_IP, Y_V_RESULT, Y_V_SERVICE, Y_COUNT, Y_N_TECH, Y_N_IP,
 Y_N_RESULT, Y_N_SERVICE, Y_V_PROVINCE, Y_V_VIETNAM, Y_V_ABROAD, Y_V_RESEARCH_DOM,
 Y_V_DOMESTIC, Y_V_TECH_ABROAD, Y_V_DIRECT, Y_V_INTERMEDIARY, Y_V_EVENT,
 Y_N_DIRECT, Y_N_INTERMEDIARY, Y_N_EVENT, Y_NEEDS, Y_RESULTS_COMMERCIAL,
 Y_RESULTS_DIGITISED, Y_INT_ACTIVE, Y_INT_CONNECTED, Y_PUBLIC_FORMED, Y_EVENTS,
 Y_TECH_MEAN, Y_ABSORB_MEAN, Y_OFFERS_ACTIVE, Y_TASKS_EC, Y_TASKS_NEW,
 Y_BUDGET, Y_V_DOMESTIC_TECH) = range(36)
NY = 36
Y_NAMES = (
    "value", "value_technology", "value_ip", "value_research_result", "value_service",
    "count", "count_technology", "count_ip", "count_research_result", "count_service",
    "value_origin_province", "value_origin_vietnam", "value_origin_abroad",
    "value_research_domestic", "value_domestic", "value_technology_abroad",
    "value_direct", "value_intermediary", "value_event",
    "count_direct", "count_intermediary", "count_event", "needs_formed",
    "results_commercial", "results_digitised", "intermediaries_active",
    "intermediaries_connected", "public_intermediary", "events", "tech_level_mean",
    "absorptive_capacity_mean", "offers_active", "tasks_enterprise_centred",
    "tasks_new", "budget", "value_domestic_technology",
)

# Transaction log columns
TX_MONTH, TX_BUYER, TX_SELLER, TX_SELLER_TYPE, TX_KIND, TX_VALUE, TX_ORIGIN, \
    TX_CHANNEL, TX_OFFER = range(9)
NTX = 9

# Random-draw purposes (the last part of every random key)
(PU_NEED, PU_NEED_LEVEL, PU_SEARCH, PU_CHANNEL, PU_LOOK, PU_VISIBLE, PU_CLOSE,
 PU_OUTPUT, PU_OFFER_SECTOR, PU_QUALITY, PU_PRICE, PU_PROTECT, PU_READY, PU_DIGITISE,
 PU_EVENT, PU_ORDER, PU_FORM_PUBLIC, PU_FORM_PRIVATE, PU_CONNECT, PU_TASK_COUNT,
 PU_TASK, PU_RESULTS, PU_PARTNER, PU_INIT, PU_INIT_OFFERS, PU_LIFE) = range(26)

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S11 = np.uint64(11)
_TWO53 = 1.0 / 9007199254740992.0
AGENT_BITS = 24
MAX_AGENTS = 1 << AGENT_BITS


# ----------------------------------------------------------------------------
# Counter-based random numbers
# ----------------------------------------------------------------------------
@njit(cache=True, inline="always", error_model="numpy")
def fmix64(x):
    """MurmurHash3's 64-bit finaliser: a bijective avalanche mix of ``x`` (uint64)."""
    x ^= x >> _S33
    x *= _M1
    x ^= x >> _S33
    x *= _M2
    x ^= x >> _S33
    return x


@njit(cache=True, error_model="numpy")
def make_key(seed, run):
    """Key of one run: two uint64 words derived from ``(seed, run)``.

    Parameters
    ----------
    seed, run : int
        Non-negative integers below 2**63.

    Returns
    -------
    uint64[2]
    """
    key = np.empty(2, dtype=np.uint64)
    a = fmix64(np.uint64(seed) ^ np.uint64(0x9E3779B97F4A7C15))
    b = fmix64(a ^ fmix64(np.uint64(run) + np.uint64(0x632BE59BD9B4E019)))
    key[0] = a ^ b
    key[1] = fmix64(b + np.uint64(0xD6E8FEB86659FD93))
    return key


@njit(cache=True, inline="always", error_model="numpy")
def bits(key, t, agent, purpose, k):
    """64 random bits, a pure function of (key, month, agent, purpose, k).

    ``t`` < 4095 months, ``agent`` < 2**24, ``purpose`` < 256, ``k`` < 2**20.
    """
    c = (np.uint64(t + 1) << np.uint64(52)) | (np.uint64(agent) << np.uint64(28)) \
        | (np.uint64(purpose) << np.uint64(20)) | np.uint64(k)
    return fmix64(fmix64(c ^ key[0]) ^ key[1])


@njit(cache=True, inline="always", error_model="numpy")
def uniform(key, t, agent, purpose, k, G):
    """A uniform draw in [0, 1) keyed by (key, t, agent, purpose, k); counts it in G."""
    G[G_DRAWS] += 1.0
    return (bits(key, t, agent, purpose, k) >> _S11) * _TWO53


@njit(cache=True, error_model="numpy")
def uniform_block(key, t, agent0, purpose, out):
    """``out[j]`` = the draw :func:`uniform` gives for agent ``agent0 + j`` (k = 0),
    for a block of agents at once, uncounted (the caller counts the draws it uses).
    A branch-free loop over the same :func:`bits`, which the compiler can vectorise:
    the core takes the month's routine draws (every buyer's need draw, every
    supplier's output draw) in blocks like this."""
    for j in range(out.shape[0]):
        out[j] = (bits(key, t, agent0 + j, purpose, 0) >> _S11) * _TWO53


@njit(cache=True, error_model="numpy")
def normal_pair(key, t, agent, purpose, k, G):
    """Two independent standard normals from one Box-Muller transform of draws k
    and k + 1; counts it in G as one normal draw."""
    G[G_NORMALS] += 1.0
    u1 = 1.0 - uniform(key, t, agent, purpose, k, G)  # in (0, 1]
    u2 = uniform(key, t, agent, purpose, k + 1, G)
    r = np.sqrt(-2.0 * np.log(u1))
    return r * np.cos(2.0 * np.pi * u2), r * np.sin(2.0 * np.pi * u2)


@njit(cache=True, error_model="numpy")
def normal(key, t, agent, purpose, k, G):
    """A standard normal draw (Box-Muller over draws k and k + 1); counts it in G."""
    G[G_NORMALS] += 1.0
    u1 = 1.0 - uniform(key, t, agent, purpose, k, G)  # in (0, 1]
    u2 = uniform(key, t, agent, purpose, k + 1, G)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, error_model="numpy")
def poisson(lam, u):
    """Poisson(lam) by inversion of one uniform ``u`` (lam below ~30)."""
    if lam <= 0.0:
        return 0
    return poisson_e(lam, np.exp(-lam), u)


@njit(cache=True, error_model="numpy")
def poisson_e(lam, e, u):
    """Poisson(lam) by inversion of ``u``, given ``e = exp(-lam)``."""
    if u <= e or lam <= 0.0:
        return 0
    term = e
    cdf = term
    n = 0
    while u > cdf and n < 1000:
        n += 1
        term *= lam / n
        cdf += term
    return n


@njit(cache=True, error_model="numpy")
def saturating(budget, half):
    """Diminishing-returns effect of a yearly budget: b / (b + h), in [0, 1)."""
    if budget <= 0.0:
        return 0.0
    return budget / (budget + half)


@njit(cache=True, error_model="numpy")
def clip01(x):
    return min(1.0, max(0.0, x))


# ----------------------------------------------------------------------------
# Offers
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def add_offer(OF, OI, G, seller, seller_type, origin, kind, sector, quality, price,
              digitised, licences, expires, provincial):
    """Put an offer on the market: take a free slot and append it to the live list.

    If the table is full (it is sized never to be), the offer at the head of the live
    list is withdrawn first and ``G[G_OFFER_EVICTED]`` counts it.
    """
    if G[G_N_FREE] == 0:
        remove_offer(OI, G, OI[0, OI_LIST])
        G[G_OFFER_EVICTED] += 1.0
    G[G_N_FREE] -= 1.0
    slot = OI[int(G[G_N_FREE]), OI_FREE]
    if slot + 1 > G[G_OFFER_HIGH]:
        G[G_OFFER_HIGH] = slot + 1
    n_live = int(G[G_N_LIVE])
    OI[n_live, OI_LIST] = slot
    OI[slot, OI_POS] = n_live
    G[G_N_LIVE] = n_live + 1
    OI[slot, OI_ACTIVE] = 1
    G[G_OFFER_SERIAL] += 1.0
    OI[slot, OI_SERIAL] = int(G[G_OFFER_SERIAL])
    OI[slot, OI_SELLER] = seller
    OI[slot, OI_SELLER_TYPE] = seller_type
    OI[slot, OI_ORIGIN] = origin
    OI[slot, OI_KIND] = kind
    OI[slot, OI_SECTOR] = sector
    OI[slot, OI_DIGITISED] = digitised
    OI[slot, OI_LICENCES] = licences
    OI[slot, OI_EXPIRES] = expires
    OI[slot, OI_PROVINCIAL] = provincial
    OF[slot, O_QUALITY] = quality
    OF[slot, O_PRICE] = price
    return slot


@njit(cache=True, error_model="numpy")
def remove_offer(OI, G, o):
    """Withdraw live offer ``o`` (sold out or expired): swap it out of the live list
    and free its slot."""
    OI[o, OI_ACTIVE] = 0
    pos = OI[o, OI_POS]
    last = int(G[G_N_LIVE]) - 1
    moved = OI[last, OI_LIST]
    OI[pos, OI_LIST] = moved
    OI[moved, OI_POS] = pos
    OI[o, OI_POS] = -1
    G[G_N_LIVE] = last
    OI[int(G[G_N_FREE]), OI_FREE] = o
    G[G_N_FREE] += 1.0


@njit(cache=True, error_model="numpy")
def expire_offers(OI, G, t):
    """Withdraw every live offer whose life ended before month ``t``."""
    for j in range(int(G[G_N_LIVE]) - 1, -1, -1):
        o = OI[j, OI_LIST]
        if OI[o, OI_EXPIRES] < t:
            remove_offer(OI, G, o)


@njit(cache=True, error_model="numpy")
def kind_price(p, kind):
    if kind == KIND_TECH:
        return p[P_PRICE_TECH]
    if kind == KIND_IP:
        return p[P_PRICE_IP]
    if kind == KIND_RESULT:
        return p[P_PRICE_RES]
    return p[P_PRICE_SERV]


@njit(cache=True, error_model="numpy")
def origin_quality(p, origin):
    if origin == LOC_PROVINCE:
        return p[P_Q_LOCAL]
    if origin == LOC_VIETNAM:
        return p[P_Q_VN]
    return p[P_Q_ABROAD]


@njit(cache=True, error_model="numpy")
def origin_price_mult(p, origin):
    if origin == LOC_PROVINCE:
        return 1.0
    if origin == LOC_VIETNAM:
        return p[P_PMULT_VN]
    return p[P_PMULT_ABROAD]


@njit(cache=True, error_model="numpy")
def draw_price(p, key, t, agent, k, G, kind, origin, quality):
    """Asking price (billion VND): lognormal around the kind's median, scaled by quality."""
    z = normal(key, t, agent, PU_PRICE, k, G)
    return kind_price(p, kind) * origin_price_mult(p, origin) * (0.5 + quality) \
        * np.exp(p[P_PRICE_SIGMA] * z)


@njit(cache=True, error_model="numpy")
def new_result(OF, OI, G, Y, p, key, t, agent, k, seller, seller_type, origin, sector,
               ready_p, provincial, quality_mean):
    """A research result or technology enters the market as an offer.

    It is protected as IP with probability ``ip_protect`` (TG1), market-ready with
    ``ready_p``, digitised with the provincial (TG3) or national probability. Results
    from provincial tasks and in-province organisations with commercial potential
    (market-ready or protected) count towards the digitisation indicator.
    """
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
    price = draw_price(p, key, t, agent, k, G, kind, origin, q)
    return add_offer(OF, OI, G, seller, seller_type, origin, kind, sector, q, price, dig,
                     int(p[P_LICENCES]), t + int(p[P_OFFER_LIFE]), provincial)


@njit(cache=True, error_model="numpy")
def offer_sector(key, t, agent, k, G, home):
    """Sector of a new offer: the seller's own sector with probability 0.7, else one
    of the other sectors with equal probability."""
    u = uniform(key, t, agent, PU_OFFER_SECTOR, k, G)
    if u < 0.7:
        return home
    other = min(N_SECTORS - 2, int((u - 0.7) / 0.3 * (N_SECTORS - 1)))
    return other if other < home else other + 1


# ----------------------------------------------------------------------------
# Phase kernels: one month = month_begin, research_step for each research
# organisation, intermediary_step for each active intermediary, enterprise_step for
# each vendor (index order) and then each buyer (this month's order), month_end.
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


@njit(cache=True, error_model="numpy")
def need_probability(EF, EI, p, G, i):
    """Monthly probability that buyer ``i`` forms a need for an S&T good (TG2 raises
    it): ``need_rate`` times its size, sector, cooperative and R&D multipliers and its
    technology gap relative to the initial mean."""
    size = EI[i, EI_SIZE]
    m = 1.0 if size == 0 else (p[P_SIZE_SMALL] if size == 1 else p[P_SIZE_MEDIUM])
    m *= p[P_SEC_AGRO + EI[i, EI_SECTOR]]
    if EI[i, EI_COOP] == 1:
        m *= p[P_COOP_MULT]
    if EI[i, EI_RD] == 1:
        m *= p[P_RD_MULT]
    gap = (1.0 - EF[i, E_TECH]) / max(1e-9, 1.0 - p[P_TECH0])
    return min(1.0, p[P_NEED_RATE] * m * gap * (1.0 + p[P_NEED_GAIN] * G[G_E2]))


PROVINCE_AGENT = MAX_AGENTS - 1
HUGE = 1 << 40


@njit(cache=True, error_model="numpy")
def year_update(EF, EI, RF, RI, TI, G, Y, p, lev, key, t):
    """January: the year's lever effects, learning spill-overs, TG2 capacity
    building, growth of willingness to pay with the economy, need probabilities, and
    the year's new provincial S&T tasks."""
    yr = t // 12
    for g in range(6):
        G[G_E1 + g] = saturating(lev[g, yr], p[P_H1 + g])
        Y[yr, Y_BUDGET] += lev[g, yr]
    n_buyers = int(G[G_N_BUYERS])
    absorb_sector = np.zeros(N_SECTORS)
    for i in range(n_buyers):
        absorb_sector[EI[i, EI_SECTOR]] += EF[i, E_ABSORB]
    for i in range(n_buyers):
        a = EF[i, E_ABSORB]
        if t > 0:
            s = EI[i, EI_SECTOR]
            # spill-over: a sector's firms share spill_rate times last year's technology
            # gains from adoption in the sector, in proportion to absorptive capacity
            share = a / absorb_sector[s] if absorb_sector[s] > 0.0 else 0.0
            EF[i, E_TECH] = min(1.0, EF[i, E_TECH] + p[P_SPILL] * G[G_SPILL0 + s] * share)
            # TG2: capacity building raises absorptive capacity
            EF[i, E_ABSORB] = a + p[P_ABSORB_GAIN] * G[G_E2] * (1.0 - a)
            # firms' willingness to pay grows with the province's real economy
            EF[i, E_WTP] *= 1.0 + p[P_ECON_GROWTH]
            EF[i, E_WTP_SERVICE] *= 1.0 + p[P_ECON_GROWTH]
        EF[i, E_NEED_P] = need_probability(EF, EI, p, G, i)
    for s in range(N_SECTORS):
        G[G_SPILL0 + s] = 0.0
    n_new = poisson(p[P_NEW_TASKS], uniform(key, t, PROVINCE_AGENT, PU_TASK_COUNT, 0, G))
    for j in range(n_new):
        new_task(EI, RI, TI, G, Y, p, key, t, j, False)


@njit(cache=True, error_model="numpy")
def new_task(EI, RI, TI, G, Y, p, key, t, j, carried):
    """A provincial S&T task starts. It is led by an in-province organisation with
    probability ``local_task_share`` (else by one elsewhere in Vietnam), is in
    agro-forestry with ``task_agro_share``, and is enterprise-centred with a
    probability that TG3 raises from ``ec_base`` towards ``ec_max``; an
    enterprise-centred task has a partner buyer of its sector. A carried-over
    task (at set-up) ends within ``task_duration_max`` months."""
    n_task = TI.shape[0]
    slot = -1
    for s in range(n_task):
        if TI[s, TI_ACTIVE] == 0:
            slot = s
            break
    if slot < 0:
        return
    if slot + 1 > G[G_TASK_HIGH]:
        G[G_TASK_HIGH] = slot + 1
    k0 = 8 * j
    u_org = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0, G)
    u_pick = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 1, G)
    u_sec = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 2, G)
    u_ec = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 3, G)
    u_dur = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 4, G)
    u_par = uniform(key, t, PROVINCE_AGENT, PU_TASK, k0 + 5, G)
    n_res = RI.shape[0]
    n_local = 0
    n_vn = 0
    for r in range(n_res):
        if RI[r, RI_LOC] == LOC_PROVINCE:
            n_local += 1
        elif RI[r, RI_LOC] == LOC_VIETNAM:
            n_vn += 1
    want = LOC_PROVINCE if (u_org < p[P_LOCAL_TASK] and n_local > 0) or n_vn == 0 \
        else LOC_VIETNAM
    pick = int(u_pick * (n_local if want == LOC_PROVINCE else n_vn))
    org = -1
    c = 0
    for r in range(n_res):
        if RI[r, RI_LOC] == want:
            if c == pick:
                org = r
                break
            c += 1
    if org < 0:
        return
    agro = p[P_TASK_AGRO]
    if u_sec < agro:
        sector = 0
    else:
        sector = 1 + min(N_SECTORS - 2, int((u_sec - agro) / (1.0 - agro) * (N_SECTORS - 1)))
    ec_p = p[P_EC_BASE] + (p[P_EC_MAX] - p[P_EC_BASE]) * G[G_E3]
    ec = 1 if u_ec < ec_p else 0
    TI[slot, TI_ACTIVE] = 1
    TI[slot, TI_ORG] = org
    TI[slot, TI_SECTOR] = sector
    TI[slot, TI_EC] = ec
    if carried:
        TI[slot, TI_END] = int(u_dur * p[P_TASK_DMAX])
    else:
        dmin = p[P_TASK_DMIN]
        TI[slot, TI_END] = t + int(dmin + u_dur * (p[P_TASK_DMAX] - dmin))
    TI[slot, TI_PARTNER] = -1
    if ec == 1:  # the partner: a buyer of the task's sector, drawn by rejection
        n_b = int(G[G_N_BUYERS])
        i = int(u_par * n_b)
        tries = 1
        while EI[i, EI_SECTOR] != sector and tries < 256:
            i = int(uniform(key, t, PROVINCE_AGENT, PU_PARTNER, 256 * j + tries, G) * n_b)
            tries += 1
        if EI[i, EI_SECTOR] == sector:
            TI[slot, TI_PARTNER] = i
    if not carried:
        yr = t // 12
        Y[yr, Y_TASKS_NEW] += 1.0
        Y[yr, Y_TASKS_EC] += ec


@njit(cache=True, error_model="numpy")
def month_begin(EF, EI, RF, RI, TI, OI, G, Y, p, lev, key, t):
    """Province-level start of month ``t``: the yearly update in January, offers
    whose life has ended leave the market, this month's promotion events (TG5), and
    the order in which buyers act."""
    if t % 12 == 0:
        year_update(EF, EI, RF, RI, TI, G, Y, p, lev, key, t)
    expire_offers(OI, G, t)
    rate = (p[P_EVENT_BASE] + (p[P_EVENT_MAX] - p[P_EVENT_BASE]) * G[G_E5]) / 12.0
    n_ev = poisson(rate, uniform(key, t, PROVINCE_AGENT, PU_EVENT, 0, G))
    G[G_EVENT] = n_ev
    Y[t // 12, Y_EVENTS] += n_ev
    n = int(G[G_N_BUYERS])
    G[G_ORDER_OFF] = int(uniform(key, t, PROVINCE_AGENT, PU_ORDER, 0, G) * n)
    stride = 1
    if n > 2:
        stride = 1 + int(uniform(key, t, PROVINCE_AGENT, PU_ORDER, 1, G) * (n - 1))
        while _gcd(stride, n) != 1:
            stride = stride % (n - 1) + 1
    G[G_ORDER_STRIDE] = stride


@njit(cache=True, error_model="numpy")
def research_step(EF, RF, RI, OF, OI, G, Y, p, key, t, r):
    """Research organisation ``r`` puts this month's new results and technologies on
    the market (a Poisson number at its output rate). In-province organisations'
    results count as provincial (digitised under TG3)."""
    a = EF.shape[0] + r
    loc = RI[r, RI_LOC]
    n = poisson_e(RF[r, R_RATE], RF[r, R_EXP_RATE], uniform(key, t, a, PU_OUTPUT, 0, G))
    for j in range(n):
        sector = offer_sector(key, t, a, j, G, RI[r, RI_SECTOR])
        new_result(OF, OI, G, Y, p, key, t, a, 2 * j, r, SELLER_RESEARCH, loc, sector,
                   p[P_MR_BASE], 1 if loc == LOC_PROVINCE else 0, RF[r, R_QUALITY])


@njit(cache=True, error_model="numpy")
def vendor_step(EI, OF, OI, G, Y, p, key, t, i):
    """A technology vendor (an enterprise outside the province) offers new
    technologies at rate ``vendor_offer_rate``."""
    loc = EI[i, EI_LOC]
    n = poisson_e(p[P_VENDOR_RATE], G[G_VENDOR_EXP], uniform(key, t, i, PU_OUTPUT, 0, G))
    for j in range(n):
        sector = offer_sector(key, t, i, j, G, EI[i, EI_SECTOR])
        new_result(OF, OI, G, Y, p, key, t, i, 2 * j, i, SELLER_ENTERPRISE, loc, sector,
                   1.0, 0, origin_quality(p, loc))


@njit(cache=True, error_model="numpy")
def intermediary_step(EF, RF, TI, IF, II, G, p, key, t, k):
    """Intermediary ``k`` starts its month: capacity (TG4 for the public one), staff
    skill (TG6 training), and a chance to connect to the national network."""
    a = EF.shape[0] + RF.shape[0] + TI.shape[0] + k
    IF[k, I_USED] = 0.0
    cap = p[P_INT_CAP]
    if II[k, II_PUBLIC] == 1:
        cap += p[P_INT_CAP_GAIN] * G[G_E4]
    IF[k, I_CAPACITY] = cap
    s = IF[k, I_SKILL]
    IF[k, I_SKILL] = s + p[P_SKILL_TRAIN] * G[G_E6] * (1.0 - s) / 12.0
    if II[k, II_CONNECTED] == 0:
        hazard = p[P_CONN_BASE] + p[P_CONN_GAIN] * G[G_E4]
        if uniform(key, t, a, PU_CONNECT, 0, G) < hazard:
            II[k, II_CONNECTED] = 1


@njit(cache=True, error_model="numpy")
def channel_visibility(p, G, channel, origin, connected):
    """Probability that a sampled, non-digitised offer of this origin is actually
    seen through a channel (events show everything; an intermediary sees every
    in-province offer, and outside ones in full once connected to the national
    network; TG6 raises the visibility of foreign offers)."""
    if channel == CH_EVENT:
        return 1.0
    if origin == LOC_PROVINCE:
        v = 1.0 if channel == CH_INTERMEDIARY else p[P_VIS_LOCAL]
    elif channel == CH_INTERMEDIARY:
        v = 1.0 if connected else p[P_INT_VIS_UNCONN]
    elif origin == LOC_VIETNAM:
        v = p[P_VIS_VN]
    else:
        v = p[P_VIS_ABROAD]
    if origin == LOC_ABROAD:
        v *= 1.0 + p[P_INTL_GAIN] * G[G_E6]  # TG6: international integration
    return min(1.0, v)


@njit(cache=True, error_model="numpy")
def surplus(scale, fit, quality, price, price_factor):
    """A buyer's expected surplus from an offer (billion VND).

    ``scale`` is the buyer's willingness to pay times (0.5 + absorptive capacity)
    times (1 - valuation discount); the benefit is ``scale * fit * (0.5 + quality)``;
    the price is net of the TG2 co-funding (``price_factor = 1 - subsidy``).
    """
    return scale * fit * (0.5 + quality) - price * price_factor


@njit(cache=True, error_model="numpy")
def enterprise_step(EF, EI, IF, II, OF, OI, G, Y, TX, p, key, t, i):
    """Enterprise ``i`` acts for the month.

    A vendor offers technologies. A buyer without a need may form one (probability
    ``E_NEED_P``); a buyer with a need searches with a probability TG6 raises, through
    an event, an intermediary or directly, weighs the offers it sees, and buys the
    best if its surplus is positive and the deal closes (TG1 raises the closing
    probability). An unmet need lapses after ``need_patience`` months.
    """
    if EI[i, EI_ROLE] == ROLE_VENDOR:
        vendor_step(EI, OF, OI, G, Y, p, key, t, i)
    elif not buyer_idle(EF, EI, G, key, t, i):
        if buyer_searches(EF, EI, G, Y, p, key, t, i):
            search_and_buy(EF, EI, IF, II, OF, OI, G, Y, TX, p, key, t, i)


@njit(cache=True, inline="always", error_model="numpy")
def buyer_idle(EF, EI, G, key, t, i):
    """True if buyer ``i`` has no need and forms none this month (the common case:
    its need draw is at or above ``E_NEED_P``).

    The core takes the same test on a block of need draws (see :func:`step_month`).
    """
    if EI[i, EI_NEED] != NEED_NONE:
        return False
    return uniform(key, t, i, PU_NEED, 0, G) >= EF[i, E_NEED_P]


@njit(cache=True, error_model="numpy")
def buyer_searches(EF, EI, G, Y, p, key, t, i):
    """A buyer that is not idle: set up the need it has just formed (technology-
    level with a probability rising with absorptive capacity), or age its current
    need and drop it after ``need_patience`` months. Returns True if the buyer
    searches this month (probability ``search_prob``, raised by TG6)."""
    if EI[i, EI_NEED] == NEED_NONE:
        p_tech = clip01(p[P_TECH_NEED] * (0.5 + EF[i, E_ABSORB]))
        if uniform(key, t, i, PU_NEED_LEVEL, 0, G) < p_tech:
            EI[i, EI_NEED] = NEED_TECH
        else:
            EI[i, EI_NEED] = NEED_SERVICE
        EI[i, EI_NEED_AGE] = 0
        EI[i, EI_PREF] = -1
        Y[t // 12, Y_NEEDS] += 1.0
    else:
        EI[i, EI_NEED_AGE] += 1
        if EI[i, EI_NEED_AGE] > p[P_PATIENCE]:
            EI[i, EI_NEED] = NEED_NONE
            EI[i, EI_PREF] = -1
            return False
    search_p = p[P_SEARCH] + (1.0 - p[P_SEARCH]) * p[P_AWARE_GAIN] * G[G_E6]
    return uniform(key, t, i, PU_SEARCH, 0, G) < search_p


@njit(cache=True, error_model="numpy")
def search_and_buy(EF, EI, IF, II, OF, OI, G, Y, TX, p, key, t, i):
    """Channel choice, search over the offer pool, evaluation and purchase."""
    channel = CH_DIRECT
    kint = -1
    # each of this month's events is attended with probability attend_prob
    if G[G_EVENT] > 0 and uniform(key, t, i, PU_CHANNEL, 0, G) < \
            1.0 - (1.0 - p[P_ATTEND]) ** G[G_EVENT]:
        channel = CH_EVENT
    elif G[G_N_INT] > 0 and uniform(key, t, i, PU_CHANNEL, 1, G) < p[P_USE_INT]:
        for k in range(IF.shape[0]):
            if II[k, II_ACTIVE] == 1 and IF[k, I_USED] < np.floor(IF[k, I_CAPACITY]):
                kint = k
                break
        if kint >= 0:
            channel = CH_INTERMEDIARY
            IF[kint, I_USED] += 1.0
    discount = p[P_VAL_UNCERT]
    connected = 0
    if channel == CH_DIRECT:
        n_look = int(p[P_K_DIRECT])
    elif channel == CH_EVENT:
        n_look = int(p[P_K_EVENT])
    else:
        n_look = int(p[P_K_INT])
        # valuation help: its staff's skill (raised by TG6 training) cuts the discount
        discount *= 1.0 - p[P_INT_UNCERT_CUT] * IF[kint, I_SKILL]
        connected = II[kint, II_CONNECTED]
    need = EI[i, EI_NEED]
    wtp = EF[i, E_WTP] if need == NEED_TECH else EF[i, E_WTP_SERVICE]
    scale = wtp * (0.5 + EF[i, E_ABSORB]) * (1.0 - discount)
    price_factor = 1.0 - p[P_SUBSIDY] * G[G_E2]
    sector = EI[i, EI_SECTOR]
    cross = p[P_CROSS_FIT]
    dig_mult = p[P_DIG_VIS]
    vis_prov = channel_visibility(p, G, channel, LOC_PROVINCE, connected)
    vis_vn = channel_visibility(p, G, channel, LOC_VIETNAM, connected)
    vis_abroad = channel_visibility(p, G, channel, LOC_ABROAD, connected)
    best = -1
    best_s = 0.0
    pref = EI[i, EI_PREF]
    if pref >= 0 and OI[pref, OI_ACTIVE] == 1 and OI[pref, OI_SERIAL] == EI[i, EI_PREF_ID]:
        fit = 1.0 if OI[pref, OI_SECTOR] == sector else cross
        s = surplus(scale, fit, OF[pref, O_QUALITY], OF[pref, O_PRICE], price_factor)
        if s > best_s:
            best = pref
            best_s = s
    # services: the standing offers in slots [0, n_service); otherwise the live list
    pool = int(G[G_N_SERVICE]) if need == NEED_SERVICE else int(G[G_N_LIVE])
    if pool > 0:
        for j in range(n_look):
            o = int(uniform(key, t, i, PU_LOOK, j, G) * pool)
            if need != NEED_SERVICE:
                o = OI[o, OI_LIST]
            origin = OI[o, OI_ORIGIN]
            if origin == LOC_PROVINCE:
                v = vis_prov
            elif origin == LOC_VIETNAM:
                v = vis_vn
            else:
                v = vis_abroad
            if OI[o, OI_DIGITISED] == 1:
                v = min(1.0, v * dig_mult)  # digitised offers are easier to find
            if v < 1.0:
                if uniform(key, t, i, PU_VISIBLE, j, G) >= v:
                    continue
            # S&T services (testing, consulting, standards) serve every sector
            if OI[o, OI_KIND] == KIND_SERVICE or OI[o, OI_SECTOR] == sector:
                fit = 1.0
            else:
                fit = cross
            s = surplus(scale, fit, OF[o, O_QUALITY], OF[o, O_PRICE], price_factor)
            if s > best_s:
                best = o
                best_s = s
    if best < 0:
        return
    close_p = p[P_CLOSE_BASE] + (1.0 - p[P_CLOSE_BASE]) * p[P_CLOSE_GAIN] * G[G_E1]
    if uniform(key, t, i, PU_CLOSE, 0, G) >= close_p:
        return
    transact(EF, EI, OF, OI, G, Y, TX, p, t, i, best, channel)


@njit(cache=True, error_model="numpy")
def transact(EF, EI, OF, OI, G, Y, TX, p, t, i, o, channel):
    """Record buyer ``i``'s purchase of offer ``o`` and let the buyer learn."""
    yr = t // 12
    v = OF[o, O_PRICE]
    kind = OI[o, OI_KIND]
    origin = OI[o, OI_ORIGIN]
    stype = OI[o, OI_SELLER_TYPE]
    Y[yr, Y_VALUE] += v
    Y[yr, Y_V_TECH + kind] += v
    Y[yr, Y_COUNT] += 1.0
    Y[yr, Y_N_TECH + kind] += 1.0
    Y[yr, Y_V_PROVINCE + origin] += v
    if origin != LOC_ABROAD:
        Y[yr, Y_V_DOMESTIC] += v
        if kind != KIND_SERVICE:
            Y[yr, Y_V_DOMESTIC_TECH] += v
            if stype == SELLER_RESEARCH:
                Y[yr, Y_V_RESEARCH_DOM] += v
    if kind == KIND_TECH and origin == LOC_ABROAD:
        Y[yr, Y_V_TECH_ABROAD] += v
    Y[yr, Y_V_DIRECT + channel] += v
    Y[yr, Y_N_DIRECT + channel] += 1.0
    G[G_MV0 + t] += v
    if G[G_LOG] == 1.0:
        n = int(G[G_NTX])
        if n < TX.shape[0]:
            TX[n, TX_MONTH] = t
            TX[n, TX_BUYER] = i
            TX[n, TX_SELLER] = OI[o, OI_SELLER]
            TX[n, TX_SELLER_TYPE] = stype
            TX[n, TX_KIND] = kind
            TX[n, TX_VALUE] = v
            TX[n, TX_ORIGIN] = origin
            TX[n, TX_CHANNEL] = channel
            TX[n, TX_OFFER] = o
        else:
            G[G_TX_OVERFLOW] = 1.0
        G[G_NTX] += 1.0
    if kind != KIND_SERVICE:
        OI[o, OI_LICENCES] -= 1
        if OI[o, OI_LICENCES] <= 0:
            remove_offer(OI, G, o)
    a = EF[i, E_ABSORB]
    gain = p[P_LEARN] * a * max(0.0, OF[o, O_QUALITY] - EF[i, E_TECH])
    if kind == KIND_SERVICE:
        gain *= 0.25
    EF[i, E_TECH] = min(1.0, EF[i, E_TECH] + gain)
    G[G_SPILL0 + EI[i, EI_SECTOR]] += gain
    EF[i, E_ABSORB] = a + p[P_ABSORB_LEARN] * (1.0 - a)
    EI[i, EI_NEED] = NEED_NONE
    EI[i, EI_PREF] = -1
    EI[i, EI_PURCHASES] += 1


@njit(cache=True, error_model="numpy")
def form_intermediary(IF, II, G, p, t, public):
    """Open the next intermediary slot (public under TG4, or private)."""
    k = int(G[G_N_INT])
    if k >= IF.shape[0]:
        return -1
    II[k, II_ACTIVE] = 1
    II[k, II_PUBLIC] = public
    II[k, II_CONNECTED] = 0
    II[k, II_FORMED] = t
    IF[k, I_CAPACITY] = p[P_INT_CAP] + (p[P_INT_CAP_GAIN] * G[G_E4] if public else 0.0)
    IF[k, I_SKILL] = p[P_INT_SKILL0]
    IF[k, I_USED] = 0.0
    G[G_N_INT] += 1.0
    if public:
        G[G_PUBLIC_FORMED] = 1.0
    return k


@njit(cache=True, error_model="numpy")
def month_end(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, p, lev, key, t):
    """Province-level end of month ``t``: finished S&T tasks deliver results (a
    partner enterprise may take up an enterprise-centred one), intermediaries form
    (public under TG4; private when the last 12 months' value warrants), and in
    December the year's stock indicators are recorded."""
    yr = t // 12
    n_e = EF.shape[0]
    n_r = RF.shape[0]
    for s in range(int(G[G_TASK_HIGH])):
        if TI[s, TI_ACTIVE] == 0 or TI[s, TI_END] != t:
            continue
        TI[s, TI_ACTIVE] = 0
        a = n_e + n_r + s
        r = TI[s, TI_ORG]
        ec = TI[s, TI_EC]
        ready = p[P_MR_EC] if ec == 1 else p[P_MR_BASE]
        extra = max(0.0, p[P_RESULTS_TASK] - 1.0)
        n_out = 1 + poisson(extra, uniform(key, t, a, PU_RESULTS, 0, G))
        for m in range(n_out):
            o = new_result(OF, OI, G, Y, p, key, t, a, 2 * m, r, SELLER_RESEARCH,
                           RI[r, RI_LOC], TI[s, TI_SECTOR], ready, 1, RF[r, R_QUALITY])
            partner = TI[s, TI_PARTNER]
            if m == 0 and partner >= 0 and EI[partner, EI_NEED] == NEED_NONE \
                    and OI[o, OI_KIND] != KIND_RESULT \
                    and uniform(key, t, a, PU_PARTNER, 0, G) < p[P_PARTNER]:
                EI[partner, EI_NEED] = NEED_TECH
                EI[partner, EI_NEED_AGE] = 0
                EI[partner, EI_PREF] = o
                EI[partner, EI_PREF_ID] = OI[o, OI_SERIAL]
                Y[yr, Y_NEEDS] += 1.0
    b4 = lev[3, yr]
    if G[G_PUBLIC_FORMED] == 0.0 and b4 > 0.0:
        hazard = 1.0 - np.exp(-(b4 / 12.0) / p[P_INT_SETUP])
        if uniform(key, t, PROVINCE_AGENT, PU_FORM_PUBLIC, 0, G) < hazard:
            form_intermediary(IF, II, G, p, t, 1)
    # private entry; the last free slot is kept for the public intermediary until it forms
    reserved = 0 if G[G_PUBLIC_FORMED] == 1.0 else 1
    if G[G_N_INT] < IF.shape[0] - reserved:
        trailing = 0.0
        for m in range(max(0, t - 11), t + 1):
            trailing += G[G_MV0 + m]
        if trailing >= p[P_PRIV_THRESH]:
            if uniform(key, t, PROVINCE_AGENT, PU_FORM_PRIVATE, 0, G) < p[P_PRIV_RATE]:
                form_intermediary(IF, II, G, p, t, 0)
    if t % 12 == 11:
        connected = 0.0
        for k in range(IF.shape[0]):
            if II[k, II_ACTIVE] == 1 and II[k, II_CONNECTED] == 1:
                connected += 1.0
        Y[yr, Y_INT_ACTIVE] = G[G_N_INT]
        Y[yr, Y_INT_CONNECTED] = connected
        Y[yr, Y_PUBLIC_FORMED] = G[G_PUBLIC_FORMED]
        n_b = int(G[G_N_BUYERS])
        tech = 0.0
        absorb = 0.0
        for i in range(n_b):
            tech += EF[i, E_TECH]
            absorb += EF[i, E_ABSORB]
        Y[yr, Y_TECH_MEAN] = tech / max(1, n_b)
        Y[yr, Y_ABSORB_MEAN] = absorb / max(1, n_b)
        Y[yr, Y_OFFERS_ACTIVE] = G[G_N_LIVE]


# ----------------------------------------------------------------------------
# Set-up, whole runs, batches
# ----------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def init_state(EF, EI, RF, RI, TI, OF, OI, G, p, key):
    """Draw every agent's initial attributes (month -1) and the 2021 stocks.

    ``EI``'s structural columns (role, sector, size, cooperative, location) and
    ``RI`` come filled from the province profile; everything random is drawn here.
    Buyers must come first in ``EI``, then vendors.
    """
    t0 = -1
    no_y = np.zeros((1, NY))  # set-up writes no yearly indicator
    n_e = EF.shape[0]
    n_r = RF.shape[0]
    n_b = 0
    for i in range(n_e):
        if EI[i, EI_ROLE] == ROLE_BUYER:
            n_b += 1
    G[G_N_BUYERS] = n_b
    wtp_size = (p[P_WTP_MICRO], p[P_WTP_SMALL], p[P_WTP_MEDIUM])
    for i in range(n_e):
        EI[i, EI_NEED] = NEED_NONE
        EI[i, EI_NEED_AGE] = 0
        EI[i, EI_PREF] = -1
        EI[i, EI_PURCHASES] = 0
        if EI[i, EI_ROLE] != ROLE_BUYER:
            continue
        EI[i, EI_RD] = 1 if uniform(key, t0, i, PU_INIT, 0, G) < p[P_RD_SHARE] else 0
        z1, z2 = normal_pair(key, t0, i, PU_INIT, 1, G)
        EF[i, E_TECH] = clip01(p[P_TECH0] + 0.1 * z1)
        EF[i, E_ABSORB] = clip01(p[P_ABSORB0] + 0.1 * z2)
        z3, z4 = normal_pair(key, t0, i, PU_INIT, 3, G)
        scale = wtp_size[EI[i, EI_SIZE]]
        EF[i, E_WTP] = scale * np.exp(p[P_WTP_SIGMA] * z3)
        EF[i, E_WTP_SERVICE] = p[P_WTP_SERVICE] * np.sqrt(scale / p[P_WTP_MICRO]) * np.exp(
            p[P_WTP_SIGMA] * z4)
    # needs already in progress in January 2021: about half of a need's patience
    # worth of need formation, at random ages (the market does not start empty)
    for i in range(n_b):
        p_need = need_probability(EF, EI, p, G, i)
        if uniform(key, t0, i, PU_INIT, 9, G) < min(1.0, 0.5 * p[P_PATIENCE] * p_need):
            p_tech = clip01(p[P_TECH_NEED] * (0.5 + EF[i, E_ABSORB]))
            u_level = uniform(key, t0, i, PU_INIT, 10, G)
            EI[i, EI_NEED] = NEED_TECH if u_level < p_tech else NEED_SERVICE
            EI[i, EI_NEED_AGE] = int(uniform(key, t0, i, PU_INIT, 11, G) * p[P_PATIENCE])
    for r in range(n_r):
        loc = RI[r, RI_LOC]
        RF[r, R_RATE] = p[P_LOCAL_RATE] if loc == LOC_PROVINCE else p[P_OUTSIDE_RATE]
        RF[r, R_QUALITY] = origin_quality(p, loc)
        RF[r, R_EXP_RATE] = np.exp(-RF[r, R_RATE])
    G[G_VENDOR_EXP] = np.exp(-p[P_VENDOR_RATE])
    n_v = n_e - n_b
    G[G_N_SERVICE] = n_r + n_v
    G[G_OFFER_HIGH] = n_r + n_v
    n_slots = OF.shape[0] - (n_r + n_v)
    for j in range(n_slots):  # free slots, popped from the end: lowest slot first
        OI[j, OI_FREE] = OF.shape[0] - 1 - j
    G[G_N_FREE] = n_slots
    G[G_N_LIVE] = 0.0
    for o in range(OF.shape[0]):
        OI[o, OI_POS] = -1
    # standing S&T service offers: one per research organisation and vendor
    for s in range(n_r + n_v):
        if s < n_r:
            a = n_e + s
            seller, stype, loc, sector = s, SELLER_RESEARCH, RI[s, RI_LOC], RI[s, RI_SECTOR]
        else:
            a = n_b + (s - n_r)
            seller, stype, loc, sector = a, SELLER_ENTERPRISE, EI[a, EI_LOC], EI[a, EI_SECTOR]
        q = clip01(origin_quality(p, loc) + p[P_Q_SD] * normal(key, t0, a, PU_QUALITY, 0, G))
        OI[s, OI_ACTIVE] = 1
        OI[s, OI_SELLER] = seller
        OI[s, OI_SELLER_TYPE] = stype
        OI[s, OI_ORIGIN] = loc
        OI[s, OI_KIND] = KIND_SERVICE
        OI[s, OI_SECTOR] = sector
        OI[s, OI_DIGITISED] = 0
        OI[s, OI_LICENCES] = HUGE
        OI[s, OI_EXPIRES] = HUGE
        OI[s, OI_PROVINCIAL] = 0
        OF[s, O_QUALITY] = q
        OF[s, O_PRICE] = draw_price(p, key, t0, a, 0, G, KIND_SERVICE, loc, q)
    # stock of offers on the market at the start: the steady state of the offer
    # flow (rate x life), each part-way through its life
    life = p[P_OFFER_LIFE]
    for r in range(n_r + n_v):
        if r < n_r:
            a = n_e + r
            rate = RF[r, R_RATE]
        else:
            a = n_b + (r - n_r)
            rate = p[P_VENDOR_RATE]
        n0 = poisson(life * rate, uniform(key, t0, a, PU_INIT_OFFERS, 0, G))
        for j in range(n0):
            if r < n_r:
                sector = offer_sector(key, t0, a, j, G, RI[r, RI_SECTOR])
                o = new_result(OF, OI, G, no_y, p, key, t0, a, 2 * j + 2, r,
                               SELLER_RESEARCH, RI[r, RI_LOC], sector, p[P_MR_BASE],
                               1 if RI[r, RI_LOC] == LOC_PROVINCE else 0, RF[r, R_QUALITY])
            else:
                sector = offer_sector(key, t0, a, j, G, EI[a, EI_SECTOR])
                o = new_result(OF, OI, G, no_y, p, key, t0, a, 2 * j + 2, a,
                               SELLER_ENTERPRISE, EI[a, EI_LOC], sector, 1.0, 0,
                               origin_quality(p, EI[a, EI_LOC]))
            OI[o, OI_EXPIRES] = int(uniform(key, t0, a, PU_LIFE, j, G) * life)
    for j in range(int(p[P_INIT_TASKS])):
        new_task(EI, RI, TI, G, no_y, p, key, t0, 1000 + j, True)


@njit(cache=True, error_model="numpy")
def step_month(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, TX, p, lev, key, t):
    """One whole month, in the order the Mesa model's ``step`` follows: province,
    research organisations, active intermediaries, vendors, buyers (in this month's
    random cyclic order), province."""
    # The routine draws of the month (each supplier's output draw, each buyer's need
    # draw) are taken in blocks, and an agent whose draw means "nothing happens" is
    # skipped; the others run the same kernels the Mesa agents call, which draw the
    # same numbers again (counted once). Draws are pure functions of their keys, so
    # the result is the Mesa path's, bit for bit.
    n_e = EF.shape[0]
    n_r = RF.shape[0]
    n_b = int(G[G_N_BUYERS])
    month_begin(EF, EI, RF, RI, TI, OI, G, Y, p, lev, key, t)
    u = np.empty(max(n_r, n_e))
    uniform_block(key, t, n_e, PU_OUTPUT, u[:n_r])
    for r in range(n_r):
        if u[r] <= RF[r, R_EXP_RATE]:  # no output this month (research_step's Poisson)
            G[G_DRAWS] += 1.0
        else:
            research_step(EF, RF, RI, OF, OI, G, Y, p, key, t, r)
    for k in range(IF.shape[0]):
        if II[k, II_ACTIVE] == 1:
            intermediary_step(EF, RF, TI, IF, II, G, p, key, t, k)
    uniform_block(key, t, n_b, PU_OUTPUT, u[: n_e - n_b])
    for i in range(n_b, n_e):
        if u[i - n_b] <= G[G_VENDOR_EXP]:  # no output this month (vendor_step's Poisson)
            G[G_DRAWS] += 1.0
        else:
            vendor_step(EI, OF, OI, G, Y, p, key, t, i)
    # Buyers: enterprise_step without the vendor test. The idle test is buyer_idle's,
    # on the block of need draws. It reads only the buyer's own need, need probability
    # and draw, which no other buyer's action this month can change, so the core tests
    # every buyer first, in index order, then lets the busy ones act in this month's
    # order (the Mesa path tests each buyer as it comes: same result).
    uniform_block(key, t, 0, PU_NEED, u[:n_b])
    busy = np.empty(n_b, dtype=np.int64)
    n_busy = 0
    n_need_draws = 0
    for i in range(n_b):
        if EI[i, EI_NEED] == NEED_NONE:
            n_need_draws += 1
            if u[i] >= EF[i, E_NEED_P]:
                continue
        busy[n_busy] = i
        n_busy += 1
    G[G_DRAWS] += n_need_draws
    for i in in_buyer_order(G, busy[:n_busy]):
        if buyer_searches(EF, EI, G, Y, p, key, t, i):
            search_and_buy(EF, EI, IF, II, OF, OI, G, Y, TX, p, key, t, i)
    month_end(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, p, lev, key, t)


@njit(cache=True, error_model="numpy")
def run_one(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, TX, p, lev, key, n_months):
    """Set up and run one simulation in place; ``Y`` holds the yearly results."""
    init_state(EF, EI, RF, RI, TI, OF, OI, G, p, key)
    for t in range(n_months):
        step_month(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, TX, p, lev, key, t)


@njit(cache=True, parallel=True, error_model="numpy")
def run_batch(P, LEV, seeds, runs, EI0, RI0, n_tasks, n_ints, n_offers, n_months, Y_out,
              draws_out):
    """Run many simulations in parallel, one per row of ``P``.

    Parameters
    ----------
    P : float64[n_runs, NP]
        Parameter vectors.
    LEV : float64[n_runs, 6, n_years]
        Yearly budget of each task group (billion VND).
    seeds, runs : int64[n_runs]
        The random key of each run is a function of (seed, run) only, so results do
        not depend on how runs are batched or on the number of threads.
    EI0 : int64[n_ent, NEI]
        Enterprise structure (role, sector, size, cooperative, location).
    RI0 : int64[n_res, NRI]
        Research organisation structure (location, sector, university).
    n_tasks, n_ints, n_offers, n_months : int
        Capacities of the task, intermediary and offer tables; months to simulate.
    Y_out : float64[n_runs, n_years, NY]
        Output: yearly accumulators of each run (written in place).
    draws_out : float64[n_runs, 2]
        Output: uniforms (all of them) and standard normals each run drew.
    """
    n_runs = P.shape[0]
    n_e = EI0.shape[0]
    n_r = RI0.shape[0]
    for b in prange(n_runs):
        EF = np.zeros((n_e, NEF))
        EI = EI0.copy()
        RF = np.zeros((n_r, NRF))
        RI = RI0.copy()
        TI = np.zeros((n_tasks, NTI), dtype=np.int64)
        IF = np.zeros((n_ints, NIF))
        II = np.zeros((n_ints, NII), dtype=np.int64)
        OF = np.zeros((n_offers, NOF))
        OI = np.zeros((n_offers, NOI), dtype=np.int64)
        G = np.zeros(NG + n_months)
        TX = np.zeros((1, NTX))
        key = make_key(seeds[b], runs[b])
        Y = Y_out[b]
        Y[:, :] = 0.0
        run_one(EF, EI, RF, RI, TI, IF, II, OF, OI, G, Y, TX, P[b], LEV[b], key, n_months)
        draws_out[b, 0] = G[G_DRAWS]
        draws_out[b, 1] = G[G_NORMALS]


@njit(cache=True, parallel=True, error_model="numpy")
def rng_floor(n_draws, n_normals, seeds, runs, out):
    """The bare cost of a batch's random numbers: each run draws as many uniforms
    and standard normals, through the same counter-based generator, as the core
    drew for it (``n_draws`` counts all uniforms, including the two behind each
    normal). Uniforms are drawn in blocks of 1,024 with :func:`uniform_block`, the
    fastest way the core draws them."""
    for b in prange(n_draws.shape[0]):
        key = make_key(seeds[b], runs[b])
        G = np.zeros(NG)
        buf = np.empty(1024)
        acc = 0.0
        n_norm = int(n_normals[b])
        n_unif = int(n_draws[b]) - 2 * n_norm
        for start in range(0, n_unif, 1024):
            m = min(1024, n_unif - start)
            uniform_block(key, start >> 20, start & 0xFFFFF, 0, buf[:m])
            for j in range(m):
                acc += buf[j]
        for d in range(n_norm):
            acc += normal(key, d >> 19, 2 * (d & 0x7FFFF), 1, 0, G)
        out[b] = acc
