"""Runs that start from what has happened: ``stmarket run --from-year 2026``.

An advisor asking in late 2026 does not ask "what will 2021-2030 look like?" but "from
here, what is P(2030 targets)?". A run from year ``Y``:

- **shares one history**: before ``Y`` every compared scenario spends what the stated
  history scenario spends (``--history``, default ``plan_2257``: the plan as
  implemented), so on the same runs (common random numbers) every scenario's simulated
  market is identical, run by run, up to December ``Y - 1``; scenarios differ only from
  January ``Y``;
- **draws its parameters from a calibrated posterior** when one is given
  (``--posterior``, from ``stmarket calibrate`` on the province's observations), so the
  history is the one the observations allow; without it, from the priors (said so);
- **scores targets before ``Y`` as history**: not a forecast probability, but the
  observed value where the observations file reports the target's indicator in its
  year (and whether it meets the target), "nothing reported" where it does not. The
  Monte Carlo's probabilities (and "all targets") cover the targets of ``Y`` and later.

See docs/DECISIONS.md, "Start from what has happened (issue 12)".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from stmarket.model.errors import InputError, read_toml
from stmarket.model.scenario import Scenario
from stmarket.model.targets import Target, TargetSet

#: The history a run from a year keeps when none is named: the plan as implemented.
DEFAULT_HISTORY = "plan_2257"


@dataclass
class StartFrom:
    """A run's starting year and the history it keeps.

    Attributes
    ----------
    year : int
        The first year the compared scenarios differ.
    history : Scenario
        What was spent before ``year``.
    future : TargetSet
        The targets of ``year`` and later (what the Monte Carlo scores).
    past : list of Target
        The targets before ``year``: history.
    observations : Path or None
        The observations file the history targets are checked against.
    """

    year: int
    history: Scenario
    future: TargetSet
    past: list[Target]
    observations: Path | None = None

    def scenarios(self, scenarios: list[Scenario]) -> list[Scenario]:
        """Each scenario from :attr:`year`, with the history's spending before."""
        return [s.with_history(self.history, self.year) for s in scenarios]

    def history_table(self) -> pd.DataFrame:
        """One row per target before the starting year: ``target, year, op,
        threshold, status ("history"), observed, verdict, source``; ``verdict`` is
        ``met`` or ``not met`` against the observed value, or ``nothing reported``."""
        reported = _reported(self.observations)
        rows = []
        for t in self.past:
            obs = reported.get((t.indicator, t.year)) if t.kind == "level" else None
            if obs is None:
                rows.append((t.id, t.year, t.op, t.threshold, "history", float("nan"),
                             "nothing reported", ""))
                continue
            value, source = obs
            met = bool(t.met(pd.Series([value]).to_numpy())[0])
            rows.append((t.id, t.year, t.op, t.threshold, "history", value,
                         "met" if met else "not met", source))
        return pd.DataFrame(rows, columns=["target", "year", "op", "threshold", "status",
                                           "observed", "verdict", "source"])

    def meta(self) -> dict:
        """What the report and the manifest say about the start."""
        return {"year": self.year, "history": self.history.id,
                "history_path": str(self.history.path) if self.history.path else None,
                "observations": str(self.observations) if self.observations else None,
                "history_targets": [t.id for t in self.past]}

    def line(self) -> str:
        """One line for the terminal and the report."""
        past = ", ".join(t.id for t in self.past) or "none"
        return (f"from {self.year}: spending before {self.year} is {self.history.id}'s for "
                f"every scenario (a shared history); targets before {self.year} are "
                f"history, not forecasts ({past})")


def start_from(year: int, profile, targets: TargetSet, history: str | Path | Scenario | None
               = None, observations: str | Path | None = None) -> StartFrom:
    """Prepare a run from ``year``.

    Parameters
    ----------
    year : int
        After the profile's first simulated year and at most its last.
    profile : Profile
    targets : TargetSet
    history : str, Path or Scenario, optional
        What was spent before ``year`` (default :data:`DEFAULT_HISTORY`).
    observations : str or Path, optional
        An observations file (``scenarios/observations``); by default the bundled one
        named like the profile, if any.
    """
    from stmarket.model.scenario import load_scenario

    y0, y1 = int(profile.start_year), int(profile.end_year)
    if isinstance(year, bool) or not isinstance(year, int) or not y0 < year <= y1:
        raise InputError("argument", "--from-year", f"must be a year after {y0} and at most "
                                                    f"{y1} (the profile's years), got {year!r}")
    hist = history if isinstance(history, Scenario) else \
        load_scenario(history or DEFAULT_HISTORY)
    hist.budgets(profile.years)  # checked against the profile's years
    past = [t for t in targets.targets if t.year < year]
    future = [t for t in targets.targets if t.year >= year]
    if not future:
        raise InputError("argument", "--from-year", f"every target of {targets.id} is "
                                                    f"before {year}: nothing to forecast")
    return StartFrom(year, hist, replace(targets, targets=future), past,
                     _observations(observations, profile))


def _observations(name: str | Path | None, profile) -> Path | None:
    from stmarket.model.profile import scenarios_dir

    if name is None:
        cand = scenarios_dir() / "observations" / f"{profile.id}.toml"
        return cand if cand.is_file() else None
    path = Path(name)
    if not path.suffix and len(path.parts) == 1:
        path = scenarios_dir() / "observations" / f"{name}.toml"
    if not path.is_file():
        raise InputError(name, "", "observations file not found")
    return path


def _reported(path: Path | None) -> dict[tuple[str, int], tuple[float, str]]:
    """(indicator, year) -> (value, source) of the observations' level statistics with
    a stated value (a range's midpoint is an order of magnitude, not a report)."""
    if path is None:
        return {}
    data = read_toml(path)
    out = {}
    for sid, s in (data.get("statistics") or {}).items():
        if not isinstance(s, dict) or s.get("kind") != "level" or "value" not in s:
            continue
        if not isinstance(s.get("year"), int) or isinstance(s.get("value"), bool):
            continue
        try:
            value = float(s["value"])
        except (TypeError, ValueError):
            raise InputError(path, f"statistics.{sid}.value", "must be a number") from None
        out[(str(s.get("indicator")), s["year"])] = (value, str(s.get("source", "")))
    return out


def prepare_args(args, profile, targets) -> tuple:
    """The command line's hook: (future targets, scenarios from the year,
    :class:`StartFrom`) from ``--from-year``, ``--history`` and ``--observations``, for the
    command's ``profile`` and ``targets`` (with any ``--target-threshold`` applied)."""
    from stmarket.model import load_scenario

    start = start_from(args.from_year, profile, targets, args.history, args.observations)
    scenarios = start.scenarios([load_scenario(s) for s in args.scenarios])
    return start.future, scenarios, start
