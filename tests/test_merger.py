"""The merger as a structural event: areas, markets relative to the buyer, the
programme's reach, scored areas, and the switch between the merger and the
counterfactual "no merger" (docs/ODD.md, "Areas and the merger").

The merged test profile ``tests/data/merged_thai_nguyen.toml`` is Bắc Kạn's profile
as the area ``bac_kan`` plus a stylised ``thai_nguyen`` area, merging in July 2025.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stmarket.model import kernels as K
from stmarket.model.core import run_batch, simulate
from stmarket.model.errors import InputError
from stmarket.model.market import STMarket
from stmarket.model.profile import load_profile, scenarios_dir
from stmarket.model.state import State

DATA = Path(__file__).resolve().parent / "data"
MERGED = DATA / "merged_thai_nguyen.toml"
MERGE_MONTH = 12 * (2025 - 2021) + 6  # July 2025, from January 2021
#: accumulators that add up over the buyers' areas (deals and needs)
ADDITIVE = ("value", "value_technology", "value_ip", "value_research_result", "value_service",
            "count", "value_origin_province", "value_origin_vietnam", "value_origin_abroad",
            "value_research_domestic", "value_direct", "value_intermediary", "value_event",
            "needs_formed")


@pytest.fixture(scope="module")
def merged():
    """The merged test profile at full size."""
    return load_profile(MERGED)


@pytest.fixture(scope="module")
def small(merged):
    """The merged test profile scaled to 5 % of every group (about 340 buyers)."""
    return merged.scaled(0.05)


def _transactions(profile, scenario, seed):
    """One logged run's transactions, with the buyer's and the seller's area."""
    res = simulate(profile, scenario, seed=seed)
    tx = res.transactions()
    areas = profile.areas
    tx["buyer_area"] = [areas.label(a) for a in profile.EI0[tx.buyer, K.S_AREA]]
    res_area = profile.RI0[:, K.RS_AREA]
    tx["seller_area"] = [areas.label(int(res_area[s])) if t == "research_organisation"
                         else areas.label(int(profile.EI0[s, K.S_AREA]))
                         for s, t in zip(tx.seller, tx.seller_type, strict=True)]
    return res, tx


# ---------------------------------------------------------------------------
# The profile
# ---------------------------------------------------------------------------
def test_committed_test_profile_is_the_builders_output():
    spec = importlib.util.spec_from_file_location("build_merged", DATA / "build_merged.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    src = (scenarios_dir() / "profiles" / "bac_kan.toml").read_text(encoding="utf-8")
    assert MERGED.read_text(encoding="utf-8") == mod.build(src), \
        "run python tests/data/build_merged.py"


def test_profile_declares_areas_and_merger(merged):
    a = merged.areas
    assert a.ids == ("bac_kan", "thai_nguyen")
    assert merged.merge_month == MERGE_MONTH
    assert merged.with_merger(False).merge_month == K.HUGE
    # before: two markets, the programme serves bac_kan; after: one market, both served
    assert merged.AR0.tolist() == [[0, 0, 1, 1, 1], [1, 0, 0, 1, 1]]
    assert merged.with_area("bac_kan").AR0[:, K.A_SCORED].tolist() == [1, 0]
    # Thái Nguyên University: in the province's thai_nguyen area, national standing
    tnu = [i for i, lab in enumerate(merged.research_labels) if "Thái Nguyên University" in lab]
    locs = merged.location_ids
    assert tnu and all(locs[merged.RI0[i, K.RS_LOC]] == "province" for i in tnu)
    assert all(merged.RI0[i, K.RS_AREA] == 1 and locs[merged.RI0[i, K.RS_STANDING]] == "vietnam"
               for i in tnu)
    buyers = merged.EI0[merged.EI0[:, K.S_ROLE] == K.ROLE_BUYER]
    assert set(buyers[:, K.S_AREA]) == {0, 1}
    assert (merged.EI0[merged.EI0[:, K.S_ROLE] == K.ROLE_VENDOR, K.S_AREA] == -1).all()
    meta = merged.with_merger(False).with_area("bac_kan").areas.meta()
    assert meta["merger"] is False and meta["merger_declared"] is True
    assert meta["scored_areas"] == ["bac_kan"] and "Counterfactual" in meta["merger_note"]
    assert merged.areas.meta()["merger"] is True
    assert merged.areas.meta()["merger_note"].startswith("ASSUMPTION")


def test_one_declared_area_is_the_province_without_areas(small_profile, scenarios, tmp_path):
    """Declaring a single area changes nothing: the rules reduce to those without areas."""
    text = (scenarios_dir() / "profiles" / "bac_kan.toml").read_text(encoding="utf-8")
    text = text.replace("[facts]", '[[areas]]\nid = "bac_kan"\nlabel = "Bắc Kạn"\n\n[facts]')
    path = tmp_path / "one_area.toml"
    path.write_text(text, encoding="utf-8")
    one = load_profile(path).scaled(0.05)
    assert one.areas.ids == ("bac_kan",) and np.array_equal(one.EI0, small_profile.EI0)
    lev = scenarios["plan_2257"].budgets(one.years)
    P = one.space.sample(4, seed=3)
    Y1, d1 = run_batch(one, P, lev, np.full(4, 9), np.arange(4))
    Y0, d0 = run_batch(small_profile, P, lev, np.full(4, 9), np.arange(4))
    assert np.array_equal(Y0, Y1) and np.array_equal(d0, d1)


# ---------------------------------------------------------------------------
# The mechanism
# ---------------------------------------------------------------------------
def test_merger_changes_nothing_before_its_month(small, scenarios):
    sc = scenarios["plan_2257"]
    on, off = small, small.with_merger(False)
    P = small.space.sample(6, seed=11)
    seeds, runs = np.full(6, 4), np.arange(6)
    Y_on, _ = run_batch(on, P, sc.budgets(small.years), seeds, runs)
    Y_off, _ = run_batch(off, P, sc.budgets(small.years), seeds, runs)
    first = MERGE_MONTH // 12  # 2025: the year of the merger
    assert np.array_equal(Y_on[:, :first], Y_off[:, :first])
    assert not np.array_equal(Y_on[:, first:], Y_off[:, first:])
    # month by month: the whole state is the same up to the merger month, then differs
    a = State.new(on, on.space.central(), sc.budgets(on.years), 2, 0)
    b = State.new(off, off.space.central(), sc.budgets(off.years), 2, 0)
    for t in range(MERGE_MONTH):
        a.step(t)
        b.step(t)
    for name in ("ent", "res", "offers", "ints", "Y", "TX"):
        assert getattr(a.s, name).tobytes() == getattr(b.s, name).tobytes(), name
    a.step(MERGE_MONTH)
    b.step(MERGE_MONTH)
    assert (a.s.areas["market"] == 0).all() and b.s.areas["market"].tolist() == [0, 1]
    assert a.s.areas["served"].tolist() == [1, 1] and b.s.areas["served"].tolist() == [1, 0]


def test_location_is_relative_to_the_buyers_market(merged, scenarios):
    """Thái Nguyên's suppliers are elsewhere in Vietnam for Bắc Kạn's buyers until the
    merger, in-province after it (and always for Thái Nguyên's own buyers)."""
    prof = merged.scaled(0.2)
    sc = scenarios["plan_2257"]
    tx = pd.concat([_transactions(prof, sc, seed)[1] for seed in (1, 2)])
    from_tn = tx[tx.seller_area == "thai_nguyen"]
    bk = from_tn[from_tn.buyer_area == "bac_kan"]
    before, after = bk[bk.month < MERGE_MONTH], bk[bk.month >= MERGE_MONTH]
    assert len(before) > 0 and len(after) > 0
    assert (before.origin == "vietnam").all() and (after.origin == "province").all()
    assert (from_tn[from_tn.buyer_area == "thai_nguyen"].origin == "province").all()
    off = pd.concat([_transactions(prof.with_merger(False), sc, seed)[1] for seed in (1, 2)])
    bk_off = off[(off.seller_area == "thai_nguyen") & (off.buyer_area == "bac_kan")]
    assert len(bk_off) > 0 and (bk_off.origin == "vietnam").all()


def test_programme_serves_its_area_until_the_merger(merged, scenarios):
    """Before the merger only the programme's area reaches its intermediaries; after it,
    the one network serves both areas; without the merger, never."""
    prof = merged.scaled(0.2)
    sc = scenarios["plan_2257"]
    on = pd.concat([_transactions(prof, sc, seed)[1] for seed in (1, 2, 3)])
    off = pd.concat([_transactions(prof.with_merger(False), sc, seed)[1] for seed in (1, 2, 3)])
    via = on[on.channel == "intermediary"]
    assert len(via[via.buyer_area == "bac_kan"]) > 0
    tn = via[via.buyer_area == "thai_nguyen"]
    assert len(tn) > 0 and (tn.month >= MERGE_MONTH).all()
    via_off = off[off.channel == "intermediary"]
    assert len(via_off) > 0 and (via_off.buyer_area == "bac_kan").all()


def test_scored_areas_split_the_province(small, scenarios):
    """Scoring by area counts each buyer's deals in its own area and changes nothing
    that happens: the areas' accumulators add up to the province's."""
    sc = scenarios["plan_2257"]
    P = small.space.sample(4, seed=8)
    args = (P, sc.budgets(small.years), np.full(4, 6), np.arange(4))
    whole, d = run_batch(small, *args)
    bk, d_bk = run_batch(small.with_area("bac_kan"), *args)
    tn, _ = run_batch(small.with_area("thai_nguyen"), *args)
    cols = [K.Y_NAMES.index(n) for n in ADDITIVE]
    assert np.allclose(whole[..., cols], bk[..., cols] + tn[..., cols], rtol=1e-12, atol=1e-9)
    assert (bk[..., K.Y_COUNT] > 0).any() and (tn[..., K.Y_COUNT] > bk[..., K.Y_COUNT]).any()
    assert np.array_equal(d, d_bk)  # same draws: scoring does not act
    j = K.Y_NAMES.index("intermediaries_active")
    assert np.array_equal(whole[..., j], bk[..., j])


@pytest.mark.parametrize("on", (True, False))
def test_mesa_equals_core_on_the_merged_profile(merged, scenarios, on):
    prof = merged.scaled(0.03).with_merger(on).with_area("bac_kan")
    sc = scenarios["plan_2257"]
    P = prof.space.sample(2, seed=5)
    Yb, draws = run_batch(prof, P, sc.budgets(prof.years), np.array([3, 3]), np.array([0, 1]))
    for b in range(2):
        model = STMarket(prof, sc, seed=3, run=b, params=P[b])
        model.run_model()
        res = simulate(prof, sc, seed=3, run=b, params=P[b])
        assert np.array_equal(model.state.Y, res.Y) and np.array_equal(res.Y, Yb[b])
        assert model.state.draws == res.draws == int(draws[b, 0])
        pd.testing.assert_frame_equal(model.transactions(), res.transactions())
    areas = {a.area for a in model.enterprises}
    assert areas == {"bac_kan", "thai_nguyen", "outside"}
    assert {r.area for r in model.research_organisations} >= {"bac_kan", "thai_nguyen"}


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------
def _edited(tmp_path, old, new, count=1):
    text = MERGED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "key"), [
    ('month = "2025-07"', 'month = "2025-13"', "merger.month"),
    ('month = "2025-07"', 'month = "2031-01"', "merger.month"),
    ('areas = ["bac_kan", "thai_nguyen"]', 'areas = ["bac_kan", "lang_son"]', "merger.areas"),
    ('areas = ["bac_kan", "thai_nguyen"]', 'areas = ["bac_kan"]', "merger.areas"),
    ('programme_area = "bac_kan"', 'programme_area = "hanoi"', "merger.programme_area"),
    ('area = "bac_kan"\n', '', "enterprises[0].area"),
    ('area = "bac_kan"\n', 'area = "cao_bang"\n', "enterprises[0].area"),
    ('id = "thai_nguyen"', 'id = "bac_kan"', "areas[1].id"),
    ('standing = "vietnam"', 'standing = "mars"', "research_organisations[1].standing"),
])
def test_bad_area_input_names_the_key(tmp_path, old, new, key):
    with pytest.raises(InputError) as exc:
        load_profile(_edited(tmp_path, old, new))
    assert exc.value.key == key


def test_area_outside_the_province_is_refused(tmp_path):
    path = _edited(tmp_path, 'location = "vietnam"\nsector = "construction_mining"\n',
                   'location = "vietnam"\narea = "bac_kan"\nsector = "construction_mining"\n')
    with pytest.raises(InputError) as exc:
        load_profile(path)
    assert exc.value.key == "vendors[0].area"


def test_merger_needs_a_location_elsewhere_in_vietnam(tmp_path):
    """Before the merger the other area's suppliers are seen as from a location of scope
    vietnam: a profile with a merger and none is refused."""
    path = _edited(tmp_path, 'scope = "vietnam"', 'scope = "abroad"')
    with pytest.raises(InputError) as exc:
        load_profile(path)
    assert exc.value.key == "merger"


def test_settings_refused_where_they_mean_nothing(profile, merged):
    with pytest.raises(InputError, match="no \\[merger\\]"):
        profile.with_merger(False)
    with pytest.raises(InputError, match="declares no"):
        profile.with_area("bac_kan")
    with pytest.raises(InputError, match="must be one of bac_kan, thai_nguyen"):
        merged.with_area("hanoi")


# ---------------------------------------------------------------------------
# The command line records the assumption
# ---------------------------------------------------------------------------
def test_cli_records_the_merger_assumption(tmp_path, capsys):
    from stmarket.experiments.cli.main import main

    for switch in ("on", "off"):
        out = tmp_path / switch
        code = main(["run", "plan_2257", "--profile", str(MERGED), "--targets", "targets_2257",
                     "--area", "bac_kan", "--merger", switch, "--runs", "3", "--no-parquet",
                     "--no-progress", "--out", str(out)])
        assert code == 0
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["areas"]["merger"] is (switch == "on")
        assert manifest["areas"]["scored_areas"] == ["bac_kan"]
        assert manifest["areas"]["merger_note"]
        t = pd.read_csv(out / "targets.csv")
        assert (t["merger"] == switch).all() and (t["area"] == "bac_kan").all()
        # the report's first section says whose buyers are scored and how the merger
        # is treated, in both languages
        report = (out / "report.md").read_text(encoding="utf-8")
        intro = report.split("## ")[1]
        assert "scored on the buyers of: Former Bắc Kạn" in intro
        assert ("is assumed" in intro) is (switch == "on")
        assert ("counterfactual" in intro) is (switch == "off")
    # the console too, in Vietnamese
    assert main(["run", "plan_2257", "--profile", str(MERGED), "--area", "bac_kan",
                 "--runs", "3", "--no-parquet", "--no-progress", "--lang", "vi",
                 "--attribution-runs", "0", "--out", str(tmp_path / "vi")]) == 0
    assert "Các mục tiêu được đánh giá trên" in capsys.readouterr().out
    capsys.readouterr()
    assert main(["run", "plan_2257", "--area", "bac_kan", "--runs", "2",
                 "--out", str(tmp_path / "x")]) == 2
    assert "declares no [[areas]]" in capsys.readouterr().err
    assert main(["single", "plan_2257", "--merger", "off", "--out", str(tmp_path / "y")]) == 2
    assert "no [merger] table" in capsys.readouterr().err
