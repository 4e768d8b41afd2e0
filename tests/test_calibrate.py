"""Calibration by ABC-SMC: the machinery against analytic posteriors, a known-answer
recovery on the model, determinism, observation and posterior files, the CLI."""

from __future__ import annotations

import argparse
import math

import numpy as np
import pytest
from scipy.stats import norm, truncnorm

from stmarket.experiments.calibration import abc as C
from stmarket.experiments.calibration.observations import (
    STATUSES,
    Observations,
    Statistic,
    load_observations,
)
from stmarket.experiments.calibration.smc import (
    abc_smc,
    mixture_density,
    reflect,
    reflected_kernel,
    weighted_quantile,
)
from stmarket.experiments.cli import calibrate as cli
from stmarket.model import indicators, load_scenario
from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.errors import InputError
from stmarket.model.profile import scenarios_dir

OBS_DIR = scenarios_dir() / "observations"


# ------------------------------------------------------------------ the machinery
def _toy(sigma: float, tau: float, y_obs: float, low: float = -5.0, high: float = 5.0):
    """y ~ N(mu, sigma^2), mu ~ U(low, high), observed y_obs with error sd tau: the ABC
    posterior at tolerance 1 is N(y_obs, sigma^2 + tau^2) truncated to the prior."""

    def simulate(u, gen, attempts):
        rng = np.random.default_rng([11, gen, int(attempts[0])])
        mu = low + (high - low) * u[:, 0]
        return (mu + sigma * rng.standard_normal(mu.size))[:, None]

    def distance(S):
        return np.abs(S[:, 0] - y_obs) / tau

    s = math.hypot(sigma, tau)
    exact = truncnorm((low - y_obs) / s, (high - y_obs) / s, loc=y_obs, scale=s)
    return simulate, distance, exact


@pytest.mark.parametrize("sigma,tau,y_obs", [(1.0, 0.5, 1.3), (0.5, 0.3, 4.8)])
def test_abc_matches_the_analytic_posterior(sigma, tau, y_obs):
    """Normal mean, known variance, uniform prior (the second case is truncated at the
    prior's bound, which the reflected kernel must respect): weighted mean and sd
    within 0.1 and 6 % of the analytic ones. Without the importance weights the sd is
    8-10 % too small, so the test sees wrong weights."""
    simulate, distance, exact = _toy(sigma, tau, y_obs)
    res = abc_smc(simulate, distance, 1, particles=1000, generations=12, seed=3)
    assert res.target_reached and res.tolerance == 1.0
    mu = -5.0 + 10.0 * res.u[:, 0]
    m = res.weights @ mu
    sd = math.sqrt(res.weights @ (mu - m) ** 2)
    assert abs(m - exact.mean()) < 0.1 * exact.std()
    assert abs(sd / exact.std() - 1.0) < 0.06
    assert len(res.generations) >= 3  # more than rejection: the kernel and weights acted


def test_an_uninformed_coordinate_keeps_its_prior():
    simulate, distance, exact = _toy(1.0, 0.5, 1.3)
    res = abc_smc(simulate, distance, 2, particles=1000, generations=12, seed=4)
    u1 = res.u[:, 1]
    sd1 = math.sqrt(res.weights @ (u1 - res.weights @ u1) ** 2)
    assert abs(sd1 / math.sqrt(1 / 12) - 1.0) < 0.08
    assert abs(res.weights @ u1 - 0.5) < 0.04


def test_reflected_kernel_is_exact_and_normalised():
    rng = np.random.default_rng(0)
    x = np.concatenate([[0.0, 1.0, 1e-9], rng.random(20)])
    c = np.concatenate([[0.0, 1.0, 0.5], rng.random(20)])
    for tau in (0.01, 0.1, 0.119, 0.13, 0.19, 0.21, 0.41, 2.0):
        images = sum(norm.pdf(x[:, None] - c[None, :] + 2 * k, scale=tau)
                     + norm.pdf(x[:, None] + c[None, :] + 2 * k, scale=tau)
                     for k in range(-12, 13))
        got = reflected_kernel(x, c, tau)
        assert np.allclose(got, images, rtol=1e-9, atol=1e-12), tau
        grid = np.linspace(0, 1, 20001)
        assert np.trapezoid(reflected_kernel(grid, np.array([0.93]), tau)[:, 0],
                            grid) == pytest.approx(1.0, abs=1e-6)
    w = rng.random(23)
    dens = mixture_density(np.column_stack([x, x[::-1]]), np.column_stack([c, c]),
                           w, np.array([0.05, 0.5]))
    brute = (reflected_kernel(x, c, 0.05) * reflected_kernel(x[::-1], c, 0.5)) @ w
    assert np.allclose(dens, brute, rtol=1e-12)


def test_reflect_and_weighted_quantile():
    assert np.allclose(reflect(np.array([-0.25, 0.3, 1.25, 2.1, -1.9])),
                       [0.25, 0.3, 0.75, 0.1, 0.1])
    x = np.array([3.0, 1.0, 2.0])
    assert weighted_quantile(x, np.array([0.2, 0.5, 0.3]), [0.1, 0.5, 0.6, 0.99]).tolist() \
        == [1.0, 1.0, 2.0, 3.0]


# ------------------------------------------------------------------ known answer
KNOWN = {"inflation": 0.3, "need_rate": 0.75, "ec_base": 0.7, "h4": 0.4}  # prior quantiles


def _synthetic(profile, truth_u: dict[str, float], key: int):
    """Observations simulated by the model at known parameters (one run, key)."""
    space = profile.space
    U = np.full((1, len(space.uncertain)), 0.5)
    for name, q in truth_u.items():
        U[0, space.uncertain.index(name)] = q
    P = space.from_unit(U)
    Y, _ = run_batch(profile, P, load_scenario("no_programme").budgets(profile.years),
                     np.array([key]), np.array([0]))
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    specs = [("deflator_2030", "ratio", "value_nominal", "value", 2030, 2030, 0.01),
             ("count_mean", "level", "count", None, 2021, 2030, 0.5),
             ("ec_share", "ratio", "tasks_enterprise_centred", "tasks_new", 2021, 2030, 0.05),
             ("events_mean", "level", "events", None, 2021, 2030, 1.0)]
    stats = []
    for sid, kind, ind_name, den, a, b, sd in specs:
        proto = Statistic(sid, kind, ind_name, a, b, 1.0, sd, den)
        value = float(proto.compute(ind, profile.years)[0])
        stats.append(Statistic(sid, kind, ind_name, a, b, value, sd, den,
                               role="check" if sid == "events_mean" else "fit",
                               status="firm", source="the model at known parameters"))
    truth = {n: float(P[0, space.names.index(n)]) for n in truth_u}
    return Observations("synthetic", "synthetic", profile.id, tuple(stats)), truth


def test_known_answer_recovery(small_profile):
    """Data simulated at known values of four parameters: the deflator of 2030 pins
    inflation, the mean count informs need_rate, the enterprise-centred share of tasks
    informs ec_base, and nothing informs h4 (TG4 spends nothing without the
    programme). The 90 % posterior interval must cover each truth; the informed
    parameters must shrink and h4 must not."""
    obs, truth = _synthetic(small_profile, KNOWN, key=901)
    res = C.calibrate(obs, profile=small_profile, parameters=list(KNOWN), particles=200,
                      generations=10, seed=2, others="central")
    assert res.target_reached
    s = res.summary.set_index("parameter")
    for name, value in truth.items():
        assert s.loc[name, "q05"] <= value <= s.loc[name, "q95"], (name, value, s.loc[name])
    assert s.loc["inflation", "shrinkage"] > 0.7
    assert s.loc["need_rate", "shrinkage"] > 0.1
    assert s.loc["ec_base", "shrinkage"] > 0.1
    assert abs(s.loc["h4", "shrinkage"]) < 0.15
    fit = res.fit.set_index("statistic")
    for sid in ("deflator_2030", "count_mean", "ec_share"):  # the fitted ones
        assert fit.loc[sid, "posterior_q05"] <= fit.loc[sid, "observed"] \
            <= fit.loc[sid, "posterior_q95"], sid
    assert fit.loc["events_mean", "role"] == "check"


def test_same_seed_same_posterior_on_any_thread_count(small_profile):
    obs, _ = _synthetic(small_profile, KNOWN, key=902)
    kw = dict(profile=small_profile, parameters="inflation,need_rate", particles=60,
              generations=2)
    a = C.calibrate(obs, seed=5, n_threads=1, **kw)
    b = C.calibrate(obs, seed=5, n_threads=2, **kw)
    c = C.calibrate(obs, seed=6, n_threads=2, **kw)
    assert np.array_equal(a.posterior.values, b.posterior.values)
    assert np.array_equal(a.posterior.weights, b.posterior.weights)
    assert a.generations.equals(b.generations) and a.fit.equals(b.fit)
    assert not np.array_equal(a.posterior.values, c.posterior.values)


# ------------------------------------------------------------------ observation files
def test_bundled_observations(profile):
    obs = load_observations("bac_kan")
    obs.check_profile(profile)
    assert obs.profile == "bac_kan" and len(obs.fitted) >= 3
    for s in obs.statistics:
        assert s.status in STATUSES and s.source.strip()
    # every fitted Bắc Kạn statistic is of 2021, before any lever of plan_2257 acts
    assert {s.first for s in obs.fitted} == {2021}
    assert load_scenario("plan_2257").budgets(profile.years)[:, 0].sum() == 0.0
    count = next(s for s in obs.statistics if s.id == "count_2021")
    assert count.interval() == pytest.approx((10.0, 100.0))
    national = load_observations("national_stylised")
    with pytest.raises(InputError, match="describe profile 'national'"):
        national.check_profile(profile)


GOOD = """
[observations]
id = "t"
name = "t"
profile = "bac_kan"

[statistics.s]
kind = "level"
indicator = "count"
year = 2021
value = 30
sd = 5
status = "firm"
source = "here"
"""


@pytest.mark.parametrize("old,new,key", [
    ('kind = "level"', 'kind = "lvl"', "statistics.s.kind"),
    ('indicator = "count"', 'indicator = "nope"', "statistics.s.indicator"),
    ("sd = 5", "sd = 0", "statistics.s.sd"),
    ("sd = 5", "sd = -1", "statistics.s.sd"),
    ("sd = 5", "", "statistics.s.sd"),
    ("sd = 5", "sd = 5\nrange = [1, 2]", "statistics.s.range"),
    ("value = 30\nsd = 5", "range = [5, 2]", "statistics.s.range"),
    ("value = 30\nsd = 5", 'range = [0, 2]\nscale = "log"', "statistics.s.range"),
    ("value = 30", 'value = 0\nscale = "log"', "statistics.s.value"),
    ("year = 2021", "year = 2021\nyears = [2021, 2022]", "statistics.s"),
    ("year = 2021", "years = [2023, 2021]", "statistics.s.years"),
    ("year = 2021", "years = [2021]", "statistics.s.years"),
    ("year = 2021", 'year = "2021"', "statistics.s.year"),
    ('kind = "level"', 'kind = "growth"', "statistics.s.year"),
    ('kind = "level"', 'kind = "ratio"', "statistics.s.denominator"),
    ('kind = "level"', 'kind = "level"\ndenominator = "count"', "statistics.s.denominator"),
    ('status = "firm"', 'status = "sure"', "statistics.s.status"),
    ('source = "here"', 'source = " "', "statistics.s.source"),
    ('source = "here"', "", "statistics.s.source"),
    ("sd = 5", 'sd = 5\nrole = "fit"\nweight = 2', "statistics.s.weight"),
    ("sd = 5", 'sd = 5\nrole = "check"', "statistics"),
    ('profile = "bac_kan"', "", "observations.profile"),
    ("value = 30", 'value = "30"', "statistics.s.value"),
    ("value = 30", "value = nan", "statistics.s.value"),
])
def test_bad_observation_files(tmp_path, old, new, key):
    assert old in GOOD
    path = tmp_path / "obs.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_observations(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}: {key}:"), text


def test_observation_files_not_found_or_broken(tmp_path):
    with pytest.raises(InputError, match="no bundled observations"):
        load_observations("no_such_name")
    with pytest.raises(InputError, match="file not found"):
        load_observations(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[observations\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_observations(tmp_path / "bad.toml")
    path = tmp_path / "late.toml"
    path.write_text(GOOD.replace("year = 2021", "year = 2040"), encoding="utf-8")
    with pytest.raises(InputError, match="within the profile's years 2021-2030"):
        C.calibrate(path, particles=20, generations=1)


def test_statistics_compute_growth_ratio_and_log():
    years = np.arange(2021, 2025)
    ind = {"value_nominal": np.array([[1.0, 2.0, 4.0, 8.0], [0.0, 1.0, 1.0, 1.0]]),
           "count": np.array([[2.0, 2.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]])}
    g = Statistic("g", "growth", "value_nominal", 2021, 2024, 1.0, 0.1)
    assert g.compute(ind, years)[0] == pytest.approx(1.0) and np.isnan(g.compute(ind, years)[1])
    r = Statistic("r", "ratio", "value_nominal", 2022, 2023, 1.0, 0.1, "count")
    out = r.compute(ind, years)
    assert out[0] == pytest.approx(1.0) and np.isnan(out[1])
    lv = Statistic("l", "level", "count", 2021, 2023, 1.0, 0.1, scale="log")
    assert lv.compute(ind, years).tolist() == [8 / 3, 0.0]
    t = lv.transform(lv.compute(ind, years))
    assert t[0] == pytest.approx(math.log(8 / 3)) and np.isnan(t[1])


# ------------------------------------------------------------------ posterior files
def _posterior(profile):
    names = ["need_rate", "inflation"]
    rng = np.random.default_rng(1)
    u = rng.random((50, 2))
    values = np.column_stack([profile.space.specs[n].ppf(u[:, k]) for k, n in
                              enumerate(names)])
    w = rng.random(50)
    return C.Posterior(names, values, w / w.sum())


def test_posterior_round_trip_and_resampling(tmp_path, profile):
    post = _posterior(profile)
    from stmarket.experiments.outputs.folder import write_csv

    path = write_csv(tmp_path / "posterior.csv", post.frame())
    back = C.load_posterior(path, profile)
    names, values, weights = back
    assert names == post.names and np.array_equal(values, post.values)
    assert np.allclose(weights, post.weights, rtol=1e-15)
    rows = C.posterior_rows(back, seed=3, start=0, stop=30000)
    parts = np.vstack([C.posterior_rows(back, 3, a, b) for a, b in
                       ((0, 7), (7, 12000), (12000, 30000))])
    assert np.array_equal(rows, parts)  # a pure function of (seed, run)
    assert np.array_equal(C.posterior_rows(back, 3, 100, 200), rows[100:200])
    assert not np.array_equal(C.posterior_rows(back, 4, 0, 200), rows[:200])
    picks = C.resample(back.weights, 3, 0, 30000)
    freq = np.bincount(picks, minlength=50) / picks.size
    assert np.abs(freq - back.weights).max() < 0.006
    design = profile.space.sample(10, seed=1)
    P = C.apply_posterior(design, profile, back, seed=3, start=100)
    j = [profile.space.names.index(n) for n in back.names]
    assert np.array_equal(P[:, j], rows[100:110])
    others = [i for i in range(P.shape[1]) if i not in j]
    assert np.array_equal(P[:, others], design[:, others])


@pytest.mark.parametrize("edit,key", [
    (lambda t: "", ""),
    (lambda t: t.replace("weight,", "w,", 1), "header"),
    (lambda t: t.replace("need_rate", "nope", 1), "header.nope"),
    (lambda t: t.replace("need_rate", "rd_share", 1), "header.rd_share"),
    (lambda t: t.replace("inflation", "need_rate", 1), "header"),
    (lambda t: t.split("\n")[0] + "\n", ""),
    (lambda t: t.replace("\n", "\nx,0.1,0.03\n", 1), "line 2.weight"),
    (lambda t: t.replace("\n", "\n0.1,0.002\n", 1), "line 2"),
    (lambda t: t.replace("\n", "\n0.1,0.002,inf\n", 1), "line 2.inflation"),
    (lambda t: t.replace("\n", "\n0.1,0.5,0.03\n", 1), "line 2.need_rate"),
    (lambda t: t.replace("\n", "\n-1,0.002,0.03\n", 1), "weight"),
])
def test_bad_posterior_files(tmp_path, profile, edit, key):
    from stmarket.experiments.outputs.folder import write_csv

    good = write_csv(tmp_path / "p.csv", _posterior(profile).frame()).read_text()
    path = tmp_path / "bad.csv"
    path.write_text(edit(good), encoding="utf-8")
    with pytest.raises(InputError) as err:
        C.load_posterior(path, profile)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}: {key}" if key else f"{path}: ")


# ------------------------------------------------------------------ API and CLI
def test_arguments_are_checked(small_profile):
    obs, _ = _synthetic(small_profile, KNOWN, key=903)
    for kw, key in [({"parameters": "need_rate,nope"}, "parameters"),
                    ({"parameters": "rd_share"}, "parameters"),
                    ({"parameters": "h4,h4"}, "parameters"),
                    ({"parameters": ""}, "parameters"),
                    ({"particles": 5}, "particles"), ({"generations": 0}, "generations"),
                    ({"others": "mean"}, "others"), ({"seed": -1}, "seed"),
                    ({"alpha": 1.0}, "alpha")]:
        with pytest.raises(InputError, match=f"argument: {key}"):
            C.calibrate(obs, profile=small_profile, **kw)
    with pytest.raises(InputError, match="refusing to calibrate profile 'bac_kan'"):
        C.calibrate(obs, profile="bac_kan", particles=20, generations=1)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stmarket")
    cli.add_parser(p.add_subparsers(dest="command"))
    return p


def test_cli_writes_a_complete_folder(tmp_path, profile, capsys):
    out = tmp_path / "cal"
    args = _parser().parse_args(["calibrate", "--particles", "30", "--generations", "1",
                                 "--parameters", "need_rate,price_tech", "--others",
                                 "central", "--seed", "3", "--out", str(out)])
    assert cli.run_cli(args) == 0
    printed = capsys.readouterr()
    assert "calibration of bac_kan on bac_kan (no_programme)" in printed.out
    assert "generation 0" in printed.err
    for f in ("posterior.csv", "summary.csv", "generations.csv", "fit.csv", "marginals.png",
              "fit.png", "manifest.json"):
        assert (out / f).is_file(), f
    post = C.load_posterior(out / "posterior.csv", profile)
    assert post.names == ["need_rate", "price_tech"] and post.values.shape == (30, 2)
    import json

    man = json.loads((out / "manifest.json").read_text())
    assert man["analysis"] == "calibrate" and man["seed"] == 3
    assert set(man["files"]) >= {"posterior.csv", "fit.csv"}
    assert man["observations_file"]["path"].endswith("bac_kan.toml")


@pytest.mark.parametrize("argv", [["calibrate", "--particles", "10"],
                                  ["calibrate", "--particles", "x"],
                                  ["calibrate", "--generations", "0"],
                                  ["calibrate", "--seed", "-1"],
                                  ["calibrate", "--others", "mean"]])
def test_cli_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(argv)
    assert exc.value.code == 2


def test_cli_bad_input_is_an_input_error(tmp_path):
    p = _parser()
    with pytest.raises(InputError, match="national"):
        cli.run_cli(p.parse_args(["calibrate", "national_stylised", "--out", str(tmp_path)]))
    with pytest.raises(InputError, match="--out"):
        cli.run_cli(p.parse_args(["calibrate", "--out", str(OBS_DIR / "bac_kan.toml")]))
