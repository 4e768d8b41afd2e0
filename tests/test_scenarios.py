"""The bundled scenario library: every file loads and runs; the reallocations are
budget-neutral; each single-task-group scenario is the plan's level of that group."""

from __future__ import annotations

import numpy as np
import pytest

from model import kernels as K
from model import load_scenario
from model.core import run_batch
from model.profile import scenarios_dir
from model.scenario import LEVERS

BUNDLED = sorted(p.stem for p in (scenarios_dir() / "policies").glob("*.toml"))
REALLOCATIONS = ["demand_heavy", "intermediary_heavy", "supply_heavy"]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_loads_and_runs(name, small_profile):
    sc = load_scenario(name)
    assert sc.id == name
    lev = sc.budgets(small_profile.years)
    P = small_profile.space.sample(4, seed=1)
    Y, _ = run_batch(small_profile, P, lev, np.full(4, 1), np.arange(4))
    assert np.isfinite(Y).all() and (Y >= 0).all()
    np.testing.assert_allclose(Y[:, :, K.Y_BUDGET], np.broadcast_to(lev.sum(axis=0), (4, 10)))


@pytest.mark.parametrize("name", REALLOCATIONS)
def test_reallocations_are_budget_neutral(name, profile):
    plan = load_scenario("plan_2257").budgets(profile.years)
    other = load_scenario(name).budgets(profile.years)
    np.testing.assert_allclose(other.sum(axis=0), plan.sum(axis=0))
    assert not np.allclose(other, plan)


@pytest.mark.parametrize("lever", LEVERS)
def test_single_task_group_scenarios_match_the_plan(lever, profile):
    plan = load_scenario("plan_2257").budgets(profile.years)
    alone = load_scenario(f"only_{lever}").budgets(profile.years)
    g = LEVERS.index(lever)
    np.testing.assert_allclose(alone[g], plan[g])
    assert np.delete(alone, g, axis=0).sum() == 0.0
