"""Scenario discovery (experiments/discover.py): PRIM on known boxes, the target rule,
the pipeline end to end, the CLI, and no side effects of importing EMA Workbench."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.analysis.evaluation import evaluate
from stmarket.experiments.assessment.montecarlo import make_design
from stmarket.experiments.cli.discover import add_parser, run_cli
from stmarket.experiments.discovery.prim import (
    ALPHA,
    BAND,
    _select,
    choose_targets,
    discover,
    prim_boxes,
)
from stmarket.experiments.discovery.write import write_discovery
from stmarket.model import load_scenario, load_targets
from stmarket.model.errors import InputError

TAG = 0xD15C  # the tests' own random stream
TOL = 0.05    # tolerance on a known box's limits, in units of the unit cube


def _cube(n: int, d: int, *key: int) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng([TAG, *key])
    return pd.DataFrame(rng.random((n, d)), columns=[f"x{i}" for i in range(d)]), rng


def _sides(box) -> dict[str, tuple[float | None, float | None]]:
    """Restricted dimension -> (low if restricted, high if restricted)."""
    return {d: (None if np.isnan(r.qp_low) else r.low, None if np.isnan(r.qp_high) else r.high)
            for d, r in box.limits.iterrows()}


def test_known_box_is_found():
    """y = (x0 > 0.6) & (x2 < 0.3) with 2 % of labels flipped: PRIM restricts exactly x0
    from below and x2 from above, within TOL of 0.6 and 0.3. The flips outside the box
    (2 % of 88 % of points) cap the coverage at about 0.87."""
    X, rng = _cube(2000, 5, 1)
    y = ((X.x0 > 0.6) & (X.x2 < 0.3)).to_numpy() ^ (rng.random(2000) < 0.02)
    (box,) = prim_boxes(X, y, threshold=0.9)
    sides = _sides(box)
    assert set(sides) == {"x0", "x2"}
    (lo0, hi0), (lo2, hi2) = sides["x0"], sides["x2"]
    assert hi0 is None and lo2 is None
    assert abs(lo0 - 0.6) <= TOL and abs(hi2 - 0.3) <= TOL
    assert box.coverage >= 0.8 and box.density >= 0.9 and box.meets_threshold
    assert (box.limits[["qp_low", "qp_high"]].max(axis=1) < 1e-6).all()
    # the density rule: the reported step is the densest-enough step of highest coverage
    t = box.trajectory
    ok = t[(t.phase != "prune") & (t.density >= 0.9)]
    assert box.chosen == ok.coverage.idxmax() and t.selected.sum() == 1


def test_second_box_is_the_other_region():
    """y = box A or box B (2 % flips): the first two boxes are A and B, in either order."""
    X, rng = _cube(2000, 5, 2)
    a = (X.x0 > 0.7) & (X.x1 < 0.3)
    b = (X.x3 > 0.75) & (X.x4 > 0.7)
    y = (a | b).to_numpy() ^ (rng.random(2000) < 0.02)
    boxes = prim_boxes(X, y, threshold=0.9, n_boxes=2)
    found = {frozenset(_sides(bx)): _sides(bx) for bx in boxes}
    assert set(found) == {frozenset({"x0", "x1"}), frozenset({"x3", "x4"})}
    A, B = found[frozenset({"x0", "x1"})], found[frozenset({"x3", "x4"})]
    assert abs(A["x0"][0] - 0.7) <= TOL and abs(A["x1"][1] - 0.3) <= TOL
    assert abs(B["x3"][0] - 0.75) <= TOL and abs(B["x4"][0] - 0.7) <= TOL
    assert boxes[1].number == 2 and boxes[0].coverage + boxes[1].coverage > 0.8


def test_noise_gives_no_box_after_pruning():
    """y independent of X: peeling still restricts dimensions (it fits the sample's
    noise), pruning drops every one of them."""
    X, rng = _cube(1500, 5, 3)
    y = rng.random(1500) < 0.4
    (raw,) = prim_boxes(X, y, threshold=0.8, prune=False)
    (pruned,) = prim_boxes(X, y, threshold=0.8)
    assert raw.n_restricted >= 1
    assert pruned.n_restricted == 0 and pruned.coverage == 1.0
    assert pruned.density == pytest.approx(y.mean())


def test_selection_rule():
    t = pd.DataFrame({"coverage": [1.0, 0.8, 0.6, 0.5, 0.55],
                      "density": [0.3, 0.5, 0.85, 0.9, 0.88]})
    assert _select(t, 0.8) == 2          # highest coverage among density >= 0.8
    assert _select(t, 0.89) == 3
    assert _select(t, 0.95) == 4         # none reaches it: EMA's default, the last box
    assert _select(t, 0.3) == 0          # the whole space is dense enough already


@pytest.mark.parametrize("y, msg", [(np.zeros(50), "both classes"), (np.full(50, 2), "binary"),
                                    (np.ones(49), "one value per row")])
def test_prim_boxes_refuses_bad_y(y, msg):
    X, _ = _cube(50, 2, 4)
    with pytest.raises(ValueError, match=msg):
        prim_boxes(X, y)


def test_default_targets_follow_the_rule(profile):
    """The rule on a made-up verdict table: 2030 targets met in [0.05, 0.95] of runs."""
    ts = load_targets(profile.targets, years=profile.years)
    rng = np.random.default_rng([TAG, 5])
    p = np.linspace(0.0, 1.0, len(ts.ids))
    met = rng.random((4000, len(ts.ids))) < p
    table = choose_targets(ts, met)
    expect = [t.id for k, t in enumerate(ts.targets)
              if t.year == 2030 and BAND[0] <= met[:, k].mean() <= BAND[1]]
    assert list(table.loc[table.analysed, "target"]) == expect and expect
    named = choose_targets(ts, met, ["ip_share_2025"])
    assert list(named.loc[named.analysed, "target"]) == ["ip_share_2025"]


@pytest.fixture(scope="module")
def small_run(small_profile):
    return discover(profile=small_profile, runs=300, seed=3, n_threads=2)


def test_pipeline_end_to_end(small_profile, small_run, tmp_path):
    d = small_run
    # the same runs as stmarket run: the design and the verdicts, recomputed here
    ts = load_targets(small_profile.targets, years=small_profile.years)
    des = make_design(small_profile, 300, 3)
    met = evaluate(small_profile, ts, des.P, load_scenario("plan_2257").budgets(
        small_profile.years), des.seeds, des.runs, n_threads=1).met
    p = met.mean(axis=0)
    expect = [t.id for k, t in enumerate(ts.targets)
              if t.year == 2030 and BAND[0] <= p[k] <= BAND[1]]
    assert [o.name for o in d.outcomes] == expect and expect
    for o in d.outcomes:
        assert o.base_rate == pytest.approx(1 - p[ts.ids.index(o.name)])
    assert d.X.shape == (300, len(small_profile.space.uncertain))
    s, b, t = d.summary, d.boxes, d.trajectory
    assert list(s.columns[:8]) == ["outcome", "box", "coverage", "density", "mass",
                                   "n_restricted", "cases_of_interest", "runs"]
    assert list(b.columns[:7]) == ["outcome", "box", "dimension", "low", "high", "prior_low",
                                   "prior_high"] and "qp_value" in b
    assert list(t.columns) == ["outcome", "box", "step", "phase", "coverage", "density", "mass",
                               "res_dim", "selected"]
    assert (s.density == s.cases_of_interest / s.runs).all()
    assert ((b.low >= b.prior_low) & (b.high <= b.prior_high) & (b.low < b.high)).all()
    assert (b.qp_value <= ALPHA).all()                       # pruned
    assert (s.n_restricted == b.groupby(["outcome", "box"]).size().reindex(
        pd.MultiIndex.from_frame(s[["outcome", "box"]]), fill_value=0).to_numpy()).all()
    assert "misses" in d.describe()
    files = write_discovery(d, tmp_path / "disc")
    for name in ("boxes.csv", "trajectory.csv", "summary.csv", "targets.csv", "tradeoff.png",
                 "box_limits.png", "manifest.json"):
        assert name in files and (tmp_path / "disc" / name).stat().st_size > 0
    assert pd.read_csv(tmp_path / "disc" / "summary.csv").shape[0] == len(s)


def test_named_targets_are_pooled(small_profile, small_run):
    """--target A --target B: one analysis, y = the run misses A or B; the same runs on
    1 thread as on 2 (small_run). Unpruned and with a high threshold (missing either is
    common), so that the boxes have restrictions: their limits lie within the priors, an
    unrestricted side shows the prior's bound."""
    names = [o.name for o in small_run.outcomes][:2]
    d = discover(profile=small_profile, runs=300, seed=3, targets=names, n_threads=1,
                 threshold=0.97, boxes=2, prune=False)
    assert [o.name for o in d.outcomes] == ["|".join(names)]
    ys = {o.name: o.y for o in small_run.outcomes}
    assert np.array_equal(d.outcomes[0].y, np.logical_or.reduce([ys[n] for n in names]))
    pd.testing.assert_frame_equal(d.X, small_run.X)
    b = d.boxes
    assert len(b) > 0 and set(b.box) <= {1, 2}
    assert ((b.low >= b.prior_low) & (b.high <= b.prior_high) & (b.low < b.high)).all()
    assert ((b.low == b.prior_low) == b.qp_low.isna()).all()
    assert ((b.high == b.prior_high) == b.qp_high.isna()).all()
    assert " when " in d.describe()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stmarket")
    add_parser(p.add_subparsers(dest="command"))
    return p


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--threshold", "1.5"], ["--boxes", "9"],
                                  ["--seed", "-1"], ["--out", " "]])
def test_cli_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["discover", *argv])
    assert exc.value.code == 2 and "error" in capsys.readouterr().err


@pytest.mark.parametrize("argv, key", [(["--target", "nope"], "--target"),
                                       (["--workers", "4000"], "--workers")])
def test_cli_bad_input_is_an_input_error(argv, key, tmp_path):
    args = _parser().parse_args(["discover", *argv, "--out", str(tmp_path / "o")])
    with pytest.raises(InputError, match=key):
        run_cli(args)


def test_cli_runs(tmp_path, capsys):
    out = tmp_path / "d"
    args = _parser().parse_args(["discover", "--runs", "150", "--target", "intermediary_2030",
                                 "--target", "ip_share_2030", "--out", str(out)])
    assert run_cli(args) == 0
    text = capsys.readouterr().out
    assert "box 1: plan_2257 misses any of ip_share_2030, intermediary_2030" in text
    assert (out / "manifest.json").exists() and (out / "box_limits.png").exists()


def test_no_side_effects_of_ema():
    """Importing our module imports neither EMA nor pyplot; running PRIM gives no
    warning and leaves matplotlib's settings and the root logger as they were."""
    code = textwrap.dedent("""
        import logging, sys, warnings
        import matplotlib
        import numpy as np, pandas as pd
        import stmarket.experiments.discovery.prim as d
        assert "ema_workbench" not in sys.modules and "matplotlib.pyplot" not in sys.modules
        before = dict(matplotlib.rcParams); handlers = list(logging.getLogger().handlers)
        rng = np.random.default_rng(0)
        X = pd.DataFrame(rng.random((300, 3)), columns=list("abc"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            d.prim_boxes(X, (X.a > 0.5).to_numpy())
        changed = [k for k, v in matplotlib.rcParams.items() if k != "backend"
                   and str(before[k]) != str(v)]
        assert not changed, changed
        assert logging.getLogger().handlers == handlers
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
