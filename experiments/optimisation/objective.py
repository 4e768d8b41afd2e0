"""The model as the optimiser's evaluator, and the objectives it can maximise.

An objective counts the targets of the plan's final year (the last year any target is
scored in, :attr:`TargetSet.final_year`; 2030 for Decision 2257) in each Monte Carlo run:
``all`` (every final-year target met; tie-breaker: the number met; ``all_<year>``, e.g.
``all_2030``, names the same objective with its year), ``expected`` (the number met;
tie-breaker: every one met) or a target id (that target met; tie-breaker: the number
met). :class:`ModelObjective` evaluates allocations on the model with common
random numbers; :func:`objective_label` names an objective on charts and in summaries.
"""

from __future__ import annotations

import numpy as np

from stmarket.experiments.optimisation.optimiser import Evaluation
from stmarket.model.errors import InputError

#: Objectives by name; any target id is an objective too (the probability of that target),
#: and ``all_<final year>`` is ``all``.
OBJECTIVES = ("all", "expected")


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
        ``all`` or ``all_<final year>`` (every final-year target met; tie-breaker: the
        number met), ``expected`` (the number met; tie-breaker: every one met) or a
        target id (that target met; tie-breaker: the number met). Kept as
        ``all_<final year>`` in :attr:`objective`.
    n_threads : int, optional
    chunk : int
        Most runs handed to the core at once (memory only).
    """

    def __init__(self, profile, targets, unit: np.ndarray, objective: str = "all",
                 n_threads: int | None = None, chunk: int = 16384, plan=None) -> None:
        from stmarket.model.scenario import default_plan

        objective = check_objective(objective, targets)
        self.plan = plan or default_plan()
        self.profile, self.targets, self.unit = profile, targets, np.asarray(unit, float)
        self.objective, self.n_threads, self.chunk = objective, n_threads, chunk
        self.year = targets.final_year
        self.cols = [k for k, t in enumerate(targets.targets) if t.year == self.year]

    @property
    def binary(self) -> bool:
        return self.objective != "expected"

    def score(self, met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Objective and tie-breaker per run from the verdicts ``met[..., n_targets]``."""
        every = met[..., self.cols].all(axis=-1).astype(float)
        count = met[..., self.cols].sum(axis=-1).astype(float)
        if self.objective == f"all_{self.year}":
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


def check_objective(objective: str, targets) -> str:
    """The objective's name (``all`` becomes ``all_<final year>``), or an InputError
    naming what is allowed."""
    every = f"all_{targets.final_year}"
    if objective in ("all", every):
        return every
    if objective not in OBJECTIVES and objective not in targets.ids:
        where = targets.path.name if targets.path is not None else targets.id
        raise InputError("argument", "--objective", f"must be all (or {every}), expected or "
                         f"a target id of {where} ({', '.join(targets.ids)}), got "
                         f"{objective!r}")
    return objective


def objective_label(objective: str, year: int | None = None,
                    labels: dict[str, str] | None = None) -> str:
    """How charts and summaries name an objective (``year``: the final year; ``labels``:
    target id -> its label in the targets file, for a target's objective)."""
    if objective.startswith("all_") and objective[4:].isdigit():
        return f"P(every {objective[4:]} target met)"
    if objective == "expected":
        return f"mean number of {year or 'final-year'} targets met"
    return f"P({(labels or {}).get(objective, objective)} met)"
