"""The answer an advisor can defend (issue 13, items 1-4): likelihood in words, targets
met per run, readings scored on the same runs, what each task group does, the
assumptions on the page, the Vietnamese console and the help text."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.assessment.assess import assess
from stmarket.experiments.assessment.attribution import (
    ATTRIBUTION_COLUMNS,
    attribution_table,
    task_groups,
)
from stmarket.experiments.assessment.readings import (
    MET_COUNT_COLUMNS,
    READING_COLUMNS,
    WITHOUT_PLAN_AT,
    load_readings,
    parse_readings,
)
from stmarket.experiments.cli.main import main
from stmarket.experiments.reports import glossary, words
from stmarket.experiments.reports.write import write_assessment
from stmarket.model import load_profile, load_scenario, load_targets
from stmarket.model.errors import InputError
from stmarket.model.plan import load_plan
from stmarket.model.profile import scenarios_dir
from stmarket.model.scenario import Scenario

LEVERS = load_plan("plan_2257").ids

PROFILE = scenarios_dir() / "profiles" / "bac_kan.toml"
RUNS = 80


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Bắc Kạn with every group's count divided by 25: a fast province."""
    text = re.sub(r"^count = (\d+)$", lambda m: f"count = {max(1, int(m.group(1)) // 25)}",
                  PROFILE.read_text(encoding="utf-8"), flags=re.M)
    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(text.replace('id = "bac_kan"', 'id = "bac_kan_tiny"', 1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def a(tiny):
    return assess(["no_programme", "plan_2257"], profile=tiny, runs=RUNS, seed=2,
                  attribution_runs=RUNS)


# ---- likelihood -------------------------------------------------------------------------


@pytest.mark.parametrize("p, key", [
    (1.0, "virtually_certain"), (0.99, "virtually_certain"), (0.9899, "very_likely"),
    (0.90, "very_likely"), (0.8999, "likely"), (0.66, "likely"), (264 / 400, "likely"),
    (0.6599, "about_as_likely_as_not"), (0.5, "about_as_likely_as_not"),
    (0.3301, "about_as_likely_as_not"), (0.33, "unlikely"), (0.1001, "unlikely"),
    (0.10, "very_unlikely"), (0.0101, "very_unlikely"), (0.01, "exceptionally_unlikely"),
    (0.0, "exceptionally_unlikely")])
def test_likelihood_boundaries(p, key):
    assert lk.likelihood(p) == key
    assert lk.term(key, "en") and lk.term(key, "vi") and lk.term(key, "en") != lk.term(key, "vi")


def test_likelihood_rejects_non_probabilities():
    assert lk.likelihood(float("nan")) == ""
    with pytest.raises(ValueError):
        lk.likelihood(1.5)
    with pytest.raises(ValueError):
        lk.term("probable", "en")
    assert set(lk.KEYS) == set(lk.TERMS) == set(lk.RANGES)


def test_targets_table_has_the_likelihood_of_its_estimate(a):
    t = a.targets()
    assert list(t.columns)[-1] == "likelihood"
    assert list(t.likelihood) == [lk.likelihood(p) for p in t.probability]
    assert set(t.likelihood) <= set(lk.KEYS)


# ---- targets met per run and readings ---------------------------------------------------


def test_met_count_sums_to_one_and_matches_the_mean(a):
    mc = a.met_count()
    assert list(mc.columns) == list(MET_COUNT_COLUMNS)
    n = len(a.target_set.ids)
    for sc, g in mc.groupby("scenario"):
        assert list(g.targets_met) == list(range(n + 1))
        assert g.probability.sum() == pytest.approx(1.0, abs=1e-12)
        mean = a.met_count_mean().set_index("scenario").loc[sc]
        assert (g.targets_met * g.probability).sum() == pytest.approx(mean["mean"], abs=1e-12)
        assert mean.ci_low <= mean["mean"] <= mean.ci_high
        assert g.probability.iloc[-1] == pytest.approx(mean.p_all, abs=1e-12)


def test_scored_readings_equal_targets_csv(a):
    r, t = a.readings(), a.targets()
    assert list(r.columns) == list(READING_COLUMNS)
    readings = load_readings(a.target_set)
    scored = {(x.target, x.id) for x in readings if x.scored}
    assert {x.target for x in readings if x.scored} == set(a.target_set.ids)  # one each
    probs = t.set_index(["scenario", "target"])
    for row in r.itertuples(index=False):
        if (row.target, row.reading) in scored:
            ref = probs.loc[(row.scenario, row.target)]
            assert (row.probability, row.ci_low, row.ci_high) == (
                ref.probability, ref.ci_low, ref.ci_high)
        if row.target == "all_targets" and row.reading == "as_scored":
            assert row.probability == probs.loc[(row.scenario, "all_targets")].probability
    # every interpreted target is read more than one way, and the readings differ
    for tid in ("digitised_2030", "research_origin_share_2030", "tech_share_2030"):
        assert len([x for x in readings if x.target == tid]) >= 2
    dig = r[(r.scenario == "plan_2257") & (r.target == "digitised_2030")].set_index("reading")
    assert dig.probability["share_50"] >= dig.probability["share_65"] >= \
        dig.probability["share_80"]


def test_combinations_and_the_without_plan_flag(a):
    r = a.readings()
    allr = r[r.target == "all_targets"]
    for _sc, g in allr.groupby("scenario"):
        p = g.set_index("reading").probability
        assert {"as_scored", "strictest", "most_lenient", "without_digitised_2030",
                "without_interpretations", "digitised_2030=share_50"} <= set(p.index)
        assert p["strictest"] <= p["as_scored"] <= p["most_lenient"]
        assert p["without_interpretations"] >= p["as_scored"]
    base = r[(r.scenario == "no_programme") & (r.target != "all_targets")]
    for row in base.itertuples(index=False):
        flag = row.probability >= WITHOUT_PLAN_AT
        mine = r[(r.target == row.target) & (r.reading == row.reading)].met_without_plan
        assert (mine == flag).all(), (row.target, row.reading)


def test_readings_are_checked(a):
    ts = a.target_set
    bad = [({"target": "nope", "reading": "x", "label": "x"}, "readings[0].target"),
           ({"target": "digitised_2030", "reading": "x", "label": "x", "colour": 1},
            "readings[0].colour"),
           ({"target": "digitised_2030", "reading": "x", "label": "x", "kind": "change"},
            "readings[0].base_year"),
           ({"target": "digitised_2030", "reading": "as_scored", "label": "x"},
            "readings[0].reading"),
           ({"target": "digitised_2030", "reading": "x", "label": "x", "indicator": "gdp"},
            "readings[0].indicator")]
    for item, key in bad:
        with pytest.raises(InputError, match=re.escape(key)):
            parse_readings([item], ts, "targets.toml")
    with pytest.raises(InputError, match="duplicate"):
        parse_readings([{"target": "digitised_2030", "reading": "x", "label": "x"}] * 2, ts)
    plain = parse_readings(None, ts)
    assert [x.id for x in plain] == ["as_scored"] * len(ts.ids) and all(x.scored for x in plain)


# ---- attribution ------------------------------------------------------------------------


def test_attribution_is_the_paired_leave_one_out(a, tiny):
    at = a.attribution()
    assert list(at.columns) == list(ATTRIBUTION_COLUMNS)
    assert {k: at.attrs[k] for k in ("plan", "runs")} == {"plan": "plan_2257", "runs": RUNS}
    assert set(at.attrs["titles"]) == set(task_groups(load_scenario("plan_2257")))
    assert list(dict.fromkeys(at.task_group)) == task_groups(load_scenario("plan_2257"))
    assert ((at.ci_low <= at.difference) & (at.difference <= at.ci_high)).all()
    # the same numbers as comparing with the leave-one-out scenario file
    b = assess(["plan_2257", "plan_without_tg4_intermediary"], profile=tiny, runs=RUNS,
               seed=2, attribution_runs=0)
    cmp = b.comparisons().set_index("target")
    mine = at[at.task_group == "tg4_intermediary"].set_index("target")
    for tid in cmp.index:
        assert mine.difference[tid] == pytest.approx(-cmp.difference[tid], abs=1e-12)
    assert b.attribution().empty


def test_a_group_with_zero_budget_changes_nothing(tiny):
    plan = load_scenario("plan_2257")
    levers = {g: dict(s) for g, s in plan.levers.items()}
    levers["tg5_promotion"] = {"level": 0.0}
    sc = Scenario(id="plan_no_tg5", name="plan, TG5 at zero", levers=levers)
    res = assess(["no_programme", sc], profile=tiny, runs=40, seed=5,
                 attribution_runs=0).result
    at = attribution_table(res, runs=40)
    zero = at[at.task_group == "tg5_promotion"]
    assert len(zero) == len(res.targets.ids) + 1
    assert (zero.difference == 0.0).all() and (zero.ci_low <= 0).all() and \
        (zero.ci_high >= 0).all()
    assert not (at[at.task_group == "tg4_intermediary"].difference == 0.0).all()


# ---- report, console, help ------------------------------------------------------------


def test_report_shows_the_answer(a, tmp_path):
    files = write_assessment(a, tmp_path / "en", parquet=False)
    for f in ("met_count.csv", "readings.csv", "attribution.csv"):
        assert f in files
    assert list(pd.read_csv(tmp_path / "en" / "attribution.csv").columns) == list(
        ATTRIBUTION_COLUMNS)
    md = (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    for text in ("virtually certain", "0.66–1", "How many targets are met in a run",
                 "Readings of the targets", "What each task group does",
                 "Budget of each task group", "0.30", "Calibration status", "Not calibrated",
                 "What the intervals cover", "Monte Carlo error", "merger", "Limitations",
                 "met without the plan".capitalize()):
        assert text in md, text
    assert "likely when its whole 95 % interval" not in md  # the old rule is gone
    # rows are targets, columns task groups; task group 4 carries the intermediary target
    head = next(line for line in md.splitlines() if line.startswith("| Target | TG1 "))
    row = next(line for line in md.splitlines()
               if line.startswith("| Intermediary") and line.count("|") == head.count("|"))
    tg4 = [c.strip() for c in row.split("|")][1 + head.split("|").index(" TG4 ") - 1]
    assert "\\*" in tg4, tg4
    write_assessment(a, tmp_path / "vi", lang="vi", parquet=False)
    vi = (tmp_path / "vi" / "report.md").read_text(encoding="utf-8")
    for text in ("gần như chắc chắn", "Tác dụng của từng nhóm nhiệm vụ", "Các giả định",
                 "Hạn chế", "Số mục tiêu đạt được trong một lần chạy"):
        assert text in vi, text


def test_help_prints_one_percent_sign(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert "%%" not in out and "95 % interval" in out.replace("\n", " ").replace("  ", " ")


def test_console_speaks_vietnamese(tiny, tmp_path, capsys):
    code = main(["run", "--profile", str(tiny), "--runs", "30", "--attribution-runs", "30",
                 "--lang", "vi", "--no-parquet", "--no-progress", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    for text in ("Xác suất đạt từng mục tiêu", "So sánh theo cặp", "số mục tiêu đạt mỗi lần",
                 "Bỏ từng nhóm nhiệm vụ", "đã ghi vào"):
        assert text in out, text
    for text in ("Probability that each target", "Paired comparison", "written to"):
        assert text not in out, text
    assert re.search(r"\d,\d\d \(\d,\d\d–\d,\d\d\)", out)


def test_bad_drivers_folder_is_one_line(tmp_path, capsys):
    code = main(["run", "--runs", "10", "--drivers", str(tmp_path), "--out",
                 str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--drivers" in err and len(err.strip().splitlines()) == 1


# ---- words and glossary -----------------------------------------------------------------


def test_every_string_in_both_languages():
    fields = string.Formatter()
    for key in words.keys():
        en, vi = words.t(key, "en"), words.t(key, "vi")
        assert en.strip() and vi.strip(), key
        assert ({f for _, f, _, _ in fields.parse(en) if f}
                == {f for _, f, _, _ in fields.parse(vi) if f}), key


def test_glossary_names_every_input():
    prof = load_profile("bac_kan")
    for name in [*prof.space.uncertain, *LEVERS]:
        assert glossary.has(name), name
        en, vi = glossary.label(name, "en"), glossary.label(name, "vi")
        assert en != name and vi != name and en != vi, name
    assert glossary.label("no_such_input") == "no_such_input"


def test_targets_file_readings_load():
    prof = load_profile("bac_kan")
    ts = load_targets(prof.targets, years=prof.years)
    rs = load_readings(ts)
    assert {r.target for r in rs} == set(ts.ids)
    assert [r.id for r in rs if r.target == "digitised_2030"] == [
        "share_50", "share_65", "share_80", "rising"]


def test_drivers_in_plain_words(a, tmp_path):
    sens = tmp_path / "sens"
    sens.mkdir()
    pd.DataFrame({"rank": [1, 2, 3], "input": ["tg4_intermediary", "need_rate", "h3"],
                  "kind": ["lever", "parameter", "parameter"], "score": [2.0, 1.6, 1.2],
                  "conf": [0.4, 0.3, 0.2],
                  "outcome": ["p_intermediary_2030", "value_nominal_2030",
                              "digitised_share_2030"],
                  "measure": ["max mu_star_rel"] * 3}).to_csv(sens / "ranking.csv", index=False)
    for lang in ("en", "vi"):
        write_assessment(a, tmp_path / lang, lang=lang, parquet=False, drivers=sens)
        md = (tmp_path / lang / "report.md").read_text(encoding="utf-8")
        part = md[md.index("## " + words.t("h.drivers", lang)):]
        part = part[:part.index("\n## ")]
        for pid in ("need_rate", "h3", "tg4_intermediary", "p_intermediary"):
            assert pid not in part.replace("\\_", "_"), (lang, pid)
        assert glossary.label("need_rate", lang) in part and glossary.label("h3", lang) in part


def test_calibration_status(tmp_path):
    from stmarket.experiments.assessment.calibration_status import calibration_status

    assert calibration_status(None)["status"] == "prior"
    post = tmp_path / "posterior.csv"
    post.write_text("weight,need_rate,h3\n0.5,0.001,1.0\n0.5,0.002,2.0\n", encoding="utf-8")
    s = calibration_status(post)
    assert s == {"status": "posterior", "fitted": ["need_rate", "h3"], "observations": None,
                 "target_reached": None}
    (tmp_path / "manifest.json").write_text(
        '{"observations_file": {"path": "scenarios/observations/bac_kan.toml"}, '
        '"target_reached": false}', encoding="utf-8")
    s = calibration_status(post)
    assert s["observations"].endswith("bac_kan.toml") and s["target_reached"] is False
