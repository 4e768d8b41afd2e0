"""The bundled profiles beyond Bắc Kạn: the merged Thái Nguyên province (from 1 July
2025) and the national-size profile, and what a big market needs of the core (a year's
tasks started in one pass, Poisson draws of a large mean, private entry counted per
1,000 buyers).

``stmarket run --profile thai_nguyen`` runs as a subprocess; the national profile runs
one simulation in the core (about 5 s of CPU). The cost of runs against the size of
the province is measured in ``benchmarks/scale.py``, not here.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.profile import load_profile, scenarios_dir
from stmarket.model.scenario import load_scenario
from stmarket.model.state import State

BUNDLED = ("thai_nguyen", "vietnam")
GROUPS = ("enterprises", "vendors", "research_organisations")


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "stmarket.experiments.cli.main", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def _toml(name):
    with open(scenarios_dir() / "profiles" / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def thai_nguyen():
    return load_profile("thai_nguyen")


@pytest.fixture(scope="module")
def vietnam():
    return load_profile("vietnam")


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_validates(name):
    out = _cli("validate", str(scenarios_dir() / "profiles" / f"{name}.toml"))
    assert out.returncode == 0, out.stderr
    assert "ok (profile)" in out.stdout


@pytest.mark.parametrize("name", BUNDLED)
def test_every_count_has_its_status_and_source(name):
    data = _toml(name)
    for table in GROUPS:
        for grp in data.get(table, []):
            assert grp["status"].startswith(("F", "E")), (table, grp["label"])
            assert len(grp["source"]) > 10, (table, grp["label"])
    for pname in ("new_tasks_per_year", "initial_active_tasks"):
        spec = data["parameters"][pname]
        assert ("reason" in spec) if "prior" in spec else \
            (spec["status"] in ("F", "E") and spec["source"]), pname


def test_thai_nguyen_holds_both_former_provinces(thai_nguyen, profile):
    # the former Bắc Kạn area's buyers are Bắc Kạn's, group by group, and are
    # identifiable by their label
    former = [i for i, lab in enumerate(thai_nguyen.enterprise_labels)
              if lab.startswith("Former Bắc Kạn: ")]
    bk_buyers = profile.EI0[profile.EI0[:, K.S_ROLE] == K.ROLE_BUYER]
    rows = thai_nguyen.EI0[former]
    assert len(former) == len(bk_buyers)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, bk_buyers))
    # and the former Thái Nguyên's are there too, about five times as many
    others = [lab for lab in thai_nguyen.enterprise_labels
              if lab.startswith("Former Thái Nguyên: ")]
    assert 4 * len(former) < len(others) < 7 * len(former)
    # Thái Nguyên University is an in-province supplier of the merged province
    locs = {loc.id: j for j, loc in enumerate(thai_nguyen.locations)}
    scope = thai_nguyen.XI0[-len(thai_nguyen.locations):, K.XS_SCOPE]
    assert scope[locs["university"]] == K.SCOPE_PROVINCE
    tnu = [r for r, lab in enumerate(thai_nguyen.research_labels)
           if lab.startswith("Thái Nguyên University")]
    assert tnu and all(thai_nguyen.RI0[r, K.RS_LOC] == locs["university"] for r in tnu)


def test_stmarket_run_on_thai_nguyen(tmp_path):
    out = _cli("run", "--profile", "thai_nguyen", "--runs", "20", "--out", str(tmp_path),
               "--no-parquet", "--no-progress")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "targets.csv")
    assert set(table["scenario"]) == {"no_programme", "plan_2257"}
    assert (table["runs"] == 20).all()
    assert table["probability"].between(0.0, 1.0).all()


def test_national_profile_runs_at_national_scale(vietnam, profile):
    assert 700_000 < vietnam.n_buyers < 1_000_000
    lev = load_scenario("plan_2257").budgets(vietnam.years)
    Y, _ = run_batch(vietnam, vietnam.space.central()[None], lev, [1], [0], n_threads=1)
    Yb, _ = run_batch(profile, profile.space.central()[None], lev, [1], [0], n_threads=1)
    # the same behaviour per firm: deals per buyer within a factor of three of Bắc Kạn's
    per_buyer = Y[0, :, K.Y_COUNT].sum() / vietnam.n_buyers
    per_buyer_bk = Yb[0, :, K.Y_COUNT].sum() / profile.n_buyers
    assert per_buyer_bk / 3 < per_buyer < 3 * per_buyer_bk
    # the country's 3,588 tasks a year are drawn as such (not stopped at 1,000)
    lam = vietnam.space.central()[vietnam.space.index("new_tasks_per_year")]
    assert lam == 3588.0
    tasks = Y[0, :, K.Y_TASKS_NEW]
    assert np.all(np.abs(tasks - lam) < 5 * np.sqrt(lam)), tasks


def test_poisson_of_a_large_mean_is_its_quantile():
    u = np.random.default_rng(4).random(400)
    for lam in (3.0, 499.0, 501.0, 3588.0, 90_000.0):
        got = np.array([K.poisson(lam, x) for x in u])
        assert np.array_equal(got, stats.poisson.ppf(u, lam)), lam


def test_a_years_tasks_start_as_one_by_one(small_profile):
    lev = load_scenario("plan_2257").budgets(small_profile.years)
    p = small_profile.space.central()
    one = State.new(small_profile, p, lev, 5, 0, log=False)
    many = State.new(small_profile, p, lev, 5, 0, log=False)
    for st in (one, many):  # free some slots in the middle of the table
        st.tasks.active[1:: 3] = 0
    n = int(one.tasks.active.sum()) // 2 + 3
    for j in range(n):
        K.new_task(one.s, one.Y, p, one.key, 12, j, False)
    K.new_tasks(many.s, many.Y, p, many.key, 12, n, 0, False)
    assert np.array_equal(one.s.tasks, many.s.tasks)
    assert np.array_equal(one.G, many.G) and np.array_equal(one.Y, many.Y)


def test_private_entry_grows_with_the_market(small_profile):
    # the same market per buyer, 1,000 times as many buyers: more would-be entrants a
    # month, and more open while the expected deals cover break-even
    prov = dataclasses.replace(small_profile, capacity={**small_profile.capacity,
                                                        "intermediaries": 512})
    lev = load_scenario("plan_2257").budgets(prov.years)
    p = prov.space.central()
    p[prov.space.index("private_rate")] = 0.04
    p[prov.space.index("int_breakeven_deals")] = 10.0
    opened = {}
    for scale in (1.0, 1000.0):
        st = State.new(prov, p, lev, 5, 0, log=False)
        st.G[K.G_N_BUYERS] *= scale
        st.G[K.G_DEALS0: K.G_DEALS0 + 12] = 5.0 * scale  # 60 deals a year per 66 buyers
        for t in range(24):
            K.intermediaries_enter(st.s, st.p, st.key, t)
        opened[scale] = int(st.G[K.G_N_INT])
    assert opened[1.0] <= 1
    assert opened[1000.0] >= 20
