"""Any plan, any horizon, any folder: the bundled targets files of other plans, a profile
simulating 2023-2029 with targets of its own through every command, a profile and its
targets copied elsewhere, and target thresholds changed by id."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest
from cli_helpers import cli, one_line_error, tiny_copy

from stmarket.model import load_profile, load_targets
from stmarket.model.profile import scenarios_dir

DATA = scenarios_dir()
OTHER_PLANS = ("targets_1158", "targets_khanh_hoa", "targets_lang_son")


# ---- the bundled targets of other plans --------------------------------------------------

@pytest.mark.parametrize("name", OTHER_PLANS)
def test_other_plans_are_sourced_data(name):
    path = DATA / "targets" / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["plan"]["source"].startswith("http")
    assert "sources.md" in text and "LEFT OUT" in text  # what is not scored, and why
    ts = load_targets(name, years=load_profile("bac_kan").years)
    assert ts.final_year == 2030 and len(ts.targets) >= 3
    for t in ts.targets:
        assert t.label("en") != t.id and t.label("vi") != t.label("en"), t.id
        assert t.source and t.status == "firm" and t.definition and t.definition_vi, t.id
        assert t.definition.startswith("INTERPRETATION") == t.interpretation, t.id


def test_other_plans_hold_the_figures_of_the_sources():
    """Every scored figure is the one in sources.md section 1."""
    def marks(name):
        return {t.id: (t.op, t.threshold) for t in load_targets(name).targets}

    assert marks("targets_1158") == {
        "value_growth_2025": (">=", 0.25), "ip_share_2025": (">", 0.15),
        "imported_tech_share_2025": (">=", 0.30), "research_origin_domestic_2025": (">", 0.35),
        "value_growth_2030": (">=", 0.30), "ip_share_2030": (">", 0.20),
        "imported_tech_share_2030": (">=", 0.35), "research_origin_domestic_2030": (">", 0.40)}
    kh = marks("targets_khanh_hoa")
    assert [kh[f"{k}_2025"][1] for k in ("value_growth", "ip_share", "tech_share",
                                          "research_origin_domestic", "intermediaries")] == \
        [0.05, 0.05, 0.05, 0.05, 1]
    assert [kh[f"{k}_2030"][1] for k in ("value_growth", "ip_share", "tech_share",
                                          "research_origin_domestic", "intermediaries")] == \
        [0.10, 0.10, 0.10, 0.10, 2]
    ls = load_targets("targets_lang_son")
    assert marks("targets_lang_son") == {"value_growth_2025": (">=", 0.15),
                                         "value_growth_2030": (">=", 0.20),
                                         "intermediary_by_2030": (">=", 1)}
    assert ls.get("intermediary_by_2030").kind == "by_year" and \
        ls.get("intermediary_by_2030").interpretation


@pytest.mark.parametrize("name", OTHER_PLANS)
def test_run_with_another_plans_targets(tmp_path, capsys, name):
    out = tmp_path / "out"
    code, stdout, err = cli(["run", "--targets", name, "--runs", 8, "--out", out,
                             "--no-progress", "--no-parquet"], capsys)
    assert code == 0, err
    ts = load_targets(name)
    table = pd.read_csv(out / "targets.csv")
    assert set(table["target"]) == set(ts.ids) | {"all_targets"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert ts.name in report
    for t in ts.targets:  # labels from the file, not raw ids
        assert f"| {t.label('en')}" in report, t.id


# ---- a profile simulating 2023-2029, with targets of its own, from a temporary folder ----

SHORT_TARGETS = """
[plan]
id = "short_plan"
name = "A plan to 2029"
name_vi = "Một kế hoạch đến năm 2029"

[[targets]]
id = "growth_2027"
label = "Value growth 2023-2027"
label_vi = "Tăng trưởng giá trị 2023-2027"
indicator = "value_nominal"
kind = "cagr"
base_year = 2023
year = 2027
op = ">="
threshold = 0.05

[[targets]]
id = "ip_2029"
indicator = "ip_share"
kind = "level"
year = 2029
op = "between"
low = 0.02
high = 0.5

[[targets]]
id = "value_total_2025_2029"
indicator = "value_nominal"
kind = "sum"
from_year = 2025
year = 2029
op = ">="
threshold = 1

[[targets]]
id = "research_origin_2029"
indicator = "research_origin_share"
kind = "level"
year = 2029
op = ">"
threshold = 0.05

[[targets]]
id = "intermediary_by_2029"
indicator = "intermediaries_active"
kind = "by_year"
year = 2029
op = ">="
threshold = 1
"""


@pytest.fixture(scope="module")
def short_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("short")
    tiny_copy(folder, name="short.toml", start=2023, end=2029, targets="short_targets.toml")
    (folder / "short_targets.toml").write_text(SHORT_TARGETS, encoding="utf-8")
    return folder


def test_a_2023_2029_profile_runs_every_command(short_folder, capsys, monkeypatch):
    monkeypatch.chdir(short_folder)
    code, out, err = cli(["validate", "short.toml", "short_targets.toml", "--profile",
                          "short.toml"], capsys)
    assert code == 0, err
    # run, with the report
    code, out, err = cli(["run", "--profile", "short.toml", "--runs", 8, "--out", "run",
                          "--no-progress", "--research-origin-threshold", "0.1",
                          "--target-threshold", "growth_2027=0.08"], capsys)
    assert code == 0, err
    table = pd.read_csv(short_folder / "run" / "targets.csv")
    assert set(table["year"]) == {2027, 2029}
    thr = table.drop_duplicates("target").set_index("target")["threshold"]
    assert thr["research_origin_2029"] == 0.1 and thr["growth_2027"] == 0.08
    html = (short_folder / "run" / "report.html").read_text(encoding="utf-8")
    assert "A plan to 2029" in html and "Value growth 2023-2027" in html
    assert "Intermediary by 2029" in html  # a label derived from the id
    code, out, err = cli(["run", "--profile", "short.toml", "--runs", 8, "--out", "run_vi",
                          "--no-progress", "--lang", "vi"], capsys)
    assert code == 0, err
    vi = (short_folder / "run_vi" / "report.md").read_text(encoding="utf-8")
    assert "Tăng trưởng giá trị 2023-2027" in vi and "2%" in vi
    # optimise: the objective counts the plan's final year, 2029
    code, out, err = cli(["optimise", "--profile", "short.toml", "--budget", 3, "--runs", 8,
                          "--confirm-runs", 8, "--candidates", 2, "--max-rounds", 0,
                          "--out", "opt"], capsys)
    assert code == 0, err
    man = json.loads((short_folder / "opt" / "manifest.json").read_text())
    assert (man["objective"], man["objective_year"]) == ("all_2029", 2029)
    assert "P(every 2029 target met)" in out
    code, out, err = cli(["optimise", "--profile", "short.toml", "--budget", 3, "--runs", 8,
                          "--confirm-runs", 8, "--candidates", 2, "--max-rounds", 0,
                          "--objective", "ip_2029", "--out", "opt2"], capsys)
    assert code == 0, err
    code, out, err = cli(["optimise", "--profile", "short.toml", "--objective", "all_2030",
                          "--out", "opt3"], capsys)
    one_line_error(code, err)
    assert "all (or all_2029)" in err
    # sensitivity (tiny Morris)
    code, out, err = cli(["sensitivity", "--profile", "short.toml", "--method", "morris",
                          "--samples", 2, "--seeds", 2, "--parameters", "need_rate",
                          "--noise-samples", 0, "--out", "sens"], capsys)
    assert code == 0, err
    idx = pd.read_csv(short_folder / "sens" / "indices.csv")
    assert "p_all_2029" in set(idx["outcome"]) and "p_growth_2027" in set(idx["outcome"])


def test_target_years_outside_the_profile_horizon(short_folder, capsys, monkeypatch):
    monkeypatch.chdir(short_folder)
    for name in ("targets_2257", "targets_1158"):  # 2030 targets on a 2023-2029 profile
        code, out, err = cli(["run", "--profile", "short.toml", "--targets", name, "--runs",
                              4, "--out", "x"], capsys)
        one_line_error(code, err)
        assert "must be within the simulated years 2023-2029" in err
    code, out, err = cli(["validate", str(DATA / "targets" / "targets_2257.toml"), "--profile",
                          "short.toml"], capsys)
    one_line_error(code, err)
    assert "targets_2257.toml: targets[0].base_year: must be within the simulated years" in err


# ---- paths: a profile and its targets copied to another folder --------------------------

def test_a_copied_profile_uses_the_targets_beside_it(tmp_path, capsys, monkeypatch):
    home = tmp_path / "province"
    profile = tiny_copy(home, name="province.toml")
    text = (DATA / "targets" / "targets_2257.toml").read_text(encoding="utf-8")
    text = text.replace('name = "Bắc Kạn S&T market plan to 2030 (Decision 2257/QĐ-UBND)"',
                        'name = "The copy beside the profile"', 1)
    (home / "targets_2257.toml").write_text(text, encoding="utf-8")
    assert load_profile(profile).targets == str((home / "targets_2257.toml").resolve())
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    code, out, err = cli(["run", "--profile", "../../province/province.toml", "--runs", 4,
                          "--out", "out", "--no-progress", "--no-parquet"], capsys)
    assert code == 0, err
    report = (elsewhere / "out" / "report.md").read_text(encoding="utf-8")
    assert "The copy beside the profile" in report
    # without a copy beside it, the bundled file of that name
    (home / "targets_2257.toml").unlink()
    assert load_profile(profile).targets == str(DATA / "targets" / "targets_2257.toml")


def test_a_profile_whose_targets_file_is_missing(tmp_path, capsys):
    profile = tiny_copy(tmp_path, targets="targets_nowhere.toml")
    for argv in (["validate", profile], ["run", "--profile", profile, "--runs", 4, "--out",
                                         tmp_path / "o"]):
        code, out, err = cli(argv, capsys)
        one_line_error(code, err)
        assert f"{profile}: profile.targets: no targets file 'targets_nowhere.toml' beside " \
               "the profile" in err


# ---- thresholds by id ----------------------------------------------------------------------

@pytest.mark.parametrize("argv, fragment", [
    (["--target-threshold", "ip_share_2030"], "must be TARGET_ID=VALUE"),
    (["--target-threshold", "ip_share_2030=high"], "must be TARGET_ID=VALUE"),
    (["--target-threshold", "ip_share_2030=nan"], "finite numbers"),
    (["--target-threshold", "nope=0.1"], "--target-threshold: unknown target 'nope'"),
    (["--target-threshold", "ip_share_2030=1.5"], "never met"),
    (["--target-threshold", "ip_share_2030=0.1,0.2"], "give one number"),
    (["--targets", "targets_lang_son", "--research-origin-threshold", "0.1"],
     "--research-origin-threshold: needs one research_origin_share target in 2030"),
])
def test_bad_threshold_arguments(tmp_path, capsys, argv, fragment):
    profile = tiny_copy(tmp_path)
    for cmd in ("run", "single"):
        code, out, err = cli([cmd, "--profile", profile, "--out", tmp_path / "o", *argv],
                             capsys)
        one_line_error(code, err)
        assert fragment in err, err
