"""The dashboard's Monte Carlo: both scenarios on the same runs, at every change.

:func:`refresh` runs the starting scenario and the sliders' scenario on the runs of
``stmarket run --runs N --seed S`` (the same Latin hypercube and random keys: common
random numbers) and scores the targets; one run of the sliders' scenario with its
transaction log is simulated when first asked for (``Refresh.run``). The :class:`Refresh`
it returns gives each target's probability with its 95 % interval and the paired
difference. Each scenario's runs are cached by its yearly budgets in blocks of
:data:`BLOCK_RUNS`, so moving a slider reruns only the sliders' scenario, and a computation
the sliders have left behind stops within a block. Plain Python: no Solara, no
matplotlib.

>>> from stmarket.experiments.dashboard.settings import initial_settings  # doctest: +SKIP
>>> s = initial_settings("bac_kan", "plan_2257")                 # doctest: +SKIP
>>> r = refresh(s.with_lever("tg4_intermediary", level=0.0))    # doctest: +SKIP
>>> r.table()                  # probabilities, intervals, paired differences
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.montecarlo import Design, MonteCarloResult, design_runs
from stmarket.experiments.dashboard.settings import (
    CUSTOM_ID,
    Settings,
    get_profile,
    get_scenario,
    scenario_from_settings,
)
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import RunResult, check_seed, run_batch, simulate
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet, load_targets
from stmarket.model.world import PRIORS

#: Runs of the first, quick table after a change (the preview). At 50 paired runs a
#: probability's 95 % interval is at most about +-0.13 wide (Wilson, p = 0.5), and the page
#: says it is a preview of 50 runs; the full ``--runs`` follow at once and replace it
#: (timings in docs/DASHBOARD.md).
PREVIEW_RUNS = 50
#: Paired runs of the task-group attribution.
ATTRIBUTION_RUNS = 100
#: Runs are computed and cached in blocks of this many runs of the design. The Monte Carlo
#: holds the compute lock one block at a time and asks whether it is still wanted between
#: blocks, so a stale computation (the rest of the runs, the attribution) gives way to a new
#: slider value within one block.
BLOCK_RUNS = 25
_COMPUTE_LOCK = threading.RLock()  # one Monte Carlo at a time (numba threads are shared)
_SERIAL = iter(range(1, 2**62))
_TARGETS: dict[tuple, TargetSet] = {}


def _targets_of(profile: Profile, targets: str | None = None,
                thresholds: tuple = ()) -> TargetSet:
    """The targets scored: ``targets`` (a file for every profile) or the profile's, with
    the pass marks ``thresholds`` changed; read once."""
    name = targets or profile.targets
    key = (profile.id, str(profile.path), str(name), profile.start_year, profile.end_year,
           thresholds)
    if key not in _TARGETS:
        _TARGETS[key] = load_targets(name, years=profile.years).with_thresholds(thresholds)
    return _TARGETS[key]


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return value


_DESIGNS = _LRU(4)
_SINGLE = _LRU(16)  # the single run of each settings
_SINGLE_LOCK = threading.Lock()
_RUNS = _LRU(512)   # blocks of BLOCK_RUNS runs (about 0.1 MB each)


@dataclass
class Refresh:
    """One update of the dashboard: both scenarios on the same runs, scored.

    Attributes
    ----------
    settings : Settings
    base, custom : Scenario
        The starting scenario and the sliders' scenario (id :data:`CUSTOM_ID`).
    result : MonteCarloResult
        Both scenarios, ``base`` first.
    seconds : float
        Time the refresh took.
    serial : int
        Increases with each refresh of this process.
    """

    settings: Settings
    base: Scenario
    custom: Scenario
    result: MonteCarloResult
    seconds: float
    serial: int

    @property
    def run(self) -> RunResult:
        """One run of ``custom`` (seed ``settings.seed``, run 0, central parameters), with
        its transaction log: simulated on first use (by the figures, not before the
        table), once per settings and profile."""
        p = self.profile
        with _SINGLE_LOCK:
            return _SINGLE.get_or((*_profile_key(p), self.settings),
                                  lambda: simulate(p, self.custom, seed=self.settings.seed,
                                                   run=0))

    @property
    def profile(self) -> Profile:
        return self.result.profile

    @property
    def preview(self) -> bool:
        """Whether this is the quick first table on :data:`PREVIEW_RUNS` runs (the full
        ``settings.runs`` follow)."""
        return self.result.n_runs < self.settings.runs

    def readings(self) -> pd.DataFrame:
        """Every reading of the interpreted targets scored on the same runs, and P(all)
        under each combination of readings, for both scenarios
        (:func:`stmarket.experiments.assessment.readings.reading_table`)."""
        from stmarket.experiments.assessment.readings import reading_table

        return reading_table(self.result)

    def targets(self) -> pd.DataFrame:
        """The probability table of both scenarios (see ``MonteCarloResult.target_table``)."""
        return self.result.target_table()

    def comparison(self) -> pd.DataFrame:
        """Your settings (``a``) against the starting scenario (``b``), run by run."""
        return self.result.compare(CUSTOM_ID, self.base.id)

    def table(self) -> pd.DataFrame:
        """One row per target (and all together): each scenario's probability with its
        Wilson 95 % interval, and the paired difference (yours minus starting) with its
        95 % interval and the exact McNemar p-value."""
        t = self.targets().set_index(["scenario", "target"])
        b, c = t.loc[self.base.id], t.loc[CUSTOM_ID]
        cmp = self.comparison().set_index("target")
        out = pd.DataFrame({
            "year": b["year"], "threshold": b["threshold"],
            "p_base": b["probability"], "low_base": b["ci_low"], "high_base": b["ci_high"],
            "p_custom": c["probability"], "low_custom": c["ci_low"],
            "high_custom": c["ci_high"],
            "difference": cmp["difference"], "low_difference": cmp["ci_low"],
            "high_difference": cmp["ci_high"], "mcnemar_p": cmp["mcnemar_p"],
            "runs": b["runs"]})
        return out.reset_index()


def _profile_key(profile: Profile) -> tuple:
    """What tells profiles apart in the caches (two files may share an id)."""
    return profile.id, str(profile.path), profile.EI0.shape, profile.RI0.shape


def _block(profile: Profile, design: Design, budgets: np.ndarray, seed: int, start: int,
           workers: int | None) -> np.ndarray:
    """The block of runs from ``start`` (a multiple of :data:`BLOCK_RUNS`) under
    ``budgets``, cached by the budgets."""
    stop = min(start + BLOCK_RUNS, len(design))
    key = (*_profile_key(profile), seed, start, stop, budgets.tobytes())
    sl = slice(start, stop)
    if budgets.ndim == 3:  # each run's own efficacies (Scenario.lever_runs)
        budgets = budgets[sl]
    return _RUNS.get_or(key, lambda: run_batch(profile, design.P[sl], budgets,
                                               design.seeds[sl], design.runs[sl],
                                               n_threads=workers)[0])


def _scenario_runs(profile: Profile, design: Design, budgets: np.ndarray, seed: int,
                   workers: int | None, stop: int | None = None,
                   current: Callable[[], bool] | None = None) -> np.ndarray | None:
    """The first ``stop`` runs of the design under ``budgets`` (all by default), or None
    if ``current`` turned False meanwhile.

    They are computed in cached blocks of :data:`BLOCK_RUNS` runs, one block at a time
    under the compute lock, asking ``current`` before each block; the result is the same,
    bit for bit, as one batch of all the runs (a run depends on its seed, index,
    parameters and budgets only)."""
    stop = len(design) if stop is None else min(int(stop), len(design))
    parts = []
    for start in range(0, stop, BLOCK_RUNS):
        with _COMPUTE_LOCK:  # asked once the lock is ours: the wait may have made it stale
            if current is not None and not current():
                return None
            parts.append(_block(profile, design, budgets, seed, start, workers))
    Y = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return Y[:stop]


def refresh(settings: Settings, profile: Profile | None = None,
            workers: int | None = None, runs: int | None = None,
            current: Callable[[], bool] | None = None) -> Refresh | None:
    """Run the starting scenario and the sliders' scenario on the same Monte Carlo runs.

    The runs are those of ``stmarket run --runs N --seed S`` (the same Latin hypercube
    and random keys), so a slider change is a paired comparison with the previous
    settings too. Each scenario's runs are cached by its yearly budgets: moving a slider
    reruns only the sliders' scenario.

    Parameters
    ----------
    settings : Settings
    profile : Profile, optional
        The profile (``settings.profile`` is read by default).
    workers : int, optional
        numba threads; the results do not depend on it.
    runs : int, optional
        Only the first ``runs`` of the ``settings.runs`` runs (the preview,
        :data:`PREVIEW_RUNS`); all of them by default. The first runs are the same runs
        either way, so the full refresh after a preview runs only the rest.
    current : callable, optional
        Asked before each block of :data:`BLOCK_RUNS` runs; when it returns False the
        computation stops and returns None (the sliders have moved on).

    Returns
    -------
    Refresh or None
    """
    t0 = time.perf_counter()
    check_seed(settings.seed)
    if not 1 <= settings.runs <= 100_000:
        raise ValueError(f"runs must be in [1, 100000], got {settings.runs}")
    n = settings.runs if runs is None else min(int(runs), settings.runs)
    if n < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    prof = profile if profile is not None else get_profile(settings.profile)
    base = get_scenario(settings.base)
    custom = scenario_from_settings(settings, base)
    targets = _targets_of(prof, settings.targets, settings.thresholds)
    scs = [base, custom]
    with _COMPUTE_LOCK:
        full = _DESIGNS.get_or(
            (*_profile_key(prof), settings.seed, settings.runs),
            lambda: design_runs(prof, settings.seed, 0, settings.runs, 1, PRIORS))
    design = full if n == len(full) else _head(full, n)
    Y = {}
    for s in scs:
        Y[s.id] = _scenario_runs(prof, full, s.lever_runs(prof.years, settings.seed,
                                                          full.runs),
                                 settings.seed, workers, n, current)
        if Y[s.id] is None:
            return None
    met, measures = {}, {}
    for s in scs:
        ind = indicators.compute(Y[s.id], design.P[:, K.P_INFLATION])
        measures[s.id], met[s.id] = targets.score(ind, prof.years)
    result = MonteCarloResult(prof, targets, design, Y, met, measures, PRIORS, scs)
    return Refresh(settings, base, custom, result, time.perf_counter() - t0, next(_SERIAL))


def _head(design: Design, n: int) -> Design:
    """The first ``n`` runs of a design."""
    return Design(*(np.asarray(getattr(design, f.name))[:n] for f in fields(design)))


def attribution(r: Refresh, runs: int | None = None, workers: int | None = None,
                current: Callable[[], bool] | None = None) -> pd.DataFrame | None:
    """What each task group does in your settings: the drop in the probability of each
    target (and of all together) when the group is left out, on the same runs.

    The same quantity as ``attribution.csv`` of ``stmarket run``
    (:func:`stmarket.experiments.assessment.attribution.attribution_table`), for the
    sliders' scenario, on its first ``runs`` runs (:data:`ATTRIBUTION_RUNS`). Each
    left-out scenario's runs are cached by its budgets like any other, so after a slider
    move the group that slider sets costs nothing, and a group without budget gives
    exactly 0 at no cost.

    Parameters
    ----------
    r : Refresh
    runs : int, optional
        Paired runs (:data:`ATTRIBUTION_RUNS` by default, at most ``r``'s).
    workers : int, optional
        numba threads; the results do not depend on it.
    current : callable, optional
        Asked before each block of :data:`BLOCK_RUNS` runs; when it returns False the
        computation stops and returns None (the settings have changed meanwhile), so a
        new slider value waits for one block at most.

    Returns
    -------
    DataFrame or None
        ``task_group,target,difference,ci_low,ci_high`` (difference = P(your settings)
        - P(your settings without the group)), ``attrs`` ``plan`` and ``runs``.
    """
    from stmarket.experiments.assessment.attribution import (
        ALL,
        ATTRIBUTION_COLUMNS,
        task_groups,
        without,
    )
    from stmarket.experiments.assessment.stats import paired_difference

    res = r.result
    prof = res.profile
    n = min(res.n_runs, ATTRIBUTION_RUNS if runs is None else int(runs))
    design = _head(res.design, n)
    with _COMPUTE_LOCK:
        full = _DESIGNS.get_or((*_profile_key(prof), r.settings.seed, r.settings.runs),
                               lambda: design_runs(prof, r.settings.seed, 0, r.settings.runs,
                                                   1, PRIORS))
    base = res.met[CUSTOM_ID][:n]
    ids = res.targets.ids
    rows = []
    for g in task_groups(r.custom):
        Y = _scenario_runs(prof, full, without(r.custom, g).lever_runs(
            prof.years, r.settings.seed, full.runs), r.settings.seed, workers, n, current)
        if Y is None:
            return None
        _, met = res.targets.score(indicators.compute(Y, design.P[:, K.P_INFLATION]),
                                   prof.years)
        pairs = [(t, base[:, k], met[:, k]) for k, t in enumerate(ids)]
        pairs.append((ALL, base.all(axis=1), met.all(axis=1)))
        for tid, x, y in pairs:
            rows.append((g, tid, *paired_difference(x, y)))
    out = pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS))
    out.attrs.update(plan=CUSTOM_ID, runs=n)
    return out
