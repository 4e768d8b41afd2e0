"""Global sensitivity analysis: which uncertain parameters and which levers move the
final-year outcomes and the probability of the targets.

Two methods of SALib over the same pipeline, *sample the unit cube -> map each
column through its input's quantile function -> evaluate -> analyse*:

- ``"sobol"``: Saltelli's scheme on a scrambled Sobol' sequence
  (:func:`SALib.sample.sobol.sample`, first and total order only, so ``N (D + 2)``
  samples for ``D`` inputs) and :func:`SALib.analyze.sobol.analyze`: first-order
  ``S1`` and total ``ST`` indices with bootstrap 95 % intervals.
- ``"morris"``: ``r`` one-at-a-time trajectories of ``D + 1`` points on a 4-level grid
  (:func:`SALib.sample.morris.sample`, :func:`SALib.analyze.morris.analyze`): ``mu*``
  (mean absolute elementary effect, per unit of the input's quantile range), its
  bootstrap interval and ``sigma``. The cheap screening.

The model is stochastic, so every point is run ``seeds`` times. By default the runs use
**common random numbers**: replicate ``k`` of every point has the core's key
``(seed, k)``, as every scenario of ``stmarket run`` shares its runs' keys. The core's
random numbers are a pure function of the key and of (month, agent, purpose), so two
points that differ in one input follow the same random path wherever that input does
not matter: an input without effect gets an index of 0, not the noise floor. (With
independent keys, ``common_random_numbers=False``, replicate k of point i has key
``(seed, i * seeds + k)``; the seeds' noise left in the per-point means then adds about
``means_noise_share`` of noise.csv to every total index, which on this model is 0.35-0.95
with 4 seeds for most outcomes.) The indices are computed on the per-point means over the
replicates, i.e. on the parameters' and levers' part of the variance, plus the noise a
mean over ``seeds`` runs still carries (``means_noise_share``); under common random
numbers that noise is credited to the inputs that reshuffle a run's random path (a large
ST with S1 near 0). Outcomes whose per-point means are more noise than signal, and
targets met in almost no run or almost every run, are therefore left out of the ranking
(:meth:`~stmarket.experiments.sensitivity.result.SensitivityResult.ranked_outcomes`).

The **noise share** comes from its own plain Monte Carlo: ``noise_samples`` points drawn
from the same distributions, each run ``seeds`` times with independent keys
``(seed, 2**40 + i * seeds + k)``. The variance of a single run is split, one-way
random-effects ANOVA, into the variance of the per-point means (less the noise they still
carry) and the mean within-point variance; the noise share is the latter over the sum.

>>> from stmarket.experiments.sensitivity.methods import sensitivity            # doctest: +SKIP
>>> from stmarket.experiments.sensitivity.plots import sensitivity_figures      # doctest: +SKIP
>>> from stmarket.experiments.sensitivity.write import write_sensitivity        # doctest: +SKIP
>>> s = sensitivity("morris", samples=20, seeds=4)            # doctest: +SKIP
>>> s.indices; s.noise; s.ranking(); sensitivity_figures(s)   # doctest: +SKIP
>>> write_sensitivity(s, "out/sensitivity")                   # doctest: +SKIP

Any model can be analysed: :func:`analyse` takes a
:class:`~stmarket.experiments.sensitivity.problem.Problem` and a callable
``f(X, seeds, runs) -> {outcome: values}`` (the known-answer tests use Ishigami,
:func:`ishigami`). This module holds the pipeline (:func:`analyse`), its application to
the market (:func:`sensitivity`) and the known answers; the pieces it puts together are
the room's other modules (see :mod:`stmarket.experiments.sensitivity`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stmarket.experiments.sensitivity.indices import morris_indices, sobol_indices
from stmarket.experiments.sensitivity.market import (
    MarketModel,
    market_outcomes,
    market_problem,
    outcome_labels,
)
from stmarket.experiments.sensitivity.problem import (
    DEFAULT_SAMPLES,
    Problem,
    check_method,
    sample_unit,
)
from stmarket.experiments.sensitivity.replicates import (
    DEFAULT_NOISE_SAMPLES,
    NOISE_RUN0,
    Model,
    Progress,
    evaluate_replicates,
    noise_design,
    noise_table,
)
from stmarket.experiments.sensitivity.result import SensitivityResult
from stmarket.model.errors import InputError
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet

DEFAULT_SEEDS = 4


def _count(name: str, v, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise InputError("argument", name, f"must be an integer >= {low}, got {v!r}")
    return int(v)


def analyse(problem: Problem, model: Model, method: str = "sobol", *, samples: int,
            seeds: int = 1, seed: int = 1, common_random_numbers: bool = True,
            noise_samples: int = DEFAULT_NOISE_SAMPLES, progress: Progress | None = None,
            meta: dict | None = None) -> SensitivityResult:
    """Sample, evaluate with seed replicates, analyse; and measure the noise share.

    Parameters
    ----------
    problem : Problem
    model : callable ``f(X, seeds, runs) -> {outcome: float64[n]}``
        ``X`` holds the inputs' values (after their ppf), one row per run; the run's
        randomness must be a pure function of its key ``(seeds[i], runs[i])``.
    method : {"sobol", "morris"}
    samples : int
        Sobol: base samples N (a power of 2), ``N (D + 2)`` points; Morris: trajectories
        r, ``r (D + 1)`` points.
    seeds : int
        Seed replicates per point (2 or more for the noise share).
    seed : int
        Seeds the designs, the bootstrap and the runs' keys.
    common_random_numbers : bool
        Replicate k of every point has key ``(seed, k)`` (default); else each run has
        its own key ``(seed, i * seeds + k)``.
    noise_samples : int
        Points of the noise share's plain Monte Carlo (0 skips it).

    Returns
    -------
    SensitivityResult
    """
    from stmarket.model.core import check_seed

    seed = check_seed(seed)
    seeds = _count("seeds", seeds, 1)
    noise_samples = _count("noise_samples", noise_samples, 0)
    t0 = time.perf_counter()
    U = sample_unit(problem, method, samples, seed)
    V = noise_design(problem, noise_samples if seeds > 1 else 0, seed)
    n_main, n_all = U.shape[0] * seeds, (U.shape[0] + V.shape[0]) * seeds

    def part(offset: int) -> Progress | None:
        return None if progress is None else (lambda d, _t: progress(offset + d, n_all))

    values = evaluate_replicates(model, problem.from_unit(U), seeds, seed,
                                 common_random_numbers, 0, part(0))
    noisy = (evaluate_replicates(model, problem.from_unit(V), seeds, seed, False,
                                 NOISE_RUN0, part(n_main)) if V.shape[0] else {})
    t1 = time.perf_counter()
    means = {k: v.mean(axis=1) for k, v in values.items()}
    bad = [k for k, v in means.items() if not np.all(np.isfinite(v))]
    if bad:
        raise ValueError(f"the model returned non-finite values for {', '.join(bad)}")
    if method == "sobol":
        ind = sobol_indices(problem, means, seed)
    else:
        ind = morris_indices(problem, U, means, seed)
    noise = noise_table({k: noisy.get(k, np.full((0, seeds), np.nan)) for k in values})
    info = {"method": method, "samples": int(samples), "seeds": seeds, "seed": seed,
            "common_random_numbers": bool(common_random_numbers), "points": int(U.shape[0]),
            "noise_samples": int(V.shape[0]), "runs": n_all,
            "seconds_runs": round(t1 - t0, 3),
            "seconds_analysis": round(time.perf_counter() - t1, 3), **(meta or {})}
    return SensitivityResult(method, problem, ind, noise, info)


def sensitivity(method: str = "sobol", *, profile: str | Path | Profile = "bac_kan",
                scenario: str | Path | Scenario = "plan_2257",
                targets: str | Path | TargetSet | None = None,
                parameters: Sequence[str] | None = None,
                levers: bool = True, lever_max: float = 3.0, samples: int | None = None,
                seeds: int = DEFAULT_SEEDS, seed: int = 1, n_threads: int | None = None,
                outcomes: Sequence[str] | None = None, common_random_numbers: bool = True,
                noise_samples: int = DEFAULT_NOISE_SAMPLES, progress: Progress | None = None
                ) -> SensitivityResult:
    """Global sensitivity of the 2030 outcomes to the priors and the levers.

    Parameters
    ----------
    method : {"sobol", "morris"}
    profile, scenario : str, Path, Profile or Scenario
        The province and the base scenario (its lever schedules set the levers' ranges,
        start years and ramps).
    targets : str, Path or TargetSet, optional
        The targets whose probabilities are outcomes (``p_<id>``, and ``p_all_<year>`` for
        the last simulated year's together): a bundled targets file's name, a path or a
        loaded set (with changed pass marks, :meth:`TargetSet.with_threshold`); the
        profile's by default. Checked against the profile's years.
    parameters : list of str, optional
        Uncertain parameters to vary (all by default); the others stay at their medians.
    levers : bool
        Vary the levers' yearly levels on ``[0, lever_max * base level]``.
    samples : int, optional
        Sobol: N, a power of 2 (default 128: ``N (D + 2)`` points); Morris: trajectories
        r (default 40: ``r (D + 1)`` points).
    seeds : int
        Seed replicates per point (default 4). Runs = (points + noise_samples) x seeds;
        the core does about 500 runs a second on 2 idle cores, so the default Sobol
        with the 121 uncertain parameters (three structural switches among them) and 6
        levers (16,512 points + 512, 68,096 runs) takes 2-3 minutes. Indices'
        intervals shrink as 1/sqrt(N): to halve them, quadruple N. The noise in a
        per-point mean falls as 1/seeds: raise seeds to rank the noise-dominated
        outcomes.
    seed : int
    n_threads : int, optional
        numba threads (results do not depend on it).
    outcomes : list of str, optional
        A subset of :func:`market_outcomes` (all by default).
    common_random_numbers, noise_samples
        See :func:`analyse`.
    progress : callable(done, total), optional
    """
    from stmarket.experiments.outputs.folder import targets_record
    from stmarket.model import load_profile, load_scenario, load_targets

    check_method(method, samples or DEFAULT_SAMPLES.get(method, 2))
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    targets = targets if isinstance(targets, TargetSet) else load_targets(
        targets or prof.targets, years=prof.years)
    problem, fixed = market_problem(prof, scen, parameters, levers, lever_max)
    names = market_outcomes(prof, targets)
    chosen = names if outcomes is None else list(dict.fromkeys(outcomes))
    bad = [o for o in chosen if o not in names]
    if bad or not chosen:
        raise InputError("argument", "outcomes", f"unknown: {', '.join(bad) or '(none given)'}"
                                                 f"; allowed: {', '.join(names)}")
    model = MarketModel(prof, scen, targets, problem, chosen, n_threads)
    labels = outcome_labels(prof, targets)
    meta = {"profile": prof.id, "scenario": scen.id, "lever_max": lever_max if levers else None,
            "levers_fixed": fixed, "n_threads": n_threads, "targets": targets_record(targets),
            "outcome_labels": {o: labels[o] for o in chosen}}
    return analyse(problem, model, method, samples=samples or DEFAULT_SAMPLES[method],
                   seeds=seeds, seed=seed, common_random_numbers=common_random_numbers,
                   noise_samples=noise_samples, progress=progress, meta=meta)


# -- known answers ------------------------------------------------------------------------

def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on [-pi, pi]^3 (the first three columns of X)."""
    return (np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2
            + b * X[:, 2] ** 4 * np.sin(X[:, 0]))


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total Sobol indices of :func:`ishigami`."""
    pi4 = math.pi ** 4
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * pi4 * pi4 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v
