"""The budget-optimal mix of a plan's instruments on the model: :func:`optimise`.

Given a yearly budget ``B`` (bn VND a year), an allocation is a point ``s`` of the
simplex (one non-negative share per instrument of the base scenario's plan, summing to
1; Decision 2257's six task groups by default); instrument ``g`` then keeps the base
scenario's schedule (start year, ramp, end year) with ``level = s[g] * B``
(:mod:`.allocations`). :func:`optimise` loads the inputs, searches each budget of the
frontier with the :class:`~.optimiser.Optimiser` on the model
(:class:`~.objective.ModelObjective`), optionally finds the smallest budget reaching a
probability, and compares the winner with the base scenario on fresh runs. How the
noise of the Monte Carlo objective is handled is told in :mod:`.optimiser`.

>>> from stmarket.experiments.optimisation.search import optimise           # doctest: +SKIP
>>> from stmarket.experiments.optimisation.write import write_optimisation  # doctest: +SKIP
>>> r = optimise(budgets=[1, 3, 9], target_probability=0.8)                 # doctest: +SKIP
>>> r.frontier; r.best; print(r.summary())                                  # doctest: +SKIP
>>> write_optimisation(r, "out/optimise")                                   # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.optimisation.allocations import (
    base_levels,
    unit_schedule,
)
from stmarket.experiments.optimisation.noise import interval, paired
from stmarket.experiments.optimisation.objective import ModelObjective
from stmarket.experiments.optimisation.optimiser import Optimiser, Settings, frontier_table
from stmarket.experiments.optimisation.result import OptimiseResult
from stmarket.experiments.outputs.folder import targets_record
from stmarket.model.errors import InputError
from stmarket.model.scenario import MAX_BUDGET, Scenario

#: Budgets of the frontier when none are given (bn VND a year); the base's own is added.
DEFAULT_BUDGETS = (1.0, 2.0, 3.0, 4.5, 6.0, 9.0)


def _load(profile, base, targets):
    from stmarket.model.profile import Profile, load_profile
    from stmarket.model.scenario import load_scenario
    from stmarket.model.targets import load_targets

    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    base = base if isinstance(base, Scenario) else load_scenario(base)
    targets = targets if targets is not None and not isinstance(targets, (str, Path)) else \
        load_targets(targets or profile.targets, years=profile.years)
    return profile, base, targets


def check_budget(value: float, what: str) -> float:
    """A budget in (0, MAX_BUDGET] bn VND a year, or an InputError naming ``what``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (0.0 < v <= MAX_BUDGET):
        raise InputError("argument", what, f"must be in (0, {MAX_BUDGET:g}] bn VND a year, "
                                           f"got {value!r}")
    return v


def _budget_list(budget, budgets, plan_budget: float) -> list[float]:
    if budget is not None and budgets is not None:
        raise InputError("argument", "--budgets", "give --budget or --budgets, not both")
    if budget is not None:
        return [check_budget(budget, "--budget")]
    if budgets is not None:
        out = sorted({check_budget(b, "--budgets") for b in budgets})
        if not out:
            raise InputError("argument", "--budgets", "must name at least one budget")
        return out
    return sorted(set(DEFAULT_BUDGETS) | {round(plan_budget, 9)})


def _check_sizes(runs: int, confirm_runs: int, candidates: int, max_rounds: int) -> None:
    for name, v, lo in (("--runs", runs, 8), ("--confirm-runs", confirm_runs, 8),
                        ("--candidates", candidates, 1), ("--max-rounds", max_rounds, 0)):
        if not isinstance(v, (int, np.integer)) or not lo <= v <= 10_000_000:
            raise InputError("argument", name, f"must be an integer in [{lo}, 10000000], "
                                               f"got {v!r}")


def optimise(budget: float | None = None, *, budgets: Sequence[float] | None = None,
             profile="bac_kan", base="plan_2257", objective: str = "all",
             runs: int = 400, confirm_runs: int = 1000, candidates: int = 24,
             target_probability: float | None = None, max_budget: float | None = None,
             seed: int = 1, n_threads: int | None = None, max_rounds: int = 6,
             targets=None) -> OptimiseResult:
    """The best split of a yearly budget across the base plan's instruments, and the
    frontier.

    Parameters
    ----------
    budget : float, optional
        One budget (bn VND a year). Without ``budget`` and ``budgets``: 1, 2, 3, 4.5,
        6 and 9 and the base scenario's own total.
    budgets : sequence of float, optional
        The frontier's budgets.
    profile : str, Path or Profile
    base : str, Path or Scenario
        Gives each group's start year and ramp, and the reference shares.
    objective : str
        ``all`` (default: every target of the plan's final year met), ``expected`` or a
        target id (see :class:`ModelObjective`).
    runs : int
        Search runs per candidate at a race's last stage (the standard error of a
        probability ``p`` is ``sqrt(p (1 - p) / runs)``; paired differences are tighter).
    confirm_runs : int
        Runs of each confirmation, on a fresh seed.
    candidates : int
        Allocations in each budget's space-filling screen.
    target_probability : float, optional
        Find the smallest budget whose confirmed objective reaches it (a probability
        objective only).
    max_budget : float, optional
        Highest budget tried for ``target_probability`` (default: twice the largest).
    seed : int
        Seed of the search; the confirmation's is derived from it (:func:`confirm_seed`).
    n_threads : int, optional
        numba threads (results do not depend on it).
    max_rounds : int
        Most local-search rounds per budget.
    targets : str, Path or TargetSet, optional
        The plan's targets (default: the profile's).

    Returns
    -------
    OptimiseResult
    """
    from datetime import UTC, datetime

    from stmarket.model.core import check_seed

    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    seed = check_seed(seed)
    _check_sizes(runs, confirm_runs, candidates, max_rounds)
    profile, base, targets = _load(profile, base, targets)
    fn = ModelObjective(profile, targets, unit_schedule(base, profile.years), objective,
                        n_threads, plan=base.plan)
    plan_levels = base_levels(base)
    plan_budget = float(plan_levels.sum())
    blist = _budget_list(budget, budgets, plan_budget)
    if target_probability is not None:
        if not fn.binary:
            raise InputError("argument", "--target-probability", "needs a probability "
                             "objective (all or a target id), not 'expected'")
        if not 0.0 < float(target_probability) < 1.0:
            raise InputError("argument", "--target-probability",
                             f"must be in (0, 1), got {target_probability!r}")
    top = min(MAX_BUDGET, 2 * blist[-1]) if max_budget is None else \
        check_budget(max_budget, "--max-budget")
    if top < blist[-1]:
        raise InputError("argument", "--max-budget", f"must be at least the largest budget "
                                                     f"({blist[-1]:g}), got {max_budget!r}")
    settings = Settings(runs=int(runs), confirm_runs=int(confirm_runs),
                        candidates=int(candidates), max_rounds=int(max_rounds),
                        binary=fn.binary)
    opt = Optimiser(fn, plan_levels / plan_budget, settings, seed, base.plan.ids)
    rows = opt.frontier(blist)
    reach = None
    if target_probability is not None:
        reach = opt.smallest_budget(rows, float(target_probability), top)
    frontier = frontier_table(rows)
    focus = _focus(frontier, plan_budget)
    best, best_targets = _best_tables(opt, frontier.loc[focus], rows, plan_levels, targets)
    elapsed = time.perf_counter() - t0
    p_plan = float(best.loc[best["allocation"] == "plan", "value"].iloc[0])
    meta = _meta(opt, profile, base, targets, fn.objective, blist, plan_levels, reach,
                 started, elapsed, n_threads, p_plan)
    return OptimiseResult(opt.bank.table(), frontier, best, best_targets, reach, meta)


def _focus(frontier: pd.DataFrame, plan_budget: float) -> int:
    """The frontier row compared with the base: at the base's own budget if it was
    searched, else the nearest searched budget."""
    d = (frontier["budget"] - plan_budget).abs()
    d = d.where(frontier["stage"] == "frontier", np.inf)
    return int(d.idxmin())


def _best_tables(opt: Optimiser, row: pd.Series, rows: list[dict], plan_levels: np.ndarray,
                 targets) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    budget = float(row["budget"])
    win = next(r["_shares"] for r in rows if r["budget"] == budget)
    plan_budget = float(plan_levels.sum())
    allocs = [("winner", win * budget), ("plan", plan_levels)]
    if abs(budget - plan_budget) > 1e-9:
        allocs.append(("plan_mix", opt.reference * budget))
    lv = np.array([a[1] for a in allocs])
    ev = opt.bank.get(lv, opt.confirm_seed, opt.s.confirm_runs, "confirm")
    b, z = opt.s.binary, opt.s.z
    out = []
    for i, (name, levels) in enumerate(allocs):
        v = interval(ev.value[i], b, z)
        d = paired(ev.value[i], ev.value[1], b, z)
        td = paired(ev.tiebreak[i], ev.tiebreak[1], False, z)
        out.append({"allocation": name, "budget": float(levels.sum()),
                    **dict(zip(opt.share_cols, map(float, levels / levels.sum()),
                               strict=True)),
                    "value": v[0], "ci_low": v[1], "ci_high": v[2],
                    "tiebreak": float(ev.tiebreak[i].mean()),
                    "difference": d[0], "diff_low": d[1], "diff_high": d[2],
                    "tiebreak_difference": td[0], "tiebreak_diff_low": td[1],
                    "tiebreak_diff_high": td[2], "runs": opt.s.confirm_runs,
                    "seed": opt.confirm_seed,
                    "confirmed": bool(row["confirmed"]) if name == "winner" else None,
                    "decided_by": row["decided_by"] if name == "winner" else ""})
    best = pd.DataFrame(out)
    if ev.met is None:
        return best, None
    met = ev.met.astype(float)
    trows = []
    for k, t in enumerate(targets.targets):
        w, p = interval(met[0, :, k], True, z), interval(met[1, :, k], True, z)
        d = paired(met[0, :, k], met[1, :, k], True, z)
        trows.append({"target": t.id, "label": t.label("en"), "year": t.year,
                      "winner": w[0], "winner_low": w[1],
                      "winner_high": w[2], "plan": p[0], "plan_low": p[1], "plan_high": p[2],
                      "difference": d[0], "diff_low": d[1], "diff_high": d[2],
                      "runs": met.shape[1]})
    return best, pd.DataFrame(trows)


def _meta(opt: Optimiser, profile, base, targets, objective, budgets, plan_levels, reach,
          started, elapsed, n_threads, p_plan: float) -> dict:
    import hashlib
    from datetime import UTC, datetime

    import numba

    def h(p):
        return None if p is None or not Path(p).is_file() else \
            hashlib.sha256(Path(p).read_bytes()).hexdigest()

    s = opt.s
    return {
        "analysis": "optimise",
        "profile": profile.name, "base": base.id, "objective": objective,
        "objective_year": targets.final_year, "binary": s.binary,
        "tiebreak": f"{targets.final_year} targets met" if objective != "expected" else
        f"every {targets.final_year} target met",
        "budgets": budgets, "plan_budget": float(plan_levels.sum()),
        "plan": base.plan.id, "instruments": list(base.plan.ids),
        "plan_shares": dict(zip(base.plan.ids, map(float, plan_levels / plan_levels.sum()),
                                strict=True)),
        "seed": opt.seed, "confirm_seed": opt.confirm_seed,
        "settings": {k: getattr(s, k) for k in s.__dataclass_fields__},
        "search_se_at_plan": math.sqrt(max(p_plan * (1 - p_plan), 0.0) / s.runs)
        if s.binary else None,
        "reach": reach, "runs_evaluated": opt.bank.runs_done,
        "seconds": round(elapsed, 2), "runs_per_second": round(opt.bank.runs_done / elapsed, 1),
        "workers": int(n_threads or numba.config.NUMBA_NUM_THREADS),
        "started": started, "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {"profile": {"path": str(profile.path), "sha256": h(profile.path)},
                   "targets": {"path": str(targets.path), "sha256": h(targets.path)},
                   "base": {"path": str(base.path), "sha256": h(base.path),
                            "based_on": [{"path": str(b), "sha256": h(b)} for b in base.bases]}},
        "thresholds": {t.id: t.threshold for t in targets.targets},
        "targets": targets_record(targets),
    }
