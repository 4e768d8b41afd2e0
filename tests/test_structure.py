"""The province's structure is data: sectors, firm-size classes and supplier locations
come from the profile (docs/PROFILES.md), not from the code.

A sector renamed everywhere in a copy of the profile gives the same runs, bit for bit,
in the core and in the Mesa model; a fifth sector and a fourth size class run, and their
firms trade; a broken structure is refused with exit code 2 and one line naming the
file and the key.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.market import STMarket
from stmarket.model.profile import load_profile, scenarios_dir

BAC_KAN = (scenarios_dir() / "profiles" / "bac_kan.toml").read_text(encoding="utf-8")
SEEDS = np.array([1, 5, 9, 2**33 + 1], dtype=np.int64)

#: a fifth sector, written as a user would add it after the fourth
TOURISM = '''
[[sectors]]
id = "tourism"
label = "Tourism (homestays, Ba Bể lake)"
label_vi = "Du lịch"
need = { prior = "uniform", low = 0.8, high = 1.6, reason = "test sector" }
task_share = { value = 0.07, status = "E", source = "test" }

'''
#: a fourth size class, after the third
LARGE = '''
[[sizes]]
id = "large"
label = "Large"
need = { prior = "uniform", low = 6.0, high = 12.0, reason = "test class: above medium firms" }
wtp = { prior = "loguniform", low = 16.0, high = 60.0, unit = "billion VND", reason = "test class" }

'''


def _write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _insert_before(text: str, marker: str, block: str) -> str:
    assert text.count(marker) == 1, marker
    return text.replace(marker, block + marker)


def _five_sectors(text: str = BAC_KAN) -> str:
    """Bắc Kạn with a fifth sector (tourism: 7 % of tasks, taken from agro-forestry),
    80 tourism firms and a tourism vendor elsewhere in Vietnam."""
    text = _insert_before(text, "# Firm-size classes", TOURISM)
    text = text.replace("value = 0.67\n", "value = 0.60\n", 1)
    firms = ('[[enterprises]]\nlabel = "Tourism firms"\nkind = "enterprise"\n'
             'sector = "tourism"\ncount = 80\nsizes = { micro = 0.8, small = 0.2 }\n\n')
    vendor = ('[[vendors]]\nlabel = "Tourism suppliers"\nlocation = "vietnam"\n'
              'sector = "tourism"\ncount = 2\n\n')
    text = _insert_before(text, "[[enterprises]]\nlabel = \"Other cooperatives\"", firms)
    return _insert_before(text, "[[research_organisations]]\nlabel = \"In-province", vendor)


def _four_sizes(text: str = BAC_KAN) -> str:
    """Bắc Kạn with a fourth size class, large, holding 5 % of construction firms."""
    text = _insert_before(text, "# Locations of suppliers", LARGE)
    old = ('sector = "construction_mining"\ncount = 666\n'
           'sizes = { micro = 0.70, small = 0.25, medium = 0.05 }')
    assert old in text
    return text.replace(old, 'sector = "construction_mining"\ncount = 666\n'
                             'sizes = { micro = 0.70, small = 0.20, medium = 0.05, '
                             'large = 0.05 }')


# ---------------------------------------------------------------------------
# Renaming a sector changes nothing but its name
# ---------------------------------------------------------------------------
def test_renamed_sector_gives_the_same_runs(tmp_path, scenarios):
    renamed = load_profile(_write(tmp_path, BAC_KAN.replace('"services"', '"tourism"')))
    orig = load_profile("bac_kan")
    assert renamed.sector_ids == ["agro_forestry", "construction_mining", "manufacturing",
                                  "tourism"]
    assert "sector_need.tourism" in renamed.space.uncertain
    assert "sector_need.services" not in renamed.space.specs
    assert np.array_equal(renamed.EI0, orig.EI0) and np.array_equal(renamed.RI0, orig.RI0)
    # the same sample, column for column (the order of the sample does not depend on ids)
    P = orig.space.sample(6, seed=4)
    assert np.array_equal(renamed.space.sample(6, seed=4), P)
    lev = scenarios["plan_2257"].budgets(orig.years)
    Y0, d0 = run_batch(orig, P, lev, 3, np.arange(6))
    Y1, d1 = run_batch(renamed, P, lev, 3, np.arange(6))
    assert np.array_equal(Y0, Y1) and np.array_equal(d0, d1)
    # the Mesa model on a scaled copy: the same as the core on the original
    small_o, small_r = orig.scaled(0.1), renamed.scaled(0.1)
    sc = scenarios["plan_2257"]
    core = simulate(small_o, sc, seed=7)
    mesa = STMarket(small_r, sc, seed=7)
    mesa.run_model()
    assert np.array_equal(mesa.state.Y, core.Y)
    n = core.n_transactions
    assert np.array_equal(mesa.state.TX[:n], core.TX[:n])
    sectors = {a.sector for a in mesa.enterprises}
    assert "tourism" in sectors and "services" not in sectors


# ---------------------------------------------------------------------------
# A fifth sector, a fourth size class
# ---------------------------------------------------------------------------
def test_a_fifth_sector_runs_and_its_firms_trade(tmp_path, scenarios):
    prof = load_profile(_write(tmp_path, _five_sectors()))
    assert prof.sector_ids[-1] == "tourism" and len(prof.sectors) == 5
    assert prof.space.specs["task_share.tourism"].central == 0.07
    tourism = 4
    buyers = np.flatnonzero((prof.EI0[:, K.S_SECTOR] == tourism)
                            & (prof.EI0[:, K.S_ROLE] == K.ROLE_BUYER))
    assert buyers.size == 80
    sc = scenarios["plan_2257"]
    bought = 0
    offered = set()
    for seed in range(3):
        res = simulate(prof, sc, seed=seed)
        tx = res.transactions()
        bought += int(tx.buyer.isin(buyers).sum())
        assert np.isfinite(res.Y).all()
        offered |= set(np.unique(tx.offer))
    assert bought > 0  # tourism firms buy S&T goods
    # the core's sector records hold five sectors, and tasks and offers reach the fifth
    model = STMarket(prof.scaled(0.2), sc, seed=2)
    model.run_model()
    assert model.state.sectors.shape == (5,)
    assert model.state.sectors.need[tourism] == prof.space.specs["sector_need.tourism"].central
    assert (model.state.offers.sector[model.state.offers.active == 1] == tourism).any()
    Y, _ = run_batch(prof, prof.space.sample(4, seed=1), sc.budgets(prof.years), 1,
                     np.arange(4))
    assert (Y[:, :, K.Y_COUNT].sum(axis=1) > 0).all()


def test_task_shares_choose_the_sector_of_new_tasks(tmp_path):
    """A task's sector is drawn by the sectors' task_share: with the fifth sector at 7 %
    and agro-forestry at 60 %, the cumulative shares cut the unit interval."""
    prof = load_profile(_write(tmp_path, _five_sectors()))
    s = K.allocate(prof.EI0, prof.RI0, prof.XI0, prof.AR0, prof.merge_month, 1, 1, 1, 0, 1)
    K.set_structure(s, prof.space.central())
    shares = np.array([0.60, 0.11, 0.11, 0.11, 0.07])
    u = np.linspace(0.0, 1.0, 20001)[:-1]
    got = np.bincount([K.task_sector(s.sectors, x) for x in u], minlength=5) / u.size
    assert got == pytest.approx(shares, abs=1e-3)
    s.sectors["task_share"][:] = 2 * shares  # uncertain shares that do not add up to 1
    got2 = np.bincount([K.task_sector(s.sectors, x) for x in u], minlength=5) / u.size
    assert np.array_equal(got, got2)


def test_a_fourth_size_class_runs(tmp_path, scenarios):
    prof = load_profile(_write(tmp_path, _four_sizes()))
    assert prof.size_ids == ["micro", "small", "medium", "large"]
    large = prof.EI0[:, K.S_SIZE] == 3
    assert large.sum() == round(666 * 0.05)
    model = STMarket(prof, scenarios["plan_2257"], seed=3)
    st = model.state
    wtp = st.ent.wtp[: prof.n_buyers]
    size = st.ent.size_class[: prof.n_buyers]
    assert np.median(wtp[size == 3]) > np.median(wtp[size == 2])  # larger firms value more
    assert {a.size for a in model.enterprises} == {"micro", "small", "medium", "large"}
    model.run_model()
    assert np.isfinite(st.Y).all() and st.Y[:, K.Y_COUNT].sum() > 0
    core = simulate(prof, scenarios["plan_2257"], seed=3)
    assert np.array_equal(core.Y, st.Y)  # Mesa and core agree on the new class too


# ---------------------------------------------------------------------------
# A broken structure: exit 2, one line naming the file and the key
# ---------------------------------------------------------------------------
def _drop_sub_table(text: str, sector: str, key: str) -> str:
    """Remove ``[sectors.<key>]`` from the entry of ``sector``."""
    start = text.index(f'id = "{sector}"')
    a = text.index(f"[sectors.{key}]", start)
    b = text.index("\n\n", a)
    return text[:a] + text[b + 2:]


BAD = {
    "unknown sector": (BAC_KAN.replace('sector = "services"', 'sector = "fishing"', 1),
                       "enterprises[3].sector"),
    "duplicate sector id": (BAC_KAN.replace('id = "services"', 'id = "manufacturing"'),
                            "sectors[3].id"),
    "task shares": (BAC_KAN.replace("value = 0.67\n", "value = 0.70\n"), "sectors"),
    "size shares": (BAC_KAN.replace("sizes = { micro = 0.70, small = 0.25, medium = 0.05 }",
                                    "sizes = { micro = 0.70, small = 0.25, medium = 0.10 }",
                                    1), "enterprises[0].sizes"),
    "unknown size": (BAC_KAN.replace("medium = 0.05 }", "medium = 0.0, large = 0.05 }", 1),
                     "enterprises[0].sizes.large"),
    "missing spec": (_drop_sub_table(BAC_KAN, "services", "need"), "sectors[3].need"),
    "bad scope": (BAC_KAN.replace('scope = "abroad"', 'scope = "overseas"'),
                  "locations[2].scope"),
    "no province": (BAC_KAN.replace('scope = "province"', 'scope = "vietnam"'), "locations"),
    "bad id": (BAC_KAN.replace('id = "services"', 'id = "Trade services"'), "sectors[3].id"),
    "spec not a table": (_drop_sub_table(BAC_KAN, "services", "need").replace(
        'id = "services"', 'id = "services"\nneed = 1.0'), "sectors[3].need"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_structure_is_refused_in_one_line(tmp_path, case):
    text, key = BAD[case]
    assert text != BAC_KAN
    path = _write(tmp_path, text, "broken.toml")
    out = subprocess.run([sys.executable, "-m", "stmarket", "validate", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert str(path) in lines[0]
    assert re.search(rf"(^|[\s:]){re.escape(key)}([\s:]|$)", lines[0]), lines[0]
