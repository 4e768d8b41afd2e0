"""Allocations of a yearly budget across the instruments of the base scenario's plan
(Decision 2257's six task groups by default).

An allocation is a point ``s`` of the simplex (one non-negative share per instrument,
summing to 1); with a yearly budget ``B`` (bn VND a year) instrument ``g`` keeps the base
scenario's
schedule (start year, ramp, end year) with ``level = s[g] * B``. This module holds the
points the search tries (a space-filling screen of the simplex, moves of budget between
pairs of groups) and the base scenario's schedule and levels.
"""

from __future__ import annotations

import math

import numpy as np

from stmarket.model.errors import InputError
from stmarket.model.scenario import Scenario

_SIMPLEX_TAG = 0x0F7151  # the screen's Sobol points


def share_cols(instruments) -> list[str]:
    """The columns of the instruments' shares in every table of the optimiser."""
    return [f"{g}_share" for g in instruments]


def simplex_points(n: int, seed: int, d: int) -> np.ndarray:
    """``n`` space-filling points of the simplex in ``d`` dimensions: scrambled Sobol
    points of the (d - 1)-cube mapped by spacings of their sorted coordinates (a map that
    takes the uniform distribution on the cube to the uniform one on the simplex)."""
    from scipy.stats import qmc

    if n <= 0:
        return np.empty((0, d))
    sob = qmc.Sobol(d - 1, scramble=True, rng=np.random.default_rng([_SIMPLEX_TAG, seed]))
    u = np.sort(sob.random_base2(max(1, math.ceil(math.log2(n))))[:n], axis=1)
    return np.diff(np.hstack([np.zeros((n, 1)), u, np.ones((n, 1))]), axis=1)


def clean_shares(shares: np.ndarray) -> np.ndarray:
    """Shares rounded to 12 decimals, clipped at 0 and renormalised to sum to 1 (along
    the last axis), so that the same allocation always has the same key."""
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
    return clean_shares(np.array(out)) if out else np.empty((0, shares.size))


def unit_schedule(base: Scenario, years: np.ndarray) -> np.ndarray:
    """float64[n_instruments, n_years]: each instrument's yearly budget at ``level = 1``
    with the base scenario's start year, ramp and end year (an instrument the base leaves
    out takes the first listed one's schedule). Budgets are then
    ``levels[:, None] * unit``, and the plan maps them onto the mechanisms."""
    ids = base.plan.ids
    present = [g for g in ids if base.levers.get(g)]
    if not present:
        raise InputError(base.path or base.id, "levers", "the base scenario funds no task "
                                                         "group: no schedule to allocate")
    levers = {}
    for g in ids:
        sched = dict(base.levers.get(g) or base.levers[present[0]])
        if "by_year" in sched:
            raise InputError(base.path or base.id, f"levers.{g}.by_year", "an allocation "
                             "sets each group's level; a base with explicit yearly budgets "
                             "cannot be reallocated")
        levers[g] = {**sched, "level": 1.0}
    return Scenario(base.id, base.name, levers=levers, plan=base.plan
                    ).instrument_budgets(years)


def base_levels(base: Scenario) -> np.ndarray:
    """float64[n_instruments]: the base scenario's level of each instrument (bn VND a
    year)."""
    lv = np.array([float(base.levers.get(g, {}).get("level", 0.0)) for g in base.plan.ids])
    if lv.sum() <= 0:
        raise InputError(base.path or base.id, "levers", "the base scenario has no budget: "
                                                         "its allocation is undefined")
    return lv
