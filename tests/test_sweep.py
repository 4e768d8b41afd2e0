"""Batch sweeps: designs, identical results on 1 process, 2 worker processes and a Dask
LocalCluster, resume after kill -9, refusal to mix, failed runs, bounded summaries."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.cli.main import main
from stmarket.experiments.sweeps.design import SweepPlan, load_design
from stmarket.experiments.sweeps.runner import CHUNKS, SUMMARY, run_sweep
from stmarket.experiments.sweeps.summary import edges
from stmarket.model.errors import InputError
from stmarket.model.profile import scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
PROFILE = scenarios_dir() / "profiles" / "bac_kan.toml"


def tiny_profile(folder: Path) -> Path:
    text = re.sub(r"^count = (\d+)$", lambda m: f"count = {max(1, int(m.group(1)) // 25)}",
                  PROFILE.read_text(encoding="utf-8"), flags=re.M)
    path = folder / "tiny.toml"
    path.write_text(text.replace('id = "bac_kan"', 'id = "bac_kan_tiny"', 1), encoding="utf-8")
    return path


def write_design(folder: Path, name: str = "d.toml", *, profile: str = "tiny.toml",
                 seeds: int = 12, chunk: int = 16, method: str = "factorial",
                 extra: str = "") -> Path:
    factors = ('[factors.tg4]\nlever = "tg4_intermediary"\nkey = "level"\n'
               + ('values = [0.0, 0.5, 1.5]\n' if method == "factorial"
                  else 'low = 0.0\nhigh = 1.5\n')
               + '[factors.need]\nparameter = "need_rate"\n'
               + ('values = [0.001, 0.003]\n' if method == "factorial"
                  else 'low = 0.001\nhigh = 0.003\n'))
    samples = "" if method == "factorial" else "samples = 8\n"
    text = (f'[sweep]\nid = "t"\nscenario = "plan_2257"\nmethod = "{method}"\n{samples}'
            f'seeds = {seeds}\nseed = 4\nchunk = {chunk}\nprofile = "{profile}"\n{extra}'
            + factors)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def digests(out: Path) -> dict[str, str]:
    files = sorted((out / CHUNKS).glob("chunk-*.parquet")) + sorted((out / SUMMARY).glob("*"))
    return {f.relative_to(out).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in files}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    f = tmp_path_factory.mktemp("sweep")
    tiny_profile(f)
    return f


@pytest.fixture(scope="module")
def reference(folder):
    """The design run in this process: the results every other way must equal."""
    design = write_design(folder)
    return design, run_sweep(design, folder / "ref", workers=1)


def test_design_points_and_run_inputs(folder):
    d = load_design(write_design(folder, "pts.toml"))
    assert d.n_points == 6 and d.n_runs == 72
    plan = SweepPlan.load(d)
    np.testing.assert_array_equal(plan.points[:, 0], [0, 0, 0.5, 0.5, 1.5, 1.5])
    P, LEV, seeds, runs, point, rep, err = plan.run_inputs(10, 40)
    assert list(runs) == list(range(10, 40)) and (point == runs // 12).all() and not any(err)

    np.testing.assert_array_equal(P[:, plan.profile.space.index("need_rate")],
                                  plan.points[point, 1])
    assert (LEV[point == 4][:, 3, -1] == 1.5).all() and (LEV[point == 0][:, 3] == 0).all()
    # the same run's inputs whatever range asked for them
    P2, LEV2, *_ = plan.run_inputs(25, 26)
    np.testing.assert_array_equal(P2[0], P[15])
    np.testing.assert_array_equal(LEV2[0], LEV[15])
    for method in ("lhs", "sobol"):
        dm = load_design(write_design(folder, f"{method}.toml", method=method))
        pts = SweepPlan.load(dm).points
        assert pts.shape == (8, 2) and (pts[:, 0] >= 0).all() and (pts[:, 0] <= 1.5).all()
        assert len(np.unique(pts[:, 0])) == 8


def test_summary_matches_the_runs(reference):
    design, res = reference
    runs = res.runs()
    assert len(runs) == 72 and runs.run.is_unique and (runs.status == "ok").all()
    t = res.targets()
    for (p, tid), g in t.groupby(["point", "target"]):
        if tid == "all_targets":
            continue
        sel = runs[runs.point == p]
        assert g.probability.item() == pytest.approx(sel[f"met_{tid}"].mean())
        assert g.runs.item() == 12
    q = res.quantiles()
    for ind in ("intermediaries_connected", "value_nominal", "ip_share"):
        row = q[(q.point == 3) & (q.indicator == ind) & (q.year == 2030)].iloc[0]
        x = runs.loc[runs.point == 3, f"{ind}_2030"].to_numpy()
        exact = np.quantile(x, 0.5, method="inverted_cdf")
        if ind.startswith("intermediaries"):
            assert row.q50 == exact  # integer indicator: exact
        else:
            e = edges(ind)
            b = np.searchsorted(e, exact, side="right") - 1
            assert e[max(b - 1, 0)] <= row.q50 <= e[min(b + 2, e.size - 1)]  # within a bin


def test_two_workers_and_a_dask_cluster_give_identical_files(reference, folder):
    design, res = reference
    ref = digests(res.out)
    assert len(ref) == 5 + 4  # 72 runs in chunks of 16, and four summary files
    run_sweep(design, folder / "pool", workers=2)
    assert digests(folder / "pool") == ref
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        run_sweep(design, folder / "dask", scheduler=client)
        address = cluster.scheduler_address
        code = main(["sweep", str(design), "--out", str(folder / "dask2"), "--scheduler",
                     address, "--no-progress"])
    assert code == 0
    assert digests(folder / "dask") == ref and digests(folder / "dask2") == ref


def test_kill_9_then_resume_gives_the_uninterrupted_result(tmp_path):
    """A real sweep (full province, 2 worker processes) killed with SIGKILL half-way,
    then resumed: the same files as a sweep never interrupted, no run lost or doubled."""
    design = write_design(tmp_path, profile="bac_kan", seeds=400, chunk=40)  # 60 chunks
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "stmarket", "sweep", str(design), "--out", str(out),
           "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / CHUNKS).glob("chunk-*.parquet"))) < 3:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list((out / CHUNKS).glob("chunk-*.parquet")))
    assert 3 <= before < 60, f"not interrupted half-way ({before} chunks of 60)"
    assert json.loads((out / "sweep.json").read_text())["status"] == "running"
    assert not (out / SUMMARY).exists()
    code = main(["sweep", str(design), "--out", str(out), "--workers", "1", "--no-progress"])
    assert code == 2  # without --resume it refuses to touch the folder
    run_sweep(design, out, workers=1, resume=True)
    whole = run_sweep(design, tmp_path / "whole", workers=1)
    assert digests(out) == digests(whole.out)
    runs = pd.read_parquet(out / CHUNKS, columns=["run"]).run
    assert runs.is_unique and sorted(runs) == list(range(2400))
    assert json.loads((out / "sweep.json").read_text())["status"] == "complete"


def test_refuses_to_mix_designs_code_or_inputs(reference, folder, monkeypatch):
    design, res = reference
    out = folder / "mix"
    run_sweep(design, out)
    changed = write_design(folder, "changed.toml", seeds=13)
    with pytest.raises(InputError, match="design_hash: the design changed"):
        run_sweep(changed, out, resume=True)
    import stmarket.experiments.sweeps.runner as S

    monkeypatch.setattr(S, "code_hash", lambda: "0" * 64)
    with pytest.raises(InputError, match="code_hash: the code changed"):
        run_sweep(design, out, resume=True)
    monkeypatch.undo()
    run_sweep(design, out, resume=True)  # same design and code: fine, nothing recomputed
    assert digests(out) == digests(res.out)


def test_failed_runs_are_recorded_and_the_sweep_goes_on(folder):
    path = folder / "fail.toml"
    path.write_text(
        '[sweep]\nid = "f"\nscenario = "plan_2257"\nmethod = "factorial"\nseeds = 5\n'
        'profile = "tiny.toml"\nchunk = 7\n'
        '[factors.start]\nlever = "tg2_demand"\nkey = "start_year"\nvalues = [2022, 2027]\n'
        '[factors.end]\nlever = "tg2_demand"\nkey = "end_year"\nvalues = [2025, 2030]\n'
        '[factors.ec]\nparameter = "ec_base"\nvalues = [0.2, 0.95]\n', encoding="utf-8")
    res = run_sweep(path, folder / "fail", workers=2)
    f = res.failures()
    pts = pd.read_csv(folder / "fail" / SUMMARY / "points.csv")
    bad = pts[(pts.start > pts.end) | (pts.ec > 0.9)].point
    assert set(f.point) == set(bad) and len(f) == 5 * len(bad) == res.manifest["failed_runs"]
    assert f.error.str.contains("start_year 2027 is after end_year 2025").any()
    assert f.error.str.contains("ec_base 0.95 is above ec_max").any()
    t = res.targets()
    assert (t[t.point.isin(bad)].runs == 0).all() and (t[~t.point.isin(bad)].runs == 5).all()
    assert (t[t.point.isin(bad)].failed == 5).all()


def test_summary_memory_does_not_grow_with_runs(folder):
    import tracemalloc

    peaks = {}
    for seeds in (40, 400):
        design = write_design(folder, f"mem{seeds}.toml", seeds=seeds, chunk=64)
        tracemalloc.start()
        res = run_sweep(design, folder / f"mem{seeds}")
        peaks[seeds] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert res.manifest["n_runs"] == 6 * seeds
    assert peaks[400] < 1.5 * peaks[40], peaks


def test_cli_sweep_errors_are_one_line(folder, tmp_path, capsys, monkeypatch):
    import stmarket.experiments.sweeps.runner as S

    monkeypatch.setattr(S, "CONNECT_TIMEOUT", 1)
    design = write_design(folder, "cli.toml")
    for argv, fragment in [
        (["sweep", "no_such_design", "--out", tmp_path / "a"], "no_such_design: no such sweep"),
        (["sweep", design, "--out", tmp_path / "b", "--workers", "0"], "--workers: must be"),
        (["sweep", design, "--out", tmp_path / "c", "--workers", "2", "--scheduler", "x"],
         "not allowed with argument"),
        (["sweep", design, "--out", tmp_path / "d", "--scheduler", "tcp://127.0.0.1:9"],
         "--scheduler: cannot reach a Dask scheduler"),
        (["sweep", design], "required: --out"),
    ]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert code == 2 and err.count("\n") == 1 and fragment in err, (argv, err)
