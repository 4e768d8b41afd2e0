"""The core's layout: parameter indices, categorical codes, the records of a run's
state, run-level scalars, yearly accumulators, the transaction log and the purposes of
random draws.

Everything here is read by the kernels as a compile-time constant. Parameter *values*
never are: they arrive in the vector ``p`` (``p[P_NEED_RATE]``).

The state of a run
-----------------
A run's state is a :class:`RunState`: one structured array per kind of agent or table,
a record per agent, so that a rule reads as its sentence in docs/ODD.md (``e[i].tech``
is buyer ``i``'s technology level, ``o[k].price`` offer ``k``'s asking price):

``ent`` (:data:`ENTERPRISE`)      one record per enterprise: buyers first, then vendors
``res`` (:data:`RESEARCH`)        one per research organisation
``tasks`` (:data:`TASK`)          the table of provincial S&T tasks
``ints`` (:data:`INTERMEDIARY`)   the table of intermediary organisations
``offers`` (:data:`OFFER`)        the table of offers on the market
``live``, ``free``                int64: the list of live offers and of free offer slots
``G``                             float64[NG + months]: run-level scalars (``G_*``),
                                  then the value transacted in each month
``Y``                             float64[years, NY]: yearly accumulators (``Y_*``)
``TX``                            float64[n, NTX]: transaction log (``TX_*``)
``sectors`` (:data:`SECTOR`)      one per sector of the profile (its parameters, its
                                  spill-over pool)
``sizes`` (:data:`SIZE`)          one per firm-size class of the profile
``locations`` (:data:`LOCATION`)  one per supplier location of the profile (its
                                  parameters and scope)

A record per agent keeps each kernel call to a few arrays (numba counts references to
every array a kernel receives, on every call).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

# ----------------------------------------------------------------------------
# Parameter vector layout.
#
# PARAM_ORDER is the order of every parameter: the global ones by name, and each family
# of per-entity parameters (the sectors', size classes' and locations' own parameters,
# declared in the profile) at one place, written "family.*", which stands for the
# family's parameters of every entity in profile order (``sector_need.agro_forestry``,
# ``sector_need.construction_mining``, ...). The Monte Carlo samples the uncertain ones
# in this order, so a profile that keeps its entities' order keeps its sample.
#
# The vector ``p`` the kernels read holds the global parameters first, PARAM_NAMES[i]
# at p[i] (compile-time indices P_*), then the per-entity parameters, one row per
# entity: every sector's SECTOR_FAMILIES, then every size class's SIZE_FAMILIES, then
# every location's LOCATION_FAMILIES. :func:`set_structure` copies them into the
# run's ``sectors``, ``sizes`` and ``locations`` records at the start of a run.
# ----------------------------------------------------------------------------
PARAM_ORDER = (
    # demand
    "need_rate", "size_need.*", "coop_need_mult",
    "sector_need.*", "rd_share", "rd_need_mult", "tech_need_share",
    "size_wtp.*", "wtp_service", "wtp_sigma",
    "wtp_service_elasticity", "tech_init_mean", "absorb_init_mean", "init_sd",
    "need_patience", "init_need_share", "search_prob", "learn_rate", "absorb_learn",
    "service_learn_share", "spill_rate", "cross_fit", "quality_weight", "absorb_weight",
    "tech_complement",
    # supply
    "new_tasks_per_year", "initial_active_tasks", "task_duration_min",
    "task_duration_max", "task_share.*", "local_task_share", "results_per_task",
    "ec_base", "ec_max", "mr_base", "mr_ec", "partner_uptake", "local_offer_rate",
    "outside_offer_rate", "vendor_offer_rate", "own_sector_share", "quality.*", "quality_sd",
    "price_service", "price_result", "price_tech", "price_ip", "price_sigma", "price_mult.*",
    "licences_max", "offer_life",
    # research organisations' decisions: protect as IP, digitise
    "sale_belief", "belief_weight", "ip_cost", "ip_premium", "ip_support", "dig_cost",
    "dig_support", "platform_support", "dig_network_bonus",
    "decision_cost_sigma", "digit_rule",
    # search and intermediation
    "k_direct", "visibility.*", "vis_int_local", "vis_event",
    "digit_vis_mult", "k_int", "int_vis_unconnected", "val_uncert", "int_uncert_cut",
    "p_use_int", "int_cap_base", "int_cap_gain", "int_skill_init", "skill_train",
    "skill_learn", "int_setup_stock", "int_stall_share", "int_breakeven_deals",
    "int_exit_share", "private_rate", "connect_rule", "connect_deals", "connect_skill",
    "connect_rate",
    "event_base", "event_max", "attend_prob", "k_event",
    # levers: capability stocks (build-up time in years, depreciation a year,
    # half-saturation stock in bn VND) and what the capabilities do
    "lag_form",
    "build_tg1", "build_tg2", "build_tg3", "build_tg4", "build_tg5", "build_tg6",
    "decay_tg1", "decay_tg2", "decay_tg3", "decay_tg4", "decay_tg5", "decay_tg6",
    "h1", "h2", "h3", "h4", "h5", "h6", "cofund_share", "h2_cofund",
    "close_base", "close_gain", "tg1_outside_reach", "subsidy_max", "need_gain",
    "absorb_gain", "aware_gain", "intl_gain", "inflation", "economic_growth",
)
#: the families of per-entity parameters: name prefix, and the key of the profile's
#: ``[[sectors]]`` / ``[[sizes]]`` / ``[[locations]]`` entry that gives it
SECTOR_FAMILIES = (("sector_need", "need"), ("task_share", "task_share"))
SIZE_FAMILIES = (("size_need", "need"), ("size_wtp", "wtp"))
LOCATION_FAMILIES = (("visibility", "visibility"), ("quality", "quality"),
                     ("price_mult", "price_mult"))
NSF, NZF, NLF = len(SECTOR_FAMILIES), len(SIZE_FAMILIES), len(LOCATION_FAMILIES)
FAMILY_NAMES = tuple(f for f, _ in SECTOR_FAMILIES + SIZE_FAMILIES + LOCATION_FAMILIES)
#: the global parameters, in the order of ``p``
PARAM_NAMES = tuple(n for n in PARAM_ORDER if not n.endswith(".*"))
NP = len(PARAM_NAMES)
(P_NEED_RATE, P_COOP_MULT, P_RD_SHARE, P_RD_MULT, P_TECH_NEED, P_WTP_SERVICE, P_WTP_SIGMA,
 P_WTP_SERV_ELAST, P_TECH0,
 P_ABSORB0, P_INIT_SD, P_PATIENCE, P_INIT_NEED_SHARE, P_SEARCH, P_LEARN, P_ABSORB_LEARN,
 P_SERVICE_LEARN, P_SPILL, P_CROSS_FIT, P_QUALITY_W, P_ABSORB_W, P_TECH_COMPLEMENT,
 P_NEW_TASKS, P_INIT_TASKS, P_TASK_DMIN, P_TASK_DMAX, P_LOCAL_TASK,
 P_RESULTS_TASK, P_EC_BASE, P_EC_MAX, P_MR_BASE, P_MR_EC, P_PARTNER,
 P_LOCAL_RATE, P_OUTSIDE_RATE, P_VENDOR_RATE, P_OWN_SECTOR,
 P_Q_SD, P_PRICE_SERV, P_PRICE_RES, P_PRICE_TECH, P_PRICE_IP, P_PRICE_SIGMA,
 P_LICENCES, P_OFFER_LIFE,
 P_SALE_BELIEF, P_BELIEF_W, P_IP_COST, P_IP_PREMIUM, P_IP_SUPPORT, P_DIG_COST,
 P_DIG_SUPPORT, P_PLATFORM_SUPPORT, P_DIG_NET_BONUS, P_DECISION_SIGMA,
 P_DIGIT_RULE,
 P_K_DIRECT, P_VIS_INT_LOCAL, P_VIS_EVENT,
 P_DIG_VIS, P_K_INT, P_INT_VIS_UNCONN, P_VAL_UNCERT, P_INT_UNCERT_CUT, P_USE_INT,
 P_INT_CAP, P_INT_CAP_GAIN, P_INT_SKILL0, P_SKILL_TRAIN, P_SKILL_LEARN, P_INT_SETUP,
 P_INT_STALL, P_BREAKEVEN, P_EXIT_SHARE, P_PRIV_RATE, P_CONNECT_RULE,
 P_CONN_DEALS,
 P_CONN_SKILL, P_CONN_RATE, P_EVENT_BASE, P_EVENT_MAX, P_ATTEND, P_K_EVENT,
 P_LAG_FORM,
 P_BUILD1, P_BUILD2, P_BUILD3, P_BUILD4, P_BUILD5, P_BUILD6,
 P_DECAY1, P_DECAY2, P_DECAY3, P_DECAY4, P_DECAY5, P_DECAY6,
 P_H1, P_H2, P_H3, P_H4, P_H5, P_H6, P_COFUND_SHARE, P_H2_COFUND,
 P_CLOSE_BASE, P_CLOSE_GAIN, P_TG1_OUTSIDE, P_SUBSIDY, P_NEED_GAIN, P_ABSORB_GAIN,
 P_AWARE_GAIN, P_INTL_GAIN, P_INFLATION, P_ECON_GROWTH) = range(NP)
#: the structural switches: parameters that choose between alternative rules
SWITCHES = {
    "lag_form": ("first_order", "second_order"),
    "digit_rule": ("per_result", "organisation"),
    "connect_rule": ("track_record", "activity_hazard"),
}

# ----------------------------------------------------------------------------
# Categorical codes
# ----------------------------------------------------------------------------
# Sectors, size classes and locations are the profile's (``[[sectors]]`` ...): an
# enterprise's ``sector`` is the index of its sector in the profile. What the model
# knows of a location is its *scope*: in the province, elsewhere in Vietnam, abroad.
ROLE_BUYER, ROLE_VENDOR = 0, 1
SCOPE_PROVINCE, SCOPE_VIETNAM, SCOPE_ABROAD = 0, 1, 2
SCOPE_NAMES = ("province", "vietnam", "abroad")
KIND_TECH, KIND_IP, KIND_RESULT, KIND_SERVICE = 0, 1, 2, 3
KIND_NAMES = ("technology", "ip", "research_result", "service")
SELLER_RESEARCH, SELLER_ENTERPRISE = 0, 1
CH_DIRECT, CH_INTERMEDIARY, CH_EVENT = 0, 1, 2
CHANNEL_NAMES = ("direct", "intermediary", "event")
NEED_NONE, NEED_SERVICE, NEED_TECH = -1, 0, 1


# ----------------------------------------------------------------------------
# Structure of the province, as the profile gives it (int64 tables)
# ----------------------------------------------------------------------------
#: columns of a profile's enterprise structure table ``Profile.EI0`` (``S_AREA``: the
#: area of an in-province enterprise, -1 for one outside the province)
S_ROLE, S_SECTOR, S_SIZE, S_COOP, S_LOC, S_AREA = range(6)
NS = 6
#: columns of a profile's research-organisation structure table ``Profile.RI0``
#: (``RS_AREA``: its area, -1 outside the province; ``RS_STANDING``: the location whose
#: offer quality and output rate it has, its own location unless the profile says)
RS_LOC, RS_SECTOR, RS_UNIVERSITY, RS_AREA, RS_STANDING = range(5)
NRS = 5
#: columns of a profile's area table ``Profile.AR0``, one row per area of the province:
#: its market before and after the merger month (areas with the same market number
#: are one market), whether the scenario's programme serves it before and after, and
#: whether its buyers' deals are scored (the yearly accumulators count them)
A_MARKET0, A_MARKET1, A_SERVED0, A_SERVED1, A_SCORED = range(5)
NA = 5
#: columns of a profile's table of sectors, size classes and locations ``Profile.XI0``
#: (one row each, sectors first, then size classes, then locations): kind (``X_*``),
#: scope (``SCOPE_*``, locations only)
XS_KIND, XS_SCOPE = range(2)
NXS = 2
X_SECTOR, X_SIZE, X_LOCATION = range(3)

# ----------------------------------------------------------------------------
# State bundles: one structured array (a record per agent) per kind
# ----------------------------------------------------------------------------
_F, _I = np.float64, np.int64
#: Enterprises. Reals: technology level, absorptive capacity, willingness to pay for a
#: technology and for a service (billion VND), monthly probability of forming a need.
#: Integers: role (buyer/vendor), sector, size class, cooperative (0/1), does R&D (0/1),
#: location, current need (``NEED_*``), months the need has lasted, the slot of a
#: preferred offer and that offer's serial number (slots are reused: a preference holds
#: only while the slot still holds that offer), purchases so far; its area (-1 outside
#: the province) and, copied from the area by :func:`.areas.sync_areas`, its market this
#: month (-1 outside), ``srv`` (1.0 if the programme serves it, the factor on the task
#: groups' effects on it) and ``scored`` (0/1).
ENTERPRISE = np.dtype([
    ("tech", _F), ("absorb", _F), ("wtp", _F), ("wtp_service", _F), ("need_p", _F),
    ("role", _I), ("sector", _I), ("size_class", _I), ("coop", _I), ("rd", _I), ("loc", _I),
    ("need", _I), ("need_age", _I), ("pref", _I), ("pref_id", _I), ("purchases", _I),
    ("area", _I), ("market", _I), ("srv", _F), ("scored", _I)], align=True)
#: Research organisations: output rate (offers a month), exp(-rate), mean quality,
#: results offered and sold so far (its track record, read by its decisions); location,
#: main sector, university (0/1), digitises all its results (0/1; the organisation-level
#: digitisation rule); area (-1 outside the province), standing (the location class of
#: its quality and output rate).
RESEARCH = np.dtype([("rate", _F), ("exp_rate", _F), ("quality", _F), ("offered", _F),
                     ("sold", _F), ("loc", _I), ("sector", _I), ("university", _I),
                     ("digitises", _I), ("area", _I), ("standing", _I)], align=True)
#: Provincial S&T tasks: slot in use (0/1), leading organisation, sector,
#: enterprise-centred (0/1), month it ends, partner buyer (-1 if none), serial number
#: (its agent number in random keys is n_enterprises + n_research + serial).
TASK = np.dtype([("active", _I), ("org", _I), ("sector", _I), ("ec", _I), ("end", _I),
                 ("partner", _I), ("serial", _I)], align=True)
#: Intermediaries: client capacity a month, staff skill, clients served this month,
#: deals brokered this month and over about the last 12 months (its track record: an
#: exponentially weighted sum), months booked into that record since it (re)opened;
#: open (0/1), public (0/1), connected to the national network (0/1), month formed,
#: month closed (-1 while open).
INTERMEDIARY = np.dtype([("capacity", _F), ("skill", _F), ("used", _F), ("deals", _F),
                         ("deals12", _F), ("booked", _F), ("active", _I), ("public", _I),
                         ("connected", _I), ("formed", _I), ("closed", _I)], align=True)
#: Offers: quality, asking price (billion VND); slot live (0/1), seller index, seller
#: type, origin, kind, sector, digitised (0/1), licences left, month it expires, from a
#: provincial task or organisation (0/1), serial number, position in the live list
#: (-1 if not live), the seller's area (-1 outside the province). ``origin`` and
#: ``price`` are as seen from the seller's own area: a buyer in another market sees an
#: in-province offer as one from elsewhere in Vietnam (:mod:`.areas`); ``market`` is the
#: market it is sold from when that can differ from a buyer's (an in-province offer of an
#: area), -1 otherwise (:func:`.areas.offer_market`).
OFFER = np.dtype([
    ("quality", _F), ("price", _F), ("active", _I), ("seller", _I), ("seller_type", _I),
    ("origin", _I), ("kind", _I), ("sector", _I), ("digitised", _I), ("licences", _I),
    ("expires", _I), ("provincial", _I), ("serial", _I), ("pos", _I), ("area", _I),
    ("market", _I)], align=True)
#: Areas of the province (one, unless the profile declares ``[[areas]]``): the columns
#: of ``Profile.AR0`` (``A_*``), then this month's market and whether the programme
#: serves the area this month (set each month by :func:`.areas.area_month`).
AREA = np.dtype([("market0", _I), ("market1", _I), ("served0", _I), ("served1", _I),
                 ("scored", _I), ("market", _I), ("served", _I)], align=True)
#: Sectors: need multiplier of its buyers, share of the province's new S&T tasks (as
#: drawn: :func:`set_structure` does not normalise them), technology gains of its firms
#: from adoption this year (the spill-over pool).
SECTOR = np.dtype([("need", _F), ("task_share", _F), ("spill", _F)], align=True)
#: Firm-size classes: need multiplier, willingness to pay for a technology (bn VND).
SIZE = np.dtype([("need", _F), ("wtp", _F)], align=True)
#: Locations of suppliers: visibility to a buyer searching on its own, mean quality of
#: offers, price multiplier; scope (``SCOPE_*``).
LOCATION = np.dtype([("visibility", _F), ("quality", _F), ("price_mult", _F),
                     ("scope", _I)], align=True)
#: The whole state of one run: the agents' records (``ent[i].tech`` is enterprise i's
#: technology level), the list of live offers (``live[j]``, j < G[G_N_LIVE]: searches
#: sample it, so every look finds a live offer) and of free offer slots (``free[j]``,
#: j < G[G_N_FREE]), the run-level scalars, the yearly accumulators and the log, and the
#: province's sectors, size classes and locations (with this run's parameters).
RunState = namedtuple("RunState", ("ent", "res", "tasks", "ints", "offers", "live", "free",
                                   "G", "Y", "TX", "sectors", "sizes", "locations",
                                   "areas"))

# ----------------------------------------------------------------------------
# Run-level scalars G[G_*]
# ----------------------------------------------------------------------------
# G_E1..G_E6: each task group's effect, read off its capability stock this month;
# G_E2_COFUND: this year's co-funding of purchases (TG2's fast instrument, on the year's
# budget); G_K1..: the capability stocks (bn VND), G_P1.., G_Q1..: the budget still
# being turned into capability (first and second stage of the build-up); G_INCOME: the
# real income index of this year (1 in the first year); G_OVERFLOW: a table was full
# (the run is repeated with larger tables); G_TASK_SERIAL: tasks started so far;
# G_EVENT: promotion events this month; G_ORDER_*: this month's buyer order; G_NTX,
# G_LOG, G_TX_OVERFLOW: transaction log; G_N_SERVICE: standing service offers (slots
# [0, n)); G_OFFER_HIGH, G_N_LIVE, G_N_FREE, G_OFFER_SERIAL: offer table; G_N_INT:
# intermediary slots used, G_N_OPEN: intermediaries open, G_PUBLIC_FORMED: the public
# one was formed (open or closed since);
# G_DRAWS, G_NORMALS: draws counted; G_N_BUYERS; G_VENDOR_EXP: exp(-vendor_offer_rate);
# G_TASK_HIGH: task slots used; G_MERGE_MONTH: the month from which the areas' markets
# are merged (0: one market from the start; HUGE: never, the "no merger" case);
# G_EVENT_OTHER: events this month that buyers in areas the programme does not serve
# can reach (the base rate only); G_UNSERVED: some area is not served this month;
# G_SEEN_VN: the location an in-province offer from another market is seen as (the
# profile's first location elsewhere in Vietnam; -1 if none);
# G_DEALS0 + m: deals in month m mod 12 (the programme's market's last twelve months).
(G_E1, G_E2, G_E3, G_E4, G_E5, G_E6, G_K1, G_K2, G_K3, G_K4, G_K5, G_K6,
 G_P1, G_P2, G_P3, G_P4, G_P5, G_P6, G_Q1, G_Q2, G_Q3, G_Q4, G_Q5, G_Q6,
 G_E2_COFUND, G_INCOME, G_OVERFLOW, G_TASK_SERIAL,
 G_EVENT, G_ORDER_OFF, G_ORDER_STRIDE, G_NTX,
 G_LOG, G_TX_OVERFLOW, G_N_SERVICE, G_OFFER_HIGH, G_N_LIVE, G_N_FREE, G_N_INT,
 G_PUBLIC_FORMED, G_DRAWS, G_N_BUYERS, G_NORMALS, G_VENDOR_EXP, G_TASK_HIGH,
 G_OFFER_SERIAL, G_N_OPEN, G_MERGE_MONTH, G_EVENT_OTHER, G_UNSERVED, G_SEEN_VN,
 G_DEALS0) = range(52)
#: which table was full (bits of G[G_OVERFLOW])
FULL_OFFERS, FULL_TASKS, FULL_INTERMEDIARIES = 1, 2, 4
G_MV0 = G_DEALS0 + 12  # monthly transaction value (real, bn VND) from here on
NG = G_MV0

# Yearly accumulators
(Y_VALUE, Y_V_TECH, Y_V_IP, Y_V_RESULT, Y_V_SERVICE, Y_COUNT, Y_N_TECH, Y_N_IP,
 Y_N_RESULT, Y_N_SERVICE, Y_V_PROVINCE, Y_V_VIETNAM, Y_V_ABROAD, Y_V_RESEARCH_DOM,
 Y_V_DOMESTIC, Y_V_TECH_ABROAD, Y_V_DIRECT, Y_V_INTERMEDIARY, Y_V_EVENT,
 Y_N_DIRECT, Y_N_INTERMEDIARY, Y_N_EVENT, Y_NEEDS, Y_RESULTS_COMMERCIAL,
 Y_RESULTS_DIGITISED, Y_INT_ACTIVE, Y_INT_CONNECTED, Y_PUBLIC_FORMED, Y_EVENTS,
 Y_TECH_MEAN, Y_ABSORB_MEAN, Y_OFFERS_ACTIVE, Y_TASKS_EC, Y_TASKS_NEW,
 Y_BUDGET, Y_V_DOMESTIC_TECH, Y_K1, Y_K2, Y_K3, Y_K4, Y_K5, Y_K6, Y_RESULTS_PROTECTED,
 Y_RESULTS_PROVINCIAL, Y_INT_PRIVATE, Y_INT_DEALS) = range(46)
NY = 46
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
    "capability_tg1", "capability_tg2", "capability_tg3", "capability_tg4",
    "capability_tg5", "capability_tg6", "results_protected", "results_provincial",
    "intermediaries_private", "intermediary_deals",
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
#: the draw number ``k`` of an agent's yearly decisions (above any per-result k)
YEARLY_K = 900_000


#: agent number of the province itself in random keys (tasks, events, entry); the
#: intermediary in slot k is agent INTERMEDIARY_AGENT0 - k, and the task with serial
#: number q is agent n_enterprises + n_research + q, so that no random key depends on
#: the size of a table
MAX_AGENTS = 1 << 24
PROVINCE_AGENT = MAX_AGENTS - 1
INTERMEDIARY_AGENT0 = MAX_AGENTS - 2
#: "never" for the licences and expiry of standing service offers
HUGE = 1 << 40
