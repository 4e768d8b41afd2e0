"""The budget optimiser: known answers on synthetic noisy objectives with a planted
optimum (search, tie-breaker, confirmation, frontier, smallest budget), and a fast
end-to-end run of the model."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.optimisation.allocations import (
    base_levels,
    moves,
    share_cols,
    simplex_points,
    unit_schedule,
)
from stmarket.experiments.optimisation.noise import compare, rank
from stmarket.experiments.optimisation.objective import ModelObjective
from stmarket.experiments.optimisation.optimiser import (
    Evaluation,
    Optimiser,
    Settings,
    confirm_seed,
    frontier_table,
)
from stmarket.experiments.optimisation.plots import optimisation_figures
from stmarket.experiments.optimisation.search import optimise
from stmarket.experiments.optimisation.write import write_optimisation
from stmarket.model import load_scenario, load_targets
from stmarket.model.errors import InputError
from stmarket.model.plan import load_plan

#: The share columns of Decision 2257's instruments (scenarios/plans/plan_2257.toml).
SHARE_COLS = share_cols(load_plan("plan_2257").ids)

#: The planted optimum of the synthetic objectives.
STAR = np.array([0.1, 0.4, 0.1, 0.3, 0.05, 0.05])


class Planted:
    """A noisy objective with a known optimum on the simplex.

    Success probability ``sigmoid(peak + gain log(B) - curv |s - STAR|^2)`` for shares
    ``s`` of a budget ``B``; one Bernoulli per run from uniforms keyed by (seed, run),
    the same for every allocation (common random numbers). With ``flat``, the objective
    is always 0 and the planted optimum is only in the tie-breaker."""

    def __init__(self, peak: float = 2.5, curv: float = 40.0, gain: float = 0.0,
                 flat: bool = False) -> None:
        self.peak, self.curv, self.gain, self.flat = peak, curv, gain, flat

    def prob(self, levels: np.ndarray) -> np.ndarray:
        levels = np.atleast_2d(levels)
        b = levels.sum(axis=1)
        s = levels / b[:, None]
        x = self.peak + self.gain * np.log(b) - self.curv * ((s - STAR) ** 2).sum(axis=1)
        return 1.0 / (1.0 + np.exp(-x))

    def __call__(self, levels, seed, start, stop) -> Evaluation:
        u = np.random.default_rng([77, seed]).random((2, stop))[:, start:stop]
        p = self.prob(np.asarray(levels))[:, None]
        hit = (u[0][None] < p).astype(float)
        if self.flat:
            return Evaluation(np.zeros_like(hit), (u[1][None] < p).astype(float))
        return Evaluation(hit, hit.copy())


EVEN = np.full(6, 1 / 6)


# --- building blocks -------------------------------------------------------------------

def test_simplex_points_fill_the_simplex():
    pts = simplex_points(1024, seed=3, d=6)
    assert pts.shape == (1024, 6) and (pts >= 0).all()
    np.testing.assert_allclose(pts.sum(axis=1), 1.0)
    np.testing.assert_allclose(pts.mean(axis=0), 1 / 6, atol=0.005)  # uniform on the simplex
    np.testing.assert_array_equal(pts, simplex_points(1024, seed=3, d=6))
    assert not np.allclose(pts[:10], simplex_points(10, seed=4, d=6))


def test_moves_transfer_budget_between_pairs():
    m = moves(EVEN, 0.1)
    assert m.shape == (30, 6)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    assert sorted(np.round(np.abs(m - EVEN).sum(axis=1), 9)) == [0.2] * 30
    s = np.array([0.02, 0.98, 0, 0, 0, 0])  # a group with less than the step gives it all
    m = moves(s, 0.1)
    assert m.shape == (10, 6) and (m >= 0).all()
    assert any(np.allclose(r, [0.0, 0.98, 0.02, 0, 0, 0]) for r in m)


def test_unit_schedule_reproduces_the_base(profile):
    plan = load_scenario("plan_2257")
    lv = base_levels(plan)
    np.testing.assert_allclose(lv, [0.3, 0.9, 0.8, 0.5, 0.3, 0.2])
    unit = unit_schedule(plan, profile.years)
    np.testing.assert_allclose(lv[:, None] * unit, plan.budgets(profile.years))
    with pytest.raises(InputError, match="no budget"):
        base_levels(load_scenario("no_programme"))


def test_compare_and_rank_are_noise_aware():
    rng = np.random.default_rng(0)
    x = (rng.random(400) < 0.3).astype(float)
    t = rng.normal(size=400)
    assert compare((x, t), (x, t)) == 0
    better = np.maximum(x, (rng.random(400) < 0.2))  # pathwise at least x, often more
    assert compare((better, t), (x, t)) == 1 and compare((x, t), (better, t)) == -1
    one_more = x.copy()
    one_more[np.flatnonzero(x == 0)[0]] = 1  # one success more: within noise
    assert compare((one_more, t), (x, t)) == 0
    assert compare((one_more, t), (x, t - 1)) == 1  # tied objective, better tie-breaker
    # ... but the tie-breaker never trades the objective away, even within noise
    assert compare((x, t), (one_more, t - 1)) == 0
    assert compare((x, t - 1), (one_more, t)) == -1
    values, ties = np.stack([x, one_more, better * 0]), np.stack([t + 5, t, t + 9])
    # with a band of ties: 0 and 1 are tied on the objective (1 leads by one run) and 0
    # has the better tie-breaker; 2 is worse beyond noise whatever its tie-breaker
    assert list(rank(values, ties, z=1.96)) == [0, 1, 2]
    # the races' default: by mean objective; only exact ties go to the tie-breaker
    assert list(rank(values, ties)) == [1, 0, 2]
    assert list(rank(np.stack([x, x, x * 0, x * 0]), np.stack([t, t + 1, t + 3, t + 2]))) == \
        [1, 0, 2, 3]


# --- known answers ---------------------------------------------------------------------

@pytest.mark.parametrize("flat", [False, True], ids=["objective", "tiebreaker"])
def test_search_finds_the_planted_optimum(flat):
    """From a space-filling screen and pair moves, on noisy runs, the search ends within
    0.05 of the planted optimum in every share (with 2000 runs the worst of 20 seeds
    was 0.03), whether the optimum is in the objective or only in the tie-breaker."""
    s = Settings(runs=2000, candidates=16, min_step=0.025, max_rounds=20)
    for seed in (1, 2, 3):
        r = Optimiser(Planted(flat=flat), EVEN, s, seed).search(3.0)
        assert np.abs(r.shares - STAR).max() <= 0.05, (seed, r.shares)
        assert r.accepted_moves >= 1


def test_search_uses_common_random_numbers():
    """Every candidate sees the same runs: the bank's draws for two allocations are
    paired, and the same seed repeats the search exactly."""
    s = Settings(runs=200, candidates=8, max_rounds=2)
    a = Optimiser(Planted(), EVEN, s, 5)
    r1 = a.search(2.0)
    r2 = Optimiser(Planted(), EVEN, s, 5).search(2.0)
    np.testing.assert_array_equal(r1.shares, r2.shares)
    ev = a.bank.get(np.vstack([STAR, EVEN]) * 2.0, 5, 200)
    assert ((ev.value[0] - ev.value[1]) >= 0).all()  # STAR is better on every run
    assert confirm_seed(5) != 5 and confirm_seed(5) == confirm_seed(5)


def test_confirmation_rejects_a_candidate_that_is_not_better():
    f = Planted()
    opt = Optimiser(f, EVEN, Settings(confirm_runs=2000), 1)
    worse = _unit(STAR + [0.05, -0.05, 0, 0, 0, 0])
    far = _unit(STAR + [0.2, -0.2, 0, 0, 0, 0])
    same = opt.confirm(STAR * 3, STAR * 3)
    assert not same.accepted and same.difference[0] == 0
    for cand in (worse, far):
        c = opt.confirm(cand * 3, STAR * 3)
        assert not c.accepted and c.difference[0] < 0
    c = opt.confirm(STAR * 3, far * 3)
    assert c.accepted and c.decided_by == "objective"
    true = f.prob(STAR * 3)[0] - f.prob(far * 3)[0]
    assert c.difference[1] <= true <= c.difference[2]
    # the confirmation's runs are fresh: another seed than the search's
    assert c.seed == opt.confirm_seed != opt.seed
    # a flat objective: only the tie-breaker can decide, and does
    flat = Optimiser(Planted(flat=True), EVEN, Settings(confirm_runs=2000), 1)
    c = flat.confirm(STAR * 3, far * 3)
    assert c.accepted and c.decided_by == "tiebreak" and c.difference[0] == 0
    assert not flat.confirm(far * 3, STAR * 3).accepted


def test_frontier_is_monotone_for_a_monotone_objective():
    """More budget never hurts in this objective; with warm starts and common random
    numbers the frontier rises with the budget, and every point is on the Pareto front."""
    f = Planted(peak=-2.0, curv=20.0, gain=1.5)
    opt = Optimiser(f, EVEN, Settings(runs=600, confirm_runs=1500, candidates=12), 2,
                    load_plan("plan_2257").ids)
    fr = frontier_table(opt.frontier([0.5, 1, 2, 4, 8, 16]))
    assert (np.diff(fr["value"]) > 0).all(), fr["value"].tolist()
    assert fr["pareto"].all()
    assert (fr["ci_low"] <= fr["value"]).all() and (fr["value"] <= fr["ci_high"]).all()
    np.testing.assert_allclose(fr[SHARE_COLS].sum(axis=1), 1.0)


def test_smallest_budget_reaching_a_probability():
    """Known answer: at the optimum shares, sigmoid(-2 + 1.5 log B) = 0.8 at
    B* = exp((logit 0.8 + 2) / 1.5) = 9.56; the bisection's answer is within 20 %
    (the shares found are near, not at, the optimum, so it may be a little higher)."""
    f = Planted(peak=-2.0, curv=20.0, gain=1.5)
    b_star = np.exp((np.log(0.8 / 0.2) + 2.0) / 1.5)
    opt = Optimiser(f, EVEN, Settings(runs=600, confirm_runs=1500, candidates=12), 3)
    rows = opt.frontier([1, 4, 16])
    reach = opt.smallest_budget(rows, 0.8, 32.0, steps=5)
    assert reach["reached"] and reach["value"] >= 0.8
    assert 0.9 * b_star <= reach["budget"] <= 1.2 * b_star, (reach, b_star)
    assert reach["bracket_low"] < reach["budget"] == reach["bracket_high"]
    assert any(r["stage"] == "bisection" for r in rows)
    # not reachable below 2 bn: the maximum budget is tried, then reported as not enough
    rows = opt.frontier([0.5, 1])
    reach = opt.smallest_budget(rows, 0.8, 2.0)
    assert not reach["reached"] and reach["best_value"] < 0.8
    assert reach["best_budget"] == 2.0 and rows[-1]["stage"] == "max_budget"


def _unit(x):
    x = np.clip(np.asarray(x, float), 0, None)
    return x / x.sum()


# --- the model -------------------------------------------------------------------------

def test_model_objective_scores_the_2030_targets(small_profile):
    targets = load_targets(small_profile.targets, years=small_profile.years)
    plan = load_scenario("plan_2257")
    unit = unit_schedule(plan, small_profile.years)
    lv = np.vstack([base_levels(plan), base_levels(plan) * 3])
    ev = ModelObjective(small_profile, targets, unit, "all_2030")(lv, 4, 0, 30)
    cols = [k for k, t in enumerate(targets.targets) if t.year == 2030]
    np.testing.assert_array_equal(ev.value, ev.met[..., cols].all(axis=-1))
    np.testing.assert_array_equal(ev.tiebreak, ev.met[..., cols].sum(axis=-1))
    # runs 10..29 evaluated alone are the same runs (extension, not redrawing)
    part = ModelObjective(small_profile, targets, unit, "expected")(lv, 4, 10, 30)
    np.testing.assert_array_equal(part.met, ev.met[:, 10:])
    np.testing.assert_array_equal(part.value, ev.tiebreak[:, 10:])
    one = ModelObjective(small_profile, targets, unit, "intermediary_2030")(lv, 4, 0, 30)
    np.testing.assert_array_equal(one.value, ev.met[..., targets.ids.index("intermediary_2030")])
    with pytest.raises(InputError, match="--objective"):
        ModelObjective(small_profile, targets, unit, "nonsense")


def test_optimise_end_to_end(small_profile, tmp_path):
    kw = dict(profile=small_profile, runs=16, confirm_runs=40, candidates=4, max_rounds=1,
              seed=2)
    r1 = optimise(3.0, n_threads=1, **kw)
    r2 = optimise(3.0, n_threads=2, **kw)
    for a, b in ((r1.frontier, r2.frontier), (r1.best, r2.best),
                 (r1.candidates, r2.candidates), (r1.best_targets, r2.best_targets)):
        pd.testing.assert_frame_equal(a, b)
    best = r1.best.set_index("allocation")
    assert list(best.index) == ["winner", "plan"]
    np.testing.assert_allclose(best.loc["plan", SHARE_COLS].to_numpy(float),
                               np.array([0.3, 0.9, 0.8, 0.5, 0.3, 0.2]) / 3.0)
    assert best.loc["plan", "difference"] == 0 and best.loc["plan", "budget"] == 3.0
    np.testing.assert_allclose(r1.frontier[SHARE_COLS].sum(axis=1), 1.0)
    assert set(r1.candidates["phase"]) == {"screen", "move", "confirm"}
    search = r1.candidates[r1.candidates["seed"] == 2]
    assert search["runs"].max() == 3 * 16  # 16 search runs + 32 held-out runs
    assert (r1.candidates.loc[r1.candidates["seed"] != 2, "runs"] == 40).all()
    assert len(r1.best_targets) == 9
    files = write_optimisation(r1, tmp_path)
    for name in ("candidates.csv", "frontier.csv", "best.csv", "best_targets.csv",
                 "frontier.png", "shares.png", "manifest.json"):
        assert (tmp_path / name).stat().st_size > 0
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["confirm_seed"] == confirm_seed(2) and man["objective"] == "all_2030"
    assert set(man["files"]) == {p.name for p in files.values()} - {"manifest.json"}


def test_optimise_frontier_and_target_on_the_model(small_profile):
    r = optimise(budgets=[1.0, 3.0], profile=small_profile, runs=12, confirm_runs=30,
                 candidates=3, max_rounds=1, target_probability=0.99, max_budget=4.0)
    assert r.frontier["budget"].tolist() == [1.0, 3.0, 4.0]
    assert r.frontier["stage"].tolist() == ["frontier", "frontier", "max_budget"]
    assert r.reach is not None and not r.reach["reached"]
    assert r.reach["best_value"] == r.frontier["value"].max() < 0.99
    figs = optimisation_figures(r)
    assert set(figs) == {"frontier", "shares"}


def test_optimise_expected_objective(small_profile):
    """The mean number of 2030 targets met: normal intervals, the probability of every
    2030 target as tie-breaker."""
    r = optimise(3.0, profile=small_profile, objective="expected", runs=12, confirm_runs=30,
                 candidates=3, max_rounds=1)
    f = r.frontier.iloc[0]
    assert 0 <= f["ci_low"] <= f["value"] <= f["ci_high"] <= 6
    assert f["value"] - f["ci_low"] == pytest.approx(f["ci_high"] - f["value"])
    assert 0 <= f["tiebreak"] <= 1 and r.meta["binary"] is False


def test_optimise_input_errors(small_profile):
    with pytest.raises(InputError, match="--objective"):
        optimise(3.0, profile=small_profile, objective="bogus")
    with pytest.raises(InputError, match="--target-probability"):
        optimise(3.0, profile=small_profile, objective="expected", target_probability=0.5)
    with pytest.raises(InputError, match="--budget"):
        optimise(-1.0, profile=small_profile)
    with pytest.raises(InputError, match="not both"):
        optimise(3.0, budgets=[1, 2], profile=small_profile)
    with pytest.raises(InputError, match="--max-budget"):
        optimise(budgets=[1, 5], max_budget=2, target_probability=0.5, profile=small_profile)
    with pytest.raises(InputError, match="funds no task group"):
        optimise(3.0, base="no_programme", profile=small_profile)


# --- the command line ------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    from stmarket.experiments.cli.optimise import add_parser

    p = argparse.ArgumentParser(prog="stmarket")
    add_parser(p.add_subparsers(dest="command"))
    return p


@pytest.mark.parametrize("bad", [["--budget", "-1"], ["--budget", "x"], ["--budgets", "1,,2"],
                                 ["--budget", "1", "--budgets", "1,2"], ["--runs", "0"],
                                 ["--target-probability", "1"], ["--seed", "-3"],
                                 ["--candidates", "1.5"], ["--max-budget", "nan"]])
def test_cli_rejects_bad_values(bad, capsys):
    with pytest.raises(SystemExit) as e:
        _parser().parse_args(["optimise", *bad])
    assert e.value.code == 2 and "error" in capsys.readouterr().err


def test_cli_runs_and_writes(tmp_path, capsys):
    from stmarket.experiments.cli.optimise import run_cli

    p = _parser()
    with pytest.raises(InputError, match="--objective"):
        run_cli(p.parse_args(["optimise", "--objective", "nope", "--out", str(tmp_path)]))
    with pytest.raises(InputError, match="--target-probability"):
        run_cli(p.parse_args(["optimise", "--objective", "expected", "--target-probability",
                              "0.5", "--out", str(tmp_path)]))
    args = p.parse_args(["optimise", "--budget", "3", "--runs", "8", "--confirm-runs", "16",
                         "--candidates", "2", "--max-rounds", "1", "--workers", "1",
                         "--out", str(tmp_path / "o")])
    assert run_cli(args) == 0
    out = capsys.readouterr().out
    assert "winner at 3 bn/yr" in out and "plan at 3 bn/yr" in out
    assert (tmp_path / "o" / "manifest.json").exists()
    fr = pd.read_csv(tmp_path / "o" / "frontier.csv")
    assert fr["budget"].tolist() == [3.0] and fr["runs"].tolist() == [16]
