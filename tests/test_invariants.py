"""Accounting invariants of the yearly accumulators, for any valid input.

Hypothesis draws every uncertain parameter within its prior [low, high], random
yearly budgets of 0-5 bn VND for each of the six task groups, and a random key,
runs the small province, and checks what must hold whatever the numbers: values
are finite and non-negative, the breakdowns of value and count add up, every share
is a share (its numerator never exceeds its denominator, not merely after
clipping), stocks stay within their capacities, and the transaction log agrees
with the accumulators.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.indicators import SHARES, compute
from stmarket.model.plan import load_plan
from stmarket.model.scenario import Scenario

#: Decision 2257's instruments, from its plan file (scenarios/plans/plan_2257.toml).
LEVERS = load_plan("plan_2257").ids

MAX_BUDGET = 5.0
INTEGER_COLUMNS = (K.Y_COUNT, K.Y_N_TECH, K.Y_N_IP, K.Y_N_RESULT, K.Y_N_SERVICE,
                   K.Y_N_DIRECT, K.Y_N_INTERMEDIARY, K.Y_N_EVENT, K.Y_NEEDS,
                   K.Y_RESULTS_COMMERCIAL, K.Y_RESULTS_DIGITISED, K.Y_INT_ACTIVE,
                   K.Y_INT_CONNECTED, K.Y_PUBLIC_FORMED, K.Y_EVENTS, K.Y_OFFERS_ACTIVE,
                   K.Y_TASKS_EC, K.Y_TASKS_NEW, K.Y_RESULTS_PROTECTED, K.Y_RESULTS_PROVINCIAL,
                   K.Y_INT_PRIVATE, K.Y_INT_DEALS)


@st.composite
def parameter_vectors(draw, space):
    """A parameter vector with each uncertain parameter anywhere in its prior.

    Parameters
    ----------
    space : model.params.ParameterSpace

    Returns
    -------
    float64[NP]
        Firm parameters at their values, uncertain ones drawn in [low, high].
    """
    p = space.central()
    for name in space.uncertain:
        spec = space.specs[name]
        if spec.prior == "choice":  # a structural switch: one of its alternatives
            value = draw(st.sampled_from(spec.values), label=name)
        else:
            value = draw(st.floats(spec.low, spec.high, allow_nan=False), label=name)
        p[space.names.index(name)] = value
    return p


def lever_arrays(n_years):
    """Strategy for LEV[6, n_years]: yearly budgets in [0, 5] bn VND, zeros common.

    Parameters
    ----------
    n_years : int

    Returns
    -------
    SearchStrategy of float64[6, n_years]
    """
    budget = st.one_of(st.just(0.0), st.floats(0.0, MAX_BUDGET, allow_nan=False))
    return st.lists(budget, min_size=6 * n_years, max_size=6 * n_years).map(
        lambda xs: np.array(xs, dtype=np.float64).reshape(6, n_years))


def as_scenario(lev, years):
    """A Scenario whose budgets are exactly ``lev`` (through ``by_year``).

    Parameters
    ----------
    lev : float64[6, n_years]
    years : int64[n_years]

    Returns
    -------
    Scenario
    """
    levers = {name: {"by_year": {int(y): float(lev[g, j]) for j, y in enumerate(years)}}
              for g, name in enumerate(LEVERS)}
    return Scenario(id="hypothesis", name="hypothesis", levers=levers)


def close(a, b):
    """Equality of sums of the same floats added in different orders."""
    return np.allclose(a, b, rtol=1e-9, atol=1e-12)


def check_accumulators(Y, lev, n_buyers):
    """Assert every accounting invariant of one run's yearly accumulators.

    Parameters
    ----------
    Y : float64[n_years, NY]
    lev : float64[6, n_years]
        The budgets the run was given.
    n_buyers : int
    """
    assert np.all(np.isfinite(Y)) and np.all(Y >= 0.0)
    ints = Y[:, list(INTEGER_COLUMNS)]
    assert np.array_equal(ints, np.round(ints))
    c = {name: Y[:, j] for j, name in enumerate(K.Y_NAMES)}
    # counts
    kinds_n = Y[:, K.Y_N_TECH:K.Y_N_SERVICE + 1].sum(axis=1)
    chans_n = Y[:, K.Y_N_DIRECT:K.Y_N_EVENT + 1].sum(axis=1)
    assert np.array_equal(c["count"], kinds_n) and np.array_equal(c["count"], chans_n)
    # values
    value = c["value"]
    assert close(value, Y[:, K.Y_V_TECH:K.Y_V_SERVICE + 1].sum(axis=1))
    assert close(value, Y[:, K.Y_V_PROVINCE:K.Y_V_ABROAD + 1].sum(axis=1))
    assert close(value, Y[:, K.Y_V_DIRECT:K.Y_V_EVENT + 1].sum(axis=1))
    assert close(c["value_domestic"], c["value_origin_province"] + c["value_origin_vietnam"])
    assert np.array_equal(value > 0, c["count"] > 0)  # every price is positive
    for j in range(K.Y_V_TECH, K.Y_V_SERVICE + 1):
        assert np.array_equal(Y[:, j] > 0, Y[:, j - K.Y_V_TECH + K.Y_N_TECH] > 0)
    # numerators within denominators (before the indicators clip)
    eps = 1e-9 * (1.0 + value)
    assert np.all(c["value_research_domestic"] <= c["value_domestic"] + eps)
    assert np.all(c["value_research_domestic"] <= value - c["value_service"] + eps)
    assert np.all(c["value_technology_abroad"] <= c["value_technology"] + eps)
    assert np.all(c["value_technology_abroad"] <= c["value_origin_abroad"] + eps)
    # intermediaries open at the year's end: the connected and the private ones among
    # them, the public one at most once; deals through them within all their deals
    active, connected = c["intermediaries_active"], c["intermediaries_connected"]
    assert np.all(connected <= active)
    assert np.all(c["intermediaries_private"] + c["public_intermediary"] == active)
    assert set(np.unique(c["public_intermediary"])) <= {0.0, 1.0}
    assert np.array_equal(c["intermediary_deals"], c["count_intermediary"])
    # capability stocks are never negative and stay zero without a budget
    for g in range(6):
        stock = Y[:, K.Y_K1 + g]
        assert np.all(stock >= 0.0)
        assert np.all(stock[np.cumsum(lev[g]) == 0.0] == 0.0)
    assert np.all(c["public_intermediary"] <= active)
    assert np.all(c["public_intermediary"][np.cumsum(lev[3]) == 0.0] == 0.0)  # TG4 builds it
    # events, results, tasks, needs
    assert np.all(c["events"][c["count_event"] > 0] > 0)
    assert np.all(c["results_digitised"] <= c["results_commercial"])
    assert np.all(c["results_commercial"] <= c["results_provincial"])
    assert np.all(c["results_protected"] <= c["results_provincial"])
    assert np.all(c["tasks_enterprise_centred"] <= c["tasks_new"])
    assert np.all(c["needs_formed"] >= 0)
    # each purchase meets one need: one formed in the run or one in progress at the start
    assert np.all(np.cumsum(c["count"]) <= np.cumsum(c["needs_formed"]) + n_buyers)
    assert np.all(c["tech_level_mean"] <= 1.0) and np.all(c["absorptive_capacity_mean"] <= 1.0)
    assert close(c["budget"], lev.sum(axis=0))


def check_indicators(Y, inflation):
    """Assert that indicators are finite where defined and every share is in [0, 1].

    Parameters
    ----------
    Y : float64[n_years, NY]
    inflation : float
    """
    ind = compute(Y, inflation)
    for name in SHARES:
        assert np.all((ind[name] >= 0.0) & (ind[name] <= 1.0)), name
    assert np.all(ind["value_nominal"] >= ind["value"])
    assert np.all(np.isfinite(ind["value_nominal"]))
    growth = ind["value_growth"]
    assert np.isnan(growth[0])
    assert np.all(np.isnan(growth[1:]) == (ind["value_nominal"][:-1] <= 0))


def check_log(res, n_buyers):
    """Assert that the transaction log adds up to the yearly accumulators.

    Parameters
    ----------
    res : model.core.RunResult
    n_buyers : int
    """
    Y, tx = res.Y, res.transactions()
    assert res.n_transactions == len(tx) == int(Y[:, K.Y_COUNT].sum())
    assert tx["month"].is_monotonic_increasing
    assert np.all((tx["buyer"] >= 0) & (tx["buyer"] < n_buyers))
    assert np.all(tx["value"] > 0)
    j = tx["year"].to_numpy() - res.years[0]
    assert close(np.bincount(j, weights=tx["value"], minlength=len(Y)), Y[:, K.Y_VALUE])
    for k, kind in enumerate(K.KIND_NAMES):
        n = np.bincount(j[(tx["kind"] == kind).to_numpy()], minlength=len(Y))
        assert np.array_equal(n, Y[:, K.Y_N_TECH + k])
    for k, ch in enumerate(K.CHANNEL_NAMES):
        n = np.bincount(j[(tx["channel"] == ch).to_numpy()], minlength=len(Y))
        assert np.array_equal(n, Y[:, K.Y_N_DIRECT + k])


@settings(max_examples=40, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**62 - 1))
def test_invariants_hold_for_any_valid_input(small_profile, data, seed):
    prof = small_profile
    p = data.draw(parameter_vectors(prof.space), label="params")
    lev = data.draw(lever_arrays(prof.n_years), label="levers")
    Yb, draws = run_batch(prof, p[None], lev, seed, 0)
    Y = Yb[0]
    event("trades" if Y[:, K.Y_COUNT].sum() > 0 else "no trade")
    event("intermediary formed" if Y[-1, K.Y_INT_ACTIVE] > 0 else "no intermediary")
    check_accumulators(Y, lev, prof.n_buyers)
    check_indicators(Y, p[K.P_INFLATION])
    res = simulate(prof, as_scenario(lev, prof.years), seed=seed, params=p)
    assert np.array_equal(res.Y, Y) and res.draws == int(draws[0, 0])
    check_log(res, prof.n_buyers)


def test_invariants_hold_on_a_larger_province(profile, scenarios):
    """The same invariants on a 30% province, where intermediaries form and trade."""
    prof = profile.scaled(0.3)
    P = prof.space.sample(8, seed=3)
    for name, sc in scenarios.items():
        lev = sc.budgets(prof.years)
        Y, _ = run_batch(prof, P, lev, np.arange(8), 0)
        for b in range(len(P)):
            check_accumulators(Y[b], lev, prof.n_buyers)
            check_indicators(Y[b], P[b, K.P_INFLATION])
        if name == "plan_2257":
            assert Y[:, :, K.Y_N_INTERMEDIARY].sum() > 0


@pytest.mark.parametrize("column, delta", [
    (K.Y_V_TECH, 0.5), (K.Y_N_EVENT, 1.0), (K.Y_V_RESEARCH_DOM, 1e3),
    (K.Y_RESULTS_DIGITISED, 1e3), (K.Y_INT_CONNECTED, 9.0), (K.Y_NEEDS, -1e4),
])
def test_checks_catch_broken_accounting(small_profile, scenarios, column, delta):
    """The invariant checks are not vacuous: corrupting one accumulator fails them."""
    sc = scenarios["plan_2257"]
    lev = sc.budgets(small_profile.years)
    res = simulate(small_profile, sc, seed=1)
    check_accumulators(res.Y, lev, small_profile.n_buyers)
    Y = res.Y.copy()
    Y[-1, column] += delta
    with pytest.raises(AssertionError):
        check_accumulators(Y, lev, small_profile.n_buyers)
