"""What the dashboard's controls hold, and the scenario they describe.

:class:`Settings` holds the sliders (the yearly budget and start year of each instrument
of the starting scenario's plan: Decision 2257's six task groups by default),
the province profile, the starting scenario, and the Monte Carlo's size and seed; it is
hashable, so it keys caches and effects. :func:`initial_settings` sets the sliders to the
starting scenario's levers, and :func:`scenario_from_settings` turns the sliders back into
a scenario (id :data:`CUSTOM_ID`) built on the starting one. Plain Python: no Solara, no
matplotlib.

>>> s = initial_settings("bac_kan", "plan_2257")                 # doctest: +SKIP
>>> scenario_from_settings(s.with_lever("tg4_intermediary", level=0.0),
...                        get_scenario("plan_2257"))            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from stmarket.experiments.dashboard import i18n as di
from stmarket.model.profile import Profile, load_profile, scenarios_dir
from stmarket.model.scenario import Scenario, load_scenario

DEFAULT_PROFILE = "bac_kan"
DEFAULT_SCENARIO = "plan_2257"
DEFAULT_RUNS = 300
DEFAULT_SEED = 1
#: Ramp-up (years) of an instrument the starting scenario does not fund (plan_2257's).
DEFAULT_RAMP = 2
#: Id of the scenario the sliders describe.
CUSTOM_ID = "your_settings"


@dataclass(frozen=True)
class Settings:
    """What the dashboard's controls hold: hashable, so it keys caches and effects.

    Attributes
    ----------
    profile, base : str
        Province profile and starting scenario (bundled names or paths).
    levels : tuple of float
        Yearly budget of each instrument, bn VND, in the order of the starting
        scenario's plan (:func:`instruments_of`).
    starts : tuple of int
        Start year of each instrument.
    runs, seed : int
        Monte Carlo runs per scenario, and the seed of the design and of every run.
    targets : str or None
        The targets file scored (``stmarket dashboard --targets``: a bundled name or a
        path), whatever the profile; None: each profile's own.
    thresholds : tuple of (str, float, float or None)
        Pass marks changed from the targets file's (``--target-threshold``): ``(id,
        threshold, high)``.
    """

    profile: str
    base: str
    levels: tuple[float, ...]
    starts: tuple[int, ...]
    runs: int = DEFAULT_RUNS
    seed: int = DEFAULT_SEED
    targets: str | None = None
    thresholds: tuple[tuple[str, float, float | None], ...] = ()

    def __post_init__(self) -> None:
        n = len(instruments_of(self))
        if len(self.levels) != n or len(self.starts) != n:
            raise ValueError(f"need one level and one start year for each of the {n} "
                             f"instruments of {self.base}'s plan")
        if any(not 0.0 <= x <= 1000.0 for x in self.levels):
            raise ValueError(f"budgets must be in [0, 1000] bn VND a year, got {self.levels}")

    def with_lever(self, lever: str, level: float | None = None,
                   start: int | None = None) -> Settings:
        """These settings with one instrument's budget and/or start year changed."""
        g = instruments_of(self).index(lever)
        levels, starts = list(self.levels), list(self.starts)
        if level is not None:
            levels[g] = round(float(level), 6)
        if start is not None:
            starts[g] = int(start)
        return replace(self, levels=tuple(levels), starts=tuple(starts))

    def describe(self) -> str:
        """``tg1_legal=0.3@2022;...``: the levers in one line (for the page and logs)."""
        return ";".join(f"{g}={lv:g}@{st}" for g, lv, st in
                        zip(instruments_of(self), self.levels, self.starts, strict=True))


def instruments_of(settings: Settings) -> tuple[str, ...]:
    """The sliders' instruments: the ids of the starting scenario's plan, in order."""
    return get_scenario(settings.base).plan.ids


def instrument_titles(settings: Settings, lang: str) -> dict[str, str]:
    """Each slider's instrument label in ``lang`` (from the plan file)."""
    return {i.id: (i.label_vi if lang == "vi" else i.label)
            for i in get_scenario(settings.base).plan.instruments}


def bundled(kind: str) -> list[str]:
    """Names of the bundled ``"profiles"`` or ``"policies"``."""
    return sorted(p.stem for p in (scenarios_dir() / kind).glob("*.toml"))


@lru_cache(maxsize=8)
def get_profile(name: str) -> Profile:
    """A profile by bundled name or path, read once."""
    return load_profile(name)


@lru_cache(maxsize=64)
def get_scenario(name: str) -> Scenario:
    """A scenario by bundled name or path, read once."""
    return load_scenario(name)


def sliders_of(scenario: Scenario, profile: Profile) -> tuple[tuple[float, ...],
                                                            tuple[int, ...]]:
    """The slider values of a scenario: each instrument's level and start year.

    An instrument the scenario does not schedule has level 0 and starts the year after
    the first simulated year (the plan was adopted late in 2021).
    """
    levels, starts = [], []
    for g in scenario.plan.ids:
        sched = scenario.levers.get(g, {})
        levels.append(float(sched.get("level", 0.0)))
        default = profile.start_year if g in scenario.levers else profile.start_year + 1
        starts.append(int(np.clip(sched.get("start_year", default), profile.start_year,
                                  profile.end_year)))
    return tuple(levels), tuple(starts)


def initial_settings(profile: str = DEFAULT_PROFILE, base: str = DEFAULT_SCENARIO,
                     runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED,
                     targets: str | None = None,
                     thresholds: tuple[tuple[str, float, float | None], ...] = ()
                     ) -> Settings:
    """Settings whose sliders equal the starting scenario's levers (``targets`` and
    ``thresholds``: see :class:`Settings`)."""
    levels, starts = sliders_of(get_scenario(base), get_profile(profile))
    return Settings(profile, base, levels, starts, runs, seed, targets,
                    tuple((str(i), float(v), None if h is None else float(h))
                          for i, v, h in thresholds))


def restart(settings: Settings, profile: str | None = None,
            base: str | None = None) -> Settings:
    """The initial settings of another profile or starting scenario (or of the same:
    the sliders reset), keeping the runs, the seed and the targets."""
    return initial_settings(profile or settings.profile, base or settings.base,
                            settings.runs, settings.seed, settings.targets,
                            settings.thresholds)


def scenario_from_settings(settings: Settings, base: Scenario) -> Scenario:
    """The scenario the sliders describe, built on the starting scenario.

    Each instrument keeps the starting scenario's schedule (ramp-up, end year) with the
    slider's level and start year; one the starting scenario does not fund ramps up over
    :data:`DEFAULT_RAMP` years. Explicit yearly budgets (``by_year``) are kept only
    while the instrument's sliders are untouched. The scenario follows the starting
    scenario's plan.
    """
    levers = {}
    for g, level, start in zip(base.plan.ids, settings.levels, settings.starts, strict=True):
        sched = dict(base.levers.get(g, {}))
        if not sched.get("level"):
            sched.setdefault("ramp_years", DEFAULT_RAMP)
        if (sched.get("level", 0.0), sched.get("start_year")) != (level, start):
            sched.pop("by_year", None)
        sched["level"], sched["start_year"] = float(level), int(start)
        if sched.get("end_year", start) < start:
            sched.pop("end_year")
        levers[g] = sched
    base_path = (base.path,) if base.path is not None else ()
    return Scenario(CUSTOM_ID, di.t("custom", "en"), di.t("custom", "vi"),
                    f"The dashboard's settings, starting from {base.id}.", levers, None,
                    base_path + base.bases, plan=base.plan)


def scenario_name(scenario: Scenario, lang: str) -> str:
    """A scenario's name in ``lang`` (English if it has no Vietnamese name)."""
    return scenario.name_vi if lang == "vi" and scenario.name_vi else scenario.name
