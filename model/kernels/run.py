"""Whole runs: allocating a run's state, drawing its initial agents, one month in the
order the Mesa model follows, and many runs in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from stmarket.model.kernels.areas import area_month, offer_market, served, sync_areas
from stmarket.model.kernels.enterprises import (
    buyer_searches,
    need_probability,
    search_and_buy,
    tech_need_probability,
    vendor_step,
)
from stmarket.model.kernels.intermediaries import intermediary_step
from stmarket.model.kernels.layout import (
    A_MARKET0,
    A_MARKET1,
    A_SCORED,
    A_SERVED0,
    A_SERVED1,
    AREA,
    ENTERPRISE,
    FULL_INTERMEDIARIES,
    FULL_OFFERS,
    FULL_TASKS,
    G_DRAWS,
    G_INCOME,
    G_MERGE_MONTH,
    G_N_BUYERS,
    G_N_FREE,
    G_N_INT,
    G_N_LIVE,
    G_N_SERVICE,
    G_NORMALS,
    G_OFFER_HIGH,
    G_OVERFLOW,
    G_SEEN_VN,
    G_VENDOR_EXP,
    HUGE,
    INTERMEDIARY,
    KIND_SERVICE,
    LOCATION,
    NEED_NONE,
    NEED_SERVICE,
    NEED_TECH,
    NG,
    NLF,
    NP,
    NSF,
    NTX,
    NY,
    NZF,
    OFFER,
    P_ABSORB0,
    P_INIT_NEED_SHARE,
    P_INIT_SD,
    P_INIT_TASKS,
    P_LOCAL_RATE,
    P_MR_BASE,
    P_NEW_TASKS,
    P_OFFER_LIFE,
    P_OUTSIDE_RATE,
    P_PATIENCE,
    P_PRIV_RATE,
    P_Q_SD,
    P_RD_SHARE,
    P_RESULTS_TASK,
    P_TASK_DMAX,
    P_TECH0,
    P_VENDOR_RATE,
    P_WTP_SERV_ELAST,
    P_WTP_SERVICE,
    P_WTP_SIGMA,
    PU_INIT,
    PU_INIT_OFFERS,
    PU_LIFE,
    PU_NEED,
    PU_OUTPUT,
    PU_QUALITY,
    RESEARCH,
    ROLE_BUYER,
    RS_AREA,
    RS_LOC,
    RS_SECTOR,
    RS_STANDING,
    RS_UNIVERSITY,
    S_AREA,
    S_COOP,
    S_LOC,
    S_ROLE,
    S_SECTOR,
    S_SIZE,
    SCOPE_PROVINCE,
    SCOPE_VIETNAM,
    SECTOR,
    SELLER_ENTERPRISE,
    SELLER_RESEARCH,
    SIZE,
    TASK,
    X_SECTOR,
    X_SIZE,
    XS_KIND,
    XS_SCOPE,
    RunState,
)
from stmarket.model.kernels.offers import draw_price, new_result, offer_sector, origin_quality
from stmarket.model.kernels.province import (
    in_buyer_order,
    month_begin,
    month_end,
    new_tasks,
    research_step,
    research_year,
)
from stmarket.model.kernels.rng import (
    clip01,
    make_key,
    normal,
    normal_pair,
    poisson,
    uniform,
    uniform_block,
)


@njit(cache=True, error_model="numpy")
def allocate(EI0, RI0, XI0, AR0, merge_month, n_tasks, n_ints, n_offers, n_months, n_tx):
    """A run's state, empty but for the province's structure.

    Parameters
    ----------
    EI0 : int64[n_ent, NS]
        Enterprise structure (role, sector, size, cooperative, location, area), buyers
        first.
    RI0 : int64[n_res, NRS]
        Research organisation structure (location, sector, university, area, standing).
    XI0 : int64[n_sectors + n_sizes + n_locations, NXS]
        Sectors, size classes and locations (kind, scope), in that order.
    AR0 : int64[n_areas, NA]
        The areas: market before and after the merger, served by the programme before
        and after, scored.
    merge_month : int
        The month from which the areas' markets are merged (0: from the start).
    n_tasks, n_ints, n_offers : int
        Capacities of the task, intermediary and offer tables.
    n_months : int
        Months to simulate (the monthly value series in ``G``).
    n_tx : int
        Rows of the transaction log (1 when no log is kept).

    Returns
    -------
    RunState
    """
    n_e = EI0.shape[0]
    n_r = RI0.shape[0]
    ent = np.zeros(n_e, dtype=ENTERPRISE)
    for i in range(n_e):
        ent[i].role = EI0[i, S_ROLE]
        ent[i].sector = EI0[i, S_SECTOR]
        ent[i].size_class = EI0[i, S_SIZE]
        ent[i].coop = EI0[i, S_COOP]
        ent[i].loc = EI0[i, S_LOC]
        ent[i].area = EI0[i, S_AREA]
        ent[i].need = NEED_NONE
        ent[i].pref = -1
    res = np.zeros(n_r, dtype=RESEARCH)
    for r in range(n_r):
        res[r].loc = RI0[r, RS_LOC]
        res[r].sector = RI0[r, RS_SECTOR]
        res[r].university = RI0[r, RS_UNIVERSITY]
        res[r].area = RI0[r, RS_AREA]
        res[r].standing = RI0[r, RS_STANDING]
    areas = np.zeros(AR0.shape[0], dtype=AREA)
    for a in range(AR0.shape[0]):
        areas[a].market0 = AR0[a, A_MARKET0]
        areas[a].market1 = AR0[a, A_MARKET1]
        areas[a].served0 = AR0[a, A_SERVED0]
        areas[a].served1 = AR0[a, A_SERVED1]
        areas[a].scored = AR0[a, A_SCORED]
    tasks = np.zeros(n_tasks, dtype=TASK)
    for q in range(n_tasks):
        tasks[q].partner = -1
    ints = np.zeros(n_ints, dtype=INTERMEDIARY)
    offers = np.zeros(n_offers, dtype=OFFER)
    for k in range(n_offers):
        offers[k].pos = -1
    n_x = XI0.shape[0]
    n_sec = 0
    n_size = 0
    for j in range(n_x):
        n_sec += XI0[j, XS_KIND] == X_SECTOR
        n_size += XI0[j, XS_KIND] == X_SIZE
    sectors = np.zeros(n_sec, dtype=SECTOR)
    sizes = np.zeros(n_size, dtype=SIZE)
    locations = np.zeros(n_x - n_sec - n_size, dtype=LOCATION)
    G = np.zeros(NG + n_months)
    G[G_MERGE_MONTH] = merge_month
    G[G_SEEN_VN] = -1.0
    for j in range(locations.shape[0]):
        locations[j].scope = XI0[n_sec + n_size + j, XS_SCOPE]
        if locations[j].scope == SCOPE_VIETNAM and G[G_SEEN_VN] < 0.0:
            G[G_SEEN_VN] = j  # in-province offers of another market are seen as from here
    return RunState(ent, res, tasks, ints, offers, np.zeros(n_offers, np.int64),
                    np.zeros(n_offers, np.int64), G,
                    np.zeros((n_months // 12, NY)), np.zeros((n_tx, NTX)), sectors, sizes,
                    locations, areas)


@njit(cache=True, error_model="numpy")
def set_structure(s, p):
    """Copy this run's per-entity parameters from ``p`` (after the NP global ones: a
    row of SECTOR_FAMILIES per sector, then of SIZE_FAMILIES per size class, then of
    LOCATION_FAMILIES per location) into the sectors', size classes' and locations'
    records, and empty the sectors' spill-over pools."""
    j = NP
    for k in range(s.sectors.shape[0]):
        s.sectors[k].need = p[j]
        s.sectors[k].task_share = p[j + 1]
        s.sectors[k].spill = 0.0
        j += NSF
    for k in range(s.sizes.shape[0]):
        s.sizes[k].need = p[j]
        s.sizes[k].wtp = p[j + 1]
        j += NZF
    for k in range(s.locations.shape[0]):
        s.locations[k].visibility = p[j]
        s.locations[k].quality = p[j + 1]
        s.locations[k].price_mult = p[j + 2]
        j += NLF


@njit(cache=True, error_model="numpy")
def init_buyers(s, p, key):
    """Draw every buyer's initial attributes (month -1): R&D, technology level,
    absorptive capacity, willingness to pay, and the needs already in progress."""
    e, G = s.ent, s.G
    t0 = -1
    n_e = e.shape[0]
    n_b = 0
    for i in range(n_e):
        if e[i].role == ROLE_BUYER:
            n_b += 1
    G[G_N_BUYERS] = n_b
    sizes = s.sizes
    for i in range(n_e):
        e[i].need = NEED_NONE
        e[i].need_age = 0
        e[i].pref = -1
        e[i].purchases = 0
        if e[i].role != ROLE_BUYER:
            continue
        e[i].rd = 1 if uniform(key, t0, i, PU_INIT, 0, G) < p[P_RD_SHARE] else 0
        z1, z2 = normal_pair(key, t0, i, PU_INIT, 1, G)
        e[i].tech = clip01(p[P_TECH0] + p[P_INIT_SD] * z1)
        e[i].absorb = clip01(p[P_ABSORB0] + p[P_INIT_SD] * z2)
        z3, z4 = normal_pair(key, t0, i, PU_INIT, 3, G)
        scale = sizes[e[i].size_class].wtp
        e[i].wtp = scale * np.exp(p[P_WTP_SIGMA] * z3)
        # a service is worth less than proportionally more to a larger firm
        e[i].wtp_service = p[P_WTP_SERVICE] * (scale / sizes[0].wtp) ** p[P_WTP_SERV_ELAST] \
            * np.exp(p[P_WTP_SIGMA] * z4)
    # needs already in progress in January of the first year: init_need_share of a
    # need's patience worth of need formation, at random ages (the market does not
    # start empty)
    for i in range(n_b):
        p_need = need_probability(s, p, i)
        open_p = min(1.0, p[P_INIT_NEED_SHARE] * p[P_PATIENCE] * p_need)
        if uniform(key, t0, i, PU_INIT, 9, G) < open_p:
            u_level = uniform(key, t0, i, PU_INIT, 10, G)
            e[i].need = NEED_TECH if u_level < tech_need_probability(s, p, i) \
                else NEED_SERVICE
            e[i].need_age = int(uniform(key, t0, i, PU_INIT, 11, G) * p[P_PATIENCE])


@njit(cache=True, error_model="numpy")
def init_offers(s, p, key):
    """The offer table at the start: free slots, one standing S&T service offer per
    research organisation and vendor, and the stock of results on the market (the
    steady state of the offer flow, rate x life, each part-way through its life)."""
    e, res, o, G = s.ent, s.res, s.offers, s.G
    t0 = -1
    no_y = np.zeros((1, NY))  # set-up writes no yearly indicator
    n_e = e.shape[0]
    n_r = res.shape[0]
    n_b = int(G[G_N_BUYERS])
    for r in range(n_r):  # output and quality follow the organisation's standing
        standing = res[r].standing
        local = s.locations[standing].scope == SCOPE_PROVINCE
        res[r].rate = p[P_LOCAL_RATE] if local else p[P_OUTSIDE_RATE]
        res[r].quality = origin_quality(s.locations, standing)
        res[r].exp_rate = np.exp(-res[r].rate)
    G[G_VENDOR_EXP] = np.exp(-p[P_VENDOR_RATE])
    n_v = n_e - n_b
    n_slots_all = o.shape[0]
    if n_slots_all <= n_r + n_v:  # no room for the standing offers: a larger table
        G[G_OVERFLOW] = float(int(G[G_OVERFLOW]) | FULL_OFFERS)
        return
    for r in range(n_r):  # standing choices under the organisation rule, for the stock too
        research_year(s, p, key, t0, r)
    G[G_N_SERVICE] = n_r + n_v
    G[G_OFFER_HIGH] = n_r + n_v
    n_slots = n_slots_all - (n_r + n_v)
    for j in range(n_slots):  # free slots, popped from the end: lowest slot first
        s.free[j] = n_slots_all - 1 - j
    G[G_N_FREE] = n_slots
    G[G_N_LIVE] = 0.0
    for k in range(n_slots_all):
        o[k].pos = -1
    # standing S&T service offers: one per research organisation and vendor
    for k in range(n_r + n_v):
        if k < n_r:
            a = n_e + k
            seller, stype, loc, sector = k, SELLER_RESEARCH, res[k].loc, res[k].sector
            area, standing = res[k].area, res[k].standing
        else:
            a = n_b + (k - n_r)
            seller, stype, loc, sector = a, SELLER_ENTERPRISE, e[a].loc, e[a].sector
            area, standing = e[a].area, loc
        q = clip01(origin_quality(s.locations, standing)
                   + p[P_Q_SD] * normal(key, t0, a, PU_QUALITY, 0, G))
        o[k].active = 1
        o[k].seller = seller
        o[k].seller_type = stype
        o[k].origin = loc
        o[k].kind = KIND_SERVICE
        o[k].sector = sector
        o[k].digitised = 0
        o[k].licences = HUGE
        o[k].expires = HUGE
        o[k].provincial = 0
        o[k].area = area
        o[k].market = offer_market(s.locations, s.areas, G[G_SEEN_VN], loc, area)
        o[k].quality = q
        o[k].price = draw_price(s, p, key, t0, a, 0, KIND_SERVICE, loc, q)
    life = p[P_OFFER_LIFE]
    for r in range(n_r + n_v):
        if r < n_r:
            a = n_e + r
            rate = res[r].rate
        else:
            a = n_b + (r - n_r)
            rate = p[P_VENDOR_RATE]
        n0 = poisson(life * rate, uniform(key, t0, a, PU_INIT_OFFERS, 0, G))
        for j in range(n0):
            if r < n_r:
                sector = offer_sector(s, p, key, t0, a, j, res[r].sector)
                k = new_result(s, no_y, p, key, t0, a, 2 * j + 2, r, SELLER_RESEARCH,
                               res[r].loc, sector, p[P_MR_BASE],
                               1 if served(s.areas, res[r].area) else 0, res[r].quality)
            else:
                sector = offer_sector(s, p, key, t0, a, j, e[a].sector)
                k = new_result(s, no_y, p, key, t0, a, 2 * j + 2, a, SELLER_ENTERPRISE,
                               e[a].loc, sector, 1.0, 0, origin_quality(s.locations, e[a].loc))
            if k >= 0:
                o[k].expires = int(uniform(key, t0, a, PU_LIFE, j, G) * life)


@njit(cache=True, error_model="numpy")
def init_state(s, p, key):
    """Draw every agent's initial attributes (month -1) and the first year's stocks:
    buyers, research organisations' rates, the offer table, and the provincial tasks
    already under way. Buyers must come first among the enterprises, then vendors."""
    s.G[G_INCOME] = 1.0
    set_structure(s, p)
    area_month(s, 0)  # the areas' markets as in the first month, on the enterprises
    sync_areas(s)
    init_buyers(s, p, key)
    init_offers(s, p, key)
    no_y = np.zeros((1, NY))
    new_tasks(s, no_y, p, key, -1, int(p[P_INIT_TASKS]), 1000, True)


#: buyers whose need draws the core takes and tests at a time (``step_month``)
NEED_BLOCK = 1024


@njit(cache=True, error_model="numpy")
def step_month(s, p, lev, key, t):
    """One whole month, in the order the Mesa model's ``step`` follows: province,
    research organisations, active intermediaries, vendors, buyers (in this month's
    random cyclic order), province."""
    # The routine draws of the month (each supplier's output draw, each buyer's need
    # draw) are taken in blocks, and an agent whose draw means "nothing happens" is
    # skipped; the others run the same kernels the Mesa agents call, which draw the
    # same numbers again (counted once). Draws are pure functions of their keys, so
    # the result is the Mesa path's, bit for bit.
    e, res, G = s.ent, s.res, s.G
    n_e = e.shape[0]
    n_r = res.shape[0]
    n_b = int(G[G_N_BUYERS])
    month_begin(s, p, lev, key, t)
    u = np.empty(max(n_r, n_e - n_b, NEED_BLOCK))
    uniform_block(key, t, n_e, PU_OUTPUT, u[:n_r])
    for r in range(n_r):
        if u[r] <= res[r].exp_rate:  # no output this month (research_step's Poisson)
            G[G_DRAWS] += 1.0
        else:
            research_step(s, p, key, t, r)
    for k in range(int(G[G_N_INT])):  # slots in use; those after never opened
        if s.ints[k].active == 1:
            intermediary_step(s, p, key, t, k)
    uniform_block(key, t, n_b, PU_OUTPUT, u[: n_e - n_b])
    for i in range(n_b, n_e):
        if u[i - n_b] <= G[G_VENDOR_EXP]:  # no output this month (vendor_step's Poisson)
            G[G_DRAWS] += 1.0
        else:
            vendor_step(s, p, key, t, i)
    # Buyers: enterprise_step without the vendor test. The idle test is buyer_idle's,
    # on the block of need draws. It reads only the buyer's own need, need probability
    # and draw, which no other buyer's action this month can change, so the core tests
    # every buyer first, in index order, then lets the busy ones act in this month's
    # order (the Mesa path tests each buyer as it comes: same result).
    # The need draws are taken a block of 1,024 buyers at a time, each block tested
    # while it is in the cache (a national profile's draws would not be).
    busy = np.empty(n_b, dtype=np.int64)
    n_busy = 0
    n_need_draws = 0
    for i0 in range(0, n_b, NEED_BLOCK):
        m = min(NEED_BLOCK, n_b - i0)
        uniform_block(key, t, i0, PU_NEED, u[:m])
        for j in range(m):
            i = i0 + j
            if e[i].need == NEED_NONE:
                n_need_draws += 1
                if u[j] >= e[i].need_p:
                    continue
            busy[n_busy] = i
            n_busy += 1
    G[G_DRAWS] += n_need_draws
    for i in in_buyer_order(G, busy[:n_busy]):
        if buyer_searches(s, p, key, t, i):
            search_and_buy(s, p, key, t, i)
    month_end(s, p, lev, key, t)


@njit(cache=True, error_model="numpy")
def run_one(s, p, lev, key, n_months):
    """Set up and run one simulation in place; ``s.Y`` holds the yearly results.

    Returns False if a table was too small (``G[G_OVERFLOW]`` says which): the caller
    then runs it again with larger tables. A run is a pure function of its key, so the
    result is the one an unbounded table would give: table sizes never change what
    happens.
    """
    init_state(s, p, key)
    if s.G[G_OVERFLOW] != 0.0:
        return False
    for t in range(n_months):
        step_month(s, p, lev, key, t)
        if s.G[G_OVERFLOW] != 0.0:
            return False
    return True


@njit(cache=True, error_model="numpy")
def grown(full, n_tasks, n_ints, n_offers):
    """Table sizes after an overflow: the full tables doubled."""
    if int(full) & FULL_TASKS:
        n_tasks *= 2
    if int(full) & FULL_INTERMEDIARIES:
        n_ints *= 2
    if int(full) & FULL_OFFERS:
        n_offers *= 2
    return n_tasks, n_ints, n_offers


@njit(cache=True, error_model="numpy")
def start_sizes(p, EI0, RI0, n_tasks, n_ints, n_offers, n_months):
    """Starting table sizes for a run: at least the given ones, and at least about
    1.5 times what the province's structure and parameters lead one to expect, so
    that a big province does not fill its tables, double them and start again
    several times a run (sizes never change what happens, only the time).

    Offers: the standing service offers, plus the stock of results on the market
    (every supplier's rate x the offers' life, and the results of the provincial
    tasks finishing over a life). Tasks: those under way at the start and the new
    ones of ``task_duration_max`` months. Intermediaries: the private entrants the
    run's ``n_months`` could bring.
    """
    n_r = RI0.shape[0]
    n_v = 0
    for i in range(EI0.shape[0]):
        if EI0[i, S_ROLE] != ROLE_BUYER:
            n_v += 1
    # every organisation at the higher of the in-province and outside rates
    rate = n_v * p[P_VENDOR_RATE] + n_r * max(p[P_LOCAL_RATE], p[P_OUTSIDE_RATE])
    life = p[P_OFFER_LIFE]
    rate += p[P_NEW_TASKS] * max(1.0, p[P_RESULTS_TASK]) / 12.0
    want_offers = n_r + n_v + int(1.5 * rate * life) + 64
    want_tasks = int(1.5 * (p[P_INIT_TASKS] + p[P_NEW_TASKS] * (p[P_TASK_DMAX] / 12.0 + 1.0))) \
        + 16
    # intermediaries: every would-be private entrant of the run opening (at most
    # private_rate per 1,000 buyers a month), and the public one
    want_ints = int(1.5 * p[P_PRIV_RATE] * (EI0.shape[0] - n_v) / 1000.0 * n_months) + 8
    return max(n_tasks, want_tasks), max(n_ints, want_ints), max(n_offers, want_offers)


@njit(cache=True, parallel=True, error_model="numpy")
def run_batch(P, LEV, seeds, runs, EI0, RI0, XI0, AR0, merge_month, n_tasks, n_ints,
              n_offers, n_months, Y_out, draws_out):
    """Run many simulations in parallel, one per row of ``P``.

    Parameters
    ----------
    P : float64[n_runs, NP + per-entity parameters]
        Parameter vectors (layout: :func:`set_structure`).
    LEV : float64[n_runs, 6, n_years]
        Yearly budget of each task group (billion VND).
    seeds, runs : int64[n_runs]
        The random key of each run is a function of (seed, run) only, so results do
        not depend on how runs are batched or on the number of threads.
    EI0 : int64[n_ent, NS]
        Enterprise structure (role, sector, size, cooperative, location, area).
    RI0 : int64[n_res, NRS]
        Research organisation structure (location, sector, university, area, standing).
    XI0 : int64[n_sectors + n_sizes + n_locations, NXS]
        Sectors, size classes and locations (kind, scope).
    AR0 : int64[n_areas, NA]
        The areas (see :func:`allocate`).
    merge_month : int
        The month from which the areas' markets are merged.
    n_tasks, n_ints, n_offers, n_months : int
        Smallest starting sizes of the task, intermediary and offer tables (raised to
        what the run's structure and parameters need, :func:`start_sizes`; a run that
        fills one is run again with it doubled); months to simulate.
    Y_out : float64[n_runs, n_years, NY]
        Output: yearly accumulators of each run (written in place).
    draws_out : float64[n_runs, 2]
        Output: uniforms (all of them) and standard normals each run drew.
    """
    for b in prange(P.shape[0]):
        key = make_key(seeds[b], runs[b])
        n_t, n_i, n_o = start_sizes(P[b], EI0, RI0, n_tasks, n_ints, n_offers, n_months)
        s = allocate(EI0, RI0, XI0, AR0, merge_month, n_t, n_i, n_o, n_months, 1)
        while not run_one(s, P[b], LEV[b], key, n_months):
            n_t, n_i, n_o = grown(s.G[G_OVERFLOW], n_t, n_i, n_o)
            s = allocate(EI0, RI0, XI0, AR0, merge_month, n_t, n_i, n_o, n_months, 1)
        Y_out[b, :, :] = s.Y
        draws_out[b, 0] = s.G[G_DRAWS]
        draws_out[b, 1] = s.G[G_NORMALS]


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
