"""The dashboard's logic without a browser: sliders -> scenario -> budgets, the Monte Carlo
refresh and its tables, the languages, the figures, and the command line."""

from __future__ import annotations

import argparse
import json
import re
import socket
import string
import subprocess
import sys

import numpy as np
import pytest

from stmarket.experiments.assessment.montecarlo import MonteCarlo
from stmarket.experiments.cli import dashboard as cli
from stmarket.experiments.dashboard import app as d
from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard import refresh as dr
from stmarket.experiments.dashboard import settings as ds
from stmarket.model.errors import InputError
from stmarket.model.plan import load_plan
from stmarket.model.scenario import load_scenario

#: Decision 2257's instruments, from its plan file (scenarios/plans/plan_2257.toml).
LEVERS = load_plan("plan_2257").ids

RUNS = 40


@pytest.fixture(scope="module")
def plan_settings() -> ds.Settings:
    return ds.initial_settings("bac_kan", "plan_2257", runs=RUNS, seed=3)


@pytest.fixture(scope="module")
def refreshed(small_profile, plan_settings) -> tuple[dr.Refresh, dr.Refresh]:
    """The plan as it is, and the plan without task group 4, on the same runs."""
    same = dr.refresh(plan_settings, small_profile)
    no_tg4 = dr.refresh(plan_settings.with_lever("tg4_intermediary", level=0.0), small_profile)
    return same, no_tg4


# ---- sliders and scenarios ----------------------------------------------------------------


def test_sliders_start_at_the_starting_scenario(profile):
    s = ds.initial_settings("bac_kan", "plan_2257")
    assert s.levels == (0.3, 0.9, 0.8, 0.5, 0.3, 0.2)
    assert s.starts == (2022,) * 6
    assert (s.runs, s.seed) == (ds.DEFAULT_RUNS, ds.DEFAULT_SEED)
    empty = ds.initial_settings("bac_kan", "no_programme")
    assert empty.levels == (0.0,) * 6
    assert empty.starts == (profile.start_year + 1,) * 6


@pytest.mark.parametrize("name", ds.bundled("policies"))
def test_untouched_sliders_give_the_starting_budgets(profile, name):
    base = load_scenario(name)
    s = ds.initial_settings("bac_kan", name)
    custom = ds.scenario_from_settings(s, base)
    assert custom.id == ds.CUSTOM_ID
    np.testing.assert_array_equal(custom.budgets(profile.years), base.budgets(profile.years))


def test_a_slider_sets_one_task_groups_budget_and_start(profile):
    base = load_scenario("plan_2257")
    s = ds.initial_settings("bac_kan", "plan_2257").with_lever("tg4_intermediary", level=1.0,
                                                               start=2025)
    got = ds.scenario_from_settings(s, base).budgets(profile.years)
    want = base.budgets(profile.years)
    g = LEVERS.index("tg4_intermediary")
    # the plan's two-year ramp, from the new start year
    want[g] = [0, 0, 0, 0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    np.testing.assert_allclose(got, want)


def test_a_task_group_the_base_does_not_fund_ramps_up_like_the_plan(profile):
    s = ds.initial_settings("bac_kan", "no_programme").with_lever("tg2_demand", level=0.6,
                                                                  start=2023)
    b = ds.scenario_from_settings(s, load_scenario("no_programme")).budgets(profile.years)
    assert ds.DEFAULT_RAMP == 2
    np.testing.assert_allclose(b[LEVERS.index("tg2_demand")],
                               [0, 0, 0.3, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
    assert b.sum() == pytest.approx(0.3 + 7 * 0.6)


def test_settings_are_checked_and_hashable():
    s = ds.initial_settings()
    assert hash(s) == hash(ds.initial_settings())
    assert s.with_lever("tg1_legal", level=0.15000000000000002).levels[0] == 0.15
    with pytest.raises(ValueError, match="one level"):
        ds.Settings("bac_kan", "plan_2257", (0.0,) * 5, (2022,) * 6)
    with pytest.raises(ValueError, match="budgets"):
        ds.Settings("bac_kan", "plan_2257", (-1.0,) + (0.0,) * 5, (2022,) * 6)
    with pytest.raises(ValueError):
        s.with_lever("tg9_unknown", level=1.0)
    assert s.describe().startswith("tg1_legal=0.3@2022;tg2_demand=0.9@2022")


# ---- the Monte Carlo refresh --------------------------------------------------------------


def test_refresh_table_is_complete_and_consistent(refreshed, small_profile):
    same, _ = refreshed
    t = same.table()
    n_targets = len(same.result.targets.targets)
    assert list(t["target"]) == [*same.result.targets.ids, "all_targets"]
    assert len(t) == n_targets + 1
    assert (t["runs"] == RUNS).all()
    for sc in ("base", "custom"):
        assert ((0 <= t[f"low_{sc}"]) & (t[f"low_{sc}"] <= t[f"p_{sc}"])
                & (t[f"p_{sc}"] <= t[f"high_{sc}"]) & (t[f"high_{sc}"] <= 1)).all()
    # untouched sliders: the same scenario on the same runs, so no difference at all
    np.testing.assert_array_equal(t["p_base"], t["p_custom"])
    assert (t["difference"] == 0).all()
    assert same.run.n_transactions > 0
    assert same.profile is small_profile


def test_refresh_is_a_paired_comparison(refreshed, small_profile, monkeypatch):
    same, no_tg4 = refreshed
    t = no_tg4.table().set_index("target")
    # the starting scenario is the same runs as before
    np.testing.assert_array_equal(no_tg4.result.Y["plan_2257"], same.result.Y["plan_2257"])
    # cached, not rerun: a new slider value runs only the sliders' scenario, block by block
    calls = []
    batch = dr.run_batch
    monkeypatch.setattr(dr, "run_batch", lambda *a, **k: calls.append(len(a[1])) or batch(*a, **k))
    dr.refresh(no_tg4.settings, small_profile)
    assert calls == []
    dr.refresh(no_tg4.settings.with_lever("tg4_intermediary", level=0.15), small_profile)
    assert sum(calls) == RUNS and max(calls) <= dr.BLOCK_RUNS
    np.testing.assert_array_equal(t["p_base"], same.table().set_index("target")["p_base"])
    # no intermediary budget: no public intermediary, so a connected one by 2030 is
    # rarer (only private entrants remain), and the paired interval of the difference
    # lies below zero
    assert t.loc["intermediary_2030", "p_custom"] < t.loc["intermediary_2030", "p_base"]
    assert t.loc["intermediary_2030", "high_difference"] < 0
    cmp = no_tg4.comparison().set_index("target")
    assert cmp.loc["intermediary_2030", "a_only"] < cmp.loc["intermediary_2030", "b_only"]
    assert no_tg4.serial > same.serial


def test_refresh_equals_the_monte_carlo_of_stmarket_run(refreshed, small_profile):
    _, no_tg4 = refreshed
    mc = MonteCarlo(small_profile, [no_tg4.base, no_tg4.custom], no_tg4.result.targets,
                    seed=no_tg4.settings.seed)
    mc.extend(RUNS)
    want = mc.result().target_table()
    got = no_tg4.targets()
    np.testing.assert_array_equal(got["probability"], want["probability"])
    np.testing.assert_array_equal(got["ci_low"], want["ci_low"])


def test_refresh_does_not_depend_on_threads(refreshed, small_profile, plan_settings):
    _, no_tg4 = refreshed
    s = plan_settings.with_lever("tg4_intermediary", level=0.0)
    dr._RUNS.clear()
    again = dr.refresh(s, small_profile, workers=1)
    np.testing.assert_array_equal(again.result.Y[ds.CUSTOM_ID], no_tg4.result.Y[ds.CUSTOM_ID])


def test_refresh_rejects_bad_runs(small_profile, plan_settings):
    from dataclasses import replace

    with pytest.raises(ValueError, match="runs"):
        dr.refresh(replace(plan_settings, runs=0), small_profile)


# ---- languages and tables -----------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_dashboard_string_has_both_languages_with_the_same_fields():
    for key, (en, vi) in di._STRINGS.items():
        assert en and vi, key
        assert _fields(en) == _fields(vi), key
    assert di.t("level", "vi") == "kinh phí (tỷ đồng/năm)"
    assert di.t("col.target", "vi") == "Mục tiêu"  # from stmarket.experiments.reports.i18n
    with pytest.raises(ValueError):
        di.t("no.such.key", "en")
    with pytest.raises(ValueError):
        di.t("level", "fr")
    with pytest.raises(ValueError, match="needs the field"):
        di.t("title", "en", plan="x")


def test_table_html_switches_language(refreshed):
    _, r = refreshed
    en, vi = d.table_html(r, "en"), d.table_html(r, "vi")
    for target in [*r.result.targets.ids, "all_targets"]:
        assert f'data-target="{target}"' in en and f'data-target="{target}"' in vi
    assert 'data-lang="en"' in en and 'data-lang="vi"' in vi
    assert f'data-serial="{r.serial}"' in en
    assert "tg4_intermediary=0@2022" in en
    assert "Probability" not in vi and "Mục tiêu" in vi and "Thiết lập của bạn" in vi
    assert "Kế hoạch 2257" in vi and "Plan 2257" in en
    # decimal comma in Vietnamese, decimal point in English
    assert re.search(r"0,\d\d \(0,\d\d–", vi) and re.search(r"0\.\d\d \(0\.\d\d–", en)
    # the clear drop of the intermediary target is marked
    row = re.search(r'<tr data-target="intermediary_2030".*?</tr>', en).group(0)
    assert "stm-clear" in row
    assert d.table_html(r, "en").count("<tr") == len(r.table()) + 1


def test_trade_summary_adds_up(refreshed):
    _, r = refreshed
    tx = r.run.transactions()
    s = d.trade_summary(tx, "en")
    assert s["Transactions"].sum() == len(tx)
    assert s["Value (bn VND)"].sum() == pytest.approx(tx["value"].sum())
    vi = d.trade_summary(tx, "vi")
    assert "trực tiếp" in vi.columns and "công nghệ" in vi.index
    assert "<table class=\"stm-trades\">" in d.trade_summary_html(tx, "vi")
    assert "giao dịch" in d.single_run_note(r, "vi")


def test_figures_render(refreshed):
    _, r = refreshed
    f = d.render_figures(r, "vi")
    assert (f.serial, f.lang) == (r.serial, "vi")
    for img, cls in ((f.fan, "stm-fan-img"), (f.network, "stm-network-img")):
        assert f'class="{cls}"' in img and f'data-serial="{r.serial}"' in img
        assert f'data-settings="{r.settings.describe()}"' in img
        assert f'data-runs="{r.result.n_runs}"' in img
    # the network: a dot per buyer and seller, a line per kind of good, in Vietnamese
    n_nodes = r.profile.n_buyers + r.profile.RI0.shape[0] + (
        r.profile.EI0.shape[0] - r.profile.n_buyers)
    assert f.network.count("<circle") == n_nodes
    assert "Bên mua trong tỉnh" in f.network and "Buyers" not in f.network
    n_tech = int((r.run.transactions()["kind"] == "technology").sum())
    assert f"công nghệ ({n_tech})" in f.network  # the legend counts each kind
    # the fan charts: one SVG panel per target indicator, in Vietnamese
    from stmarket.experiments.reports.fanchart import target_indicators

    inds = target_indicators(r.result.targets)
    assert f.fan.count("<svg viewBox") == len(inds)
    assert f.fan.count('class="stm-panel"') == len(inds)
    assert "Thiết lập của bạn" in f.fan and "Your settings" not in f.fan
    assert "xác suất đạt ≥ 1" in f.fan  # the intermediary as a yearly probability
    assert "2030: ≥ 10%" in f.fan  # a target label in the strip above the data
    # the readings and the single run's sentence come with the figures, after the table
    assert f'class="stm-readings" data-serial="{r.serial}" data-lang="vi"' in f.readings
    assert "giao dịch" in f.note


# ---- command line and server ----------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stmarket")
    cli.add_parser(p.add_subparsers(dest="command"))
    return p


def test_cli_defaults_are_local():
    a = _parser().parse_args(["dashboard"])
    assert (a.host, a.port, a.profile, a.scenario) == ("127.0.0.1", 8765, "bac_kan",
                                                       "plan_2257")
    assert (a.runs, a.seed, a.workers, a.lang) == (300, 1, None, "en")
    a = _parser().parse_args(["dashboard", "--port", "9000", "--runs", "200", "--lang", "vi"])
    assert (a.port, a.runs, a.lang) == (9000, 200, "vi")


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "70000"], ["--port", "x"],
                                  ["--runs", "5"], ["--seed", "-1"], ["--lang", "fr"],
                                  ["--workers", "0"]])
def test_cli_rejects_bad_values(argv, capsys):
    with pytest.raises(SystemExit) as e:
        _parser().parse_args(["dashboard", *argv])
    assert e.value.code == 2
    assert "dashboard: error: argument" in capsys.readouterr().err


@pytest.mark.parametrize("host,local", [("127.0.0.1", True), ("127.0.0.2", True),
                                        ("localhost", True), ("::1", True), ("[::1]", True),
                                        ("0.0.0.0", False), ("192.168.1.5", False),
                                        ("::", False), ("example.org", False)])
def test_is_local(host, local):
    assert cli.is_local(host) is local


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_cli_warns_on_a_public_address_and_serves(monkeypatch, capsys):
    served = {}
    monkeypatch.setattr(cli, "serve", lambda host, port, defaults: served.update(
        host=host, port=port, defaults=defaults))
    monkeypatch.setattr(d, "render_figures", lambda r, lang: None)
    port = _free_port()
    args = _parser().parse_args(["dashboard", "--host", "0.0.0.0", "--port", str(port),
                                 "--runs", "10", "--lang", "vi"])
    assert cli.run_cli(args) == 0
    out = capsys.readouterr()
    assert "warning: listening on 0.0.0.0" in out.err
    assert f"http://0.0.0.0:{port}/" in out.out
    assert served["port"] == port
    assert served["defaults"] == {"profile": "bac_kan", "scenario": "plan_2257", "runs": 10,
                                  "seed": 1, "lang": "vi", "workers": None, "targets": None,
                                  "thresholds": []}
    args = _parser().parse_args(["dashboard", "--port", str(port), "--runs", "10"])
    assert cli.run_cli(args) == 0
    assert "warning" not in capsys.readouterr().err


def test_run_cli_bad_input(monkeypatch):
    monkeypatch.setattr(cli, "serve", lambda *a: pytest.fail("must not serve"))
    with pytest.raises(InputError, match="no bundled scenario"):
        cli.run_cli(_parser().parse_args(["dashboard", "--scenario", "no_such_plan"]))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError, match="--port"):
            cli.run_cli(_parser().parse_args(["dashboard", "--port", str(port), "--runs", "10"]))


def test_app_defaults_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(d.ENV_DEFAULTS, raising=False)
    assert d.app_defaults()["scenario"] == "plan_2257"
    monkeypatch.setenv(d.ENV_DEFAULTS, json.dumps({"scenario": "no_programme", "lang": "vi"}))
    got = d.app_defaults()
    assert (got["scenario"], got["lang"], got["profile"]) == ("no_programme", "vi", "bac_kan")


def test_import_does_not_import_solara_but_page_does():
    code = ("import sys, stmarket.experiments.dashboard.app as d; a = 'solara' in sys.modules; "
            "p = d.Page; print(a, 'solara' in sys.modules, callable(p))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "True"]
    with pytest.raises(AttributeError):
        _ = d.NoSuchThing


# ---- preview, readings, attribution, names ---------------------------------------------------


def test_preview_is_the_first_runs_and_the_full_refresh_only_adds_the_rest(small_profile,
                                                                          plan_settings):
    from dataclasses import replace

    s = replace(plan_settings.with_lever("tg2_demand", level=0.4), runs=RUNS)
    dr._RUNS.clear()
    k = RUNS // 4
    old = dr.PREVIEW_RUNS
    dr.PREVIEW_RUNS = k
    try:
        first = dr.refresh(s, small_profile, runs=k)
        full = dr.refresh(s, small_profile)
    finally:
        dr.PREVIEW_RUNS = old
    assert first.preview and not full.preview
    assert first.result.n_runs == k and full.result.n_runs == RUNS
    # the preview's runs are the first runs of the full refresh, bit for bit
    np.testing.assert_array_equal(first.result.Y[ds.CUSTOM_ID], full.result.Y[ds.CUSTOM_ID][:k])
    # and the full refresh equals one batch of all the runs
    dr._RUNS.clear()
    again = dr.refresh(s, small_profile)
    np.testing.assert_array_equal(again.result.Y[ds.CUSTOM_ID], full.result.Y[ds.CUSTOM_ID])
    html_ = d.table_html(first, "en")
    assert f'data-runs="{k}"' in html_ and f"{k} runs per scenario" in html_
    assert f"{RUNS} runs per scenario" in d.table_html(full, "en")
    # stopped when the sliders move on: after one block, or before any
    dr._RUNS.clear()
    asked = []
    assert dr.refresh(s, small_profile, current=lambda: asked.append(1) or len(asked) < 2) \
        is None
    assert len(asked) == 2 and len(dr._RUNS) == 1
    assert dr.refresh(s, small_profile, current=lambda: False) is None
    # and the blocks done before are the same runs when it resumes
    np.testing.assert_array_equal(dr.refresh(s, small_profile).result.Y[ds.CUSTOM_ID],
                                  full.result.Y[ds.CUSTOM_ID])
    with pytest.raises(ValueError, match="runs"):
        dr.refresh(s, small_profile, runs=0)


def test_attribution_equals_the_reports_and_a_group_without_budget_gives_zero(refreshed):
    from stmarket.experiments.assessment.attribution import attribution_table

    same, no_tg4 = refreshed
    mine = dr.attribution(same, runs=RUNS)
    # untouched sliders: your settings are the plan, so the same numbers as attribution.csv
    want = attribution_table(same.result, plan=same.base.id, runs=RUNS)
    np.testing.assert_allclose(mine[["difference", "ci_low", "ci_high"]].to_numpy(),
                               want[["difference", "ci_low", "ci_high"]].to_numpy())
    assert list(mine["task_group"]) == list(want["task_group"])
    assert mine.attrs == {"plan": ds.CUSTOM_ID, "runs": RUNS}
    # no budget for task group 4: leaving it out changes nothing, exactly
    a = dr.attribution(no_tg4, runs=RUNS).set_index(["task_group", "target"])
    assert (a.loc["tg4_intermediary", "difference"] == 0).all()
    # stopped when the settings change meanwhile
    assert dr.attribution(no_tg4, runs=RUNS, current=lambda: False) is None


def test_readings_and_attribution_tables_in_both_languages(refreshed):
    from stmarket.experiments.dashboard import answer

    _, r = refreshed
    attr = dr.attribution(r, runs=RUNS)
    for lang in ("en", "vi"):
        rd, at = answer.readings_html(r, lang), answer.attribution_html(r, attr, lang)
        assert 'data-reading="share_50"' in rd and 'data-reading="strictest"' in rd
        assert at.count("data-task-group=") == 6
    vi = answer.readings_html(r, "vi") + answer.attribution_html(r, attr, "vi")
    assert "Cách hiểu" in vi and "Nhóm 4" in vi and "Ít nhất một nửa" in vi
    for english in ("Reading", "Task group", "none clearly", "as scored", "your settings"):
        assert english not in vi
    # the intermediary target is carried by task group 2 or 4 in the plan, not by 1
    same, _ = refreshed
    plan = answer.attribution_html(same, dr.attribution(same, runs=RUNS), "en")
    row = re.search(r'<tr data-task-group="tg1_legal".*?</tr>', plan).group(0)
    assert "Intermediary" not in row


def test_menus_and_the_page_show_names_not_ids():
    en = d.names_of(["bac_kan"], "profiles", "en")
    vi = d.names_of(["plan_2257", "no_programme"], "policies", "vi")
    assert en[0]["value"] == "bac_kan" and "Bắc Kạn" in en[0]["text"]
    assert vi[0] == {"text": "Kế hoạch 2257 (cả sáu nhóm nhiệm vụ)", "value": "plan_2257"}
    assert "_" not in vi[1]["text"]
    assert d.names_of(["no/such/file.toml"], "policies", "en")[0]["text"] == "no/such/file.toml"


def test_value_ticks_start_at_zero_and_are_round():
    from stmarket.experiments.dashboard.plots import value_ticks

    t = value_ticks(23.0, integer=False)
    assert t[0] == 0 and t[-1] <= 23.0 and 3 <= len(t) <= 6
    assert list(value_ticks(1.0, integer=True)) == [0.0, 1.0]
    assert value_ticks(0.0, integer=False)[0] == 0  # nothing drawn: a unit axis
