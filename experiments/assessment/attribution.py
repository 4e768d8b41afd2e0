"""What each task group does: the reference plan with one task group left out, on the
same runs (common random numbers), against the plan.

The difference for a task group and a target is P(the plan meets it) minus P(the plan
without the group meets it), over paired runs: the drop in the probability when the group
is left out (positive where the group helps), with Newcombe's paired interval
(:func:`~stmarket.experiments.assessment.stats.paired_difference`). A group whose budget
is zero leaves the budgets unchanged, so its runs are identical and its difference is
exactly 0.

The leave-one-out runs are the first ``runs`` runs of the assessment's own sequence
(:data:`ATTRIBUTION_RUNS` by default, or all of them if there are fewer), so the default
job stays cheap; the plan's verdicts on those runs come from the assessment itself.

>>> from stmarket.experiments.assessment.attribution import attribution_table
>>> attribution_table(a.result)          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.stats import paired_difference
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.scenario import Scenario

ALL = "all_targets"
#: Runs of each leave-one-out scenario in the default job: at 1,000 paired runs the
#: interval of a difference is about +-0.03 where a tenth of the runs disagree, and the
#: six extra scenarios cost about as much as 2.3 of the assessment's own at its usual
#: 2,600 runs (docs/DECISIONS.md, "Attribution").
ATTRIBUTION_RUNS = 1000
ATTRIBUTION_COLUMNS = ("task_group", "target", "difference", "ci_low", "ci_high")


def task_groups(scenario: Scenario) -> list[str]:
    """The instruments of a scenario that can be left out: those of its plan its levers
    budget, in the plan's order (Decision 2257's six task groups by default)."""
    return [g for g in scenario.plan.ids if g in scenario.levers]


def without(scenario: Scenario, group: str) -> Scenario:
    """The scenario with one task group left out (no budget for it, the rest unchanged)."""
    if group not in scenario.levers:
        raise ValueError(f"{scenario.id} has no task group {group!r}")
    levers = {g: dict(s) for g, s in scenario.levers.items() if g != group}
    # the same plan, history and start year: only the group's budget changes
    return replace(scenario, id=f"{scenario.id}_without_{group}",
                   name=f"{scenario.name} without {group}",
                   name_vi=f"{scenario.name_vi or scenario.name} không có {group}",
                   description=f"{scenario.id} with no budget for {group}", levers=levers)


def reference_plan(result) -> str | None:
    """The plan whose task groups are attributed: the first scenario of the result with a
    budget of its own for at least one task group (None if there is none). A run from a
    stated year gives every scenario the same history of spending: that history is not
    the scenario's own (``no_programme`` from 2026 spends nothing of its own)."""
    years = result.profile.years
    for s in result.scenarios:
        own = replace(s, history=None, from_year=None)
        if s.id in result.met and task_groups(s) \
                and float(np.abs(own.budgets(years)).sum()) > 0.0:
            return s.id
    return None


def leave_one_out_verdicts(result, plan: str, runs: int | None = None,
                           n_threads: int | None = None) -> dict[str, np.ndarray]:
    """Target verdicts of the plan with each task group left out, on the first ``runs``
    runs of the result's design: ``{task_group: bool[runs, n_targets]}``.

    All groups run in one batch of the core (one budget matrix per run)."""
    sc = next(s for s in result.scenarios if s.id == plan)
    groups = task_groups(sc)
    n = min(result.n_runs, ATTRIBUTION_RUNS if runs is None else int(runs))
    if not groups or n < 1:
        return {}
    years = result.profile.years
    d = result.design
    runs_n = d.runs[:n]
    LEV = np.concatenate([np.broadcast_to(  # [G*n, 6, ny]: each run's efficacies, as drawn
        without(sc, g).lever_runs(years, result.efficacy_seed, runs_n), (n, 6, len(years)))
        for g in groups])
    P = np.tile(d.P[:n], (len(groups), 1))
    Y, _ = run_batch(result.profile, P, LEV, np.tile(d.seeds[:n], len(groups)),
                     np.tile(d.runs[:n], len(groups)), n_threads=n_threads)
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    _, met = result.targets.score(ind, years)
    return {g: met[k * n:(k + 1) * n] for k, g in enumerate(groups)}


def attribution_table(result, plan: str | None = None, runs: int | None = None,
                      n_threads: int | None = None) -> pd.DataFrame:
    """The drop in the probability of each target (and of all together) when each task
    group is left out of the plan, on the same runs.

    Parameters
    ----------
    result : MonteCarloResult
    plan : str, optional
        The scenario whose groups are left out (:func:`reference_plan` by default).
    runs : int, optional
        Paired runs (:data:`ATTRIBUTION_RUNS` by default; at most the result's runs).
    n_threads : int, optional
        numba threads; results do not depend on it.

    Returns
    -------
    DataFrame
        ``task_group,target,difference,ci_low,ci_high``: difference = P(plan) −
        P(plan without the group), with its paired 95 % interval. Empty when there is no
        plan with a budget. ``attrs`` holds ``plan`` and ``runs``.
    """
    plan = reference_plan(result) if plan is None else plan
    if plan is None:
        out = pd.DataFrame(columns=list(ATTRIBUTION_COLUMNS))
        out.attrs.update(plan=None, runs=0)
        return out
    loo = leave_one_out_verdicts(result, plan, runs, n_threads)
    n = next(iter(loo.values())).shape[0] if loo else 0
    base = result.met[plan][:n]
    ids = result.targets.ids
    rows = []
    for g, met in loo.items():
        pairs = [(t, base[:, k], met[:, k]) for k, t in enumerate(ids)]
        pairs.append((ALL, base.all(axis=1), met.all(axis=1)))
        for tid, x, y in pairs:
            de = _deff(result, n, x.astype(float) - y)
            d, lo, hi = paired_difference(x, y, deff=de)
            rows.append((g, tid, d, lo, hi))
    out = pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS))
    sc = next(s for s in result.scenarios if s.id == plan)
    out.attrs.update(plan=plan, runs=n, titles=sc.plan.titles)
    return out


def _deff(result, n: int, x: np.ndarray) -> float:
    if not result.clustered:
        return 1.0
    from stmarket.experiments.assessment.stats import design_effect

    return design_effect(x, result.design.sample[:n])


__all__ = ["ATTRIBUTION_COLUMNS", "ATTRIBUTION_RUNS", "attribution_table",
           "leave_one_out_verdicts", "reference_plan", "task_groups", "without"]
