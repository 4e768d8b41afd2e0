"""Which targets a scenario discovery explains, and how its outcomes are named.

By default each target of the plan's final year met in 5-95 % of runs (:data:`BAND`) is
analysed on its own; ``--target ID`` (repeatable) names targets for one analysis of the
runs that miss any of them (:mod:`stmarket.experiments.discovery.prim`). The ids are
those of the targets file in use (the profile's, or ``--targets``), checked with one line
naming the file and the ids it allows; an outcome is named by its targets' labels from
that file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from stmarket.model.errors import InputError
from stmarket.model.targets import TargetSet

#: Default targets: those the scenario meets with a probability in this band.
BAND = (0.05, 0.95)


def choose_targets(targets: TargetSet, met: np.ndarray, named: Sequence[str] | None = None,
                   band: tuple[float, float] = BAND) -> pd.DataFrame:
    """Which targets are analysed, and why.

    Without ``named``: the targets of the plan's final year that are met in a share of
    runs within ``band`` (inclusive). With ``named``: those.

    Parameters
    ----------
    targets : TargetSet
    met : ndarray of bool, [runs, n_targets]
        Whether each run meets each target.
    named : sequence of str, optional
    band : (float, float)

    Returns
    -------
    DataFrame
        ``target, label, year, probability, analysed, reason``, one row per target
        (``label``: the target's label in its targets file).
    """
    year = targets.final_year
    lo, hi = band
    rows = []
    for k, t in enumerate(targets.targets):
        p = float(met[:, k].mean())
        if named is not None:
            ok, why = t.id in named, "named" if t.id in named else "not named"
        elif t.year != year:
            ok, why = False, f"not a {year} target"
        elif p > hi:
            ok, why = False, f"met in more than {hi:.0%} of runs: too few misses to explain"
        elif p < lo:
            ok, why = False, f"met in fewer than {lo:.0%} of runs: missed almost everywhere"
        else:
            ok, why = True, f"met in {lo:.0%}-{hi:.0%} of runs"
        rows.append((t.id, t.label("en"), t.year, p, ok, why))
    return pd.DataFrame(rows, columns=["target", "label", "year", "probability", "analysed",
                                       "reason"])


def target_groups(targets: Sequence[str] | str | None, ts: TargetSet) -> list[str] | None:
    """The target ids named for one analysis (``--target``), each once, or None.

    Raises
    ------
    InputError
        ``--target``: no id, or an id that is not in the targets file ``ts`` (the line
        names the file and the ids it allows).
    """
    if targets is None:
        return None
    if isinstance(targets, str):
        targets = [targets]
    named = list(dict.fromkeys(targets))
    if not named:
        raise InputError("argument", "--target", "name at least one target")
    where = ts.path.name if ts.path is not None else ts.id
    for t in named:
        if t not in ts.ids:
            hint = (" (--targets names a targets file, --target a target in it)"
                    if t.startswith("targets_") else "")
            raise InputError("argument", "--target",
                             f"unknown target {t!r} in {where}{hint}; one of "
                             f"{', '.join(ts.ids)}")
    return named


def outcome_label(ts: TargetSet, group: Sequence[str]) -> str:
    """How an analysis of the runs that miss any of ``group`` is named: the target's
    label (from its targets file), or ``any of <label>, <label>``."""
    labels = [ts.get(t).label("en") for t in group]
    return labels[0] if len(labels) == 1 else "any of " + ", ".join(labels)
