"""Calibration of the model by Approximate Bayesian Computation (ABC-SMC): :func:`calibrate`.

What is observed of the province (:mod:`.observations`: summary statistics of the
model's yearly indicators, each with a value, an uncertainty and a source) is compared
with simulations of the fast core at parameter values proposed by ABC-SMC
(:mod:`.smc`, in the unit cube of the priors); the distance is the fitted statistics
standardised by their sd (:func:`~.observations.fit_distance`). :func:`calibrate` finds
the parameter values under which the model reproduces them and returns a
:class:`~.result.CalibrationResult` (the weighted posterior and its tables).

Parameters not fitted are sampled from their prior for each simulation (``others =
"prior"``, the default: the posterior integrates over them) or held at their prior
median (``"central"``). Every random number is a pure function of the seed, the
generation and the attempt index: proposals come from
``default_rng([TAG, seed, generation, batch])`` with batch sizes that depend only on
earlier results, and attempt ``i`` of generation ``g`` is the core's run
``RUN_BASE + g * 2**32 + i`` under key ``seed``. Results do not depend on threads.

The posterior's reading and resampling live in
:mod:`stmarket.experiments.assessment.posterior` and are re-exported here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.posterior import (  # noqa: F401 (part of the API)
    TAG,
    Posterior,
    apply_posterior,
    load_posterior,
    posterior_rows,
    resample,
    run_uniforms,
)
from stmarket.experiments.calibration.observations import (
    Observations,
    fit_distance,
    load_observations,
)
from stmarket.experiments.calibration.result import CalibrationResult, fit_table, summary_table
from stmarket.experiments.calibration.smc import abc_smc
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.errors import InputError, get_str

OTHERS = ("prior", "central")
RUN_BASE = 1 << 60  # core run keys of the calibration, far from the Monte Carlo's 0, 1, ...
PREDICTIVE = 4095  # the generation index of the posterior-predictive runs


def _num_threads() -> int:
    import numba

    return numba.get_num_threads()


def _parameters(space, parameters) -> list[str]:
    if parameters is None:
        return list(space.uncertain)
    names = [p.strip() for p in parameters.split(",")] if isinstance(parameters, str) \
        else list(parameters)
    if not names or any(not n for n in names):
        raise InputError("argument", "parameters", "must name one or more parameters")
    for n in names:
        if n not in space.specs:
            raise InputError("argument", "parameters", f"unknown parameter {n!r}")
        if not space.specs[n].uncertain:
            raise InputError("argument", "parameters", f"{n!r} is fixed in the profile "
                                                       "(only uncertain ones can be fitted)")
    if len(set(names)) != len(names):
        raise InputError("argument", "parameters", "names a parameter twice")
    return names


def _check_int(name: str, v, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
        raise InputError("argument", name, f"must be an integer in [{low}, {high}], got {v!r}")
    return int(v)


def calibrate(observations: str | Path | Observations = "bac_kan", *,
              profile="bac_kan", scenario="no_programme",
              parameters: Sequence[str] | str | None = None, particles: int = 1000,
              generations: int = 8, seed: int = 1, n_threads: int | None = None,
              others: str = "prior", alpha: float = 0.5,
              progress: Callable[[dict], None] | None = None) -> CalibrationResult:
    """Calibrate uncertain parameters to observed statistics by ABC-SMC.

    Parameters
    ----------
    observations : name, path or Observations
        What has been observed (``scenarios/observations/``).
    profile : name, path or Profile
        Must be the profile the observations describe.
    scenario : name, path or Scenario
        The policy in force during the observed years. Default ``no_programme``: the
        bundled Bắc Kạn statistics are of 2021, before the plan spends anything (its
        budgets start in 2022), so the choice does not change them; observations of
        later years would need the scenario that was actually funded, whose budgets
        are not published.
    parameters : names, comma-separated string or None
        The uncertain parameters to fit (default: all of them).
    particles, generations : int
        Population size and the most generations after the prior one.
    seed : int
    n_threads : int, optional
        numba threads; results do not depend on it.
    others : "prior" or "central"
        Parameters not fitted: drawn from their prior for each run (the posterior
        integrates over them) or held at their prior median.
    alpha : float
        Share of the effective sample size each tolerance step keeps.
    progress : callable, optional
        Called with each generation's row.

    Returns
    -------
    CalibrationResult
        Its charts: :func:`stmarket.experiments.calibration.plots.calibration_figures`;
        its output folder: :func:`stmarket.experiments.calibration.write.write_calibration`.
    """
    from stmarket.model.core import check_seed, run_batch, threads
    from stmarket.model.profile import Profile, load_profile
    from stmarket.model.scenario import Scenario, load_scenario

    t0 = time.perf_counter()
    seed = check_seed(seed)
    particles = _check_int("particles", particles, 20, 1_000_000)
    generations = _check_int("generations", generations, 1, 100)
    get_str("argument", "others", others, OTHERS)
    if not (isinstance(alpha, float | int) and 0.0 < alpha < 1.0):
        raise InputError("argument", "alpha", f"must be in (0, 1), got {alpha!r}")
    obs = observations if isinstance(observations, Observations) else \
        load_observations(observations)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    obs.check_profile(prof)
    space = prof.space
    names = _parameters(space, parameters)
    fit_cols = [space.uncertain.index(n) for n in names]
    rest = [j for j in range(len(space.uncertain)) if j not in set(fit_cols)]
    n_nuis = len(rest) if others == "prior" else 0
    lev = sc.budgets(prof.years)
    stats = obs.statistics
    distance = fit_distance(obs)

    def simulate(u: np.ndarray, gen: int, attempts: np.ndarray) -> np.ndarray:
        U = np.full((u.shape[0], len(space.uncertain)), 0.5)
        U[:, fit_cols] = u[:, :len(names)]
        if n_nuis:
            U[:, rest] = u[:, len(names):]
        P = space.from_unit(U)
        runs = RUN_BASE + (np.int64(gen) << np.int64(32)) + attempts
        Y, _ = run_batch(prof, P, lev, np.full(u.shape[0], seed), runs, n_threads)
        ind = indicators.compute(Y, P[:, K.P_INFLATION])
        return np.column_stack([s.compute(ind, prof.years) for s in stats])

    with threads(n_threads):
        res = abc_smc(simulate, distance, len(names), particles=particles,
                      generations=generations, seed=seed, alpha=alpha, nuisance=n_nuis,
                      progress=progress)
        # posterior predictive: fresh runs at particles resampled by weight
        pick = resample(res.weights, seed, 0, particles)
        rng = np.random.default_rng([TAG, seed, PREDICTIVE])
        u_pred = np.hstack([res.u[pick], rng.random((particles, n_nuis))])
        pred = simulate(u_pred, PREDICTIVE, np.arange(particles, dtype=np.int64))
    values = np.column_stack([space.specs[n].ppf(res.u[:, k]) for k, n in enumerate(names)])
    post = Posterior(names, values, res.weights)
    settings = {"observations": obs.id, "profile": prof.id, "scenario": sc.id,
                "parameters": names, "others": others, "particles": particles,
                "max_generations": generations, "alpha": alpha, "seed": seed,
                "workers": n_threads or _num_threads(),
                "run_keys": f"(seed, {RUN_BASE} + generation * 2**32 + attempt); "
                            f"posterior predictive: generation {PREDICTIVE}"}
    return CalibrationResult(
        obs, prof, sc, post, res.u, summary_table(space, post, res.u),
        pd.DataFrame(res.generations), fit_table(stats, res.prior_stats, pred), settings,
        res.prior_stats, pred, res.tolerance, res.target_reached, time.perf_counter() - t0)
