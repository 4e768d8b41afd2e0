"""Global sensitivity analysis: known answers (Ishigami for Sobol and Morris, a model
with known noise for the noise share), the keys of the runs, the market's inputs and
outcomes, independence of the thread count, the output folder and the command line."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from stmarket.experiments.cli import sensitivity as cli
from stmarket.experiments.sensitivity import methods as S
from stmarket.experiments.sensitivity.market import MarketModel, market_outcomes, market_problem
from stmarket.experiments.sensitivity.plots import sensitivity_figures
from stmarket.experiments.sensitivity.problem import Input, Problem
from stmarket.experiments.sensitivity.replicates import (
    NOISE_RUN0,
    evaluate_replicates,
    noise_table,
    variance_components,
)
from stmarket.experiments.sensitivity.write import write_sensitivity
from stmarket.model import load_scenario, load_targets
from stmarket.model.errors import InputError

PI = math.pi
ISHIGAMI = Problem(tuple(Input(f"x{i + 1}", "parameter", -PI, PI) for i in range(3)))


def ishigami_model(X, seeds, runs):
    return {"y": S.ishigami(X)}


def normal_noise(seeds, runs):
    """One standard normal per run, a pure function of its key (seed, run)."""
    return np.array([np.random.default_rng([0xA5, int(s), int(r)]).standard_normal()
                     for s, r in zip(seeds, runs, strict=True)])


def noisy_model(sigma):
    """y = x1 + sigma * eps(key); x2 has no effect. Var(x1) = 1/12 on U(0, 1)."""
    def f(X, seeds, runs):
        return {"y": X[:, 0] + sigma * normal_noise(seeds, runs)}
    return f


UNIT2 = Problem((Input("x1", "parameter", 0.0, 1.0), Input("x2", "parameter", 0.0, 1.0)))


# -- known answers ----------------------------------------------------------------------

def test_ishigami_analytic_indices_are_the_published_ones():
    s1, st = S.ishigami_indices(7.0, 0.1)
    np.testing.assert_allclose(s1, [0.314, 0.442, 0.0], atol=5e-4)
    np.testing.assert_allclose(st, [0.558, 0.442, 0.244], atol=5e-4)


def test_sobol_recovers_ishigami_indices():
    r = S.analyse(ISHIGAMI, ishigami_model, "sobol", samples=2048, seed=3, noise_samples=0)
    d = r.indices.set_index("input")
    s1, st = S.ishigami_indices()
    for est, conf, true in ((d["S1"], d["S1_conf"], s1), (d["ST"], d["ST_conf"], st)):
        err = np.abs(est.to_numpy() - true)
        assert np.all(conf.to_numpy() < 0.07), conf      # intervals narrow enough to mean it
        assert np.all(err <= conf.to_numpy()), (est, conf)  # truth inside the 95 % interval
        assert np.all(err < 0.03), est                    # and within a stated tolerance
    assert r.info["points"] == 2048 * (3 + 2)


def test_sobol_on_the_wrong_scale_misses_ishigami():
    # the same pipeline without the inputs' ppf (x in [0, 1] instead of [-pi, pi]) gives
    # other indices: the known-answer test above can fail
    unit = Problem(tuple(Input(f"x{i + 1}", "parameter", 0.0, 1.0) for i in range(3)))
    r = S.analyse(unit, ishigami_model, "sobol", samples=2048, seed=3, noise_samples=0)
    s1, st = S.ishigami_indices()
    assert np.max(np.abs(r.indices["ST"].to_numpy() - st)) > 0.2


def morris_grid_mu_star(f, d: int = 3, levels: int = 4) -> np.ndarray:
    """Exact mu* of f on Morris's grid (steps of 2/3 of the unit range between the
    levels 0 <-> 2/3 and 1/3 <-> 1, the other inputs uniform on the levels), on the
    Ishigami scale."""
    grid = np.arange(levels) / (levels - 1)
    delta = levels / (2 * (levels - 1))
    pairs = [(grid[0], grid[2]), (grid[1], grid[3])]
    out = np.zeros(d)
    for i in range(d):
        effects = []
        for rest in itertools.product(grid, repeat=d - 1):
            for lo, hi in pairs:
                a = np.insert(np.array(rest), i, lo)[None]
                b = np.insert(np.array(rest), i, hi)[None]
                effects.append(abs(f(ISHIGAMI.from_unit(b)) - f(ISHIGAMI.from_unit(a)))[0] / delta)
        out[i] = np.mean(effects)
    return out


def test_morris_recovers_ishigami_screening():
    exact = morris_grid_mu_star(S.ishigami)
    # by hand: |d sin x1| = sqrt(3)/2 on every step, E[x3^4] = pi^4 / 2 * 82 / 81 on the
    # grid, |d sin^2 x2| = 3/4, |d x3^4| = pi^4 * 80 / 81, E|sin x1| = sqrt(3) / 4; / (2/3)
    by_hand = 1.5 * np.array([math.sqrt(3) / 2 * (1 + 0.1 * PI**4 / 2 * 82 / 81), 7 * 0.75,
                              0.1 * PI**4 * 80 / 81 * math.sqrt(3) / 4])
    np.testing.assert_allclose(exact, by_hand, rtol=1e-12)
    r = S.analyse(ISHIGAMI, ishigami_model, "morris", samples=400, seed=2, noise_samples=0)
    d = r.indices.set_index("input")
    mu, conf = d["mu_star"].to_numpy(), d["mu_star_conf"].to_numpy()
    assert np.all(np.abs(mu - exact) <= conf), (mu, conf)
    assert mu[1] == pytest.approx(7.875, abs=1e-9)  # sin^2 takes 0 and 3/4 on the grid
    assert mu[0] > mu[2] and mu[1] > mu[2]          # x1, x2 rank above x3
    assert d.loc["x3", "sigma"] > d.loc["x2", "sigma"] * 0.9  # x3 acts only with x1
    assert r.info["points"] == 400 * (3 + 1)


# -- the noise share ----------------------------------------------------------------------

def test_variance_components_on_known_numbers():
    y = np.array([[1.0, 3.0], [5.0, 7.0], [9.0, 11.0]])
    par, noise = variance_components(y)
    assert noise == pytest.approx(2.0)            # every row: var(ddof=1) of (a, a + 2)
    assert par == pytest.approx(16.0 - 2.0 / 2)   # means 2, 6, 10: var 16, less noise / 2
    par1, noise1 = variance_components(y[:, :1])
    assert par1 == pytest.approx(16.0) and math.isnan(noise1)


def test_noise_share_of_a_model_with_known_noise():
    sigma2 = 1.0 / 12.0                     # as much noise as parameter variance
    rng = np.random.default_rng(7)
    x = rng.random(4000)
    y = x[:, None] + math.sqrt(sigma2) * rng.standard_normal((4000, 4))
    t = noise_table({"y": y}).iloc[0]
    assert t["noise_share"] == pytest.approx(0.5, abs=0.03)
    assert t["means_noise_share"] == pytest.approx(0.2, abs=0.03)  # (s2/4) / (1/12 + s2/4)
    assert t["total_variance"] == pytest.approx(2 / 12, rel=0.05)
    # the naive split (ddof 0, noise left in the means) would say 0.375: far from 0.5
    naive = np.var(y, axis=1).mean() / np.var(y)
    assert abs(naive - 0.5) > 0.1


def test_noise_share_through_the_pipeline():
    r = S.analyse(UNIT2, noisy_model(math.sqrt(1 / 12)), "sobol", samples=256, seeds=4,
                  seed=5, noise_samples=1000)
    n = r.noise.iloc[0]
    assert (n["samples"], n["seeds"]) == (1000, 4)
    assert n["noise_share"] == pytest.approx(0.5, abs=0.05)
    assert n["noise_variance"] == pytest.approx(1 / 12, rel=0.1)


def test_common_random_numbers_remove_the_noise_floor():
    f = noisy_model(math.sqrt(1 / 12))
    crn = S.analyse(UNIT2, f, "sobol", samples=512, seeds=4, seed=5, noise_samples=0)
    ind = S.analyse(UNIT2, f, "sobol", samples=512, seeds=4, seed=5, noise_samples=0,
                    common_random_numbers=False)
    st_crn = crn.indices.set_index("input")["ST"]
    st_ind = ind.indices.set_index("input")["ST"]
    # same keys at every point: the mean over 4 replicates does not depend on x2 at all
    assert st_crn["x2"] == pytest.approx(0.0, abs=1e-12)
    assert st_crn["x1"] == pytest.approx(1.0, abs=0.03)
    # independent keys: ST of the dummy is the noise share of the means, 0.2
    assert st_ind["x2"] == pytest.approx(0.2, abs=0.05)


def test_noisy_and_rare_outcomes_are_not_ranked():
    def f(X, seeds, runs):
        eps = normal_noise(seeds, runs)
        return {"clean": X[:, 0] + 0.01 * eps, "noisy": X[:, 1] + 3.0 * eps,
                "rare": (X[:, 1] > 0.99).astype(float)}

    r = S.analyse(UNIT2, f, "sobol", samples=128, seeds=2, seed=8, noise_samples=200)
    why = r.ranked_outcomes()
    assert why["clean"] == ""
    assert why["noisy"].startswith("noise-dominated")   # (9/2) / (1/12 + 9/2) = 98 % noise
    assert why["rare"].startswith("varies in")
    rk = r.ranking()
    assert set(rk["outcome"]) == {"clean"} and rk["input"].iloc[0] == "x1"
    # with the noisy outcome allowed, x2 (its only input) comes in
    assert "x2" in set(r.ranking(max_noise=1.0)["input"])
    noise = r.tables()["noise"].set_index("outcome")
    assert noise.loc["clean", "ranked"] and not noise.loc["noisy", "ranked"]
    assert "\n  noisy" in r.summary() and "not ranked" in r.summary()


def test_non_finite_outcomes_are_refused():
    with pytest.raises(ValueError, match="non-finite"):
        S.analyse(UNIT2, lambda X, s, r: {"y": np.where(X[:, 0] < 0.5, np.nan, X[:, 0])},
                  "sobol", samples=8)


def test_keys_of_the_runs():
    seen = []

    def record(X, seeds, runs):
        seen.append((X.copy(), seeds.copy(), runs.copy()))
        return {"y": X[:, 0]}

    X = np.arange(6.0)[:, None] * np.ones((1, 2))
    evaluate_replicates(record, X, 3, 9, common=True)
    _, seeds, runs = seen[-1]
    assert np.all(seeds == 9) and runs.tolist() == [0, 1, 2] * 6
    evaluate_replicates(record, X, 3, 9, common=False, run0=100)
    Xs, _, runs = seen[-1]
    assert runs.tolist() == list(range(100, 118))
    assert Xs[:, 0].tolist() == np.repeat(np.arange(6.0), 3).tolist()
    seen.clear()
    r = S.analyse(UNIT2, record, "morris", samples=2, seeds=2, seed=4, noise_samples=5)
    main, noise = seen
    assert set(main[2].tolist()) == {0, 1}
    assert noise[2].tolist() == list(range(NOISE_RUN0, NOISE_RUN0 + 10))
    assert r.info["runs"] == (2 * 3 + 5) * 2


def test_constant_outcome_gives_nan_not_an_error():
    def f(X, seeds, runs):
        return {"y": X[:, 0], "flat": np.zeros(len(X))}

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warnings from SALib either
        r = S.analyse(UNIT2, f, "sobol", samples=64, seeds=2, seed=1, noise_samples=10)
    flat = r.indices[r.indices["outcome"] == "flat"]
    assert flat["ST"].isna().all()
    assert set(r.ranking()["outcome"]) == {"y"}
    assert r.ranked_outcomes()["flat"] == "constant"


def test_bad_arguments():
    with pytest.raises(InputError, match="power of 2"):
        S.analyse(UNIT2, ishigami_model, "sobol", samples=100)
    with pytest.raises(InputError, match="method"):
        S.analyse(UNIT2, ishigami_model, "fast", samples=64)
    with pytest.raises(InputError, match="seeds"):
        S.analyse(UNIT2, ishigami_model, "sobol", samples=64, seeds=0)
    with pytest.raises(InputError, match="seed"):
        S.analyse(UNIT2, ishigami_model, "sobol", samples=64, seed=-1)
    with pytest.raises(InputError, match="unique"):
        Problem((Input("a", "parameter", 0, 1), Input("a", "lever", 0, 1)))


# -- the market ---------------------------------------------------------------------------

def test_market_problem(small_profile, scenarios):
    plan = scenarios["plan_2257"]
    space = small_profile.space
    pb, fixed = market_problem(small_profile, plan)
    assert pb.D == len(space.uncertain) + 6 and not fixed
    levers = [i for i in pb.inputs if i.kind == "lever"]
    assert {i.name: i.high for i in levers} == pytest.approx(
        {g: 3.0 * s["level"] for g, s in plan.levers.items()})
    assert all(i.low == 0.0 for i in levers)
    u = np.array([[0.0], [0.5], [1.0]])
    need = pb.inputs[pb.names.index("need_rate")]
    spec = space.specs["need_rate"]
    np.testing.assert_allclose(need.ppf(u[:, 0]), spec.ppf(u[:, 0]))
    sub, _ = market_problem(small_profile, plan, ["need_rate", "h4"], levers=False)
    assert sub.names == ["need_rate", "h4"]
    none, fixed = market_problem(small_profile, scenarios["no_programme"], ["need_rate"])
    assert none.names == ["need_rate"] and len(fixed) == 6
    with pytest.raises(InputError, match="not uncertain"):
        market_problem(small_profile, plan, ["need_rate", "no_such"])
    with pytest.raises(InputError, match="lever_max"):
        market_problem(small_profile, plan, lever_max=0.0)


def test_market_model_at_the_base_levels_is_the_base_scenario(small_profile, scenarios):
    from stmarket.experiments.analysis.evaluation import evaluate

    plan = scenarios["plan_2257"]
    targets = load_targets(small_profile.targets, years=small_profile.years)
    pb, _ = market_problem(small_profile, plan, ["need_rate"])
    outs = market_outcomes(small_profile, targets)
    model = MarketModel(small_profile, plan, targets, pb, outs)
    n = 6
    X = np.column_stack([np.full(n, 0.003)] + [np.full(n, plan.levers[i.name]["level"])
                                               for i in pb.inputs[1:]])
    seeds, runs = np.full(n, 3), np.arange(n)
    got = model(X, seeds, runs)
    P = np.tile(small_profile.space.vector({"need_rate": 0.003}), (n, 1))
    ref = evaluate(small_profile, targets, P, plan.budgets(small_profile.years), seeds, runs)
    np.testing.assert_array_equal(got["value_nominal_2030"], ref.at("value_nominal"))
    np.testing.assert_array_equal(got["p_intermediary_2030"],
                                  ref.met[:, ref.target_ids.index("intermediary_2030")])
    assert set(got) == set(outs) and len(outs) == 7 + len(targets.ids) + 1
    # a lever input scales its task group's whole schedule (start year and ramp kept)
    X2 = X.copy()
    g = pb.names.index("tg2_demand")
    X2[:, g] = 2.5 * plan.levers["tg2_demand"]["level"]
    LEV = plan.budgets(small_profile.years)
    LEV[1] *= 2.5
    assert LEV[1, 0] == 0.0 and LEV[1, 1] < LEV[1, 2]  # 2021 without, 2022 ramping up
    ref2 = evaluate(small_profile, targets, P, LEV, seeds, runs)
    got2 = model(X2, seeds, runs)
    np.testing.assert_array_equal(got2["value_nominal_2030"], ref2.at("value_nominal"))
    assert not np.array_equal(got2["value_nominal_2030"], got["value_nominal_2030"])


@pytest.fixture(scope="module")
def small_morris(small_profile):
    plan = load_scenario("plan_2257")
    return S.sensitivity("morris", profile=small_profile, scenario=plan, samples=3, seeds=2,
                         seed=11, noise_samples=16, n_threads=1)


def test_results_do_not_depend_on_threads(small_profile, small_morris):
    two = S.sensitivity("morris", profile=small_profile, scenario=load_scenario("plan_2257"),
                        samples=3, seeds=2, seed=11, noise_samples=16, n_threads=2)
    pd.testing.assert_frame_equal(small_morris.indices, two.indices)
    pd.testing.assert_frame_equal(small_morris.noise, two.noise)
    pd.testing.assert_frame_equal(small_morris.ranking(), two.ranking())


def test_sobol_on_the_market_tables_and_folder(small_profile, tmp_path):
    s = S.sensitivity("sobol", profile=small_profile, parameters=["need_rate", "h4", "h2"],
                      samples=8, seeds=2, seed=2, noise_samples=8,
                      outcomes=["value_nominal_2030", "p_intermediary_2030"])
    d = s.indices
    assert list(d.columns[:8]) == ["method", "outcome", "input", "kind", "S1", "S1_conf",
                                   "ST", "ST_conf"]
    assert len(d) == 2 * (3 + 6) and set(d["kind"]) == {"parameter", "lever"}
    assert list(s.noise.columns[:3]) == ["outcome", "total_variance", "parameter_variance"]
    assert s.info["runs"] == (8 * (9 + 2) + 8) * 2
    rk = s.ranking()
    assert rk["rank"].tolist() == list(range(1, len(rk) + 1))
    assert rk["score"].is_monotonic_decreasing
    assert set(s.ranking("lever")["kind"]) <= {"lever"}
    files = write_sensitivity(s, tmp_path / "out")
    assert {"indices.csv", "noise.csv", "ranking.csv", "sobol_indices.png",
            "noise_share.png", "manifest.json"} <= set(files)
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["method"] == "sobol" and set(man["files"]) >= {"indices.csv", "ranking.csv"}
    back = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert back.shape == d.shape
    with pytest.raises(InputError, match="outcomes"):
        S.sensitivity("sobol", profile=small_profile, samples=8, outcomes=["nope"])


def test_morris_on_the_market_and_its_charts(small_morris):
    import matplotlib.pyplot as plt

    d = small_morris.indices
    assert {"mu_star", "mu_star_conf", "sigma", "mu_star_rel"} <= set(d.columns)
    assert (d["mu_star"].dropna() >= 0).all()
    figs = sensitivity_figures(small_morris, top=3)
    assert set(figs) == {"morris_indices", "noise_share"}
    for f in figs.values():
        plt.close(f)
    text = small_morris.summary()
    assert "most influential parameters" in text and "most influential levers" in text


# -- command line -------------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(prog="stmarket", exit_on_error=False)
    cli.add_parser(p.add_subparsers(dest="command"))
    return p


def test_cli_runs_and_writes(tmp_path, capsys):
    out = tmp_path / "sens"
    args = parser().parse_args([
        "sensitivity", "--method", "morris", "--samples", "2", "--seeds", "2",
        "--parameters", "need_rate,tech_need_share", "--noise-samples", "4", "--seed", "3",
        "--outcomes", "value_nominal_2030,p_intermediary_2030,intermediaries_connected_2030",
        "--workers", "1", "--out", str(out)])
    assert cli.run_cli(args) == 0
    text = capsys.readouterr().out
    assert "most influential levers" in text and "value_nominal_2030" in text
    assert (out / "manifest.json").exists() and (out / "ranking.csv").exists()


@pytest.mark.parametrize("argv, match", [
    (["--samples", "100"], "power of 2"),
    (["--parameters", "need_rate,bogus"], "not uncertain"),
    (["--outcomes", "bogus"], "outcomes"),
    (["--scenario", "no_such_scenario"], "no_such_scenario"),
])
def test_cli_bad_input_is_an_input_error(argv, match, tmp_path):
    args = parser().parse_args(["sensitivity", "--out", str(tmp_path / "o"), *argv])
    with pytest.raises(InputError, match=match):
        cli.run_cli(args)


@pytest.mark.parametrize("argv", [["--seeds", "0"], ["--lever-max", "-1"],
                                  ["--samples", "x"], ["--method", "fast"],
                                  ["--seed", "-3"], ["--parameters", ","]])
def test_cli_rejects_bad_values(argv):
    with pytest.raises((SystemExit, argparse.ArgumentError)):
        parser().parse_args(["sensitivity", *argv])


def test_a_structural_switch_is_sampled_over_its_alternatives(small_profile, scenarios):
    """A switch (``prior = "choice"``) is an input like a parameter, its unit column cut
    into equal shares, one per alternative: half the points use each of two structures."""
    pb, _ = market_problem(small_profile, scenarios["plan_2257"], ["digit_rule", "lag_form"],
                           levers=False)
    u = np.linspace(0.0, 0.999, 10)
    for inp in pb.inputs:
        x = inp.ppf(u)
        assert set(x) == {0.0, 1.0} and (x == 1.0).sum() == 5, inp.name
