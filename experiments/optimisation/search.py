"""The budget-optimal mix of the plan's six task groups.

Given a yearly budget ``B`` (bn VND a year), an allocation is a point ``s`` of the
simplex (six non-negative shares summing to 1); task group ``g`` then keeps the base
scenario's schedule (start year, ramp, end year) with ``level = s[g] * B``. The search
maximises a noisy objective estimated from Monte Carlo runs: by default the probability
that every 2030 target is met, with the mean number of 2030 targets met as tie-breaker.

How the noise is handled
------------------------
* **Common random numbers.** Every candidate is evaluated on the same runs (the same
  parameter samples and random keys, :func:`stmarket.experiments.assessment.montecarlo.design_runs`), so
  differences between candidates are paired.
* **Racing.** Candidates are raced by successive halving: all on ``runs / 4`` runs, the
  better half on ``runs / 2``, the better half of those on ``runs``. Runs form a prefix
  of one sequence, so a survivor's runs are extended, not redrawn.
* **Ranking and acceptance.** Races rank by mean objective, exact ties by the
  tie-breaker (:func:`rank`). An incumbent is replaced only if the challenger is better
  beyond noise (:func:`compare`): its paired objective difference is positive beyond
  ``z`` standard errors, or the objective is tied within noise, not lower on these runs,
  and the tie-breaker's difference is positive beyond noise; so the tie-breaker never
  trades the objective away. Under the plan the probability of every 2030 target is
  about 0.002, so the objective is nearly flat at small budgets: ranking races with a
  band of ties (``race_z`` 1.96) let the tie-breaker (which favours the intermediary
  target) push the search towards mixes with a lower objective; by mean objective with
  twice as many held-out runs, the search at 3 bn VND/yr found mixes with about 5 times
  the plan's probability (0.008-0.011 against 0.002 on 4,000 fresh runs, three seeds).
* **Search.** The incumbent starts as the base scenario's shares; a challenger replaces
  it only if it beats it beyond noise (:func:`compare`) on **held-out** runs
  ``[runs, 3 runs)`` of the same sequence, not the runs it was selected on (so the
  race's winner's curse does not decide). Challengers: the winner of a raced
  space-filling screen (the base's shares, warm starts, the even split and
  scrambled-Sobol points mapped to the simplex), then, round after round, the winner of
  a race of the moves of ``step`` of the budget between each ordered pair of task
  groups (30 moves); on a rejection the step halves.
* **Confirmation.** The winner and a reference (the base's shares at the same budget)
  are evaluated on ``confirm_runs`` runs of a fresh seed (new parameter samples and
  keys); the winner is confirmed only if its paired difference is positive beyond noise
  (Newcombe's interval for probabilities), or the objective's difference is not negative
  and the tie-breaker's is positive beyond noise. Reported values come from these fresh
  runs, so they are not inflated by the selection.

The optimiser takes any :data:`Evaluator`, a callable ``f(levels[k, 6], seed, start,
stop) -> Evaluation`` giving per-run values for runs ``start .. stop - 1``: the model
(:class:`ModelObjective`) or a synthetic objective with a known optimum (the tests).

>>> from stmarket.experiments.optimisation.search import optimise                    # doctest: +SKIP
>>> r = optimise(budgets=[1, 3, 9], target_probability=0.8)       # doctest: +SKIP
>>> r.frontier; r.best; r.figures(); r.write("out/optimise")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.stats import Z95, paired_difference, wilson
from stmarket.experiments.optimisation.plots import frontier_figure, shares_figure
from stmarket.model.errors import InputError
from stmarket.model.scenario import LEVERS, MAX_BUDGET, Scenario

#: Objectives by name; any target id is an objective too (the probability of that target).
OBJECTIVES = ("all_2030", "expected")
#: Budgets of the frontier when none are given (bn VND a year); the base's own is added.
DEFAULT_BUDGETS = (1.0, 2.0, 3.0, 4.5, 6.0, 9.0)
#: The year whose targets the objectives count.
YEAR = 2030
SHARE_COLS = [f"{g}_share" for g in LEVERS]
_SIMPLEX_TAG = 0x0F7151  # the screen's Sobol points
_CONFIRM_TAG = 0x0F7C0F  # the confirmation seed


@dataclass
class Evaluation:
    """Per-run results of ``k`` allocations on ``m`` runs (the same runs for each).

    Attributes
    ----------
    value : float64[k, m]
        The objective per run (0/1 for a probability).
    tiebreak : float64[k, m]
        The tie-breaker per run.
    met : bool[k, m, n_targets] or None
        Every target's verdict per run (the model only).
    """

    value: np.ndarray
    tiebreak: np.ndarray
    met: np.ndarray | None = None


#: ``f(levels[k, 6], seed, start, stop) -> Evaluation``: a pure function of its inputs;
#: run ``r`` of ``seed`` is the same run whichever allocation it is evaluated for.
Evaluator = Callable[[np.ndarray, int, int, int], Evaluation]


@dataclass(frozen=True)
class Settings:
    """Sizes and thresholds of the search.

    Attributes
    ----------
    runs : int
        Runs per candidate at the last stage of a race.
    confirm_runs : int
        Runs of the confirmation (fresh seed), per allocation.
    candidates : int
        Allocations in the space-filling screen (warm starts included).
    first_step, min_step : float
        Share moved between two task groups: the first, and the smallest before stopping.
    max_rounds : int
        Most local-search rounds per budget.
    stages : int
        Stages of successive halving in a race.
    z : float
        Normal quantile of "beyond noise" (1.96: a 95 % two-sided interval).
    race_z : float
        Band of ties in the races' ranking (:func:`rank`); 0: by mean objective, exact
        ties by the tie-breaker.
    holdout : int, optional
        Held-out runs of each acceptance test (default: twice ``runs``).
    binary : bool
        Whether the objective is 0/1 per run (a probability: Wilson and Newcombe
        intervals) or a count (normal intervals).
    """

    runs: int = 400
    confirm_runs: int = 1000
    candidates: int = 24
    first_step: float = 0.1
    min_step: float = 0.05
    max_rounds: int = 6
    stages: int = 3
    z: float = Z95
    race_z: float = 0.0
    holdout: int | None = None
    binary: bool = True

    @property
    def held_out(self) -> int:
        """Held-out runs of an acceptance test (``holdout``, by default twice ``runs``)."""
        return self.holdout or 2 * self.runs


# --- allocations -----------------------------------------------------------------------

def simplex_points(n: int, seed: int, d: int = len(LEVERS)) -> np.ndarray:
    """``n`` space-filling points of the simplex in ``d`` dimensions: scrambled Sobol
    points of the (d - 1)-cube mapped by spacings of their sorted coordinates (a map that
    takes the uniform distribution on the cube to the uniform one on the simplex)."""
    from scipy.stats import qmc

    if n <= 0:
        return np.empty((0, d))
    sob = qmc.Sobol(d - 1, scramble=True, rng=np.random.default_rng([_SIMPLEX_TAG, seed]))
    u = np.sort(sob.random_base2(max(1, math.ceil(math.log2(n))))[:n], axis=1)
    return np.diff(np.hstack([np.zeros((n, 1)), u, np.ones((n, 1))]), axis=1)


def _clean(shares: np.ndarray) -> np.ndarray:
    s = np.clip(np.round(np.asarray(shares, dtype=float), 12), 0.0, None)
    return s / s.sum(axis=-1, keepdims=True)


def moves(shares: np.ndarray, step: float) -> np.ndarray:
    """Every allocation reached by moving ``step`` of the budget (or all a group has,
    if less) from one task group to another: at most d (d - 1) rows."""
    out = []
    for i in range(shares.size):
        amount = min(step, shares[i])
        if amount <= 1e-12:
            continue
        for j in range(shares.size):
            if j != i:
                s = shares.copy()
                s[i] -= amount
                s[j] += amount
                out.append(s)
    return _clean(np.array(out)) if out else np.empty((0, shares.size))


def unit_schedule(base: Scenario, years: np.ndarray) -> np.ndarray:
    """float64[6, n_years]: each task group's yearly budget at ``level = 1`` with the
    base scenario's start year, ramp and end year (a group the base leaves out takes
    the first listed group's schedule). Budgets are then ``levels[:, None] * unit``."""
    present = [g for g in LEVERS if base.levers.get(g)]
    if not present:
        raise InputError(base.path or base.id, "levers", "the base scenario funds no task "
                                                         "group: no schedule to allocate")
    levers = {}
    for g in LEVERS:
        sched = dict(base.levers.get(g) or base.levers[present[0]])
        if "by_year" in sched:
            raise InputError(base.path or base.id, f"levers.{g}.by_year", "an allocation "
                             "sets each group's level; a base with explicit yearly budgets "
                             "cannot be reallocated")
        levers[g] = {**sched, "level": 1.0}
    return Scenario(base.id, base.name, levers=levers).budgets(years)


def base_levels(base: Scenario) -> np.ndarray:
    """float64[6]: the base scenario's level of each task group (bn VND a year)."""
    lv = np.array([float(base.levers.get(g, {}).get("level", 0.0)) for g in LEVERS])
    if lv.sum() <= 0:
        raise InputError(base.path or base.id, "levers", "the base scenario has no budget: "
                                                         "its allocation is undefined")
    return lv


# --- statistics ------------------------------------------------------------------------

def _mean_se(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = d.shape[-1]
    sd = d.std(axis=-1, ddof=1) if n > 1 else np.full(d.shape[:-1], np.inf)
    return d.mean(axis=-1), sd / math.sqrt(n)


def compare(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
            z: float = Z95) -> int:
    """Whether A beats B beyond noise on paired runs, lexicographically: +1 if A's
    objective is higher beyond ``z`` standard errors of the paired difference, -1 if
    lower; if the objective is tied within noise, the same test on the tie-breaker,
    counted only if A's objective is not lower (+1) or not higher (-1) on these runs;
    else 0.

    Parameters
    ----------
    a, b : (value, tiebreak), arrays [m]
        Per-run objective and tie-breaker of A and B on the same runs.
    """
    m, se = _mean_se(np.asarray(a[0], float) - np.asarray(b[0], float))
    if m != 0 and abs(m) > z * se:
        return int(np.sign(m))
    mt, set_ = _mean_se(np.asarray(a[1], float) - np.asarray(b[1], float))
    if mt != 0 and abs(mt) > z * set_ and np.sign(mt) * m >= 0:
        return int(np.sign(mt))
    return 0


def rank(value: np.ndarray, tiebreak: np.ndarray, z: float = 0.0) -> np.ndarray:
    """Order of ``k`` candidates evaluated on the same runs, best first.

    The leader has the highest mean objective (the higher tie-breaker among equals).
    Candidates whose paired difference from the leader is not below zero by more than
    ``z`` standard errors are tied with it and come first, by mean tie-breaker; the
    others follow by mean objective, then tie-breaker. With ``z = 0`` (the races'
    default) only exact ties go to the tie-breaker.

    Parameters
    ----------
    value, tiebreak : float64[k, m]
    z : float
        Width of the band of ties, in standard errors of the paired difference.
    """
    mv, mt = value.mean(axis=1), tiebreak.mean(axis=1)
    lead = np.lexsort((-mt, -mv))[0]
    m, se = _mean_se(value - value[lead])
    tied = m + z * se >= 0 if z > 0 else m >= 0  # se is infinite on one run: all tied
    return np.lexsort((-mt, np.where(tied, 0.0, -mv), ~tied))


def interval(x: np.ndarray, binary: bool, z: float = Z95) -> tuple[float, float, float]:
    """Mean of per-run values with its 95 % interval: Wilson for 0/1 values, normal
    otherwise."""
    x = np.asarray(x, dtype=float)
    if binary:
        p, lo, hi = wilson(int(round(x.sum())), x.size, z)
        return float(p), float(lo), float(hi)
    m, se = _mean_se(x)
    return float(m), float(m - z * se), float(m + z * se)


def paired(x: np.ndarray, y: np.ndarray, binary: bool, z: float = Z95
           ) -> tuple[float, float, float]:
    """Paired difference X - Y with its 95 % interval: Newcombe's for 0/1 values
    (:func:`stmarket.experiments.assessment.stats.paired_difference`), normal otherwise."""
    if binary:
        d, lo, hi = paired_difference(np.asarray(x) > 0.5, np.asarray(y) > 0.5, z)
        return float(d), float(lo), float(hi)
    return interval(np.asarray(x, float) - np.asarray(y, float), False, z)


@dataclass
class Confirmation:
    """A winner against a reference on the same fresh runs.

    ``value``/``reference`` are (mean, low, high); ``difference`` and
    ``tiebreak_difference`` are winner minus reference with their intervals;
    ``accepted`` says whether the winner is better beyond noise, and ``decided_by``
    by what: ``objective``, ``tiebreak`` (the objective tied within noise) or ``""``."""

    value: tuple[float, float, float]
    reference: tuple[float, float, float]
    difference: tuple[float, float, float]
    tiebreak: tuple[float, float]
    tiebreak_difference: tuple[float, float, float]
    accepted: bool
    decided_by: str
    runs: int
    seed: int
    winner: Evaluation | None = field(repr=False, default=None)
    ref: Evaluation | None = field(repr=False, default=None)


# --- the optimiser ---------------------------------------------------------------------

class _Bank:
    """Evaluations by (seed, levels), extended on demand: runs ``0 .. n - 1``."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.f = evaluator
        self.store: dict[tuple, dict] = {}
        self.runs_done = 0

    @staticmethod
    def key(levels: np.ndarray, seed: int) -> tuple:
        return (int(seed), tuple(np.round(levels, 9).tolist()))

    def get(self, levels: np.ndarray, seed: int, n: int, phase: str = "") -> Evaluation:
        levels = np.atleast_2d(np.asarray(levels, dtype=float))
        keys = [self.key(lv, seed) for lv in levels]
        todo: dict[int, dict[tuple, np.ndarray]] = {}
        for k, lv in zip(keys, levels, strict=True):
            e = self.store.setdefault(k, {"levels": lv, "phase": phase, "parts": [], "n": 0})
            if e["n"] < n:
                todo.setdefault(e["n"], {})[k] = lv
        for start, group in todo.items():
            ev = self.f(np.array(list(group.values())), int(seed), start, n)
            self.runs_done += len(group) * (n - start)
            for i, k in enumerate(group):
                met = None if ev.met is None else ev.met[i]
                self.store[k]["parts"].append((ev.value[i], ev.tiebreak[i], met))
                self.store[k]["n"] = n
        out = [self._joined(k, n) for k in keys]
        met = None if out[0][2] is None else np.stack([o[2] for o in out])
        return Evaluation(np.stack([o[0] for o in out]), np.stack([o[1] for o in out]), met)

    def _joined(self, k: tuple, n: int):
        e = self.store[k]
        if len(e["parts"]) > 1:
            v, t, m = zip(*e["parts"], strict=True)
            e["parts"] = [(np.concatenate(v), np.concatenate(t),
                           None if m[0] is None else np.concatenate(m))]
        v, t, m = e["parts"][0]
        return v[:n], t[:n], None if m is None else m[:n]

    def table(self) -> pd.DataFrame:
        rows = []
        for k, e in self.store.items():
            v, t, _m = self._joined(k, e["n"])
            seed = k[0]
            b = float(e["levels"].sum())
            rows.append((b, *(e["levels"] / b), e["phase"], seed, float(v.mean()),
                         float(t.mean()), e["n"]))
        cols = ["budget", *SHARE_COLS, "phase", "seed", "objective", "tiebreak", "runs"]
        return pd.DataFrame(rows, columns=cols).sort_values(
            ["seed", "budget", "phase"], kind="stable", ignore_index=True)


@dataclass
class SearchResult:
    """The winner at one budget and how it was found."""

    budget: float
    shares: np.ndarray
    rounds: int
    accepted_moves: int
    step: float


class Optimiser:
    """Search, confirmation, frontier and smallest budget over any :data:`Evaluator`.

    Parameters
    ----------
    evaluator : Evaluator
    reference : float64[6]
        The reference shares (the base scenario's): always in the screen, and what a
        winner must beat in the confirmation.
    settings : Settings
    seed : int
        Seed of the search runs; the confirmation uses :func:`confirm_seed` of it.
    """

    def __init__(self, evaluator: Evaluator, reference: np.ndarray,
                 settings: Settings = Settings(), seed: int = 1) -> None:
        self.bank = _Bank(evaluator)
        self.reference = _clean(reference)
        self.s = settings
        self.seed = int(seed)
        self.confirm_seed = confirm_seed(seed)

    def race(self, shares: np.ndarray, budget: float, phase: str) -> np.ndarray:
        """Successive halving of allocations at a budget on the search runs: indices of
        the survivors of the last stage (evaluated on ``runs`` runs), best first."""
        n, alive = self.s.runs, np.arange(len(shares))
        sizes = sorted({max(2, math.ceil(n / 2 ** (self.s.stages - 1 - i)))
                        for i in range(self.s.stages)})
        for i, m in enumerate(sizes):
            ev = self.bank.get(shares[alive] * budget, self.seed, m, phase)
            alive = alive[rank(ev.value, ev.tiebreak, self.s.race_z)]
            if i < len(sizes) - 1:
                alive = alive[:max(2, math.ceil(alive.size / 2))]
        return alive

    def search(self, budget: float, starts: Sequence[np.ndarray] = ()) -> SearchResult:
        """The best allocation found at a budget (bn VND a year): screen, then local
        moves between pairs of task groups accepted on held-out runs."""
        s = self.s
        fixed = [self.reference, *starts, np.full(self.reference.size, 1 / self.reference.size)]
        fixed = _clean(np.array(fixed))
        screen = np.vstack([fixed, simplex_points(max(0, s.candidates - len(fixed)), self.seed,
                                                  self.reference.size)])
        screen = np.unique(np.round(screen, 9), axis=0)
        inc, accepted = self.reference, 0
        top = screen[self.race(screen, budget, "screen")[0]]
        if self._beats(top, inc, budget, "screen"):
            inc, accepted = top, 1
        step, rounds = s.first_step, 0
        while step >= s.min_step - 1e-12 and rounds < s.max_rounds:
            cand = moves(inc, step)
            if not len(cand):
                break
            rounds += 1
            best = cand[self.race(cand, budget, "move")[0]]
            if self._beats(best, inc, budget, "move"):
                inc, accepted = best, accepted + 1
            else:
                step /= 2
        return SearchResult(float(budget), inc, rounds, accepted, step)

    def _beats(self, challenger: np.ndarray, incumbent: np.ndarray, budget: float,
               phase: str) -> bool:
        """Whether the challenger beats the incumbent beyond noise on the held-out runs
        ``[runs, runs + held_out)`` (not the runs it was selected on)."""
        if np.allclose(challenger, incumbent):
            return False
        n = self.s.runs
        ev = self.bank.get(np.vstack([challenger, incumbent]) * budget, self.seed,
                           n + self.s.held_out, phase)
        held = [(ev.value[i, n:], ev.tiebreak[i, n:]) for i in (0, 1)]
        return compare(held[0], held[1], self.s.z) > 0

    def confirm(self, winner: np.ndarray, reference: np.ndarray, runs: int | None = None
                ) -> Confirmation:
        """Winner against reference (both bn VND levels [6]) on fresh runs (the
        confirmation seed), paired."""
        n = runs or self.s.confirm_runs
        ev = self.bank.get(np.vstack([winner, reference]), self.confirm_seed, n, "confirm")
        b = self.s.binary
        d = paired(ev.value[0], ev.value[1], b, self.s.z)
        td = paired(ev.tiebreak[0], ev.tiebreak[1], False, self.s.z)
        same = _Bank.key(winner, 0) == _Bank.key(reference, 0)
        by = "" if same else "objective" if d[1] > 0 else \
            "tiebreak" if d[0] >= 0 and td[1] > 0 else ""
        split = [Evaluation(ev.value[i], ev.tiebreak[i], None if ev.met is None else ev.met[i])
                 for i in (0, 1)]
        return Confirmation(interval(ev.value[0], b, self.s.z), interval(ev.value[1], b, self.s.z),
                            d, (float(ev.tiebreak[0].mean()), float(ev.tiebreak[1].mean())), td,
                            bool(by), by, n, self.confirm_seed, *split)

    def point(self, budget: float, starts: Sequence[np.ndarray] = (),
              stage: str = "frontier") -> dict:
        """Search at a budget and confirm the winner against the reference's shares
        at the same budget: one row of the frontier."""
        r = self.search(budget, starts)
        c = self.confirm(r.shares * budget, self.reference * budget)
        return {"budget": float(budget), "stage": stage,
                **dict(zip(SHARE_COLS, map(float, r.shares), strict=True)),
                "value": c.value[0], "ci_low": c.value[1], "ci_high": c.value[2],
                "tiebreak": c.tiebreak[0], "runs": c.runs, "confirmed": c.accepted,
                "decided_by": c.decided_by,
                "reference_value": c.reference[0], "reference_low": c.reference[1],
                "reference_high": c.reference[2], "difference": c.difference[0],
                "diff_low": c.difference[1], "diff_high": c.difference[2],
                "rounds": r.rounds, "accepted_moves": r.accepted_moves,
                "_shares": r.shares}

    def frontier(self, budgets: Sequence[float]) -> list[dict]:
        """:meth:`point` at each budget, in increasing order, each search warm-started
        from the winner at the budget below."""
        rows: list[dict] = []
        for b in sorted(set(map(float, budgets))):
            rows.append(self.point(b, [rows[-1]["_shares"]] if rows else []))
        return rows

    def smallest_budget(self, rows: list[dict], target: float, max_budget: float,
                        steps: int = 3, rel_tol: float = 0.05) -> dict:
        """The smallest budget whose confirmed value reaches ``target``: bracketed by
        the frontier ``rows`` (extended to ``max_budget`` if no budget reaches it), then
        bisected ``steps`` times (or until the bracket is within ``rel_tol``). New points
        are appended to ``rows``. Assumes the value rises with the budget."""
        def reached(r: dict) -> bool:
            return r["value"] >= target

        by_b = sorted(rows, key=lambda r: r["budget"])
        if not any(map(reached, by_b)) and max_budget > by_b[-1]["budget"] + 1e-9:
            rows.append(self.point(max_budget, [by_b[-1]["_shares"]], "max_budget"))
            by_b = sorted(rows, key=lambda r: r["budget"])
        hits = [r for r in by_b if reached(r)]
        if not hits:
            top = max(by_b, key=lambda r: r["value"])
            return {"target": target, "reached": False, "budget": None,
                    "value": None, "ci_low": None, "ci_high": None, "bracket_low":
                    by_b[-1]["budget"], "bracket_high": None, "max_budget": max_budget,
                    "best_budget": top["budget"], "best_value": top["value"],
                    "best_ci_low": top["ci_low"], "best_ci_high": top["ci_high"]}
        hi = hits[0]
        below = [r for r in by_b if r["budget"] < hi["budget"]]
        lo = below[-1] if below else None
        for _ in range(steps):
            lo_b = lo["budget"] if lo else 0.0
            if hi["budget"] - lo_b <= rel_tol * hi["budget"]:
                break
            starts = [r["_shares"] for r in (lo, hi) if r is not None]
            mid = self.point((lo_b + hi["budget"]) / 2, starts, "bisection")
            rows.append(mid)
            if reached(mid):
                hi = mid
            else:
                lo = mid
        return {"target": target, "reached": True, "budget": hi["budget"],
                "value": hi["value"], "ci_low": hi["ci_low"], "ci_high": hi["ci_high"],
                "bracket_low": lo["budget"] if lo else 0.0, "bracket_high": hi["budget"],
                "max_budget": max_budget, "best_budget": hi["budget"],
                "best_value": hi["value"], "best_ci_low": hi["ci_low"],
                "best_ci_high": hi["ci_high"]}


def confirm_seed(seed: int) -> int:
    """The seed of the confirmation runs: a fresh seed derived from the search's."""
    c = int(np.random.default_rng([_CONFIRM_TAG, int(seed)]).integers(1, 2**31))
    return c + 1 if c == seed else c


def frontier_table(rows: list[dict]) -> pd.DataFrame:
    """The frontier rows as a table, by budget, with ``pareto``: no smaller budget has
    a higher confirmed value."""
    df = pd.DataFrame([{k: v for k, v in r.items() if k != "_shares"} for r in rows])
    df = df.sort_values("budget", kind="stable", ignore_index=True)
    best_before = df["value"].cummax().shift(fill_value=-np.inf)
    df["pareto"] = df["value"] > best_before
    return df


# --- the model as an evaluator ---------------------------------------------------------

class ModelObjective:
    """The model as an :data:`Evaluator`: run ``r`` of seed ``S`` is run ``r`` of the
    Monte Carlo sequence keyed by ``S`` (:func:`stmarket.experiments.assessment.montecarlo.design_runs`),
    whatever allocation it is evaluated for.

    Parameters
    ----------
    profile : Profile
    targets : TargetSet
    unit : float64[6, n_years]
        :func:`unit_schedule` of the base scenario.
    objective : str
        ``all_2030`` (every 2030 target met; tie-breaker: 2030 targets met),
        ``expected`` (2030 targets met; tie-breaker: every 2030 target met) or a target
        id (that target met; tie-breaker: 2030 targets met).
    n_threads : int, optional
    chunk : int
        Most runs handed to the core at once (memory only).
    """

    def __init__(self, profile, targets, unit: np.ndarray, objective: str = "all_2030",
                 n_threads: int | None = None, chunk: int = 16384) -> None:
        check_objective(objective, targets)
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
        per = max(1, self.chunk // m)
        mets = []
        for a in range(0, len(levels), per):
            lv = np.asarray(levels[a:a + per], dtype=float)
            lev = np.repeat(lv[:, :, None] * self.unit[None], m, axis=0)
            k = len(lv)
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


# --- the API ---------------------------------------------------------------------------

@dataclass
class OptimiseResult:
    """The budget-optimal mixes and how they were found.

    Attributes
    ----------
    candidates : DataFrame
        Every allocation evaluated: ``budget``, the six shares, ``phase`` (screen,
        move, confirm), ``seed``, mean ``objective`` and ``tiebreak``, ``runs``.
    frontier : DataFrame
        One row per budget: the winner's shares, its objective on the fresh
        confirmation runs (``value, ci_low, ci_high``), ``tiebreak``, ``runs``,
        ``confirmed`` (better than the base's shares at the same budget beyond noise),
        ``decided_by`` (``objective``, or ``tiebreak`` when the objective is tied),
        the base's shares at that budget (``reference_*``), the paired ``difference``
        with its interval, search ``rounds``, and ``pareto``.
    best : DataFrame
        The winner at the focus budget, the base scenario itself and (if the budgets
        differ) the base's shares at the focus budget, on the confirmation runs, with
        paired differences against the base scenario.
    best_targets : DataFrame or None
        Every target's probability under the winner and the base, paired difference.
    reach : dict or None
        The smallest budget reaching ``target_probability`` (or that it was not reached).
    meta : dict
        Settings, seeds, budgets, timing: the manifest's content.
    """

    candidates: pd.DataFrame
    frontier: pd.DataFrame
    best: pd.DataFrame
    best_targets: pd.DataFrame | None
    reach: dict | None
    meta: dict

    def figures(self) -> dict[str, object]:
        """``frontier`` (budget against the objective) and ``shares`` (winner against
        base), as matplotlib figures."""
        return {"frontier": frontier_figure(self.frontier, self.best, self.meta),
                "shares": shares_figure(self.best, self.frontier, self.meta)}

    def summary(self) -> str:
        """A short plain-text account for the terminal."""
        return format_summary(self)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``candidates.csv``, ``frontier.csv``, ``best.csv``, ``best_targets.csv``,
        ``reach.csv`` (with a target probability), the charts and, last, the manifest."""
        from stmarket.experiments.analysis.evaluation import write_folder
        from stmarket.experiments.outputs.folder import MANIFEST

        out = Path(out)
        (out / MANIFEST).unlink(missing_ok=True)  # incomplete from here until the end
        for name in ("best_targets.csv", "reach.csv"):  # optional: none from an earlier run
            (out / name).unlink(missing_ok=True)
        tables = {"candidates": self.candidates, "frontier": self.frontier, "best": self.best}
        if self.best_targets is not None:
            tables["best_targets"] = self.best_targets
        if self.reach is not None:
            tables["reach"] = pd.DataFrame([self.reach])
        return write_folder(out, tables, self.figures(), self.meta)


def _load(profile, base, targets):
    from stmarket.model.profile import Profile, load_profile
    from stmarket.model.scenario import load_scenario
    from stmarket.model.targets import load_targets

    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    base = base if isinstance(base, Scenario) else load_scenario(base)
    targets = targets if targets is not None and not isinstance(targets, (str, Path)) else \
        load_targets(targets or profile.targets, years=profile.years)
    if YEAR not in set(int(y) for y in profile.years):
        raise InputError(profile.path, "profile", f"simulates {profile.start_year}-"
                                                  f"{profile.end_year}: needs {YEAR}")
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
             profile="bac_kan", base="plan_2257", objective: str = "all_2030",
             runs: int = 400, confirm_runs: int = 1000, candidates: int = 24,
             target_probability: float | None = None, max_budget: float | None = None,
             seed: int = 1, n_threads: int | None = None, max_rounds: int = 6,
             targets=None) -> OptimiseResult:
    """The best split of a yearly budget across the six task groups, and the frontier.

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
        ``all_2030`` (default), ``expected`` or a target id (see :class:`ModelObjective`).
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
                        n_threads)
    plan_levels = base_levels(base)
    plan_budget = float(plan_levels.sum())
    blist = _budget_list(budget, budgets, plan_budget)
    if target_probability is not None:
        if not fn.binary:
            raise InputError("argument", "--target-probability", "needs a probability "
                             "objective (all_2030 or a target id), not 'expected'")
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
    opt = Optimiser(fn, plan_levels / plan_budget, settings, seed)
    rows = opt.frontier(blist)
    reach = None
    if target_probability is not None:
        reach = opt.smallest_budget(rows, float(target_probability), top)
    frontier = frontier_table(rows)
    focus = _focus(frontier, plan_budget)
    best, best_targets = _best_tables(opt, frontier.loc[focus], rows, plan_levels, targets)
    elapsed = time.perf_counter() - t0
    p_plan = float(best.loc[best["allocation"] == "plan", "value"].iloc[0])
    meta = _meta(opt, profile, base, targets, objective, blist, plan_levels, reach,
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
                    **dict(zip(SHARE_COLS, map(float, levels / levels.sum()), strict=True)),
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
        trows.append({"target": t.id, "year": t.year, "winner": w[0], "winner_low": w[1],
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
        "objective_year": YEAR, "binary": s.binary,
        "tiebreak": "2030 targets met" if objective != "expected" else "every 2030 target met",
        "budgets": budgets, "plan_budget": float(plan_levels.sum()),
        "plan_shares": dict(zip(LEVERS, map(float, plan_levels / plan_levels.sum()),
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
    }


# --- text (the charts: stmarket.experiments.optimisation.plots) -------------------------------------

_LABELS = {"all_2030": f"P(every {YEAR} target met)",
           "expected": f"mean number of {YEAR} targets met"}


def objective_label(objective: str) -> str:
    return _LABELS.get(objective, f"P({objective} met)")


def _shares_text(row) -> str:
    return " ".join(f"{row[c]:5.2f}" for c in SHARE_COLS)


def format_summary(r: OptimiseResult) -> str:
    """The frontier, the winner against the base, and the smallest budget, as text."""
    m, s = r.meta, r.meta["settings"]
    se = m["search_se_at_plan"]
    lines = [
        f"objective: {objective_label(m['objective'])}; tie-breaker: {m['tiebreak']}",
        f"base: {m['base']} ({m['plan_budget']:g} bn VND/yr); search: {s['runs']} runs per "
        f"candidate (seed {m['seed']})" + (
            f", SE of a probability sqrt(p(1-p)/{s['runs']}): {se:.4f} at the base's p, "
            f"{0.5 / math.sqrt(s['runs']):.4f} at most" if se is not None else "")
        + f"; confirmation: {s['confirm_runs']} fresh runs (seed {m['confirm_seed']})",
        "",
        "budget  " + " ".join(f"{g[:5]:>5}" for g in LEVERS) + "   winner (95% CI)        "
        "base mix (95% CI)      difference (95% CI)     confirmed",
    ]
    for _, f in r.frontier.iterrows():
        lines.append(
            f"{f['budget']:6.2f}  {_shares_text(f)}   {f['value']:.3f} ({f['ci_low']:.3f}-"
            f"{f['ci_high']:.3f})  {f['reference_value']:.3f} ({f['reference_low']:.3f}-"
            f"{f['reference_high']:.3f})  {f['difference']:+.3f} ({f['diff_low']:+.3f} to "
            f"{f['diff_high']:+.3f})  {('yes, by ' + f['decided_by']) if f['confirmed'] else 'no'}"
            + ("" if f["stage"] == "frontier" else f"  [{f['stage']}]"))
    lines.append("")
    for _, b in r.best.iterrows():
        d = "" if b["allocation"] == "plan" else (
            f"; minus plan {b['difference']:+.3f} ({b['diff_low']:+.3f} to "
            f"{b['diff_high']:+.3f}), tie-breaker {b['tiebreak_difference']:+.3f} "
            f"({b['tiebreak_diff_low']:+.3f} to {b['tiebreak_diff_high']:+.3f})")
        if b["allocation"] == "winner":
            d += (f"; better than the base's shares by the {b['decided_by']}"
                  if b["confirmed"] else "; not better than the base's shares beyond noise")
        lines.append(f"{b['allocation']:>8} at {b['budget']:g} bn/yr: {_shares_text(b)}  "
                     f"{b['value']:.3f} ({b['ci_low']:.3f}-{b['ci_high']:.3f}), tie-breaker "
                     f"{b['tiebreak']:.3f}{d}")
    if r.reach is not None:
        x = r.reach
        if x["reached"]:
            lines.append(f"smallest budget for {x['target']:g}: {x['budget']:.3g} bn VND/yr "
                         f"({x['value']:.3f}, {x['ci_low']:.3f}-{x['ci_high']:.3f}; "
                         f"bracket {x['bracket_low']:.3g}-{x['bracket_high']:.3g})")
        else:
            lines.append(f"{x['target']:g} is not reached up to {x['max_budget']:g} bn VND/yr;"
                         f" the highest is {x['best_value']:.3f} ({x['best_ci_low']:.3f}-"
                         f"{x['best_ci_high']:.3f}) at {x['best_budget']:g} bn VND/yr")
    lines.append(f"{m['runs_evaluated']:,} runs in {m['seconds']:.1f} s "
                 f"({m['runs_per_second']:.0f} runs/s, {m['workers']} threads)")
    return "\n".join(lines)
