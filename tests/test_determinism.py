"""A run is a pure function of (seed, run, parameters, budgets).

Random numbers are counter-based (keyed by seed, run, month, agent, purpose), so
the same key reproduces a run exactly, different keys give different runs, and a
run's result does not depend on its batch, its position in the batch, the number
of numba threads, or Mesa's own random generators.
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest

from stmarket.model.core import run_batch, simulate
from stmarket.model.market import STMarket


@pytest.fixture(scope="module")
def sampled(small_profile):
    """Fifty Latin-hypercube parameter vectors of the small province."""
    return small_profile.space.sample(50, seed=7)


def random_levers(n_runs, n_years, seed):
    """Random yearly budgets of the six task groups.

    Parameters
    ----------
    n_runs, n_years : int
    seed : int
        Seed of the generator (local to this call: no global seeding).

    Returns
    -------
    float64[n_runs, 6, n_years]
        Budgets in [0, 5) billion VND a year.
    """
    return np.random.default_rng(seed).uniform(0.0, 5.0, size=(n_runs, 6, n_years))


def test_same_seed_same_result(small_profile, scenarios):
    sc = scenarios["plan_2257"]
    a = simulate(small_profile, sc, seed=42, run=3)
    b = simulate(small_profile, sc, seed=42, run=3)
    assert np.array_equal(a.Y, b.Y)
    assert np.array_equal(a.TX, b.TX)
    assert a.draws == b.draws
    P = np.tile(small_profile.space.central(), (2, 1))
    Y1, d1 = run_batch(small_profile, P, sc.budgets(small_profile.years), 42, 3)
    Y2, d2 = run_batch(small_profile, P, sc.budgets(small_profile.years), 42, 3)
    assert np.array_equal(Y1, Y2) and np.array_equal(d1, d2)
    assert np.array_equal(Y1[0], Y1[1]) and np.array_equal(Y1[0], a.Y)
    m1 = STMarket(small_profile, sc, seed=42, run=3)
    m1.run_model()
    m2 = STMarket(small_profile, sc, seed=42, run=3)
    m2.run_model()
    assert np.array_equal(m1.state.Y, m2.state.Y) and np.array_equal(m1.state.Y, a.Y)


def test_different_keys_different_results(small_profile, scenarios):
    """Every pair of (seed, run) keys gives a different run."""
    sc = scenarios["no_programme"]
    keys = [(0, 0), (1, 0), (2, 0), (2**61, 0), (0, 1), (1, 1), (0, 2**61)]
    P = np.tile(small_profile.space.central(), (len(keys), 1))
    seeds = np.array([s for s, _ in keys], dtype=np.int64)
    runs = np.array([r for _, r in keys], dtype=np.int64)
    Y, draws = run_batch(small_profile, P, sc.budgets(small_profile.years), seeds, runs)
    for a, b in itertools.combinations(range(len(keys)), 2):
        assert not np.array_equal(Y[a], Y[b]), (keys[a], keys[b])
    assert len({int(d) for d in draws[:, 0]}) > 1


def test_seed_and_run_are_not_interchangeable(small_profile, scenarios):
    sc = scenarios["plan_2257"]
    assert not np.array_equal(simulate(small_profile, sc, seed=1, run=2).Y,
                              simulate(small_profile, sc, seed=2, run=1).Y)


def test_batch_of_one_equals_position_in_batch_of_fifty(small_profile, sampled):
    n, ny = len(sampled), small_profile.n_years
    LEV = random_levers(n, ny, seed=1)
    seeds = np.arange(1000, 1000 + n, dtype=np.int64)
    runs = np.arange(n, dtype=np.int64) % 7
    Y50, d50 = run_batch(small_profile, sampled, LEV, seeds, runs)
    for b in (0, 37, n - 1):
        Y1, d1 = run_batch(small_profile, sampled[b:b + 1], LEV[b:b + 1], seeds[b:b + 1],
                           runs[b:b + 1])
        assert np.array_equal(Y1[0], Y50[b])
        assert np.array_equal(d1[0], d50[b])
    # the same run at another position, among other neighbours
    order = np.roll(np.arange(n), 13)
    Yr, _ = run_batch(small_profile, sampled[order], LEV[order], seeds[order], runs[order])
    assert np.array_equal(Yr, Y50[order])


def test_independent_of_thread_count(small_profile, sampled):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread on this machine")
    LEV = random_levers(len(sampled), small_profile.n_years, seed=2)
    seeds = np.arange(len(sampled), dtype=np.int64)
    Y1, d1 = run_batch(small_profile, sampled, LEV, seeds, 0, n_threads=1)
    Y2, d2 = run_batch(small_profile, sampled, LEV, seeds, 0, n_threads=2)
    Yall, dall = run_batch(small_profile, sampled, LEV, seeds, 0)
    assert np.array_equal(Y1, Y2) and np.array_equal(Y1, Yall)
    assert np.array_equal(d1, d2) and np.array_equal(d1, dall)
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS  # restored


@pytest.mark.parametrize("scenario_id", ["no_programme", "plan_2257"])
def test_simulate_equals_run_batch(small_profile, scenarios, sampled, scenario_id):
    sc = scenarios[scenario_id]
    lev = sc.budgets(small_profile.years)
    cases = [(0, 0, None), (9, 4, None), (3, 0, sampled[0]), (3, 1, sampled[1]),
             (2**62 - 1, 2**62 - 1, sampled[2])]
    P = np.array([small_profile.space.central() if p is None else p for _, _, p in cases])
    seeds = np.array([s for s, _, _ in cases], dtype=np.int64)
    runs = np.array([r for _, r, _ in cases], dtype=np.int64)
    Y, draws = run_batch(small_profile, P, lev, seeds, runs)
    for b, (seed, run, p) in enumerate(cases):
        res = simulate(small_profile, sc, seed=seed, run=run, params=p)
        assert np.array_equal(res.Y, Y[b])
        assert res.draws == int(draws[b, 0])


def test_two_dimensional_levers_broadcast(small_profile, scenarios, sampled):
    lev = scenarios["plan_2257"].budgets(small_profile.years)
    P = sampled[:4]
    Y2, _ = run_batch(small_profile, P, lev, 5, 0)
    Y3, _ = run_batch(small_profile, P, np.broadcast_to(lev, (4,) + lev.shape).copy(), 5, 0)
    assert np.array_equal(Y2, Y3)


def test_levers_and_parameters_matter(small_profile, scenarios, sampled):
    """The key is not all there is: budgets and parameters change a run."""
    sc0, sc1 = scenarios["no_programme"], scenarios["plan_2257"]
    assert not np.array_equal(simulate(small_profile, sc0, seed=4).Y,
                              simulate(small_profile, sc1, seed=4).Y)
    assert not np.array_equal(simulate(small_profile, sc0, seed=4, params=sampled[0]).Y,
                              simulate(small_profile, sc0, seed=4, params=sampled[1]).Y)


def test_mesa_random_generators_play_no_part(small_profile, scenarios):
    """Drawing from Mesa's own generators between steps changes nothing."""
    sc = scenarios["plan_2257"]
    model = STMarket(small_profile, sc, seed=8)
    while model.running:
        model.random.random()
        model.rng.normal(size=3)
        model.step()
    assert np.array_equal(model.state.Y, simulate(small_profile, sc, seed=8).Y)


def test_fresh_state_each_run(small_profile, scenarios):
    """A run does not leak into the next one (arrays are allocated per run)."""
    sc = scenarios["plan_2257"]
    first = simulate(small_profile, sc, seed=6).Y.copy()
    simulate(small_profile, sc, seed=99)
    run_batch(small_profile, small_profile.space.central()[None], sc.budgets(
        small_profile.years), 99, 0)
    assert np.array_equal(simulate(small_profile, sc, seed=6).Y, first)
