"""The dashboard's Monte Carlo: both scenarios on the same runs, at every change.

:func:`refresh` runs the starting scenario and the sliders' scenario on the runs of
``stmarket run --runs N --seed S`` (the same Latin hypercube and random keys: common
random numbers), scores the targets and simulates one run of the sliders' scenario with
its transaction log. The :class:`Refresh` it returns gives each target's probability
with its 95 % interval and the paired difference. Each scenario's runs are cached by its
yearly budgets, so moving a slider reruns only the sliders' scenario. Plain Python: no
Solara, no matplotlib.

>>> from stmarket.experiments.dashboard.settings import initial_settings  # doctest: +SKIP
>>> s = initial_settings("bac_kan", "plan_2257")                 # doctest: +SKIP
>>> r = refresh(s.with_lever("tg4_intermediary", level=0.0))    # doctest: +SKIP
>>> r.table()                  # probabilities, intervals, paired differences
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

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

_COMPUTE_LOCK = threading.RLock()  # one Monte Carlo at a time (numba threads are shared)
_SERIAL = iter(range(1, 2**62))
_TARGETS: dict[tuple, TargetSet] = {}


def _targets_of(profile: Profile) -> TargetSet:
    key = (profile.id, str(profile.path), str(profile.targets), profile.start_year,
           profile.end_year)
    if key not in _TARGETS:
        _TARGETS[key] = load_targets(profile.targets, years=profile.years)
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
_RUNS = _LRU(32)


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
    run : RunResult
        One run of ``custom`` (seed ``settings.seed``, run 0, central parameters),
        with its transaction log.
    seconds : float
        Time the refresh took.
    serial : int
        Increases with each refresh of this process.
    """

    settings: Settings
    base: Scenario
    custom: Scenario
    result: MonteCarloResult
    run: RunResult
    seconds: float
    serial: int

    @property
    def profile(self) -> Profile:
        return self.result.profile

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


def _scenario_runs(profile: Profile, design: Design, budgets: np.ndarray, seed: int,
                   workers: int | None) -> np.ndarray:
    key = (*_profile_key(profile), seed, len(design), budgets.tobytes())
    return _RUNS.get_or(key, lambda: run_batch(profile, design.P, budgets, design.seeds,
                                               design.runs, n_threads=workers)[0])


def refresh(settings: Settings, profile: Profile | None = None,
            workers: int | None = None) -> Refresh:
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

    Returns
    -------
    Refresh
    """
    t0 = time.perf_counter()
    check_seed(settings.seed)
    if not 1 <= settings.runs <= 100_000:
        raise ValueError(f"runs must be in [1, 100000], got {settings.runs}")
    prof = profile if profile is not None else get_profile(settings.profile)
    base = get_scenario(settings.base)
    custom = scenario_from_settings(settings, base)
    targets = _targets_of(prof)
    with _COMPUTE_LOCK:
        scs = [base, custom]
        design = _DESIGNS.get_or(
            (*_profile_key(prof), settings.seed, settings.runs),
            lambda: design_runs(prof, settings.seed, 0, settings.runs, 1, PRIORS))
        Y = {s.id: _scenario_runs(prof, design, s.lever_runs(prof.years, settings.seed,
                                                             design.runs), settings.seed, workers)
             for s in scs}
        one = simulate(prof, custom, seed=settings.seed, run=0)
    met, measures = {}, {}
    for s in scs:
        ind = indicators.compute(Y[s.id], design.P[:, K.P_INFLATION])
        measures[s.id], met[s.id] = targets.score(ind, prof.years)
    result = MonteCarloResult(prof, targets, design, Y, met, measures, PRIORS, scs)
    return Refresh(settings, base, custom, result, one, time.perf_counter() - t0,
                   next(_SERIAL))
