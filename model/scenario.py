"""Policy scenarios: a yearly budget schedule for each instrument of a plan.

A scenario names its plan (``plan = "plan_2257"`` in ``[scenario]``, the default: the
six task groups of Decision 2257) and budgets the plan's instruments by id
(``[levers.<instrument>]``). The plan (:mod:`stmarket.model.plan`) turns instrument
budgets into the effective budgets of the model's six mechanisms, the lever array the
kernels take.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.plan import DEFAULT_PLAN, Plan, load_plan

MAX_BUDGET = 1000.0  # billion VND a year: far above any provincial budget
SCHEDULE_KEYS = ("level", "start_year", "ramp_years", "end_year", "by_year", "reason")


def default_plan() -> Plan:
    """The plan of a scenario that names none: Decision 2257's six task groups."""
    return load_plan(DEFAULT_PLAN)


@dataclass
class Scenario:
    """A policy scenario.

    Attributes
    ----------
    id, name, name_vi, description : str
        Identifier and text.
    levers : dict
        For each instrument of the plan, its schedule: ``level`` (billion VND a year),
        ``start_year``, ``ramp_years`` (linear ramp to the level), ``end_year``,
        and ``by_year`` (explicit budgets that override the rest).
    path : Path or None
        The file it was read from.
    bases : tuple of Path
        The files it is ``based_on``, nearest first (their levers shape its budgets).
    plan : Plan
        The plan whose instruments it budgets (Decision 2257's by default).
    history : Scenario or None
        What was spent before ``from_year`` (:meth:`with_history`): the mechanisms'
        budgets of earlier years are the history's, so scenarios sharing it differ
        only from ``from_year`` on.
    from_year : int or None
    """

    id: str
    name: str
    name_vi: str = ""
    description: str = ""
    levers: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None
    bases: tuple[Path, ...] = ()
    plan: Plan = field(default_factory=default_plan)
    history: Scenario | None = None
    from_year: int | None = None

    @property
    def instruments(self) -> tuple[str, ...]:
        """The plan's instrument ids, in row order."""
        return self.plan.ids

    def check_horizon(self, years: np.ndarray) -> None:
        """Refuse schedules that cannot act in the simulated years: a lever starting
        after the last year, explicit budgets of years outside them."""
        y0, y1 = int(years[0]), int(years[-1])
        src = self.path or self.id
        for g, sched in self.levers.items():
            if sched.get("start_year", y0) > y1:
                raise InputError(src, f"levers.{g}.start_year",
                                 f"{sched['start_year']} is after the simulated years "
                                 f"{y0}-{y1}: the lever would never act")
            for y in sched.get("by_year", {}):
                if not y0 <= int(y) <= y1:
                    raise InputError(src, f"levers.{g}.by_year.{y}",
                                     f"outside the simulated years {y0}-{y1}")

    def instrument_budgets(self, years: np.ndarray) -> np.ndarray:
        """float64[n_instruments, n_years]: the yearly budget of each instrument of the
        plan, bn VND (a file's scenario is first checked against the years)."""
        if self.path is not None:
            self.check_horizon(years)
        ids = self.plan.ids
        out = np.zeros((len(ids), len(years)))
        for g, name in enumerate(ids):
            sched = self.levers.get(name)
            if not sched:
                continue
            level = sched.get("level", 0.0)
            start = sched.get("start_year", int(years[0]))
            end = sched.get("end_year", int(years[-1]))
            ramp = sched.get("ramp_years", 0)
            for j, y in enumerate(years):
                if start <= y <= end:
                    frac = 1.0 if ramp <= 0 else min(1.0, (y - start + 1) / ramp)
                    out[g, j] = level * frac
            for y, b in sched.get("by_year", {}).items():
                j = int(y) - int(years[0])
                if 0 <= j < len(years):
                    out[g, j] = b
        return out

    def budgets(self, years: np.ndarray, efficacy: np.ndarray | None = None) -> np.ndarray:
        """float64[6, n_years]: the effective yearly budget of each mechanism, what the
        kernels take (the plan's central efficacies, or ``efficacy`` [n_instruments];
        ``[n, 6, n_years]`` for per-run efficacies [n, n_instruments]). Under Decision
        2257's plan this is each task group's budget."""
        own = self.plan.to_mechanisms(self.instrument_budgets(years), efficacy)
        if self.history is None:
            return own
        hist_eff = None if efficacy is None or self.history.plan is not self.plan \
            else efficacy
        return self._splice(own, self.history.budgets(years, hist_eff), years)

    def lever_runs(self, years: np.ndarray, seed: int, runs: np.ndarray) -> np.ndarray:
        """The lever array of runs ``runs`` of seed ``seed``: ``[6, n_years]`` if no
        efficacy of the plan (or of the history's) is uncertain, else
        ``[n, 6, n_years]`` with each run's efficacies (:meth:`Plan.efficacies`)."""
        if self.plan.uncertain:
            own = self.plan.to_mechanisms(self.instrument_budgets(years),
                                          self.plan.efficacies(seed, runs))
        else:
            own = self.plan.to_mechanisms(self.instrument_budgets(years))
        if self.history is None:
            return own
        hist = self.history.lever_runs(years, seed, runs)
        if own.ndim != hist.ndim:
            n = np.asarray(runs).size
            own, hist = (np.broadcast_to(a, (n,) + a.shape[-2:]) for a in (own, hist))
        return self._splice(own, hist, years)

    def _splice(self, own: np.ndarray, hist: np.ndarray, years: np.ndarray) -> np.ndarray:
        j = int(np.clip(self.from_year - int(years[0]), 0, len(years)))
        out = np.array(own, dtype=np.float64)
        out[..., :j] = hist[..., :j]
        return out

    def with_history(self, history: Scenario, from_year: int) -> Scenario:
        """This scenario from ``from_year`` on, with ``history``'s spending before."""
        return replace(self, history=history, from_year=int(from_year))

    def total_budget(self, years: np.ndarray) -> float:
        """The instruments' budgets summed over the years, bn VND."""
        return float(self.instrument_budgets(years).sum())


def parse_levers(source, table: dict, plan: Plan | None = None) -> dict[str, dict]:
    """Validate a ``[levers]`` table against the plan's instruments (Decision 2257's
    by default)."""
    plan = plan or default_plan()
    if not isinstance(table, dict):
        raise InputError(source, "levers", "must be a table of [levers.<instrument>] tables")
    for name in table:
        plan.check_instrument(source, f"levers.{name}", name)
    out: dict[str, dict] = {}
    for name, sched in table.items():
        where = f"levers.{name}"
        if not isinstance(sched, dict):
            raise InputError(source, where, "must be a table of the schedule's keys")
        check_keys(source, where, sched, set(SCHEDULE_KEYS))
        s: dict = {}
        if "level" in sched:
            s["level"] = get_number(source, f"{where}.level", sched["level"], 0.0, MAX_BUDGET)
        if "start_year" in sched:
            s["start_year"] = int(get_number(source, f"{where}.start_year",
                                             sched["start_year"], 1990, 2100, True))
        if "end_year" in sched:
            s["end_year"] = int(get_number(source, f"{where}.end_year", sched["end_year"],
                                           s.get("start_year", 1990), 2100, True))
        if "ramp_years" in sched:
            s["ramp_years"] = int(get_number(source, f"{where}.ramp_years",
                                             sched["ramp_years"], 0, 50, True))
        if "by_year" in sched:
            by = sched["by_year"]
            if not isinstance(by, dict):
                raise InputError(source, f"{where}.by_year", "must be a table of year = budget")
            s["by_year"] = {}
            for y, b in by.items():
                if not (isinstance(y, str) and y.isascii() and y.isdigit()
                        and 1990 <= int(y) <= 2100):
                    raise InputError(source, f"{where}.by_year.{y}",
                                     "keys must be years such as \"2024\"")
                s["by_year"][int(y)] = get_number(source, f"{where}.by_year.{y}", b, 0.0,
                                                  MAX_BUDGET)
        if "reason" in sched:
            get_str(source, f"{where}.reason", sched["reason"])
        out[name] = s
    return out


def load_scenario(name: str | Path) -> Scenario:
    """Read and validate a policy scenario (bundled name or path).

    A scenario may start from another with ``based_on = "plan_2257"`` in its
    ``[scenario]`` table (a file beside it, or a bundled name): it inherits the
    base's levers, and each lever table it gives replaces the keys it names.
    """
    return _load(name, ())


def _load(name: str | Path, chain: tuple[Path, ...]) -> Scenario:
    from stmarket.model.profile import resolve

    path = resolve(name, "policies")
    data = read_toml(path)
    check_keys(path, "", data, {"scenario", "levers"}, {"scenario"})
    head = data["scenario"]
    check_keys(path, "scenario", head, {"id", "name", "name_vi", "description", "based_on",
                                        "plan"}, {"id", "name"})
    plan = _plan_of(path, head)
    levers = parse_levers(path, data.get("levers", {}), plan)
    bases: tuple[Path, ...] = ()
    if "based_on" in head:
        base_name = get_str(path, "scenario.based_on", head["based_on"])
        here = path.resolve()
        if here in chain or len(chain) >= 8:
            raise InputError(path, "scenario.based_on",
                             "scenarios based on each other in a loop (or more than 8 deep)")
        sibling = path.parent / f"{base_name}.toml"
        try:
            base = _load(sibling if sibling.exists() else base_name, chain + (here,))
        except InputError as exc:
            if exc.key == "scenario.based_on" and Path(exc.source) != path:
                raise InputError(path, "scenario.based_on", exc.message) from None
            raise InputError(path, "scenario.based_on", f"in {base_name!r}: {exc}") from None
        if base.plan.path != plan.path:
            raise InputError(path, "scenario.plan" if "plan" in head else "scenario.based_on",
                             f"follows plan {plan.id!r} but its base {base_name!r} follows "
                             f"{base.plan.id!r}: a scenario and its base budget one plan")
        bases = (base.path,) + base.bases
        # a lever named here replaces the base's keys it names; the rest is inherited
        merged = {g: {**base.levers.get(g, {}), **levers.get(g, {})}
                  for g in plan.ids if g in base.levers or g in levers}
        for g, sched in merged.items():
            if sched.get("start_year", -10**9) > sched.get("end_year", 10**9):
                mine = levers.get(g, {})
                key = "end_year" if "end_year" in mine or "start_year" not in mine \
                    else "start_year"
                raise InputError(path, f"levers.{g}.{key}",
                                 f"the lever would end ({sched['end_year']}) before it starts "
                                 f"({sched['start_year']}) once {base_name!r}'s schedule is "
                                 "applied; end_year must be at least start_year")
        levers = merged
    return Scenario(
        id=get_str(path, "scenario.id", head["id"]),
        name=get_str(path, "scenario.name", head["name"]),
        name_vi=get_str(path, "scenario.name_vi", head.get("name_vi", head["name"])),
        description=get_str(path, "scenario.description", head.get("description", "")),
        levers=levers,
        path=path,
        bases=bases,
        plan=plan,
    )


def _plan_of(path: Path, head: dict) -> Plan:
    """The plan a scenario file names (``plan = "NAME"`` or a file beside it), or the
    default; a bad plan file is reported as itself, a missing one on ``scenario.plan``."""
    if "plan" not in head:
        return default_plan()
    name = get_str(path, "scenario.plan", head["plan"])
    try:
        return load_plan(name, near=path)
    except InputError as exc:
        if exc.key == "" and not Path(exc.source).is_file():
            raise InputError(path, "scenario.plan", exc.message) from None
        raise
