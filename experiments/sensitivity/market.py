"""The market as a model of a sensitivity analysis: its inputs and its outcomes.

- :func:`market_problem`: the inputs, the uncertain parameters over their priors, the
  uncertain efficacies of the scenario's plan (``efficacy_<instrument>``, over their
  priors, as parameters) and each funded instrument's yearly level on
  ``[0, lever_max * level]`` (keeping the scenario's start year, ramp and end year);
- :func:`market_outcomes`: the outcomes, the last simulated year's indicators, the value's
  yearly growth over the plan and whether each target (and all the last year's together) is met;
  :func:`outcome_labels` names them, a target's by its label in the targets file;
- :class:`MarketModel`: the core as a
  :data:`~stmarket.experiments.sensitivity.replicates.Model`, inputs -> parameter vectors
  and budgets -> runs -> outcomes, one value per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stmarket.experiments.sensitivity.problem import Input, Problem
from stmarket.model.errors import InputError
from stmarket.model.profile import Profile
from stmarket.model.scenario import Scenario
from stmarket.model.targets import TargetSet

#: Floor of the nominal value (bn VND) in the 2021-2030 growth outcome, so that a year
#: without transactions gives a finite (very low or high) growth instead of -inf or nan.
GROWTH_FLOOR = 1e-3
FINAL_INDICATORS = ("value_nominal", "ip_share", "tech_share", "research_origin_share",
                   "digitised_share", "intermediaries_connected")


def market_problem(profile: Profile, scenario: Scenario, parameters: Sequence[str] | None = None,
                   levers: bool = True, lever_max: float = 3.0) -> tuple[Problem, dict]:
    """Inputs of the market: uncertain parameters (their priors), the uncertain
    efficacies of the scenario's plan and instrument levels.

    Each instrument of the scenario's plan whose level is positive becomes an input
    uniform on ``[0, lever_max * level]``, keeping the scenario's start year, ramp and
    end year. Returns the problem and the instruments left at the scenario's budgets
    (a level of 0).
    """
    space = profile.space
    effs = {i.efficacy.name: i.efficacy for i in scenario.plan.instruments
            if i.efficacy.uncertain}  # the plan's uncertain efficacies, as parameters
    names = [*space.uncertain, *effs] if parameters is None else list(parameters)
    bad = [p for p in names if p not in space.uncertain and p not in effs]
    if bad:
        raise InputError("argument", "parameters", f"not uncertain parameters of "
                                                   f"{profile.id} or efficacies of plan "
                                                   f"{scenario.plan.id}: {', '.join(bad)}")
    specs = {**space.specs, **effs}
    inputs = [Input(p, "parameter", specs[p].low, specs[p].high, specs[p].prior,
                    specs[p].values) for p in dict.fromkeys(names)]
    fixed: dict[str, str] = {}
    if levers:
        if not (isinstance(lever_max, (int, float)) and 0 < lever_max <= 100):
            raise InputError("argument", "lever_max", f"must be in (0, 100], got {lever_max!r}")
        for g in scenario.plan.ids:
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
    return ([f"{n}_{y1}" for n in FINAL_INDICATORS] + [f"value_growth_{y0}_{y1}"]
            + [f"p_{t}" for t in targets.ids] + [f"p_all_{y1}"])


def outcome_labels(profile: Profile, targets: TargetSet) -> dict[str, str]:
    """A label for each of :func:`market_outcomes`: ``P(<the target's label>)`` for a
    target's outcome, the label coming from its targets file; ``P(every <year> target
    met)`` for all of the last year's together; the outcome's name otherwise."""
    y1 = int(profile.years[-1])
    out = {n: n for n in market_outcomes(profile, targets)}
    out.update({f"p_{t.id}": f"P({t.label('en')})" for t in targets.targets})
    out[f"p_all_{y1}"] = f"P(every {y1} target met)"
    return out


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
        years = self.profile.years
        plan = self.plan = self.scenario.plan
        self.base = self.scenario.instrument_budgets(years)
        unit = Scenario("unit", "unit", levers={g: {**s, "level": 1.0}
                                                for g, s in self.scenario.levers.items()},
                        plan=plan)
        self.shape = unit.instrument_budgets(years)
        names = self.profile.space.names
        effs = [i.efficacy.name for i in plan.instruments]
        self.effs = [(j, effs.index(i.name)) for j, i in enumerate(self.problem.inputs)
                     if i.kind == "parameter" and i.name in effs]
        self.cols = [(j, names.index(i.name)) for j, i in enumerate(self.problem.inputs)
                     if i.kind == "parameter" and i.name not in effs]
        self.rows = [(j, plan.ids.index(i.name)) for j, i in enumerate(self.problem.inputs)
                     if i.kind == "lever"]

    def __call__(self, X: np.ndarray, seeds: np.ndarray, runs: np.ndarray
                 ) -> dict[str, np.ndarray]:
        from stmarket.experiments.analysis.evaluation import evaluate

        P = np.tile(self.profile.space.central(), (X.shape[0], 1))
        for j, c in self.cols:
            P[:, c] = X[:, j]
        B = np.repeat(self.base[None], X.shape[0], axis=0)
        for j, g in self.rows:
            B[:, g, :] = X[:, j, None] * self.shape[g]
        eff = np.tile(self.plan.central_efficacy(), (X.shape[0], 1))
        for j, k in self.effs:
            eff[:, k] = X[:, j]
        LEV = self.plan.to_mechanisms(B, eff)
        o = evaluate(self.profile, self.targets, P, LEV, seeds, runs, self.n_threads)
        y0, y1 = int(o.years[0]), int(o.years[-1])
        res = {f"{n}_{y1}": o.at(n) for n in FINAL_INDICATORS}
        v = o.indicators["value_nominal"]
        ratio = np.maximum(v[:, -1], GROWTH_FLOOR) / np.maximum(v[:, 0], GROWTH_FLOOR)
        res[f"value_growth_{y0}_{y1}"] = ratio ** (1.0 / (y1 - y0)) - 1.0
        for k, t in enumerate(o.target_ids):
            res[f"p_{t}"] = o.met[:, k].astype(float)
        res[f"p_all_{y1}"] = o.met_by(y1, self.targets).astype(float)
        return {k: res[k] for k in self.outcomes}
