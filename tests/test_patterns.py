"""Pattern-oriented tests: the model against the patterns its sources describe.

Pattern-oriented modelling (Grimm et al. 2005, *Science* 310:987-991) asks a model to
reproduce, at once, several patterns observed at different levels of the system. Each
test below names one pattern and its source: ``/work/shared/domain/modelling-notes.md``
("notes"), ``/work/shared/domain/sources.md`` ("sources") or the mechanism the code and
docs/ODD.md document (the levers' build-up and decay, ``kernels.province.build_stocks``).

The patterns are checked over the prior, not at one parameter vector: a module-scoped
fixture runs the full Bắc Kạn profile ``N_RUNS`` times for each scenario, over one Latin
hypercube sample of the priors and the same random keys in every scenario (common random
numbers, so differences between scenarios are paired). Everything is seeded: the tests
are deterministic, and each threshold is one a model could miss (see each docstring).

Run with ``-s`` to see the measured numbers and the table of P(target) per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.plan import load_plan
from stmarket.model.profile import Profile, load_profile
from stmarket.model.scenario import Scenario, load_scenario
from stmarket.model.targets import load_targets

#: Decision 2257's instruments, from its plan file (scenarios/plans/plan_2257.toml).
LEVERS = load_plan("plan_2257").ids

N_RUNS = 1500  # prior runs per scenario
DESIGN_SEED = 2257  # Latin hypercube over the priors
RUN_SEED = 7_2257  # random key of every run (run number = its row in the design)
GENEROUS = 5.0  # the generous programme: every plan_2257 level times this
BUNDLED = ("no_programme", "plan_2257", "plan_from_2027", "plan_stopped_2025")
SCENARIOS = BUNDLED + ("generous",)
Z = 3.0  # a paired difference "rises" if its mean exceeds Z standard errors
N_STAGGER = 300  # runs of the staggered scenario (each task group starting a year apart)

#: Targets declared structurally unreachable ("never") or always met ("always") under
#: every scenario tried. Each entry needs its argument in docs/ODD.md (why no budget the
#: levers can spend moves it); the test then asserts the target stays below 0.02 or above
#: 0.98 under every scenario, so a model change that makes it movable shows up. Empty: no
#: target is declared so (the test prints any that looks it).
STRUCTURAL: dict[str, str] = {}


@dataclass
class PriorRuns:
    """Many prior runs of every scenario on common parameters and random keys.

    Attributes
    ----------
    profile : Profile
        The full Bắc Kạn profile.
    years : int64[n_years]
    P : float64[N_RUNS, NP]
        The parameter vectors (one Latin hypercube sample of the priors).
    scenarios : dict of str to Scenario
    budgets : dict of str to float64[6, n_years]
    Y : dict of str to float64[N_RUNS, n_years, NY]
        Yearly accumulators of each scenario.
    ind : dict of str to dict of str to float64[N_RUNS, n_years]
        Indicators of each scenario.
    """

    profile: Profile
    years: np.ndarray
    P: np.ndarray
    scenarios: dict
    budgets: dict
    Y: dict
    ind: dict

    def j(self, year: int) -> int:
        """Index of a calendar year in the yearly arrays."""
        return int(year - self.years[0])


def generous_programme() -> Scenario:
    """plan_2257 with every task group's level multiplied by ``GENEROUS`` (same timing)."""
    plan = load_scenario("plan_2257")
    levers = {g: {**s, "level": GENEROUS * s.get("level", 0.0)} for g, s in plan.levers.items()}
    return Scenario(id="generous", name=f"plan_2257 x{GENEROUS:g}", levers=levers)


def _batch(profile, P, budgets):
    """Yearly accumulators of the runs of ``P`` under ``budgets`` (common random keys)."""
    n = P.shape[0]
    Y, _ = run_batch(profile, P, budgets, np.full(n, RUN_SEED), np.arange(n))
    return Y


@pytest.fixture(scope="module")
def prior_runs() -> PriorRuns:
    """``N_RUNS`` runs of the full Bắc Kạn profile under each of ``SCENARIOS``."""
    profile = load_profile("bac_kan")
    P = profile.space.sample(N_RUNS, seed=DESIGN_SEED)
    scenarios = {name: load_scenario(name) for name in BUNDLED}
    scenarios["generous"] = generous_programme()
    budgets = {k: sc.budgets(profile.years) for k, sc in scenarios.items()}
    Y = {k: _batch(profile, P, b) for k, b in budgets.items()}
    ind = {k: indicators.compute(y, P[:, K.P_INFLATION]) for k, y in Y.items()}
    return PriorRuns(profile, profile.years, P, scenarios, budgets, Y, ind)


def _cagr(series: np.ndarray, j0: int, j1: int) -> np.ndarray:
    """Compound yearly growth from column ``j0`` to ``j1`` of each run; -inf where the
    base is 0 (as ``Target.measure``: no base-year market, no growth)."""
    base, last = series[:, j0], series[:, j1]
    ratio = np.zeros_like(last)
    np.divide(last, base, out=ratio, where=base > 0)
    return np.where(base > 0, ratio ** (1.0 / (j1 - j0)) - 1.0, -np.inf)


def _paired(base: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Mean of the paired difference ``other - base`` and that mean in standard errors."""
    d = np.asarray(other, dtype=float) - np.asarray(base, dtype=float)
    se = d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean()), float(d.mean() / se) if se > 0 else float("inf")


# ----------------------------------------------------------------------------
# 1. Tens of transactions a year
# ----------------------------------------------------------------------------
def test_tens_of_transactions_a_year(prior_runs):
    """Pattern: Bắc Kạn sees tens of transactions a year, not thousands.

    Source: notes, "Orders of magnitude / A small market": about 1,110 enterprises and
    180 cooperatives (about 1,300 buyers); if 1-5 % of them buy in a year, tens of
    transactions. Checked under no_programme: the median over runs of each year's count
    lies in [10, 100], and in 2021 (the base year of the growth targets) most runs (more
    than half) have 10-100 deals.
    """
    count = prior_runs.ind["no_programme"]["count"]
    med = np.median(count, axis=0)
    c21 = count[:, prior_runs.j(2021)]
    in_range_2021 = float(np.mean((c21 >= 10) & (c21 <= 100)))
    by_year = dict(zip(prior_runs.years.tolist(), med.tolist(), strict=True))
    print(f"\n[1] median count by year {by_year}; "
          f"2021 runs with 10-100 deals {in_range_2021:.3f} "
          f"(2021 quantiles 5/50/95 %: {np.percentile(c21, [5, 50, 95]).tolist()})")
    assert np.all((med >= 10) & (med <= 100)), med
    assert in_range_2021 > 0.5, in_range_2021


# ----------------------------------------------------------------------------
# 2. Heavy-tailed deal values
# ----------------------------------------------------------------------------
def _tail_stats(value: np.ndarray, year: np.ndarray) -> tuple[float, float, float]:
    """Mean over median deal value, share of value in the top 10 % of deals (pooled over
    the run), and the median over years of the largest deal's share of its year's value."""
    v = np.sort(value)[::-1]
    k = max(1, round(0.1 * v.size))
    shares = [value[year == y].max() / value[year == y].sum()
              for y in np.unique(year) if value[year == y].sum() > 0]
    return float(v.mean() / np.median(v)), float(v[:k].sum() / v.sum()), float(np.median(shares))


def _heavy(stats: tuple[float, float, float]) -> bool:
    ratio, top10, largest = stats
    return ratio > 1.5 and top10 > 1.0 / 3.0 and largest > 0.10


def test_deal_values_are_heavy_tailed(prior_runs):
    """Pattern: deal values are heavy-tailed; one large deal can make a year.

    Source: notes, "Deal sizes": technology-centre contracts average about 18 million
    VND, techmart deals 0.5-0.8 bn VND, registered contracts far larger; "one large deal
    can make or break a year's growth". From the transaction logs of single runs (four
    random keys at the prior medians and four prior draws, no_programme), each run must
    show, over its ten years:

    - mean deal value above 1.5 times the median;
    - the top 10 % of deals carrying more than a third of the value;
    - in the median year, the largest deal carrying more than 10 % of the year's value,
      i.e. more than the 10 %/yr growth the plan targets for 2025-2030: one deal more or
      less moves the year's growth by more than the target.

    Why these thresholds: equal prices give a ratio of 1, a top-10 % share of 10 % and a
    largest share of 1/n (about 3 % at the tens of deals of pattern 1). The exponential
    distribution, the border between thin and heavy tails, gives 1/ln 2 = 1.44 and
    0.1·(1 + ln 10) = 0.33: the first two thresholds sit just above it, so only a
    distribution with a tail heavier than exponential passes. The test checks that equal
    prices and a thin lognormal (sigma 0.5) fail the same statistics.
    """
    profile = prior_runs.profile
    sc = prior_runs.scenarios["no_programme"]
    runs = [simulate(profile, sc, seed=s) for s in (1, 2, 3, 4)]
    runs += [simulate(profile, sc, seed=1, params=prior_runs.P[i]) for i in range(4)]
    rng = np.random.default_rng(2257)
    print("\n[2] per run: n deals, mean/median, top-10 % share, median-year largest share")
    for r in runs:
        tx = r.transactions()
        value, year = tx["value"].to_numpy(), tx["year"].to_numpy()
        stats = _tail_stats(value, year)
        print(f"    n={value.size:4d}  {stats[0]:.2f}  {stats[1]:.2f}  {stats[2]:.2f}")
        assert value.size > 0
        assert _heavy(stats), stats
        # the same statistics reject a thin-tailed market of the same deals
        assert not _heavy(_tail_stats(np.full(value.size, value.mean()), year))
        thin = _tail_stats(rng.lognormal(0.0, 0.5, value.size), year)
        assert thin[0] < 1.5 and thin[1] < 1.0 / 3.0, thin


# ----------------------------------------------------------------------------
# 3.-5. Value and growth
# ----------------------------------------------------------------------------
def test_value_2021_within_notes_range(prior_runs):
    """Pattern: the 2021 transaction value is a few to a few tens of billions VND.

    Source: notes, "Baseline value": not published; "a range of a few to a few tens of
    billions VND a year is consistent with the counts and deal sizes". The median over
    runs of ``value_nominal`` in 2021 lies in [1, 30] bn VND.
    """
    v21 = prior_runs.ind["no_programme"]["value_nominal"][:, prior_runs.j(2021)]
    med = float(np.median(v21))
    print(f"\n[3] 2021 value_nominal median {med:.2f} bn VND "
          f"(quantiles 5/95 %: {np.percentile(v21, [5, 95]).round(2).tolist()})")
    assert 1.0 <= med <= 30.0, med


def test_no_programme_growth_plausible(prior_runs):
    """Pattern: without the plan the market grows like the economy, in nominal terms.

    Source: sources §2 (GRDP of Bắc Kạn +3-7 %/yr in 2020-2024) plus 2-4.5 %/yr
    inflation (the prior of ``inflation``): a nominal growth of about 5-11.5 %/yr, far
    below the national market's 22 %/yr (sources §3). The median over runs of the
    nominal CAGR of ``value_nominal`` from 2021 to 2030 under no_programme lies in
    [0, 15 %]/yr.
    """
    ind = prior_runs.ind["no_programme"]
    g = _cagr(ind["value_nominal"], prior_runs.j(2021), prior_runs.j(2030))
    med = float(np.median(g))
    print(f"\n[4] no_programme nominal CAGR 2021-2030: median {med:.4f} "
          f"(quantiles 10/90 %: {np.percentile(g, [10, 90]).round(4).tolist()})")
    assert 0.0 <= med <= 0.15, med


def test_plan_growth_between_baseline_and_national(prior_runs):
    """Pattern: the plan speeds the market up, but not to the national rate.

    Source: sources §3: the national S&T market grew about 22 %/yr in 2011-2020, from a
    far larger market with exchanges and intermediaries; Bắc Kạn starts with none. The
    median over runs of the nominal CAGR of ``value_nominal`` from 2021 to 2025 under
    plan_2257 is below 22 %/yr and above no_programme's median.
    """
    j0, j1 = prior_runs.j(2021), prior_runs.j(2025)
    med = {k: float(np.median(_cagr(prior_runs.ind[k]["value_nominal"], j0, j1)))
           for k in ("no_programme", "plan_2257")}
    print(f"\n[5] median nominal CAGR 2021-2025: {med}")
    assert med["plan_2257"] < 0.22, med
    assert med["plan_2257"] > med["no_programme"], med


# ----------------------------------------------------------------------------
# 6. The levers' effects: direction, build-up and decay
# ----------------------------------------------------------------------------
def test_plan_moves_its_indicators_up(prior_runs):
    """Pattern: the plan raises what its task groups act on.

    Source: docs/ODD.md 7.1 (lever -> mechanism): TG1-TG3 raise deals, IP protection
    and digitisation, TG4 forms and connects an intermediary. On the same runs, plan_2257
    raises over no_programme, in 2030: the mean transaction value, the IP share, the
    digitised share and the chance of at least one connected intermediary (each a paired
    difference above Z standard errors).
    """
    j = prior_runs.j(2030)
    base, plan = prior_runs.ind["no_programme"], prior_runs.ind["plan_2257"]
    checks = {
        "value_nominal": (base["value_nominal"][:, j], plan["value_nominal"][:, j]),
        "ip_share": (base["ip_share"][:, j], plan["ip_share"][:, j]),
        "digitised_share": (base["digitised_share"][:, j], plan["digitised_share"][:, j]),
        "P(connected)": (base["intermediaries_connected"][:, j] >= 1,
                         plan["intermediaries_connected"][:, j] >= 1),
    }
    print("\n[6a] 2030, plan_2257 vs no_programme: no_programme mean, plan mean, z")
    for name, (b, p) in checks.items():
        diff, z = _paired(b, p)
        print(f"    {name:16s} {np.mean(b):.4f}  {np.mean(p):.4f}  z={z:.1f}")
        assert diff > 0 and z > Z, (name, diff, z)


def _effect(prior_runs, scenario: str) -> np.ndarray:
    """Mean over runs of ``value_nominal`` minus no_programme's, per year."""
    v = prior_runs.ind[scenario]["value_nominal"]
    return (v - prior_runs.ind["no_programme"]["value_nominal"]).mean(axis=0)


def test_late_plan_builds_up(prior_runs):
    """Pattern: a lever's effect builds up over years; nothing acts before the spending.

    Source: ``kernels.province.build_stocks`` and the ``build_tgN`` priors (spending
    becomes capability with a delay of 0.1-3 years). plan_from_2027 spends the plan's
    full levels from January 2027: its effect on the mean transaction value is zero in
    every year before 2027 (all accumulators identical, run by run), and in 2027 at most
    60 % of its 2030 effect.
    """
    j27, j30 = prior_runs.j(2027), prior_runs.j(2030)
    eff = _effect(prior_runs, "plan_from_2027")
    print(f"\n[6b] plan_from_2027 effect on mean value_nominal by year: {eff.round(3).tolist()};"
          f" 2027/2030 = {eff[j27] / eff[j30]:.3f}")
    assert np.array_equal(prior_runs.Y["plan_from_2027"][:, :j27],
                          prior_runs.Y["no_programme"][:, :j27])
    _, z = _paired(prior_runs.ind["no_programme"]["value_nominal"][:, j30],
                   prior_runs.ind["plan_from_2027"]["value_nominal"][:, j30])
    assert z > Z, z  # a 2030 effect to compare with
    assert eff[j27] <= 0.6 * eff[j30], (eff[j27], eff[j30])


def test_stopped_plan_decays(prior_runs):
    """Pattern: capability outlives its budget for a while, then decays.

    Source: ``kernels.province.build_stocks``: the budget still in the build-up pipeline
    keeps becoming capability (``build_tgN``, 0.1-3 years) and capability depreciates by
    ``decay_tgN`` a year (0.05-1.5). plan_stopped_2025 is plan_2257 to 2025, then nothing:

    - its effect on the mean transaction value keeps at least 35 % of its 2025 size in
      2026;
    - each capability stock (``capability_tg1..6``) falls after 2025 once the pipeline has
      emptied: its mean over runs falls every year from 2028 to 2030 and ends below its
      2026 mean, and in every run it ends 2030 below plan_2257's;
    - under plan_2257 every stock keeps rising or levels off: in every run it never falls
      from 2025 to 2030.

    The pipeline means a stock need not fall in 2026 itself: that is printed, not tested.
    """
    j25, j26, j28, j30 = (prior_runs.j(y) for y in (2025, 2026, 2028, 2030))
    eff = _effect(prior_runs, "plan_stopped_2025")
    print(f"\n[6c] plan_stopped_2025 effect on mean value_nominal by year: "
          f"{eff.round(3).tolist()}; 2026/2025 = {eff[j26] / eff[j25]:.3f}")
    _, z = _paired(prior_runs.ind["no_programme"]["value_nominal"][:, j25],
                   prior_runs.ind["plan_stopped_2025"]["value_nominal"][:, j25])
    assert z > Z, z
    assert eff[j26] >= 0.35 * eff[j25], (eff[j26], eff[j25])
    for g in range(1, 7):
        name = f"capability_tg{g}"
        stop = prior_runs.ind["plan_stopped_2025"][name]
        plan = prior_runs.ind["plan_2257"][name]
        mean = stop.mean(axis=0)
        print(f"    {name}: stopped mean {mean[j25:].round(3).tolist()} (2025-2030); "
              f"runs falling in 2026 {np.mean(stop[:, j26] < stop[:, j25]):.3f}; "
              f"plan mean {plan.mean(axis=0)[j25:].round(3).tolist()}")
        assert np.all(np.diff(mean[j28:]) < 0), (name, mean)
        assert mean[j30] < mean[j26], (name, mean)
        assert np.all(stop[:, j30] < plan[:, j30]), name
        steps = np.diff(plan[:, j25:], axis=1)
        assert np.all(steps >= -1e-12 * plan[:, j25 + 1:]), name


def test_stocks_zero_before_their_group_spends(prior_runs):
    """Pattern: no capability without spending, and none leaks between task groups.

    Source: ``kernels.province.build_stocks``: a stock is fed only by its own group's
    spending. In every scenario, each stock ``capability_tgN`` is exactly zero in every
    year before the first year its task group has a budget, and positive (December) in
    that first year. A staggered programme (task group g from 2022 + g, plan levels, no
    ramp) checks that other groups' spending does not feed a stock.
    """
    plan = load_scenario("plan_2257")
    stagger = Scenario(id="stagger", name="staggered", levers={
        g: {"level": plan.levers[g]["level"], "start_year": 2022 + k}
        for k, g in enumerate(LEVERS)})
    P = prior_runs.P[:N_STAGGER]
    b_stagger = stagger.budgets(prior_runs.years)
    Y = {**prior_runs.Y, "stagger": _batch(prior_runs.profile, P, b_stagger)}
    budgets = {**prior_runs.budgets, "stagger": b_stagger}
    n_years = len(prior_runs.years)
    for name, y in Y.items():
        for g in range(6):
            spent = np.flatnonzero(budgets[name][g] > 0)
            first = int(spent[0]) if spent.size else n_years
            stock = y[:, :, K.Y_K1 + g]
            assert np.all(stock[:, :first] == 0.0), (name, LEVERS[g])
            if first < n_years:
                assert np.all(stock[:, first] > 0.0), (name, LEVERS[g])
    print("\n[6d] every stock is zero before its group's first budget, in "
          f"{len(Y)} scenarios (staggered on {N_STAGGER} runs)")


# ----------------------------------------------------------------------------
# 7. No target met or missed by construction
# ----------------------------------------------------------------------------
def test_no_target_decided_by_construction(prior_runs):
    """Pattern: every target of the plan can be moved by the levers.

    Source: the targets of Decision 2257 (``scenarios/targets/targets_2257.toml``); a
    target whose verdict no budget can change would make the plan's levers irrelevant to
    it, and its probability an artefact of the model's construction. For each target:

    - P(met) under a generous programme (plan_2257 at ``GENEROUS`` times every level)
      must differ from P(met) under no_programme (the test fails only for a target met
      in exactly the same number of runs under both: the levers cannot move it at all);
    - unless the target is listed in ``STRUCTURAL``: then docs/ODD.md must carry the
      argument that it is structurally unreachable (or always met), and the test asserts
      it stays below 0.02 (or above 0.98) under every scenario tried.

    A target below 0.02 or above 0.98 under every scenario but not listed is printed as
    needing that argument in docs/ODD.md; it does not fail the test.
    """
    years = prior_runs.years
    tset = load_targets(prior_runs.profile.targets, years)
    met = {k: tset.score(prior_runs.ind[k], years)[1] for k in SCENARIOS}
    prob = {k: m.mean(axis=0) for k, m in met.items()}
    width = max(map(len, tset.ids))
    lines = ["", "[7] P(target met) per scenario "
             f"({N_RUNS} prior runs each; generous = plan_2257 x{GENEROUS:g})",
             f"{'target':{width}s} " + " ".join(f"{k[:17]:>17s}" for k in SCENARIOS)
             + "  flag"]
    same, extreme = [], {}
    for t, tid in enumerate(tset.ids):
        p = np.array([prob[k][t] for k in SCENARIOS])
        n_base, n_gen = met["no_programme"][:, t].sum(), met["generous"][:, t].sum()
        flag = ""
        if n_base == n_gen:
            same.append(tid)
            flag = "SAME under no_programme and generous"
        if np.all(p < 0.02):
            extreme[tid] = "never"
        elif np.all(p > 0.98):
            extreme[tid] = "always"
        if tid in extreme:
            flag += f" {extreme[tid].upper()} MET under every scenario: docs/ODD.md must argue it"
        lines.append(f"{tid:{width}s} " + " ".join(f"{x:17.3f}" for x in p) + "  " + flag)
    print("\n".join(lines))
    for tid, kind in STRUCTURAL.items():
        assert tid in tset.ids, f"STRUCTURAL names unknown target {tid}"
        t = tset.ids.index(tid)
        p = np.array([prob[k][t] for k in SCENARIOS])
        assert np.all(p < 0.02) if kind == "never" else np.all(p > 0.98), (tid, kind, p)
    by_construction = [tid for tid in same if tid not in STRUCTURAL]
    assert not by_construction, f"targets the levers cannot move: {by_construction}"
