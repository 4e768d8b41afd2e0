"""The result of an optimisation: its tables, and a plain-text account of them.

:class:`OptimiseResult` holds what :func:`stmarket.experiments.optimisation.search.optimise`
found (the candidates evaluated, the frontier, the winner against the base, the smallest
budget reaching a probability, the manifest's content); :func:`format_summary` tells it
for the terminal. Charts and the output folder read it from :mod:`.plots` and
:mod:`.write`; this module imports neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from stmarket.experiments.optimisation.allocations import share_cols
from stmarket.experiments.optimisation.objective import objective_label


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

    Its charts are :func:`stmarket.experiments.optimisation.plots.optimisation_figures`,
    its output folder :func:`stmarket.experiments.optimisation.write.write_optimisation`.
    """

    candidates: pd.DataFrame
    frontier: pd.DataFrame
    best: pd.DataFrame
    best_targets: pd.DataFrame | None
    reach: dict | None
    meta: dict

    def summary(self) -> str:
        """A short plain-text account for the terminal."""
        return format_summary(self)


def _shares_text(row, cols: list[str]) -> str:
    return " ".join(f"{row[c]:5.2f}" for c in cols)


def instruments_of(meta: dict) -> list[str]:
    """The instruments whose shares the tables hold (the base's plan's)."""
    return list(meta.get("instruments") or meta["plan_shares"])


def _labels(meta: dict) -> dict[str, str]:
    """Target id -> label, from the targets file the optimisation scored."""
    return (meta.get("targets") or {}).get("labels") or {}


def format_summary(r: OptimiseResult) -> str:
    """The frontier, the winner against the base, and the smallest budget, as text."""
    m, s = r.meta, r.meta["settings"]
    se = m["search_se_at_plan"]
    ids = instruments_of(r.meta)
    cols = share_cols(ids)
    lines = [
        f"objective: {objective_label(m['objective'], m.get('objective_year'), _labels(m))}; "
        f"tie-breaker: {m['tiebreak']}",
        f"base: {m['base']} ({m['plan_budget']:g} bn VND/yr); search: {s['runs']} runs per "
        f"candidate (seed {m['seed']})" + (
            f", SE of a probability sqrt(p(1-p)/{s['runs']}): {se:.4f} at the base's p, "
            f"{0.5 / math.sqrt(s['runs']):.4f} at most" if se is not None else "")
        + f"; confirmation: {s['confirm_runs']} fresh runs (seed {m['confirm_seed']})",
        "",
        "budget  " + " ".join(f"{g[:5]:>5}" for g in ids) + "   winner (95% CI)        "
        "base mix (95% CI)      difference (95% CI)     confirmed",
    ]
    for _, f in r.frontier.iterrows():
        lines.append(
            f"{f['budget']:6.2f}  {_shares_text(f, cols)}   {f['value']:.3f} ({f['ci_low']:.3f}-"
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
        lines.append(f"{b['allocation']:>8} at {b['budget']:g} bn/yr: {_shares_text(b, cols)}  "
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
