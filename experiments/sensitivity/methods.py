"""Global sensitivity analysis: which uncertain parameters and which levers move the
2030 outcomes and the probability of the targets.

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
(:meth:`SensitivityResult.ranked_outcomes`).

The **noise share** comes from its own plain Monte Carlo: ``noise_samples`` points drawn
from the same distributions, each run ``seeds`` times with independent keys
``(seed, 2**40 + i * seeds + k)``. The variance of a single run is split, one-way
random-effects ANOVA, into the variance of the per-point means (less the noise they still
carry) and the mean within-point variance; the noise share is the latter over the sum.

>>> from stmarket.experiments.sensitivity.methods import sensitivity            # doctest: +SKIP
>>> s = sensitivity("morris", samples=20, seeds=4)            # doctest: +SKIP
>>> s.indices; s.noise; s.ranking(); s.figures(); s.write("out/sensitivity")

Any model can be analysed: :func:`analyse` takes a :class:`Problem` and a callable
``f(X, seeds, runs) -> {outcome: values}`` (the known-answer tests use Ishigami).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.sensitivity.plots import morris_figure, noise_figure, sobol_figure
from stmarket.model.errors import InputError
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet

METHODS = ("sobol", "morris")
#: Base samples N of Sobol (a power of 2) and trajectories r of Morris, by default.
DEFAULT_SAMPLES = {"sobol": 128, "morris": 40}
DEFAULT_SEEDS = 4
MORRIS_LEVELS = 4
RESAMPLES = 100
CONF_LEVEL = 0.95
#: Runs handed to the model at once (memory only; results do not depend on it).
CHUNK = 8192
#: Floor of the nominal value (bn VND) in the 2021-2030 growth outcome, so that a year
#: without transactions gives a finite (very low or high) growth instead of -inf or nan.
GROWTH_FLOOR = 1e-3
#: Outcomes whose per-point values vary in fewer points than this share are not ranked.
MIN_VARYING = 0.05
#: Outcomes whose per-point means are more than this share seed noise are not ranked.
MAX_MEANS_NOISE = 0.5
_TAG = 0x5E5171  # the analysis's own random streams: (TAG, seed, purpose, ...)
_SAMPLE, _BOOT, _NOISE = 1, 2, 3
#: Points of the plain Monte Carlo that measures the noise share, by default.
DEFAULT_NOISE_SAMPLES = 512
#: First run index of the noise design's keys (apart from the indices' design's keys).
NOISE_RUN0 = 2**40
INDICATORS_2030 = ("value_nominal", "ip_share", "tech_share", "research_origin_share",
                   "digitised_share", "intermediaries_connected")

#: ``f(X[n, D], seeds[n], runs[n]) -> {outcome: float64[n]}``: one value per run; the
#: randomness of run i must be a pure function of ``(seeds[i], runs[i])``.
Model = Callable[[np.ndarray, np.ndarray, np.ndarray], Mapping[str, np.ndarray]]
Progress = Callable[[int, int], None]


# -- the problem: inputs on the unit cube ------------------------------------------------

@dataclass(frozen=True)
class Input:
    """One input: a uniform or log-uniform distribution on ``[low, high]``.

    ``kind`` is ``"parameter"`` (an uncertain parameter's prior) or ``"lever"`` (a task
    group's yearly level).
    """

    name: str
    kind: str
    low: float
    high: float
    prior: str = "uniform"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles of the distribution at uniforms ``u`` in [0, 1]."""
        u = np.asarray(u, dtype=float)
        if self.prior == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Problem:
    """The inputs of an analysis, in column order."""

    inputs: tuple[Input, ...]

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        if not names:
            raise InputError("argument", "inputs", "a sensitivity analysis needs at least "
                                                   "one input")
        if len(set(names)) != len(names):
            raise InputError("argument", "inputs", "input names must be unique")

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def kinds(self) -> list[str]:
        return [i.kind for i in self.inputs]

    @property
    def D(self) -> int:  # noqa: N802 (the usual name)
        return len(self.inputs)

    def salib(self) -> dict:
        """SALib's problem dictionary over the unit cube."""
        return {"num_vars": self.D, "names": self.names, "bounds": [[0.0, 1.0]] * self.D}

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """float64[n, D]: each column of the unit-cube sample through its input's ppf."""
        U = np.asarray(U, dtype=float)
        return np.column_stack([inp.ppf(U[:, j]) for j, inp in enumerate(self.inputs)])


def check_method(method: str, samples: int) -> None:
    """Refuse an unknown method or a sample size the method cannot use."""
    if method not in METHODS:
        raise InputError("argument", "method", f"must be one of {', '.join(METHODS)}, "
                                               f"got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise InputError("argument", "samples", f"must be an integer >= 2, got {samples!r}")
    if method == "sobol" and samples & (samples - 1):
        raise InputError("argument", "samples", "Sobol needs a power of 2 (the Sobol' "
                                                f"sequence's balance), got {samples}")


def sample_unit(problem: Problem, method: str, samples: int, seed: int) -> np.ndarray:
    """The unit-cube design of a method, a pure function of ``seed``.

    Returns float64[N (D + 2), D] (Sobol, first and total order) or
    float64[r (D + 1), D] (Morris).
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    check_method(method, samples)
    rng = np.random.default_rng([_TAG, seed, _SAMPLE])
    if method == "sobol":
        return sobol_sample.sample(problem.salib(), samples, calc_second_order=False, seed=rng)
    return morris_sample.sample(problem.salib(), samples, num_levels=MORRIS_LEVELS, seed=rng)


# -- evaluation with seed replicates, and the noise share ---------------------------------

def evaluate_replicates(model: Model, X: np.ndarray, seeds: int, seed: int,
                        common: bool = True, run0: int = 0,
                        progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Run every point ``seeds`` times.

    Replicate k of point i has key ``(seed, run0 + k)`` with common random numbers
    (``common``), else ``(seed, run0 + i * seeds + k)``.

    Returns
    -------
    dict of str to float64[n_points, seeds]
    """
    n = X.shape[0]
    total = n * seeds
    flat = np.arange(total, dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for a in range(0, total, CHUNK):
        r = flat[a:a + CHUNK]
        keys = run0 + (r % seeds if common else r)
        res = model(X[r // seeds], np.full(r.size, seed, dtype=np.int64), keys)
        for name, v in res.items():
            v = np.asarray(v, dtype=float)
            if v.shape != r.shape:
                raise ValueError(f"outcome {name!r}: model returned shape {v.shape}, "
                                 f"expected {r.shape}")
            out.setdefault(name, np.empty(total))[a:a + r.size] = v
        if progress is not None:
            progress(min(a + CHUNK, total), total)
    return {k: v.reshape(n, seeds) for k, v in out.items()}


def noise_design(problem: Problem, samples: int, seed: int) -> np.ndarray:
    """Unit-cube points of the noise share's plain Monte Carlo (pure function of seed)."""
    return np.random.default_rng([_TAG, seed, _NOISE]).random((samples, problem.D))


def variance_components(y: np.ndarray) -> tuple[float, float]:
    """Between-sample and within-sample variance of single runs.

    Parameters
    ----------
    y : float64[n_samples, seeds]
        One row per input sample, one column per seed replicate.

    Returns
    -------
    parameter_variance, noise_variance : float
        Unbiased one-way random-effects estimates: the noise variance is the mean
        within-sample variance (ddof 1); the parameters' variance is the variance of
        the per-sample means less the noise it still carries (noise / seeds), floored
        at 0. Their sum is the variance of a single run. With one seed the noise
        variance is nan and the parameters' variance is the variance of the runs.
    """
    y = np.asarray(y, dtype=float)
    k = y.shape[1]
    if y.shape[0] < 2:
        return float("nan"), float("nan")
    between = float(np.var(y.mean(axis=1), ddof=1))
    if k < 2:
        return between, float("nan")
    noise = float(np.var(y, axis=1, ddof=1).mean())
    return max(between - noise / k, 0.0), noise


def noise_table(values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The noise share of every outcome, from points with independent keys.

    Parameters
    ----------
    values : dict of str to float64[n_points, seeds]

    Returns
    -------
    DataFrame
        ``outcome, total_variance`` (of a single run: parameters' plus noise),
        ``parameter_variance``, ``noise_variance``, ``noise_share`` (noise over total;
        nan with fewer than 2 seeds or 2 points), ``means_noise_share`` (the share of
        the variance of per-point means over ``seeds`` independent replicates that is
        still noise, (noise / seeds) over (parameters' + noise / seeds): what the noise
        adds to every total index ST without common random numbers), ``samples, seeds``.
    """
    rows = []
    for name, y in values.items():
        n, k = y.shape
        if n < 2 or k < 2:
            par = noise = float("nan")
        else:
            par, noise = variance_components(y)
        total, means_var = par + noise, par + noise / k
        rows.append({
            "outcome": name, "total_variance": total, "parameter_variance": par,
            "noise_variance": noise,
            "noise_share": noise / total if total > 0 else float("nan"),
            "means_noise_share": noise / k / means_var if means_var > 0 else float("nan"),
            "samples": n, "seeds": k})
    return pd.DataFrame(rows)


# -- the analyses on the per-sample means --------------------------------------------------

def _boot_seed(seed: int, j: int) -> int:
    # SALib's Sobol bootstrap treats seed 0 as "unseeded": draw from [1, 2**31)
    return int(np.random.default_rng([_TAG, seed, _BOOT, j]).integers(1, 2**31))


def _constant(y: np.ndarray) -> bool:
    return float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max()))


def varying_share(y: np.ndarray) -> float:
    """Share of points whose value differs from the most common value (1 for a
    continuous outcome; small for a target met in almost no run, or in almost every
    run, whose indices rest on a few points)."""
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    return float(1.0 - counts.max() / y.size)


def sobol_indices(problem: Problem, means: Mapping[str, np.ndarray], seed: int
                  ) -> pd.DataFrame:
    """S1 and ST with bootstrap intervals for each outcome (nan for a constant one),
    and the outcome's :func:`varying_share`."""
    import warnings

    from SALib.analyze import sobol as sobol_analyze

    rows = []
    for j, (name, y) in enumerate(means.items()):
        nan = np.full(problem.D, np.nan)
        if _constant(y):
            si = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        else:
            with warnings.catch_warnings():
                # a rare outcome constant in a bootstrap resample: varying_share tells
                warnings.filterwarnings("ignore", "Constant values encountered")
                si = sobol_analyze.analyze(problem.salib(), y, calc_second_order=False,
                                           num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                           seed=_boot_seed(seed, j))
        rows.append(pd.DataFrame({
            "method": "sobol", "outcome": name, "input": problem.names, "kind": problem.kinds,
            **{k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
            "varying_share": varying_share(y)}))
    return pd.concat(rows, ignore_index=True)


def morris_indices(problem: Problem, U: np.ndarray, means: Mapping[str, np.ndarray],
                   seed: int) -> pd.DataFrame:
    """mu*, its bootstrap interval, sigma and mu for each outcome, per unit of each
    input's quantile range (nan for a constant outcome); ``mu_star_rel``, mu* over the
    standard deviation of the outcome's per-point means (comparable across outcomes);
    and the outcome's :func:`varying_share`."""
    from SALib.analyze import morris as morris_analyze

    rows = []
    for j, (name, y) in enumerate(means.items()):
        nan = np.full(problem.D, np.nan)
        if _constant(y):
            si = {"mu_star": nan, "mu_star_conf": nan, "sigma": nan, "mu": nan}
        else:
            si = morris_analyze.analyze(problem.salib(), U, y, num_resamples=RESAMPLES,
                                        conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS,
                                        seed=np.random.default_rng([_TAG, seed, _BOOT, j]))
        sd = float(np.std(y, ddof=1)) if y.size > 1 else float("nan")
        mu = np.asarray(si["mu_star"], dtype=float)
        rows.append(pd.DataFrame({
            "method": "morris", "outcome": name, "input": problem.names, "kind": problem.kinds,
            **{k: np.asarray(si[k], dtype=float)
               for k in ("mu_star", "mu_star_conf", "sigma", "mu")},
            "mu_star_rel": mu / sd if sd > 0 else nan, "varying_share": varying_share(y)}))
    return pd.concat(rows, ignore_index=True)


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


# -- the result -----------------------------------------------------------------------------

@dataclass
class SensitivityResult:
    """Indices, noise shares and the ranking of one analysis.

    Attributes
    ----------
    method : str
    problem : Problem
    indices : DataFrame
        Sobol: ``method, outcome, input, kind, S1, S1_conf, ST, ST_conf``; Morris:
        ``method, outcome, input, kind, mu_star, mu_star_conf, sigma, mu``.
    noise : DataFrame
        See :func:`noise_table`.
    info : dict
        Design, sizes, timings and the model's description (goes to the manifest).
    """

    method: str
    problem: Problem
    indices: pd.DataFrame
    noise: pd.DataFrame
    info: dict = field(default_factory=dict)

    @property
    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(self.indices["outcome"]))

    def ranked_outcomes(self, min_varying: float = MIN_VARYING,
                        max_noise: float = MAX_MEANS_NOISE) -> pd.Series:
        """Why each outcome is or is not used in :meth:`ranking` ('' if it is).

        Not ranked: an outcome whose per-point values vary in fewer than ``min_varying``
        of the points (a target met in almost no run or almost every run: its indices
        rest on a few points), or whose per-point means are mostly seed noise
        (``means_noise_share`` above ``max_noise``: the indices would then describe the
        seeds, and under common random numbers they credit the noise to the inputs that
        reshuffle a run's random path; more ``seeds`` make such an outcome usable).
        """
        vary = self.indices.groupby("outcome", sort=False)["varying_share"].first()
        noise = self.noise.set_index("outcome")["means_noise_share"].reindex(vary.index)
        col = "ST" if self.method == "sobol" else "mu_star"
        empty = self.indices.groupby("outcome", sort=False)[col].apply(
            lambda x: x.isna().all())
        why = pd.Series("", index=vary.index, dtype=object)
        why[noise > max_noise] = [f"noise-dominated: {v:.0%} of the per-point means' "
                                  "variance is seed noise" for v in noise[noise > max_noise]]
        why[vary < min_varying] = [f"varies in {v:.1%} of points"
                                   for v in vary[vary < min_varying]]
        why[empty] = "constant"
        return why

    def ranking(self, kind: str | None = None, min_varying: float = MIN_VARYING,
                max_noise: float = MAX_MEANS_NOISE) -> pd.DataFrame:
        """Inputs ranked by their largest index over the outcomes.

        The score is the largest ``ST`` (Sobol) or ``mu_star_rel`` (Morris: mu* in
        standard deviations of the outcome's per-point means) over the outcomes that
        :meth:`ranked_outcomes` keeps.

        Columns: ``rank, input, kind, score, conf`` (the index's 95 % half-width there),
        ``outcome`` (where the largest index is), ``S1`` there (Sobol), ``measure``.
        ``kind`` keeps one kind.

        A large ST with S1 near 0 is an interaction, or, on a noisy outcome under common
        random numbers, seed noise credited to an input that reshuffles a run's random
        path; the analysis with independent keys tells them apart.
        """
        col, conf = ("ST", "ST_conf") if self.method == "sobol" else ("mu_star_rel",
                                                                      "mu_star_conf")
        keep = self.ranked_outcomes(min_varying, max_noise)
        keep = keep.index[keep == ""]
        df = self.indices[self.indices["outcome"].isin(keep)].dropna(subset=[col])
        if kind is not None:
            df = df[df["kind"] == kind]
        df = df.assign(score=df[col], conf=df[conf])
        if self.method == "morris":
            df["conf"] = df[conf] * df[col] / df["mu_star"].where(df["mu_star"] > 0)
        best = df.loc[df.groupby("input", sort=False)["score"].idxmax()]
        best = best.sort_values(["score", "input"], ascending=[False, True])
        best.insert(0, "rank", np.arange(1, len(best) + 1))
        best["measure"] = f"max {col}"
        cols = ["rank", "input", "kind", "score", "conf", "outcome", "measure"]
        if self.method == "sobol":
            cols.insert(6, "S1")
        return best[cols].reset_index(drop=True)

    def top(self, outcome: str, k: int = 3, kind: str | None = None) -> pd.DataFrame:
        """The k most influential inputs of one outcome (by ST or mu*)."""
        col = "ST" if self.method == "sobol" else "mu_star"
        df = self.indices[self.indices["outcome"] == outcome].dropna(subset=[col])
        if kind is not None:
            df = df[df["kind"] == kind]
        return df.sort_values([col, "input"], ascending=[False, True]).head(k)

    def summary(self, k: int = 3) -> str:
        """The k most influential inputs per outcome and overall, as text."""
        col, conf = ("ST", "ST_conf") if self.method == "sobol" else ("mu_star", "mu_star_conf")
        i = self.info
        crn = "common random numbers" if i.get("common_random_numbers") else "independent keys"
        lines = [f"{self.method}: {self.problem.D} inputs; {i.get('points')} points x "
                 f"{i.get('seeds')} seeds ({crn}) + {i.get('noise_samples')} x "
                 f"{i.get('seeds')} for the noise share = {i.get('runs')} runs",
                 f"top {k} inputs by {col} (+- 95 % bootstrap half-width); [noise share of "
                 "a single run's variance]"]
        width = max(len(o) for o in self.outcomes)
        noise = self.noise.set_index("outcome")["noise_share"]
        why = self.ranked_outcomes()
        for o in self.outcomes:
            t = self.top(o, k)
            items = ", ".join(f"{r.input} {getattr(r, col):.3g}+-{getattr(r, conf):.2g}"
                              for r in t.itertuples()) or "no indices"
            note = f" ({why[o]}: not ranked)" if why[o] else ""
            lines.append(f"  {o:<{width}}  [{noise.get(o, np.nan):.2f}]  {items}{note}")
        for kind, what in ((None, "inputs"), ("parameter", "parameters"), ("lever", "levers")):
            r = self.ranking(kind).head(k)
            if len(r):
                lines.append(f"most influential {what} ({r['measure'].iloc[0]} over outcomes): "
                             + ", ".join(f"{x.input} {x.score:.3g} ({x.outcome})"
                                         for x in r.itertuples()))
        return "\n".join(lines)

    def figures(self, top: int = 8) -> dict[str, object]:
        """The charts: indices per outcome, and the noise shares."""
        notes = {o: w for o, w in self.ranked_outcomes().items() if w}
        main = (sobol_figure(self.indices, top, notes) if self.method == "sobol"
                else morris_figure(self.indices, top, notes))
        return {f"{self.method}_indices": main, "noise_share": noise_figure(self.noise)}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``indices``, ``noise`` (with ``ranked`` and ``not_ranked_because`` per outcome,
        see :meth:`ranked_outcomes`) and ``ranking``."""
        why = self.ranked_outcomes().reindex(self.noise["outcome"]).fillna("").to_numpy()
        noise = self.noise.assign(ranked=why == "", not_ranked_because=why)
        return {"indices": self.indices, "noise": noise, "ranking": self.ranking()}

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``indices.csv``, ``noise.csv``, ``ranking.csv``, the charts and, last,
        ``manifest.json`` into ``out``."""
        from importlib import metadata

        from stmarket.experiments.analysis.evaluation import write_folder

        man = {"analysis": "sensitivity", **self.info,
               "inputs": [vars(x) for x in self.problem.inputs],
               "salib": metadata.version("SALib"),
               "note": "indices are computed on the per-sample means over the seed "
                       "replicates, i.e. on the parameters' part of the variance; "
                       "noise.csv gives the seeds' part"}
        return write_folder(out, self.tables(), self.figures(), man)


# -- the market model ---------------------------------------------------------------------

def market_problem(profile: Profile, scenario: Scenario, parameters: Sequence[str] | None = None,
                   levers: bool = True, lever_max: float = 3.0) -> tuple[Problem, dict]:
    """Inputs of the market: uncertain parameters (their priors) and lever levels.

    Each lever whose level in ``scenario`` is positive becomes an input uniform on
    ``[0, lever_max * level]``, keeping the scenario's start year, ramp and end year.
    Returns the problem and the levers left at the scenario's budgets (a level of 0).
    """
    from stmarket.model.scenario import LEVERS

    space = profile.space
    names = list(space.uncertain) if parameters is None else list(parameters)
    bad = [p for p in names if p not in space.uncertain]
    if bad:
        raise InputError("argument", "parameters", f"not uncertain parameters of "
                                                   f"{profile.id}: {', '.join(bad)}")
    inputs = [Input(p, "parameter", space.specs[p].low, space.specs[p].high,
                    space.specs[p].prior) for p in dict.fromkeys(names)]
    fixed: dict[str, str] = {}
    if levers:
        if not (isinstance(lever_max, (int, float)) and 0 < lever_max <= 100):
            raise InputError("argument", "lever_max", f"must be in (0, 100], got {lever_max!r}")
        for g in LEVERS:
            s = scenario.levers.get(g, {})
            if s.get("by_year"):
                raise InputError(scenario.path or "scenario", f"levers.{g}.by_year",
                                 "a lever with explicit yearly budgets cannot be varied by "
                                 "its level; use a scenario with level schedules")
            if s.get("level", 0.0) > 0:
                inputs.append(Input(g, "lever", 0.0, lever_max * s["level"]))
            else:
                fixed[g] = "level 0 in the base scenario: not varied"
    return Problem(tuple(inputs)), fixed


def market_outcomes(profile: Profile, targets: TargetSet) -> list[str]:
    """Names of the market's outcomes: 2030 indicators, growth, target probabilities."""
    y0, y1 = int(profile.years[0]), int(profile.years[-1])
    return ([f"{n}_{y1}" for n in INDICATORS_2030] + [f"value_growth_{y0}_{y1}"]
            + [f"p_{t}" for t in targets.ids] + [f"p_all_{y1}"])


@dataclass
class MarketModel:
    """The core as a :data:`Model`: inputs -> parameter vectors and budgets -> runs ->
    outcomes (one value per run; a target's outcome is 1 if met, else 0)."""

    profile: Profile
    scenario: Scenario
    targets: TargetSet
    problem: Problem
    outcomes: list[str]
    n_threads: int | None = None

    def __post_init__(self) -> None:
        from stmarket.model.scenario import LEVERS

        years = self.profile.years
        self.base = self.scenario.budgets(years)
        unit = Scenario("unit", "unit", levers={g: {**s, "level": 1.0}
                                                for g, s in self.scenario.levers.items()})
        self.shape = unit.budgets(years)
        names = self.profile.space.names
        self.cols = [(j, names.index(i.name)) for j, i in enumerate(self.problem.inputs)
                     if i.kind == "parameter"]
        self.rows = [(j, LEVERS.index(i.name)) for j, i in enumerate(self.problem.inputs)
                     if i.kind == "lever"]

    def __call__(self, X: np.ndarray, seeds: np.ndarray, runs: np.ndarray
                 ) -> dict[str, np.ndarray]:
        from stmarket.experiments.analysis.evaluation import evaluate

        P = np.tile(self.profile.space.central(), (X.shape[0], 1))
        for j, c in self.cols:
            P[:, c] = X[:, j]
        LEV = np.repeat(self.base[None], X.shape[0], axis=0)
        for j, g in self.rows:
            LEV[:, g, :] = X[:, j, None] * self.shape[g]
        o = evaluate(self.profile, self.targets, P, LEV, seeds, runs, self.n_threads)
        y0, y1 = int(o.years[0]), int(o.years[-1])
        res = {f"{n}_{y1}": o.at(n) for n in INDICATORS_2030}
        v = o.indicators["value_nominal"]
        ratio = np.maximum(v[:, -1], GROWTH_FLOOR) / np.maximum(v[:, 0], GROWTH_FLOOR)
        res[f"value_growth_{y0}_{y1}"] = ratio ** (1.0 / (y1 - y0)) - 1.0
        for k, t in enumerate(o.target_ids):
            res[f"p_{t}"] = o.met[:, k].astype(float)
        res[f"p_all_{y1}"] = o.met_by(y1, self.targets).astype(float)
        return {k: res[k] for k in self.outcomes}


def sensitivity(method: str = "sobol", *, profile: str | Path | Profile = "bac_kan",
                scenario: str | Path | Scenario = "plan_2257",
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
    parameters : list of str, optional
        Uncertain parameters to vary (all by default); the others stay at their medians.
    levers : bool
        Vary the levers' yearly levels on ``[0, lever_max * base level]``.
    samples : int, optional
        Sobol: N, a power of 2 (default 128: ``N (D + 2)`` points); Morris: trajectories
        r (default 40: ``r (D + 1)`` points).
    seeds : int
        Seed replicates per point (default 4). Runs = (points + noise_samples) x seeds;
        the core does about 1,000 runs a second on 2 idle cores, so the default Sobol
        with the 84 parameters and 6 levers (11,776 points + 512, 49,152 runs) takes
        about a minute. Indices' intervals shrink as 1/sqrt(N): to halve them, quadruple
        N. The noise in a per-point mean falls as 1/seeds: raise seeds to rank the
        noise-dominated outcomes.
    seed : int
    n_threads : int, optional
        numba threads (results do not depend on it).
    outcomes : list of str, optional
        A subset of :func:`market_outcomes` (all by default).
    common_random_numbers, noise_samples
        See :func:`analyse`.
    progress : callable(done, total), optional
    """
    from stmarket.model import load_profile, load_scenario, load_targets

    check_method(method, samples or DEFAULT_SAMPLES.get(method, 2))
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    targets = load_targets(prof.targets, years=prof.years)
    problem, fixed = market_problem(prof, scen, parameters, levers, lever_max)
    names = market_outcomes(prof, targets)
    chosen = names if outcomes is None else list(dict.fromkeys(outcomes))
    bad = [o for o in chosen if o not in names]
    if bad or not chosen:
        raise InputError("argument", "outcomes", f"unknown: {', '.join(bad) or '(none given)'}"
                                                 f"; allowed: {', '.join(names)}")
    model = MarketModel(prof, scen, targets, problem, chosen, n_threads)
    meta = {"profile": prof.id, "scenario": scen.id, "lever_max": lever_max if levers else None,
            "levers_fixed": fixed, "n_threads": n_threads}
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
