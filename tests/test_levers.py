"""Each of the six levers alone against the no-programme baseline.

Every scenario runs the full Bắc Kạn profile over the same seeds and the same
parameter vectors (a Latin hypercube over the priors) as the baseline: common
random numbers, so differences are paired. A lever must move its own intermediate
variable the way the kernels document, must grow it with its budget, and must not
lower the number of transactions.
"""

from __future__ import annotations

import numpy as np
import pytest

from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.plan import load_plan
from stmarket.model.profile import load_profile
from stmarket.model.scenario import Scenario

#: Decision 2257's instruments, from its plan file (scenarios/plans/plan_2257.toml).
LEVERS = load_plan("plan_2257").ids

N_RUNS = 200
START = 2022  # first year of every lever; the first simulated year is 2021
LEVEL = 2.0  # billion VND a year
Z = 3.0  # a "rise" is a paired mean difference of more than Z standard errors


@pytest.fixture(scope="module")
def batch():
    """A function from a ``{lever: level}`` mapping to Y[n_runs, n_years, NY], with the
    results cached; the profile, seeds and parameters are shared by every call."""
    profile = load_profile("bac_kan")
    P = profile.space.sample(N_RUNS, seed=2257)
    seeds = 9000 + np.arange(N_RUNS)
    runs = np.arange(N_RUNS) % 3
    cache: dict[tuple, np.ndarray] = {}

    def run(levers: dict[str, float] | None = None) -> np.ndarray:
        levers = levers or {}
        name = tuple(sorted(levers.items()))
        if name not in cache:
            sc = Scenario(id="test", name="test", levers={
                g: {"level": v, "start_year": START} for g, v in levers.items()})
            cache[name] = run_batch(profile, P, sc.budgets(profile.years), seeds, runs)[0]
        return cache[name]

    run.profile = profile
    return run


def _total(Y, col):
    """Per-run total of column ``col`` over the programme years (2022 on).

    Parameters
    ----------
    Y : float64[n_runs, n_years, NY]
    col : int
        A ``K.Y_*`` column.

    Returns
    -------
    float64[n_runs]
    """
    return Y[:, 1:, col].sum(axis=1)


def _ratio(Y, num, den):
    """Per-run ratio of two programme-year totals (0 where the denominator is 0)."""
    n, d = _total(Y, num), _total(Y, den)
    return np.divide(n, d, out=np.zeros_like(n), where=d > 0)


def _z(base, lever):
    """Paired difference ``lever - base``: its mean and that mean over its standard error.

    Parameters
    ----------
    base, lever : float64[n_runs]
        A statistic of each run, in the same run order.

    Returns
    -------
    (float, float)
    """
    d = np.asarray(lever) - np.asarray(base)
    se = d.std(ddof=1) / np.sqrt(len(d))
    if se == 0.0:
        return float(d.mean()), float(np.sign(d.mean()) * np.inf)
    return float(d.mean()), float(d.mean() / se)


def _rises(base, lever, what):
    """Assert that ``lever`` is higher than ``base``, paired, by more than Z SE."""
    mean, z = _z(base, lever)
    assert mean > 0 and z > Z, f"{what}: paired change {mean:.4g} ({z:.1f} SE)"


def _one(lever, level=LEVEL):
    return {lever: level}


@pytest.mark.parametrize("lever", LEVERS)
def test_lever_acts_only_from_its_start_year(batch, lever):
    base, Y = batch(), batch(_one(lever))
    # same random numbers, no budget in 2021: the first year is identical
    assert np.array_equal(Y[:, 0, :], base[:, 0, :])
    assert (Y[:, 1:, K.Y_BUDGET] == LEVEL).all() and (base[:, :, K.Y_BUDGET] == 0).all()
    assert not np.array_equal(Y[:, 1:, :], base[:, 1:, :])


def test_tg1_legal_raises_ip_and_closing(batch):
    base, Y = batch(), batch(_one("tg1_legal"))
    _rises(_total(base, K.Y_N_IP), _total(Y, K.Y_N_IP), "IP transactions")
    _rises(_ratio(base, K.Y_N_IP, K.Y_COUNT), _ratio(Y, K.Y_N_IP, K.Y_COUNT), "IP share")
    _rises(_ratio(base, K.Y_V_IP, K.Y_VALUE), _ratio(Y, K.Y_V_IP, K.Y_VALUE), "IP value share")
    # protected provincial results count as results with commercial potential
    _rises(_total(base, K.Y_RESULTS_COMMERCIAL), _total(Y, K.Y_RESULTS_COMMERCIAL),
           "commercial results")
    _rises(_ratio(base, K.Y_COUNT, K.Y_NEEDS), _ratio(Y, K.Y_COUNT, K.Y_NEEDS),
           "transactions per need (closing)")
    # the lever works on supply and closing, not on which tasks are funded
    assert np.array_equal(_total(Y, K.Y_TASKS_EC), _total(base, K.Y_TASKS_EC))


def test_tg2_demand_raises_needs_and_absorptive_capacity(batch):
    base, Y = batch(), batch(_one("tg2_demand"))
    _rises(_total(base, K.Y_NEEDS), _total(Y, K.Y_NEEDS), "needs formed")
    for yr in (1, 5, 9):
        _rises(base[:, yr, K.Y_ABSORB_MEAN], Y[:, yr, K.Y_ABSORB_MEAN],
               f"absorptive capacity, year {yr}")
    gain = Y[:, -1, K.Y_ABSORB_MEAN] - base[:, -1, K.Y_ABSORB_MEAN]
    assert (gain > 0).mean() > 0.95  # capacity building lifts nearly every run
    _rises(_total(base, K.Y_V_TECH), _total(Y, K.Y_V_TECH), "technology value")


def test_tg3_supply_restructures_tasks_and_digitises(batch):
    base, Y = batch(), batch(_one("tg3_supply"))
    # the number of new tasks is data (13 a year), only their design changes
    assert np.array_equal(_total(Y, K.Y_TASKS_NEW), _total(base, K.Y_TASKS_NEW))
    _rises(_total(base, K.Y_TASKS_EC), _total(Y, K.Y_TASKS_EC), "enterprise-centred tasks")
    _rises(_ratio(base, K.Y_TASKS_EC, K.Y_TASKS_NEW), _ratio(Y, K.Y_TASKS_EC, K.Y_TASKS_NEW),
           "enterprise-centred share")
    _rises(_ratio(base, K.Y_RESULTS_DIGITISED, K.Y_RESULTS_COMMERCIAL),
           _ratio(Y, K.Y_RESULTS_DIGITISED, K.Y_RESULTS_COMMERCIAL), "digitised share")
    _rises(_total(base, K.Y_RESULTS_COMMERCIAL), _total(Y, K.Y_RESULTS_COMMERCIAL),
           "results with commercial potential")
    _rises(_total(base, K.Y_N_TECH), _total(Y, K.Y_N_TECH), "technology transactions")


def test_tg4_intermediary_forms_and_connects(batch):
    base, Y = batch(), batch(_one("tg4_intermediary"))
    assert (base[:, :, K.Y_PUBLIC_FORMED] == 0).all()  # (a private one may enter)
    assert Y[:, 0, K.Y_PUBLIC_FORMED].sum() == 0
    assert Y[:, -1, K.Y_PUBLIC_FORMED].mean() > 0.95  # formed by 2030 in nearly every run
    formed = Y[:, :, K.Y_PUBLIC_FORMED]
    assert (np.diff(formed, axis=1) >= 0).all()  # once formed, it stays
    _rises(_total(base, K.Y_INT_ACTIVE), _total(Y, K.Y_INT_ACTIVE), "intermediaries")
    _rises(_total(base, K.Y_INT_CONNECTED), _total(Y, K.Y_INT_CONNECTED), "connected")
    _rises(_total(base, K.Y_N_INTERMEDIARY), _total(Y, K.Y_N_INTERMEDIARY),
           "transactions through an intermediary")
    assert (Y[:, :, K.Y_INT_CONNECTED] <= Y[:, :, K.Y_INT_ACTIVE]).all()


def test_tg5_promotion_raises_events(batch):
    base, Y = batch(), batch(_one("tg5_promotion"))
    _rises(_total(base, K.Y_EVENTS), _total(Y, K.Y_EVENTS), "events")
    _rises(_total(base, K.Y_N_EVENT), _total(Y, K.Y_N_EVENT), "transactions at events")
    _rises(_ratio(base, K.Y_N_EVENT, K.Y_COUNT), _ratio(Y, K.Y_N_EVENT, K.Y_COUNT),
           "event channel share")


def test_tg6_training_raises_search_and_foreign_reach(batch):
    base, Y = batch(), batch(_one("tg6_training"))
    _rises(_total(base, K.Y_N_DIRECT), _total(Y, K.Y_N_DIRECT), "direct transactions")
    # events show every offer: more deals there can only come from more searching
    _rises(_total(base, K.Y_N_EVENT), _total(Y, K.Y_N_EVENT), "transactions at events")
    _rises(_ratio(base, K.Y_COUNT, K.Y_NEEDS), _ratio(Y, K.Y_COUNT, K.Y_NEEDS),
           "transactions per need (more searching months)")
    # foreign offers become more visible on every channel but events
    _rises(_total(base, K.Y_V_ABROAD), _total(Y, K.Y_V_ABROAD), "value from abroad")
    # with an intermediary: trained staff value better, foreign offers are seen more
    b4, Y46 = batch(_one("tg4_intermediary")), batch({"tg4_intermediary": LEVEL,
                                                      "tg6_training": LEVEL})
    _rises(_total(b4, K.Y_V_ABROAD), _total(Y46, K.Y_V_ABROAD), "value from abroad, TG4")
    _rises(_total(b4, K.Y_N_INTERMEDIARY), _total(Y46, K.Y_N_INTERMEDIARY),
           "intermediary transactions, TG4")
    # training does not build intermediaries
    assert np.array_equal(Y46[:, :, K.Y_PUBLIC_FORMED], b4[:, :, K.Y_PUBLIC_FORMED])


OWN = {
    "tg1_legal": K.Y_N_IP,
    "tg2_demand": K.Y_NEEDS,
    "tg3_supply": K.Y_TASKS_EC,
    "tg4_intermediary": K.Y_INT_CONNECTED,
    "tg5_promotion": K.Y_EVENTS,
    "tg6_training": K.Y_COUNT,
}


@pytest.mark.parametrize("lever", LEVERS)
def test_own_effect_grows_with_budget(batch, lever):
    col = OWN[lever]
    levels = (0.0, 0.5, LEVEL, 8.0)
    totals = [_total(batch(_one(lever, lv) if lv else None), col) for lv in levels]
    for lo, hi, a, b in zip(levels, levels[1:], totals, totals[1:], strict=False):
        _rises(a, b, f"{K.Y_NAMES[col]} from {lo} to {hi} bn VND")


@pytest.mark.parametrize("lever", LEVERS)
def test_no_lever_lowers_the_number_of_transactions(batch, lever):
    base, Y = batch(), batch(_one(lever))
    mean, z = _z(_total(base, K.Y_COUNT), _total(Y, K.Y_COUNT))
    assert z > -2.0, f"{lever}: transactions change by {mean:.3g} ({z:.1f} SE)"
