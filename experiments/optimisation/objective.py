"""The model as the optimiser's evaluator, and the objectives it can maximise.

An objective counts the plan's targets of :data:`YEAR` in each Monte Carlo run:
``all_2030`` (every 2030 target met; tie-breaker: the number met), ``expected`` (the
number met; tie-breaker: every one met) or a target id (that target met; tie-breaker:
the number met). :class:`ModelObjective` evaluates allocations on the model with common
random numbers; :func:`objective_label` names an objective on charts and in summaries.
"""

from __future__ import annotations

import numpy as np

from stmarket.experiments.optimisation.optimiser import Evaluation
from stmarket.model.errors import InputError

#: Objectives by name; any target id is an objective too (the probability of that target).
OBJECTIVES = ("all_2030", "expected")
#: The year whose targets the objectives count.
YEAR = 2030
_LABELS = {"all_2030": f"P(every {YEAR} target met)",
           "expected": f"mean number of {YEAR} targets met"}


class ModelObjective:
    """The model as an :data:`~.optimiser.Evaluator`: run ``r`` of seed ``S`` is run ``r``
    of the Monte Carlo sequence keyed by ``S``
    (:func:`stmarket.experiments.assessment.montecarlo.design_runs`), whatever allocation
    it is evaluated for.

    Parameters
    ----------
    profile : Profile
    targets : TargetSet
    unit : float64[n_instruments, n_years]
        :func:`.allocations.unit_schedule` of the base scenario.
    plan : Plan, optional
        The base scenario's plan: maps the instruments' budgets onto the mechanisms,
        with each run's efficacies (:meth:`Plan.efficacies` of the seed and run);
        Decision 2257's by default.
    objective : str
        ``all_2030`` (every 2030 target met; tie-breaker: 2030 targets met),
        ``expected`` (2030 targets met; tie-breaker: every 2030 target met) or a target
        id (that target met; tie-breaker: 2030 targets met).
    n_threads : int, optional
    chunk : int
        Most runs handed to the core at once (memory only).
    """

    def __init__(self, profile, targets, unit: np.ndarray, objective: str = "all_2030",
                 n_threads: int | None = None, chunk: int = 16384, plan=None) -> None:
        from stmarket.model.scenario import default_plan

        check_objective(objective, targets)
        self.plan = plan or default_plan()
        self.profile, self.targets, self.unit = profile, targets, np.asarray(unit, float)
        self.objective, self.n_threads, self.chunk = objective, n_threads, chunk
        self.cols = [k for k, t in enumerate(targets.targets) if t.year == YEAR]

    @property
    def binary(self) -> bool:
        return self.objective != "expected"

    def score(self, met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Objective and tie-breaker per run from the verdicts ``met[..., n_targets]``."""
        every = met[..., self.cols].all(axis=-1).astype(float)
        count = met[..., self.cols].sum(axis=-1).astype(float)
        if self.objective == "all_2030":
            return every, count
        if self.objective == "expected":
            return count, every
        return met[..., self.targets.ids.index(self.objective)].astype(float), count

    def __call__(self, levels: np.ndarray, seed: int, start: int, stop: int) -> Evaluation:
        from stmarket.experiments.analysis.evaluation import evaluate
        from stmarket.experiments.assessment.montecarlo import design_runs

        d = design_runs(self.profile, seed, start, stop)
        m = stop - start
        eff = self.plan.efficacies(seed, d.runs)
        per = max(1, self.chunk // m)
        mets = []
        for a in range(0, len(levels), per):
            lv = np.asarray(levels[a:a + per], dtype=float)
            k = len(lv)
            lev = self.plan.to_mechanisms(np.repeat(lv[:, :, None] * self.unit[None], m,
                                                    axis=0), np.tile(eff, (k, 1)))
            out = evaluate(self.profile, self.targets, np.tile(d.P, (k, 1)), lev,
                           np.tile(d.seeds, k), np.tile(d.runs, k), self.n_threads)
            mets.append(out.met.reshape(k, m, -1))
        met = np.concatenate(mets)
        return Evaluation(*self.score(met), met)


def check_objective(objective: str, targets) -> None:
    """Refuse an unknown objective (one line naming what is allowed)."""
    if objective not in OBJECTIVES and objective not in targets.ids:
        raise InputError("argument", "--objective", f"must be one of {', '.join(OBJECTIVES)} "
                         f"or a target id ({', '.join(targets.ids)}), got {objective!r}")
    if not any(t.year == YEAR for t in targets.targets):
        raise InputError(targets.path or targets.id, "targets", f"no target in {YEAR}: the "
                                                                "objectives count them")


def objective_label(objective: str) -> str:
    """How charts and summaries name an objective."""
    return _LABELS.get(objective, f"P({objective} met)")
