"""The Monte Carlo assessment end to end: ``stmarket run``/``compare``, the output
folder, reproducibility (rerun, 1 vs 2 workers), atomic writes, the Python API."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.assessment.assess import assess
from stmarket.experiments.cli.main import main
from stmarket.experiments.outputs import folder as output
from stmarket.experiments.reports.write import fan_chart, write_assessment
from stmarket.model import load_profile, load_targets
from stmarket.model.profile import scenarios_dir

PROFILE = scenarios_dir() / "profiles" / "bac_kan.toml"
TABLES = ("targets.csv", "comparisons.csv", "value_difference.csv", "fan.csv", "runs.parquet",
          "target_by_year.csv")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Bắc Kạn with every group's count divided by 25: a fast province."""
    text = re.sub(r"^count = (\d+)$", lambda m: f"count = {max(1, int(m.group(1)) // 25)}",
                  PROFILE.read_text(encoding="utf-8"), flags=re.M)
    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(text.replace('id = "bac_kan"', 'id = "bac_kan_tiny"', 1), encoding="utf-8")
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def three_runs(tiny, tmp_path_factory):
    """The same command on 1 worker, on 2 workers, and again on 2 workers."""
    base = tmp_path_factory.mktemp("runs")
    outs = {}
    for name, workers in (("w1", 1), ("w2", 2), ("again", 2)):
        outs[name] = base / name
        code = main(["run", "--profile", str(tiny), "--runs", "120", "--seed", "3",
                     "--workers", str(workers), "--out", str(outs[name]), "--no-progress"])
        assert code == 0
    return outs


def test_rerun_and_worker_count_give_identical_outputs(three_runs):
    for f in TABLES:
        d = {name: digest(out / f) for name, out in three_runs.items()}
        assert len(set(d.values())) == 1, (f, d)
    m = {name: json.loads((out / "manifest.json").read_text()) for name, out in
         three_runs.items()}
    assert m["w1"]["workers"] == 1 and m["w2"]["workers"] == 2
    for k in ("started", "finished", "written", "workers", "command"):
        for x in m.values():
            x.pop(k)
    for x in m.values():  # files that hold times or the worker count
        for f in ("report.md", "report.html", "manifest.json"):
            x["files"].pop(f, None)
    assert m["w1"] == m["w2"] == m["again"]


def test_output_folder_holds_everything(three_runs, tiny):
    out = three_runs["w2"]
    prof = load_profile(tiny)
    targets = load_targets(prof.targets, years=prof.years)
    t = pd.read_csv(out / "targets.csv")
    assert list(t.columns) == ["scenario", "target", "year", "threshold", "probability",
                               "ci_low", "ci_high", "runs", "likelihood"]
    assert set(t.scenario) == {"no_programme", "plan_2257"} and (t.runs == 120).all()
    assert set(t.target) == set(targets.ids) | {"all_targets"}
    assert ((t.ci_low <= t.probability) & (t.probability <= t.ci_high)).all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 120 * prof.n_years
    for col in ("scenario", "run", "sample", "seed", "year", "need_rate", "h4", "value",
                "value_nominal", "ip_share", "digitised_share"):
        assert col in runs.columns
    assert set(prof.space.uncertain) <= set(runs.columns)
    # targets.csv can be recomputed from runs.parquet alone
    for sc, g in runs.groupby("scenario"):
        g = g.sort_values(["run", "year"])
        ind = {name: g[name].to_numpy().reshape(120, prof.n_years) for name in
               ("value_nominal", "ip_share", "tech_share", "research_origin_share",
                "intermediaries_connected", "digitised_share")}
        _, met = targets.score(ind, prof.years)
        mine = t[t.scenario == sc].set_index("target").probability
        for k, tid in enumerate(targets.ids):
            assert mine[tid] == pytest.approx(met[:, k].mean(), abs=1e-12)
        assert mine["all_targets"] == pytest.approx(met.all(axis=1).mean(), abs=1e-12)
    c = pd.read_csv(out / "comparisons.csv")
    assert set(zip(c.a, c.b, strict=True)) == {("plan_2257", "no_programme")}
    fan = pd.read_csv(out / "fan.csv")
    assert (fan.q05 <= fan.q50).all() and (fan.q50 <= fan.q95).all()
    man = json.loads((out / "manifest.json").read_text())
    for key in ("version", "commit", "seed", "runs", "workers", "started", "finished",
                "inputs", "versions", "files", "world"):
        assert key in man
    assert man["seed"] == 3 and man["runs"] == 120 and man["stopping"] is None
    assert man["inputs"]["scenarios"]["plan_2257"]["sha256"] == digest(
        scenarios_dir() / "policies" / "plan_2257.toml")
    assert man["inputs"]["profile"]["sha256"] == digest(tiny)
    for f, info in man["files"].items():
        assert info["sha256"] == digest(out / f), f
    assert {"numpy", "numba", "scipy", "mesa", "pandas", "python"} <= set(man["versions"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and 'src="http' not in html
    assert not list(out.glob(".*tmp"))


def test_interrupted_write_leaves_no_complete_looking_folder(three_runs, tiny, tmp_path,
                                                             monkeypatch):
    out = tmp_path / "out"
    a = assess(["no_programme", "plan_2257"], profile=tiny, runs=30, seed=1)
    write_assessment(a, out)
    assert (out / "manifest.json").exists()

    real = output.write_parquet_chunks

    def interrupted(path, frames):
        def some_then_stop():
            it = iter(frames)
            yield next(it)  # one chunk reaches the temporary file, then Ctrl-C
            raise KeyboardInterrupt
        return real(path, some_then_stop())

    monkeypatch.setattr(output, "write_parquet_chunks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_assessment(a, out, force=True)
    assert not (out / "manifest.json").exists()  # incomplete folders have no manifest
    assert not (out / "runs.parquet").exists()  # removed with the old run's files
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    monkeypatch.setattr(output, "write_parquet_chunks", real)
    (out / ".runs.parquet.999.tmp").write_bytes(b"left by a killed run")
    write_assessment(a, out, force=True)  # the interrupted run's files: replaced
    assert (out / "manifest.json").exists() and not list(out.glob(".*tmp"))


def test_a_reused_folder_keeps_no_file_of_an_earlier_run(tiny, tmp_path, capsys):
    code, *_ = run(["run", "--profile", tiny, "--runs", "20", "--out", tmp_path,
                    "--no-progress"], capsys)
    assert code == 0 and (tmp_path / "comparisons.csv").exists()
    code, *_ = run(["run", "plan_without_tg1_legal", "--profile", tiny, "--runs", "20",
                    "--no-parquet", "--out", tmp_path, "--no-progress", "--force"], capsys)
    assert code == 0
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*man["files"], "manifest.json"])
    assert "runs.parquet" not in man["files"] and "comparisons.csv" not in man["files"]
    # the file the scenario is based on is hashed too
    based = man["inputs"]["scenarios"]["plan_without_tg1_legal"]["based_on"]
    assert [b["sha256"] for b in based] == [digest(scenarios_dir() / "policies" /
                                                   "plan_2257.toml")]


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    f = tmp_path / "t.csv"
    output.write_text(f, "old\n")
    with pytest.raises(RuntimeError), output.atomic_path(f) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert f.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_compare_three_scenarios_against_the_first(tiny, tmp_path, capsys):
    code, out, err = run(["compare", "plan_2257", "plan_without_tg4_intermediary",
                          "only_tg4_intermediary", "--profile", tiny, "--runs", "80",
                          "--out", tmp_path, "--lang", "vi", "--no-progress"], capsys)
    assert code == 0, err
    c = pd.read_csv(tmp_path / "comparisons.csv")
    assert set(zip(c.a, c.b, strict=True)) == {("plan_without_tg4_intermediary", "plan_2257"),
                                               ("only_tg4_intermediary", "plan_2257")}
    row = c[(c.a == "plan_without_tg4_intermediary") & (c.target == "intermediary_2030")]
    assert row.a_only.item() == 0  # no public intermediary without task group 4
    assert out.count("So sánh theo cặp") == 2  # --lang vi: the console speaks Vietnamese
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "tổ chức trung gian" in md.lower()


def test_stopping_rule_from_the_command_line(tiny, tmp_path, capsys):
    code, out, err = run(["run", "--profile", tiny, "--half-width", "0.1", "--max-runs",
                          "2000", "--out", tmp_path, "--progress"], capsys)
    assert code == 0
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["stopping"] == {"half_width": 0.1, "max_runs": 2000, "reached": True}
    t = pd.read_csv(tmp_path / "targets.csv")
    assert ((t.ci_high - t.ci_low) / 2).max() <= 0.1
    assert (t.runs == man["runs"]).all() and man["runs"] < 2000
    assert "stopping rule" in out and "run/s" in err  # tqdm's bar went to stderr


def test_pessimistic_world_is_recorded_and_lowers_the_plan(tiny, capsys):
    pes = assess(["plan_2257"], profile=tiny, runs=200, world="pessimistic")
    opt = assess(["plan_2257"], profile=tiny, runs=200, world="optimistic")
    assert pes.meta()["world"]["id"] == "pessimistic"
    assert pes.result.targets_met("plan_2257")[0] < opt.result.targets_met("plan_2257")[0]


def test_python_api_returns_frames_and_figures(tiny):
    import matplotlib.figure

    a = assess(profile=tiny, runs=40, seed=2)
    assert isinstance(a.targets(), pd.DataFrame) and isinstance(a.comparisons(), pd.DataFrame)
    r = a.runs()
    assert len(r) == 2 * 40 * 10 and r.groupby("scenario").run.nunique().eq(40).all()
    assert isinstance(fan_chart(a), matplotlib.figure.Figure)
    vd = a.value_difference()
    last = vd[vd.year == 2030].iloc[0]
    d = a.result.value_difference("plan_2257", "no_programme")
    assert last["mean"] == pytest.approx(d.mean()) and last.runs == 40
    assert np.isfinite(a.fan()[["q05", "q50", "q95"]]).all().all()


@pytest.mark.parametrize("where", ["file", "file/sub", ""])
def test_a_bad_out_folder_is_refused_before_any_run(tiny, tmp_path, capsys, monkeypatch, where):
    import stmarket.experiments.assessment.assess as A

    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setattr(A, "MonteCarlo", None)  # any run would fail with exit 1
    out = str(tmp_path / where) if where else ""
    code, _, err = run(["run", "--profile", tiny, "--runs", "5", "--out", out], capsys)
    assert code == 2 and err.count("\n") == 1 and "--out" in err, err


def test_a_failure_is_one_line_and_exit_1(tiny, tmp_path, capsys, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(output, "write_csv", broken)
    code, out, err = run(["run", "--profile", tiny, "--runs", "5", "--out", tmp_path,
                          "--no-progress"], capsys)
    assert code == 1 and err == "stmarket: failed: RuntimeError: disk on fire\n"
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["--runs", "10", "--max-runs", "50"], "--max-runs: caps the stopping rule"),
    (["/nonexistent/plan_2257.toml", "--runs", "5"], "/nonexistent/plan_2257.toml: file not"),
    (["--world", "/nonexistent/optimistic.toml", "--runs", "5"], "file not found"),
    (["--runs", "10000000", "--profile", PROFILE], "--runs: 10000000 runs of 2 scenarios need"),
])
def test_more_bad_arguments(tiny, tmp_path, capsys, argv, fragment):
    if "--profile" not in argv:
        argv = [*argv, "--profile", tiny]
    code, out, err = run(["run", *argv, "--out", tmp_path], capsys)
    assert code == 2 and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "targets.csv").exists()


def test_api_refuses_an_empty_stopping_rule(tiny):
    from stmarket.model.errors import InputError

    with pytest.raises(InputError, match="--max-runs: must be in"):
        assess(profile=tiny, max_runs=0)
    with pytest.raises(InputError, match="--half-width: must be in"):
        assess(profile=tiny, half_width=0.0)


def test_a_separate_process_writes_the_same_bytes(three_runs, tiny, tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "stmarket", "run", "--profile", str(tiny),
                    "--runs", "120", "--seed", "3", "--out", str(tmp_path), "--no-progress"],
                   check=True, capture_output=True)
    for f in TABLES:
        assert digest(tmp_path / f) == digest(three_runs["w1"] / f), f


def test_seeds_per_sample_repeat_each_sample(tiny, tmp_path, capsys):
    code, out, err = run(["run", "plan_2257", "--profile", tiny, "--runs", "30",
                          "--seeds-per-sample", "3", "--out", tmp_path, "--no-progress"], capsys)
    assert code == 0, err
    r = pd.read_parquet(tmp_path / "runs.parquet")
    r = r[r.year == 2021]
    assert r["sample"].nunique() == 10 and (r.groupby("sample").need_rate.nunique() == 1).all()
    assert (r.groupby("sample").replicate.apply(sorted).map(list) == [[0, 1, 2]] * 10).all()
    assert json.loads((tmp_path / "manifest.json").read_text())["seeds_per_sample"] == 3


def test_a_posterior_replaces_the_priors_of_the_parameters_it_fitted(tiny, tmp_path, capsys):
    from stmarket.experiments.assessment.posterior import Posterior

    post = tmp_path / "posterior.csv"
    Posterior(("need_rate",), np.array([[0.001], [0.003]]), np.array([0.25, 0.75])
              ).frame().to_csv(post, index=False)
    code, out, err = run(["run", "plan_2257", "--profile", tiny, "--runs", "400",
                          "--seeds-per-sample", "2", "--posterior", post, "--out",
                          tmp_path / "o", "--no-progress"], capsys)
    assert code == 0, err
    r = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    r = r[r.year == 2021]
    assert set(r.need_rate) == {0.001, 0.003}
    assert 0.65 < (r.need_rate == 0.003).mean() < 0.85  # resampled by weight
    assert (r.groupby("sample").need_rate.nunique() == 1).all()  # one particle per sample
    assert r.h4.nunique() == 200  # the other parameters keep their priors
    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["inputs"]["posterior"]["sha256"] == digest(post)
    bad = tmp_path / "bad.csv"
    bad.write_text("weight,no_such_parameter\n1,2\n")
    code, _, err = run(["run", "--profile", tiny, "--runs", "5", "--posterior", bad,
                        "--out", tmp_path / "b"], capsys)
    assert code == 2 and err.count("\n") == 1 and str(bad) in err
