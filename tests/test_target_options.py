"""The same target options on every command that scores targets (issue 12): ``--targets``
(another plan's file), ``--target-threshold`` and ``--research-origin-threshold`` on
sensitivity, discover, single, optimise, sweep and the dashboard; the outputs carry the
file's ids and labels and the manifests the file; a bad id is one line and exit 2; and
``Assessment.summary(lang)`` in both languages with the same numbers."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from cli_helpers import cli, one_line_error, tiny_copy

from stmarket.experiments.assessment.assess import assess
from stmarket.model import load_targets


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Bắc Kạn with every group's count divided by 25: a fast province."""
    return tiny_copy(tmp_path_factory.mktemp("tiny"))


# ---- sensitivity and discover with another plan's targets --------------------------------

def test_sensitivity_scores_the_targets_file_given(tiny, tmp_path, capsys):
    out = tmp_path / "sens"
    code, stdout, err = cli(["sensitivity", "--profile", tiny, "--targets", "targets_1158",
                             "--target-threshold", "ip_share_2030=0.25", "--method", "morris",
                             "--samples", 2, "--seeds", 2, "--parameters", "need_rate",
                             "--noise-samples", 0, "--workers", 1, "--out", out], capsys)
    assert code == 0, err
    ts = load_targets("targets_1158")
    idx = pd.read_csv(out / "indices.csv")
    got = {o[2:] for o in idx["outcome"] if o.startswith("p_") and not o.startswith("p_all_")}
    assert got == set(ts.ids)
    labels = pd.read_csv(out / "noise.csv").set_index("outcome")["label"]
    for t in ts.targets:  # each target outcome named by the file's label
        assert labels[f"p_{t.id}"] == f"P({t.label('en')})", t.id
    assert labels["p_all_2030"] == "P(every 2030 target met)"
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["targets"]["id"] == ts.id and man["targets"]["path"].endswith(
        "targets_1158.toml") and len(man["targets"]["sha256"]) == 64
    assert man["targets"]["thresholds"]["ip_share_2030"] == 0.25
    assert man["targets"]["thresholds"]["ip_share_2025"] == ts.get("ip_share_2025").threshold


def test_discover_scores_the_targets_file_given(tiny, tmp_path, capsys):
    out = tmp_path / "disc"
    code, stdout, err = cli(["discover", "--profile", tiny, "--targets", "targets_khanh_hoa",
                             "--runs", 100, "--target", "value_growth_2030", "--target",
                             "tech_share_2030", "--workers", 1, "--out", out], capsys)
    assert code == 0, err
    ts = load_targets("targets_khanh_hoa")
    table = pd.read_csv(out / "targets.csv")
    assert list(table["target"]) == ts.ids
    assert list(table["label"]) == [t.label("en") for t in ts.targets]
    assert list(table.loc[table["analysed"], "target"]) == ["value_growth_2030",
                                                             "tech_share_2030"]
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["outcome"]) == {"value_growth_2030|tech_share_2030"}
    assert set(summary["label"]) == {"any of Value growth 2025–2030 (average per year), "
                                     "Technology share 2030"}
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["targets"]["id"] == ts.id and man["inputs"]["targets"]["path"].endswith(
        "targets_khanh_hoa.toml")
    assert "box 1: plan_2257 misses any of value_growth_2030, tech_share_2030" in stdout


@pytest.mark.parametrize("argv, fragments", [
    # an id of Decision 2257's file, not of the national programme's
    (["--targets", "targets_1158", "--target", "intermediary_2030"],
     ["--target: unknown target 'intermediary_2030' in targets_1158.toml; one of "
      "value_growth_2025, ip_share_2025,"]),
    (["--target", "nope"], ["unknown target 'nope' in targets_2257.toml", "digitised_2030"]),
    (["--target", "targets_1158"], ["--targets names a targets file"]),
    (["--targets", "targets_lang_son", "--target-threshold", "ip_share_2030=0.1"],
     ["--target-threshold: unknown target 'ip_share_2030'", "intermediary_by_2030"]),
    (["--targets", "no_such_targets"], ["no_such_targets: no such targets file"]),
])
def test_discover_bad_targets_are_one_line(tiny, tmp_path, capsys, argv, fragments):
    code, out, err = cli(["discover", "--profile", tiny, *argv, "--out", tmp_path / "d"],
                         capsys)
    one_line_error(code, err)
    for f in fragments:
        assert f in err, err
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


@pytest.mark.parametrize("command", ["sensitivity", "optimise", "single", "dashboard"])
def test_every_command_refuses_a_bad_target_option(tiny, tmp_path, capsys, command):
    for argv, fragment in [
        (["--targets", "targets_1158", "--target-threshold", "digitised_2030=0.5"],
         "unknown target 'digitised_2030' in"),
        (["--targets", "targets_lang_son", "--research-origin-threshold", "0.1"],
         "--research-origin-threshold: needs one research_origin_share target"),
        (["--target-threshold", "ip_share_2030=2"], "never met"),
    ]:
        out = [] if command == "dashboard" else ["--out", tmp_path / command]
        code, stdout, err = cli([command, "--profile", tiny, *argv, *out], capsys)
        one_line_error(code, err)
        assert fragment in err, err


# ---- single, optimise, sweep and the dashboard ------------------------------------------

def test_single_and_optimise_use_the_files_labels(tiny, tmp_path, capsys):
    ts = load_targets("targets_lang_son")
    code, out, err = cli(["single", "plan_2257", "--profile", tiny, "--targets",
                          "targets_lang_son", "--out", tmp_path / "s"], capsys)
    assert code == 0, err
    v = pd.read_csv(tmp_path / "s" / "single_targets.csv")
    assert list(v["target"]) == ts.ids and list(v["label"]) == [t.label() for t in ts.targets]
    man = json.loads((tmp_path / "s" / "manifest.json").read_text(encoding="utf-8"))
    assert man["targets"]["id"] == ts.id
    code, out, err = cli(["optimise", "--profile", tiny, "--targets", "targets_lang_son",
                          "--objective", "intermediary_by_2030", "--budget", 3, "--runs", 8,
                          "--confirm-runs", 8, "--candidates", 2, "--max-rounds", 0,
                          "--workers", 1, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    label = ts.get("intermediary_by_2030").label()
    assert f"P({label} met)" in out
    best = pd.read_csv(tmp_path / "o" / "best_targets.csv")
    assert list(best["target"]) == ts.ids and list(best["label"]) == [t.label()
                                                                       for t in ts.targets]
    man = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert man["targets"]["path"].endswith("targets_lang_son.toml")


def test_sweep_scores_the_targets_file_given(tiny, tmp_path, capsys):
    design = tmp_path / "d.toml"
    design.write_text(f'[sweep]\nid = "t"\nscenario = "plan_2257"\nmethod = "factorial"\n'
                      f'seeds = 2\nseed = 4\nprofile = "{tiny.as_posix()}"\n'
                      '[factors.tg4]\nlever = "tg4_intermediary"\nkey = "level"\n'
                      'values = [0.0, 1.5]\n', encoding="utf-8")
    out = tmp_path / "sw"
    opts = ["--targets", "targets_1158", "--target-threshold", "ip_share_2030=0.25"]
    code, stdout, err = cli(["sweep", design, "--out", out, "--workers", 1, "--no-progress",
                             *opts], capsys)
    assert code == 0, err
    ts = load_targets("targets_1158")
    t = pd.read_csv(out / "summary" / "targets.csv")
    assert set(t["target"]) == {*ts.ids, "all_targets"}
    assert dict(zip(t["target"], t["label"], strict=True))["ip_share_2030"] == \
        ts.get("ip_share_2030").label()
    man = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert man["design"]["targets"] == "targets_1158"
    assert man["targets"]["thresholds"]["ip_share_2030"] == 0.25
    # resuming with other target options would mix two scorings: refused in one line
    code, stdout, err = cli(["sweep", design, "--out", out, "--resume", "--no-progress"],
                            capsys)
    one_line_error(code, err)
    assert "resume it with the same --targets and --target-threshold" in err
    code, stdout, err = cli(["sweep", design, "--out", out, "--resume", "--no-progress",
                             *opts], capsys)
    assert code == 0, err


def test_dashboard_serves_the_targets_file_given(tiny, capsys, monkeypatch):
    import stmarket.experiments.cli.dashboard as dcli
    import stmarket.experiments.dashboard.app as app
    from stmarket.experiments.dashboard.refresh import refresh
    from stmarket.experiments.dashboard.settings import initial_settings, restart

    served = {}
    monkeypatch.setattr(dcli, "serve", lambda host, port, defaults: served.update(defaults))
    monkeypatch.setattr(dcli, "_check_port", lambda host, port: None)
    monkeypatch.setattr(app, "render_figures", lambda r, lang: None)
    code, out, err = cli(["dashboard", "--profile", tiny, "--runs", 10, "--targets",
                          "targets_1158", "--target-threshold", "ip_share_2030=0.25"], capsys)
    assert code == 0, err
    assert served["targets"] == "targets_1158"
    assert served["thresholds"] == [["ip_share_2030", 0.25, None]]
    assert "targets vn_1158" in out
    s = initial_settings(str(tiny), "plan_2257", 10, 1, served["targets"],
                         tuple(tuple(m) for m in served["thresholds"]))
    r = refresh(s, workers=1)
    assert set(r.targets()["target"]) == {*load_targets("targets_1158").ids, "all_targets"}
    assert r.result.targets.get("ip_share_2030").threshold == 0.25
    again = restart(s, base="no_programme")  # the menus keep the targets
    assert (again.targets, again.thresholds) == (s.targets, s.thresholds)


# ---- Assessment.summary in both languages ------------------------------------------------

_DECIMAL = re.compile(r"\d+[.,]\d+")


def test_summary_in_vietnamese_has_the_same_numbers(tiny):
    a = assess(["no_programme", "plan_2257"], profile=tiny, targets="targets_1158", runs=30,
               attribution_runs=10, seed=3, workers=1)
    en, vi = a.summary(), a.summary(lang="vi")
    assert en == a.summary(lang="en")
    for text in ("Xác suất đạt từng mục tiêu", "So sánh theo cặp", "lần chạy",
                 "Bỏ từng nhóm nhiệm vụ"):
        assert text in vi and text not in en, text
    for t in load_targets("targets_1158").targets:  # Vietnamese labels from the file
        assert t.label("vi") in vi and t.id in en, t.id
    nums_en = _DECIMAL.findall(en)
    nums_vi = [x.replace(",", ".") for x in _DECIMAL.findall(vi)]
    assert nums_en and nums_en == nums_vi
    assert not re.search(r"\d\.\d", vi)  # a decimal comma in Vietnamese
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        a.summary(lang="fr")
