"""The search for the best allocation at a budget, over any noisy evaluator.

The optimiser maximises a noisy objective estimated from Monte Carlo runs (by default
the probability that every 2030 target is met, with the mean number of 2030 targets met
as tie-breaker) over the allocations of :mod:`.allocations`. It takes any
:data:`Evaluator`, a callable ``f(levels[k, 6], seed, start, stop) -> Evaluation``
giving per-run values for runs ``start .. stop - 1``: the model
(:class:`stmarket.experiments.optimisation.objective.ModelObjective`) or a synthetic
objective with a known optimum (the tests).

How the noise is handled
------------------------
* **Common random numbers.** Every candidate is evaluated on the same runs (the same
  parameter samples and random keys,
  :func:`stmarket.experiments.assessment.montecarlo.design_runs`), so differences
  between candidates are paired.
* **Racing.** Candidates are raced by successive halving: all on ``runs / 4`` runs, the
  better half on ``runs / 2``, the better half of those on ``runs``. Runs form a prefix
  of one sequence, so a survivor's runs are extended, not redrawn.
* **Ranking and acceptance.** Races rank by mean objective, exact ties by the
  tie-breaker (:func:`.noise.rank`). An incumbent is replaced only if the challenger is
  better beyond noise (:func:`.noise.compare`): its paired objective difference is
  positive beyond ``z`` standard errors, or the objective is tied within noise, not
  lower on these runs, and the tie-breaker's difference is positive beyond noise; so the
  tie-breaker never trades the objective away. Under the plan the probability of every
  2030 target is about 0.002, so the objective is nearly flat at small budgets: ranking
  races with a band of ties (``race_z`` 1.96) let the tie-breaker (which favours the
  intermediary target) push the search towards mixes with a lower objective; by mean
  objective with twice as many held-out runs, the search at 3 bn VND/yr found mixes
  with about 5 times the plan's probability (0.008-0.011 against 0.002 on 4,000 fresh
  runs, three seeds).
* **Search.** The incumbent starts as the base scenario's shares; a challenger replaces
  it only if it beats it beyond noise on **held-out** runs ``[runs, 3 runs)`` of the
  same sequence, not the runs it was selected on (so the race's winner's curse does not
  decide). Challengers: the winner of a raced space-filling screen (the base's shares,
  warm starts, the even split and scrambled-Sobol points mapped to the simplex), then,
  round after round, the winner of a race of the moves of ``step`` of the budget between
  each ordered pair of task groups (30 moves); on a rejection the step halves.
* **Confirmation.** The winner and a reference (the base's shares at the same budget)
  are evaluated on ``confirm_runs`` runs of a fresh seed (new parameter samples and
  keys); the winner is confirmed only if its paired difference is positive beyond noise
  (Newcombe's interval for probabilities), or the objective's difference is not negative
  and the tie-breaker's is positive beyond noise. Reported values come from these fresh
  runs, so they are not inflated by the selection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.stats import Z95
from stmarket.experiments.optimisation.allocations import (
    clean_shares,
    moves,
    share_cols,
    simplex_points,
)
from stmarket.experiments.optimisation.noise import compare, interval, paired, rank

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


#: ``f(levels[k, n_instruments], seed, start, stop) -> Evaluation``: a pure function of its inputs;
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
        Band of ties in the races' ranking (:func:`.noise.rank`); 0: by mean objective, exact
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


class _Bank:
    """Evaluations by (seed, levels), extended on demand: runs ``0 .. n - 1``."""

    def __init__(self, evaluator: Evaluator, cols: list[str]) -> None:
        self.f = evaluator
        self.cols = cols
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
        cols = ["budget", *self.cols, "phase", "seed", "objective", "tiebreak", "runs"]
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
    reference : float64[n_instruments]
        The reference shares (the base scenario's): always in the screen, and what a
        winner must beat in the confirmation.
    settings : Settings
    seed : int
        Seed of the search runs; the confirmation uses :func:`confirm_seed` of it.
    instruments : sequence of str, optional
        The instruments' ids, naming the share columns of the tables (``x1``, ``x2``,
        ... by default).
    """

    def __init__(self, evaluator: Evaluator, reference: np.ndarray,
                 settings: Settings = Settings(), seed: int = 1,
                 instruments: Sequence[str] | None = None) -> None:
        self.reference = clean_shares(reference)
        self.instruments = tuple(instruments) if instruments is not None else \
            tuple(f"x{g + 1}" for g in range(self.reference.size))
        if len(self.instruments) != self.reference.size:
            raise ValueError("one instrument name per share of the reference")
        self.share_cols = share_cols(self.instruments)
        self.bank = _Bank(evaluator, self.share_cols)
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
        fixed = clean_shares(np.array(fixed))
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
                **dict(zip(self.share_cols, map(float, r.shares), strict=True)),
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
