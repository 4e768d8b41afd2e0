"""Monte Carlo over parameter uncertainty and seeds, with common random numbers.

A run is (parameter sample, seed replicate). Run ``r`` has parameter sample
``r // n_seeds`` and random key ``(seed, r)``. Samples come in blocks of
:data:`BLOCK`: block ``b`` is a Latin hypercube over the uncertain parameters drawn
from ``(seed, b)`` alone. So the runs form one sequence that can be extended: the
first N runs are the same whether N runs were asked for at once, in chunks, or
reached by the stopping rule, and whatever the number of threads.

Every scenario is run on the same design, so comparisons between scenarios are
paired (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.stats import (
    Z95,
    design_effect,
    mcnemar,
    paired_difference,
    wilson,
)
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import check_seed, run_batch
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet
from stmarket.model.world import PRIORS, World

ALL = "all_targets"
#: Parameter samples per Latin hypercube block.
BLOCK = 256
#: Runs per chunk handed to the core (memory and progress granularity only).
CHUNK = 1000
#: Quantiles of the fan charts: 90 % and 50 % bands and the median.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_DESIGN_TAG = 0x57D351  # separates the design's stream from any other use of the seed


@dataclass
class Design:
    """Inputs of a range of runs: ``P[i]`` and the key ``(seeds[i], runs[i])``."""

    P: np.ndarray
    sample: np.ndarray
    replicate: np.ndarray
    seeds: np.ndarray
    runs: np.ndarray

    def __len__(self) -> int:
        return int(self.runs.size)

    @staticmethod
    def concat(parts: list[Design]) -> Design:
        if not parts:
            raise ValueError("no design parts to join")
        return Design(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("P", "sample", "replicate", "seeds", "runs")))


def _unit_block(seed: int, block: int, d: int) -> np.ndarray:
    from scipy.stats import qmc

    rng = np.random.default_rng([_DESIGN_TAG, seed, block])
    return qmc.LatinHypercube(d=d, rng=rng).random(BLOCK)


def design_runs(profile: Profile, seed: int, start: int, stop: int, n_seeds: int = 1,
                world: World | None = None) -> Design:
    """The inputs of runs ``start`` to ``stop - 1`` of the sequence keyed by ``seed``.

    Parameters
    ----------
    profile : Profile
    seed : int
        Seed of the whole Monte Carlo (design and random keys).
    start, stop : int
        Range of run indices.
    n_seeds : int
        Seed replicates per parameter sample.
    world : World, optional
        Restricts the sampled part of the priors (full priors by default).
    """
    seed = check_seed(seed)
    if not 0 <= start <= stop or n_seeds < 1:
        raise ValueError("need 0 <= start <= stop and n_seeds >= 1")
    world = world or PRIORS
    space = profile.space
    r = np.arange(start, stop, dtype=np.int64)
    sample = r // n_seeds
    d = len(space.uncertain)
    u = np.empty((r.size, d))
    if d and r.size:
        for b in range(int(sample[0]) // BLOCK, int(sample[-1]) // BLOCK + 1):
            rows = (sample // BLOCK) == b
            u[rows] = _unit_block(seed, b, d)[sample[rows] % BLOCK]
    P = space.from_unit(world.restrict(space.uncertain, u))
    return Design(P, sample, r % n_seeds, np.full(r.size, seed, dtype=np.int64), r)


def make_design(profile: Profile, n_runs: int, seed: int = 0, n_seeds: int = 1,
                world: World | None = None) -> Design:
    """The first ``n_runs`` runs of the sequence keyed by ``seed``."""
    if n_runs < 1:
        raise ValueError("n_runs must be at least 1")
    return design_runs(profile, seed, 0, n_runs, n_seeds, world)


def half_width_needed(p: np.ndarray, half_width: float, z: float = Z95) -> np.ndarray:
    """Runs needed for a 95 % interval of half-width ``half_width`` at proportion p
    (normal approximation; at least the runs that make a zero count's Wilson
    interval, [0, z²/(n+z²)], that narrow: n >= z²(1 - 2h)/(2h))."""
    p = np.asarray(p, dtype=float)
    normal = z * z * p * (1 - p) / half_width**2
    return np.maximum(normal, z * z * (1 - 2 * half_width) / (2 * half_width))


@dataclass
class MonteCarloResult:
    """Yearly accumulators and target verdicts of every scenario on one design."""

    profile: Profile
    targets: TargetSet
    design: Design
    Y: dict[str, np.ndarray]
    met: dict[str, np.ndarray]
    measures: dict[str, np.ndarray]
    world: World = PRIORS
    scenarios: list[Scenario] = field(default_factory=list)
    _ind: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_runs(self) -> int:
        return len(self.design)

    @property
    def clustered(self) -> bool:
        """Whether runs share parameter samples (seed replicates)."""
        return bool(self.design.replicate.max(initial=0) > 0)

    def deff(self, x: np.ndarray) -> float:
        """Design effect of a per-run quantity (1 when every run has its own sample)."""
        return design_effect(x, self.design.sample) if self.clustered else 1.0

    def indicators(self, scenario: str) -> dict[str, np.ndarray]:
        """Indicators of every run of a scenario, arrays [n_runs, n_years]."""
        if scenario not in self._ind:
            self._ind[scenario] = indicators.compute(self.Y[scenario],
                                                     self.design.P[:, K.P_INFLATION])
        return self._ind[scenario]

    def target_table(self) -> pd.DataFrame:
        """Probability of each target (and of all together) with its Wilson 95 %
        interval and the number of runs: columns
        ``scenario,target,year,threshold,probability,ci_low,ci_high,runs``.

        With seed replicates, the interval uses the effective number of runs (the
        run count over Kish's design effect); ``runs`` stays the run count."""
        rows = []
        for sc, met in self.met.items():
            n = met.shape[0]
            cols = [(t.id, t.year, t.threshold, met[:, k]) for k, t in
                    enumerate(self.targets.targets)]
            cols.append((ALL, max(t.year for t in self.targets.targets), np.nan,
                         met.all(axis=1)))
            for tid, year, thr, m in cols:
                de = self.deff(m)
                p, lo, hi = wilson(m.sum() / de, n / de)
                rows.append((sc, tid, year, thr, float(p), float(lo), float(hi), n))
        return pd.DataFrame(rows, columns=["scenario", "target", "year", "threshold",
                                           "probability", "ci_low", "ci_high", "runs"])

    def max_half_width(self) -> float:
        """The widest half-width of any interval in :meth:`target_table`."""
        t = self.target_table()
        return float(((t["ci_high"] - t["ci_low"]) / 2).max())

    def compare(self, a: str, b: str) -> pd.DataFrame:
        """Paired comparison of scenarios A and B on every target (and all together):
        runs where only A meets it, only B, the exact McNemar p-value, and the
        difference in probability (A minus B) with its 95 % interval."""
        ma, mb = self.met[a], self.met[b]
        rows = []
        pairs = [(t.id, ma[:, k], mb[:, k]) for k, t in enumerate(self.targets.targets)]
        pairs.append((ALL, ma.all(axis=1), mb.all(axis=1)))
        for tid, x, y in pairs:
            a_only = int((x & ~y).sum())
            b_only = int((~x & y).sum())
            de = self.deff(x.astype(float) - y)
            d, lo, hi = paired_difference(x, y, deff=de)
            p = mcnemar(round(a_only / de), round(b_only / de))
            rows.append((a, b, tid, a_only, b_only, p, d, lo, hi, x.size))
        return pd.DataFrame(rows, columns=["a", "b", "target", "a_only", "b_only",
                                           "mcnemar_p", "difference", "ci_low", "ci_high",
                                           "runs"])

    def comparisons(self, reference: str | None = None) -> pd.DataFrame:
        """Every other scenario (``a``) against the reference (``b``, the first
        scenario by default)."""
        ids = list(self.met)
        reference = ids[0] if reference is None else reference
        frames = [self.compare(s, reference) for s in ids if s != reference]
        if not frames:
            return self.compare(reference, reference).iloc[0:0]
        return pd.concat(frames, ignore_index=True)

    def targets_met(self, a: str, b: str | None = None) -> tuple[float, float, float]:
        """Mean number of targets met per run (A minus B if B is given), with a
        95 % interval over the paired runs."""
        ca = self.met[a].sum(axis=1).astype(float)
        d = ca - (self.met[b].sum(axis=1) if b is not None else 0.0)
        m = float(d.mean())
        if d.size < 2:
            return m, float("nan"), float("nan")
        se = float(d.std(ddof=1) / math.sqrt(d.size / self.deff(d)))
        return m, m - Z95 * se, m + Z95 * se

    def value_difference(self, a: str, b: str, year: int | None = None) -> np.ndarray:
        """Per-run difference in nominal transaction value, A minus B, in a year
        (the last by default): its distribution over the paired runs."""
        j = -1 if year is None else int(year - self.profile.start_year)
        va = self.indicators(a)["value_nominal"][:, j]
        vb = self.indicators(b)["value_nominal"][:, j]
        return va - vb

    def value_difference_table(self, reference: str | None = None) -> pd.DataFrame:
        """Distribution of the per-run difference in nominal value, each other
        scenario minus the reference, by year: columns
        ``a,b,year,runs,mean,q05,q25,q50,q75,q95,share_positive``."""
        ids = list(self.met)
        reference = ids[0] if reference is None else reference
        rows = []
        for s in ids:
            if s == reference:
                continue
            d = (self.indicators(s)["value_nominal"]
                 - self.indicators(reference)["value_nominal"])
            q = np.quantile(d, FAN_QUANTILES, axis=0)
            for j, y in enumerate(self.profile.years):
                rows.append((s, reference, int(y), d.shape[0], float(d[:, j].mean()),
                             *map(float, q[:, j]), float((d[:, j] > 0).mean())))
        return pd.DataFrame(rows, columns=["a", "b", "year", "runs", "mean", "q05", "q25",
                                           "q50", "q75", "q95", "share_positive"])

    def fan(self, names: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Quantiles over runs of indicators by scenario and year (the fan charts):
        columns ``scenario,indicator,year,runs,q05,q25,q50,q75,q95``."""
        if names is None:
            names = fan_indicators(self.targets)
        rows = []
        for sc in self.met:
            ind = self.indicators(sc)
            for name in names:
                x = ind[name]
                q = (np.quantile(x, FAN_QUANTILES, axis=0) if np.isfinite(x).all()
                     else _nanquantile_cols(x))
                for j, y in enumerate(self.profile.years):
                    rows.append((sc, name, int(y), int(np.isfinite(x[:, j]).sum()),
                                 *map(float, q[:, j])))
        return pd.DataFrame(rows, columns=["scenario", "indicator", "year", "runs", "q05",
                                           "q25", "q50", "q75", "q95"])

    def runs_frame(self, scenario: str, start: int = 0, stop: int | None = None
                   ) -> pd.DataFrame:
        """Tidy rows of runs ``start:stop`` of a scenario: one row per run and year
        with the run's sample, seed, sampled parameters and every indicator."""
        stop = self.n_runs if stop is None else min(stop, self.n_runs)
        sl = slice(start, stop)
        n, ny = stop - start, len(self.profile.years)
        d = self.design
        cols: dict[str, np.ndarray] = {
            "scenario": np.full(n * ny, scenario, dtype=object),
            "run": np.repeat(d.runs[sl], ny),
            "sample": np.repeat(d.sample[sl], ny),
            "replicate": np.repeat(d.replicate[sl], ny),
            "seed": np.repeat(d.seeds[sl], ny),
            "year": np.tile(self.profile.years.astype(np.int64), n),
        }
        for name in self.profile.space.uncertain:
            cols[name] = np.repeat(d.P[sl, self.profile.space.index(name)], ny)
        for name, x in self.indicators(scenario).items():
            if name in cols:
                raise ValueError(f"indicator {name!r} clashes with a column of runs")
            cols[name] = x[sl].reshape(-1)
        return pd.DataFrame(cols)


def _nanquantile_cols(x: np.ndarray) -> np.ndarray:
    out = np.full((len(FAN_QUANTILES), x.shape[1]), np.nan)
    for j in range(x.shape[1]):
        col = x[:, j][np.isfinite(x[:, j])]
        if col.size:
            out[:, j] = np.quantile(col, FAN_QUANTILES)
    return out


def fan_indicators(targets: TargetSet) -> tuple[str, ...]:
    """The indicators the targets name, then the count of deals, the
    imported-technology share and the active intermediaries (in ``fan.csv``; the
    fan charts plot the targets' indicators)."""
    names = list(dict.fromkeys(t.indicator for t in targets.targets))
    for extra in ("count", "imported_tech_share", "intermediaries_active"):
        if extra not in names:
            names.append(extra)
    return tuple(names)


def _posterior_by_sample(d: Design, profile: Profile, posterior, seed: int) -> np.ndarray:
    """The design's parameters with the posterior's in place of the priors': sample
    ``s`` takes the particle that run ``s`` of the posterior's resampling picks, so the
    seed replicates of a sample share it."""
    from stmarket.experiments.assessment.posterior import posterior_rows

    P = np.array(d.P)
    s0, s1 = int(d.sample.min()), int(d.sample.max()) + 1
    rows = posterior_rows(posterior, seed, s0, s1)[d.sample - s0]
    P[:, [profile.space.index(n) for n in posterior.names]] = rows
    return P


Progress = Callable[[int, int], None]


class MonteCarlo:
    """A Monte Carlo that grows: every scenario on the same growing sequence of runs.

    Parameters
    ----------
    profile : Profile
    scenarios : list of Scenario
    targets : TargetSet
    seed : int
        Seed of the design and of every run's random key.
    n_seeds : int
        Seed replicates per parameter sample (1: every run has its own sample).
    world : World, optional
        Setting of the uncertain parameters (full priors by default).
    n_threads : int, optional
        numba threads (results do not depend on it).
    """

    def __init__(self, profile: Profile, scenarios: list[Scenario], targets: TargetSet,
                 seed: int = 0, n_seeds: int = 1, world: World | None = None,
                 n_threads: int | None = None, posterior=None) -> None:
        ids = [s.id for s in scenarios]
        if not scenarios:
            raise ValueError("need at least one scenario")
        if len(set(ids)) != len(ids):
            raise ValueError(f"scenario ids must differ, got {ids}")
        self.profile, self.scenarios, self.targets = profile, list(scenarios), targets
        self.seed, self.n_seeds = check_seed(seed), int(n_seeds)
        self.world = world or PRIORS
        self.n_threads = n_threads
        self.posterior = posterior
        self._lev = {s.id: s.budgets(profile.years) for s in scenarios}
        self._designs: list[Design] = []
        self._Y: dict[str, list[np.ndarray]] = {s: [] for s in ids}
        self._result: MonteCarloResult | None = None

    @property
    def n_runs(self) -> int:
        return sum(len(d) for d in self._designs)

    def extend(self, n: int, progress: Progress | None = None, total: int | None = None,
               chunk: int = CHUNK) -> None:
        """Add the next ``n`` runs of the sequence to every scenario."""
        start = self.n_runs
        stop = start + int(n)
        total = stop if total is None else total
        for a in range(start, stop, chunk):
            b = min(stop, a + chunk)
            d = design_runs(self.profile, self.seed, a, b, self.n_seeds, self.world)
            if self.posterior is not None:
                # the fitted parameters from the posterior, one particle per sample
                d.P = _posterior_by_sample(d, self.profile, self.posterior, self.seed)
            for sc in self.scenarios:
                Y, _ = run_batch(self.profile, d.P, self._lev[sc.id], d.seeds, d.runs,
                                 n_threads=self.n_threads)
                self._Y[sc.id].append(Y)
            self._designs.append(d)
            self._result = None
            if progress is not None:
                progress(b, total)

    def run_until(self, half_width: float, max_runs: int, first: int = 400,
                  progress: Progress | None = None) -> bool:
        """The stopping rule: add runs until every interval's half-width is at most
        ``half_width`` or ``max_runs`` is reached.

        After each stage the runs still needed are estimated from the widest
        interval's proportion, rounded up to a hundred. Returns whether the width
        was reached. The runs are a prefix of the same sequence, so the result
        equals a fixed-size Monte Carlo of the final size.
        """
        if not 0 < half_width < 0.5:
            raise ValueError("half_width must be in (0, 0.5)")
        if max_runs < 1 or first < 1:
            raise ValueError("max_runs and first must be at least 1")
        while True:
            n = self.n_runs
            if n == 0:
                nxt = min(max_runs, first)
            else:
                t = self.result().target_table()
                hw = ((t["ci_high"] - t["ci_low"]) / 2).to_numpy()
                if hw.max() <= half_width:
                    return True
                if n >= max_runs:
                    return False
                need = half_width_needed(t["probability"].to_numpy()[hw > half_width],
                                         half_width).max()
                nxt = min(max_runs, max(n + 100, int(math.ceil(need * 1.05 / 100)) * 100))
            self.extend(nxt - n, progress=progress, total=nxt)

    def result(self) -> MonteCarloResult:
        """The runs so far, scored."""
        if self._result is None:
            if not self._designs:
                raise ValueError("no runs yet")
            design = Design.concat(self._designs)
            self._designs = [design]
            Ys, mets, measures = {}, {}, {}
            for sc in self.scenarios:
                Y = np.concatenate(self._Y[sc.id]) if len(self._Y[sc.id]) > 1 else \
                    self._Y[sc.id][0]
                self._Y[sc.id] = [Y]
                ind = indicators.compute(Y, design.P[:, K.P_INFLATION])
                m, met = self.targets.score(ind, self.profile.years)
                Ys[sc.id], mets[sc.id], measures[sc.id] = Y, met, m
            self._result = MonteCarloResult(self.profile, self.targets, design, Ys, mets,
                                            measures, self.world, self.scenarios)
        return self._result


def run_monte_carlo(profile: Profile, scenarios: list[Scenario], targets: TargetSet,
                    design: Design, n_threads: int | None = None) -> MonteCarloResult:
    """Run every scenario on a given design (common random numbers) in the core.

    Parameters
    ----------
    profile : Profile
    scenarios : list of Scenario
    targets : TargetSet
    design : Design
        From :func:`make_design` or :func:`design_runs`.
    n_threads : int, optional
        numba threads; results do not depend on it.
    """
    Ys, mets, measures = {}, {}, {}
    for sc in scenarios:
        Y, _ = run_batch(profile, design.P, sc.budgets(profile.years), design.seeds,
                         design.runs, n_threads=n_threads)
        ind = indicators.compute(Y, design.P[:, K.P_INFLATION])
        m, met = targets.score(ind, profile.years)
        Ys[sc.id], mets[sc.id], measures[sc.id] = Y, met, m
    return MonteCarloResult(profile, targets, design, Ys, mets, measures,
                            scenarios=list(scenarios))
