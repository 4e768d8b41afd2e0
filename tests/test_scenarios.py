"""The bundled scenario library: every file loads and runs; the reallocations are
budget-neutral; each single-task-group scenario is the plan's level of that group."""

from __future__ import annotations

import numpy as np
import pytest

from stmarket.model import kernels as K
from stmarket.model import load_scenario
from stmarket.model.core import run_batch
from stmarket.model.plan import load_plan
from stmarket.model.profile import scenarios_dir

#: Decision 2257's instruments, from its plan file (scenarios/plans/plan_2257.toml).
LEVERS = load_plan("plan_2257").ids

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


@pytest.mark.parametrize("g", range(len(LEVERS)))
def test_leave_one_out_scenarios_remove_exactly_one_group(g, profile):
    plan = load_scenario("plan_2257").budgets(profile.years)
    loo = load_scenario(f"plan_without_{LEVERS[g]}").budgets(profile.years)
    assert (loo[g] == 0).all() and (plan[g] > 0).any()
    keep = np.arange(len(LEVERS)) != g
    np.testing.assert_array_equal(loo[keep], plan[keep])


def test_based_on_inherits_and_overrides_keys(tmp_path, profile):
    base = tmp_path / "base.toml"
    base.write_text('[scenario]\nid = "base"\nname = "b"\n[levers.tg2_demand]\nlevel = 1.0\n'
                    'start_year = 2024\nramp_years = 3\n', encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('[scenario]\nid = "child"\nname = "c"\nbased_on = "base"\n'
                     '[levers.tg2_demand]\nlevel = 2.0\n[levers.tg5_promotion]\nlevel = 0.5\n',
                     encoding="utf-8")
    sc = load_scenario(child)
    assert sc.levers["tg2_demand"] == {"level": 2.0, "start_year": 2024, "ramp_years": 3}
    b = sc.budgets(profile.years)
    assert b[1, 3] == 2.0 * 1 / 3 and b[1, 2] == 0.0 and (b[4] == 0.5).all()


def test_based_on_loops_and_missing_bases_are_input_errors(tmp_path):
    from stmarket.model.errors import InputError

    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('[scenario]\nid = "a"\nname = "a"\nbased_on = "b"\n', encoding="utf-8")
    b.write_text('[scenario]\nid = "b"\nname = "b"\nbased_on = "a"\n', encoding="utf-8")
    with pytest.raises(InputError, match="scenario.based_on: scenarios based on each other"):
        load_scenario(a)
    c = tmp_path / "c.toml"
    c.write_text('[scenario]\nid = "c"\nname = "c"\nbased_on = "nowhere"\n', encoding="utf-8")
    with pytest.raises(InputError, match="nowhere: no such scenario") as e:
        load_scenario(c)
    assert str(e.value).startswith(f"{c}: scenario.based_on: ")
    with pytest.raises(InputError, match="is a folder, not a TOML file"):
        load_scenario(tmp_path)
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "plan_2257.toml")  # a path never falls back to a bundled file
