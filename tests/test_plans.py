"""Plans as data (issue 12, item 2), scenario schedules against the horizon (item 7) and
runs from a stated year (item 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.assessment.fromyear import start_from
from stmarket.experiments.assessment.montecarlo import MonteCarlo
from stmarket.experiments.cli.main import main
from stmarket.model import load_scenario, load_targets
from stmarket.model.plan import MECHANISMS, load_plan
from stmarket.model.profile import scenarios_dir
from stmarket.model.targets import Target, TargetSet

VOUCHERS = scenarios_dir() / "policies" / "vouchers.toml"

PLAN = """[programme]
id = "p"
name = "p"

[instruments.a]
label = "A"
mechanisms = {MECH}
reason = "test"
efficacy = { value = 1.0, reason = "test" }
"""


def _one_error(capsys, argv) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------

def test_plan_2257_maps_one_to_one_with_efficacy_one(profile):
    plan = load_plan("plan_2257")
    np.testing.assert_array_equal(plan.weights, np.eye(len(MECHANISMS)))
    assert not plan.uncertain and (plan.central_efficacy() == 1.0).all()
    sc = load_scenario("plan_2257")
    np.testing.assert_array_equal(sc.budgets(profile.years),
                                  sc.instrument_budgets(profile.years))
    assert sc.lever_runs(profile.years, 3, np.arange(5)).ndim == 2


def test_second_plan_maps_budgets_through_weights_and_efficacy(profile):
    sc = load_scenario(VOUCHERS)
    plan = sc.plan
    assert plan.id == "plan_vouchers" and plan.ids == ("voucher", "intermediary", "rules")
    assert plan.uncertain == ("voucher",)
    B = sc.instrument_budgets(profile.years)
    eff = plan.efficacies(5, np.arange(40))
    LEV = sc.lever_runs(profile.years, 5, np.arange(40))
    assert LEV.shape == (40, 6, profile.n_years)
    v = B[0][None] * eff[:, 0, None]
    np.testing.assert_allclose(LEV[:, MECHANISMS.index("demand")], 0.6 * v)
    np.testing.assert_allclose(LEV[:, MECHANISMS.index("promotion")], 0.4 * v)
    np.testing.assert_allclose(LEV[:, MECHANISMS.index("intermediation")],
                               np.broadcast_to(B[1], (40, profile.n_years)))
    assert (LEV[:, MECHANISMS.index("supply")] == 0).all()
    lo, hi = 0.5, 1.2
    assert ((eff[:, 0] >= lo) & (eff[:, 0] <= hi)).all() and eff[:, 0].std() > 0.1
    # a pure function of (seed, run): any range of runs gets the same draws
    np.testing.assert_array_equal(plan.efficacies(5, np.arange(10, 40)), eff[10:])
    assert not np.allclose(plan.efficacies(6, np.arange(40)), eff)


def test_second_plan_runs_through_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", str(VOUCHERS), "plan_2257", "--runs", "6", "--out", str(out),
                 "--no-parquet", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    t = pd.read_csv(out / "targets.csv")
    assert set(t.scenario) == {"vouchers", "plan_2257"} and (t.runs == 6).all()


def test_second_plan_runs_through_a_sweep(tmp_path, capsys):
    design = tmp_path / "d.toml"
    design.write_text(f'[sweep]\nid = "v"\nscenario = "{VOUCHERS.as_posix()}"\n'
                      'method = "factorial"\nseeds = 2\nseed = 1\n\n[factors.v]\n'
                      'lever = "voucher"\nkey = "level"\nvalues = [0.0, 2.0]\n',
                      encoding="utf-8")
    assert main(["sweep", str(design), "--out", str(tmp_path / "o"), "--workers", "1",
                 "--no-progress"]) == 0, capsys.readouterr().err
    design.write_text(design.read_text().replace('lever = "voucher"',
                                                 'lever = "tg2_demand"'), encoding="utf-8")
    line = _one_error(capsys, ["validate", design])
    assert "factors.v.lever" in line and "plan_vouchers" in line and "voucher" in line


def test_second_plan_runs_through_the_optimiser(small_profile):
    from stmarket.experiments.optimisation.search import optimise

    r = optimise(2.0, profile=small_profile, base=load_scenario(VOUCHERS), runs=8,
                 confirm_runs=8, candidates=2, max_rounds=0, seed=1)
    assert r.meta["instruments"] == ["voucher", "intermediary", "rules"]
    cols = ["voucher_share", "intermediary_share", "rules_share"]
    np.testing.assert_allclose(r.frontier[cols].sum(axis=1), 1.0)
    assert "voucher" in r.summary()


def test_second_plan_in_the_dashboard_settings(profile):
    from stmarket.experiments.dashboard import settings as ds

    s = ds.initial_settings("bac_kan", str(VOUCHERS))
    assert ds.instruments_of(s) == ("voucher", "intermediary", "rules")
    assert s.levels == (2.0, 0.6, 0.4)
    assert ds.instrument_titles(s, "vi")["voucher"] == "Phiếu hỗ trợ đổi mới sáng tạo"
    custom = ds.scenario_from_settings(s.with_lever("voucher", level=1.0),
                                       ds.get_scenario(str(VOUCHERS)))
    assert custom.plan.id == "plan_vouchers"
    b = custom.instrument_budgets(profile.years)
    assert b[0].max() == 1.0 and b[1].max() == 0.6


@pytest.mark.parametrize("mech, key, what", [
    ("{ demand = 1.5 }", "instruments.a.mechanisms.demand", "[0, 1]"),
    ("{ demand = 0.5, promotion = 0.4 }", "instruments.a.mechanisms", "sum to 1"),
    ("{ tourism = 1.0 }", "instruments.a.mechanisms.tourism", "not a mechanism"),
])
def test_bad_plan_files_are_one_line(tmp_path, capsys, mech, key, what):
    f = tmp_path / "p.toml"
    f.write_text(PLAN.replace("{MECH}", mech), encoding="utf-8")
    line = _one_error(capsys, ["validate", f])
    assert str(f) in line and key in line and what in line, line


def test_unknown_instrument_and_unknown_plan_are_one_line(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nid = "s"\nname = "s"\n\n[levers.voucher]\nlevel = 1.0\n',
                 encoding="utf-8")
    line = _one_error(capsys, ["validate", f])
    assert str(f) in line and "levers.voucher" in line and "tg1_legal" in line, line
    f.write_text('[scenario]\nid = "s"\nname = "s"\nplan = "nowhere"\n', encoding="utf-8")
    line = _one_error(capsys, ["run", f, "--runs", "2", "--out", tmp_path / "o"])
    assert str(f) in line and "scenario.plan" in line, line


def test_a_plan_beside_the_scenario(tmp_path, profile):
    (tmp_path / "mine.toml").write_text(PLAN.replace("{MECH}", "{ supply = 1.0 }"),
                                        encoding="utf-8")
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nid = "s"\nname = "s"\nplan = "mine.toml"\n\n[levers.a]\n'
                 'level = 1.0\n', encoding="utf-8")
    lev = load_scenario(f).budgets(profile.years)
    assert (lev[MECHANISMS.index("supply")] == 1.0).all() and lev.sum() == profile.n_years


# ---------------------------------------------------------------------------
# Schedules against the horizon
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, key", [
    ('based_on = "plan_2257"\n\n[levers.tg4_intermediary]\nend_year = 2020\n',
     "levers.tg4_intermediary.end_year"),
    ('\n[levers.tg4_intermediary]\nlevel = 1.0\nstart_year = 2031\n',
     "levers.tg4_intermediary.start_year"),
    ('\n[levers.tg4_intermediary]\nby_year = { "2035" = 1.0 }\n',
     "levers.tg4_intermediary.by_year.2035"),
    ('\n[levers.tg4_intermediary]\nby_year = { "2020" = 1.0 }\n',
     "levers.tg4_intermediary.by_year.2020"),
])
def test_schedules_outside_the_horizon_are_one_line(tmp_path, capsys, body, key):
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nid = "s"\nname = "s"\n' + body, encoding="utf-8")
    line = _one_error(capsys, ["validate", f])
    assert str(f) in line and key in line, line
    line = _one_error(capsys, ["run", f, "--runs", "2", "--out", tmp_path / "o"])
    assert str(f) in line and key in line, line


# ---------------------------------------------------------------------------
# From a stated year
# ---------------------------------------------------------------------------

def test_from_year_shares_the_history_and_differs_after(small_profile):
    ts = load_targets("targets_2257", years=small_profile.years)
    start = start_from(2026, small_profile, ts)
    assert [t.year for t in start.past] == [2025] * len(start.past)
    assert all(t.year >= 2026 for t in start.future.targets)
    scs = start.scenarios([load_scenario("no_programme"), load_scenario("plan_2257"),
                           load_scenario(VOUCHERS)])
    mc = MonteCarlo(small_profile, scs, start.future, seed=3)
    mc.extend(12)
    Y = mc.result().Y
    j = 2026 - small_profile.start_year
    for k in ("plan_2257", "vouchers"):
        np.testing.assert_array_equal(Y["no_programme"][:, :j], Y[k][:, :j])
        assert not np.array_equal(Y["no_programme"][:, j:], Y[k][:, j:])
    # the no-programme run from 2026 is the plan stopped after 2025
    stopped = MonteCarlo(small_profile, [load_scenario("plan_stopped_2025")], start.future,
                         seed=3)
    stopped.extend(12)
    np.testing.assert_array_equal(stopped.result().Y["plan_stopped_2025"], Y["no_programme"])


def test_history_targets_are_checked_against_what_is_reported(small_profile, tmp_path):
    targets = TargetSet("t", "t", "t", [
        Target("int_2021", "intermediaries_active", "level", 2021, ">=", 1.0),
        Target("ip_2021", "ip_share", "level", 2021, ">=", 0.0),
        Target("count_2021", "count", "level", 2021, ">=", 1.0),
        Target("ip_2030", "ip_share", "level", 2030, ">", 0.1)])
    start = start_from(2022, small_profile, targets, "no_programme", "bac_kan")
    h = start.history_table().set_index("target")
    assert (h.status == "history").all()
    assert h.loc["int_2021", "observed"] == 0.0 and h.loc["int_2021", "verdict"] == "not met"
    assert h.loc["ip_2021", "verdict"] == "met"
    assert h.loc["count_2021", "verdict"] == "nothing reported"  # a range, not a report
    assert start.future.ids == ["ip_2030"]


def test_from_year_cli(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", "--from-year", "2026", "--runs", "4", "--out", str(out),
                 "--no-parquet", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "from 2026" in text and "nothing reported" in text
    h = pd.read_csv(out / "history.csv")
    assert set(h.year) == {2025} and (h.status == "history").all()
    t = pd.read_csv(out / "targets.csv")
    assert (t.loc[t.target != "all_targets", "year"] >= 2026).all()
    assert "2026" in (out / "report.md").read_text(encoding="utf-8")
    # the attribution leaves each task group out of the plan from 2026 (the shared
    # history is no scenario's own budget: no_programme is not the reference)
    att = pd.read_csv(out / "attribution.csv")
    assert set(att.task_group) == {"tg1_legal", "tg2_demand", "tg3_supply",
                                   "tg4_intermediary", "tg5_promotion", "tg6_training"}
    # from 2025 no target lies before the start: no empty table printed
    assert main(["run", "--from-year", "2025", "--runs", "4", "--out", str(tmp_path / "p"),
                 "--no-parquet", "--no-progress", "--attribution-runs", "0"]) == 0
    text = capsys.readouterr().out
    assert "from 2025" in text and "Empty DataFrame" not in text
    for argv, key in ((["--from-year", "2021"], "--from-year"),
                      (["--from-year", "2031"], "--from-year"),
                      (["--history", "plan_2257"], "--history")):
        line = _one_error(capsys, ["run", *argv, "--runs", "2", "--out", tmp_path / "x"])
        assert key in line, line
