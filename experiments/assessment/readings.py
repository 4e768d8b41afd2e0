"""The headline that does not hinge on one reading: targets met per run, and every
defensible reading of the interpreted targets scored on the same runs.

A target the plan does not fix (``interpretation = true`` in the targets file) can be read
in more than one defensible way. The targets file declares the readings as data, in a
top-level ``[[readings]]`` array::

    [[readings]]
    target = "digitised_2030"      # the target it reads
    reading = "share_50"           # its id, unique within the target
    label = "At least half digitised"
    label_vi = "Ít nhất một nửa được số hóa"
    threshold = 0.5                # overrides of the target's definition:
    # indicator, kind ("level", "cagr" or "change"), op, base_year

``kind = "change"`` is a process reading: the indicator in ``year`` minus the indicator in
``base_year``, compared with the threshold (``op = ">"``, ``threshold = 0``: it rose).

Every target has at least one reading: the one it is scored by (a declared reading whose
definition equals the target's, or the implicit ``as_scored``). The scored readings give
exactly the probabilities of ``targets.csv``.

>>> from stmarket.experiments.assessment.readings import reading_table, met_count_table
>>> reading_table(a.result)      # doctest: +SKIP
>>> met_count_table(a.result)    # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.stats import wilson
from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.indicators import INDICATORS
from stmarket.model.targets import OPS, Target, TargetSet

ALL = "all_targets"
AS_SCORED = "as_scored"
KINDS = ("level", "cagr", "change")
#: A target (or reading) whose probability without any programme is at least this is
#: "met without the plan": the IPCC scale's "likely" (likelihood.py). A target likely met
#: with no programme at all cannot show whether the plan works.
WITHOUT_PLAN_AT = 0.66
READING_COLUMNS = ("scenario", "target", "reading", "threshold", "probability", "ci_low",
                   "ci_high", "met_without_plan")
MET_COUNT_COLUMNS = ("scenario", "targets_met", "probability")
_KEYS = {"target", "reading", "label", "label_vi", "indicator", "kind", "op", "threshold",
         "base_year"}


@dataclass(frozen=True)
class Reading:
    """One way of reading a target: the target's definition with some overrides.

    Attributes
    ----------
    target, id : str
        The target it reads and its own id.
    label, label_vi : str
        Plain words for it, English and Vietnamese.
    indicator, kind, op, threshold, year, base_year
        As in :class:`~stmarket.model.targets.Target` (``kind`` may also be
        ``"change"``).
    scored : bool
        Whether it is the reading the target is scored by.
    """

    target: str
    id: str
    label: str
    label_vi: str
    indicator: str
    kind: str
    op: str
    threshold: float
    year: int
    base_year: int | None
    scored: bool = False

    def met(self, ind: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
        """Whether each run meets the target under this reading (bool[n_runs])."""
        if self.kind == "change":
            s = ind[self.indicator]
            x = s[..., int(self.year - years[0])] - s[..., int(self.base_year - years[0])]
        else:
            x = self._as_target().measure(ind, years)
        return x > self.threshold if self.op == ">" else x >= self.threshold

    def _as_target(self) -> Target:
        return Target(self.target, self.indicator, self.kind, self.year, self.op,
                      self.threshold, self.base_year)


def _same(r: Reading, t: Target) -> bool:
    return (r.indicator, r.kind, r.op, r.year, r.base_year) == (
        t.indicator, t.kind, t.op, t.year, t.base_year) and abs(r.threshold - t.threshold) < 1e-12


def parse_readings(items, targets: TargetSet, source="targets") -> list[Reading]:
    """Validate a ``[[readings]]`` array against its targets.

    Parameters
    ----------
    items : list of dict
        The array as read from TOML (``None`` or empty: no declared readings).
    targets : TargetSet
    source : str or Path
        Named in error messages.

    Returns
    -------
    list of Reading
        For every target in order: its declared readings (the scored one marked), or the
        implicit ``as_scored`` reading first when none equals the target's definition.

    Raises
    ------
    InputError
        One line naming the file, the key and what is allowed.
    """
    by_id = {t.id: t for t in targets.targets}
    declared: dict[str, list[Reading]] = {t.id: [] for t in targets.targets}
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InputError(source, "readings", "must be an array of tables ([[readings]])")
    for k, r in enumerate(items):
        where = f"readings[{k}]"
        check_keys(source, where, r, _KEYS, {"target", "reading", "label"})
        tid = get_str(source, f"{where}.target", r["target"], tuple(by_id))
        t = by_id[tid]
        rid = get_str(source, f"{where}.reading", r["reading"])
        if not rid.isidentifier() or rid == AS_SCORED:
            raise InputError(source, f"{where}.reading", f"must be an identifier (letters, "
                             f"digits, _) other than {AS_SCORED!r}, got {rid!r}")
        if any(x.id == rid for x in declared[tid]):
            raise InputError(source, f"{where}.reading", f"duplicate reading {rid!r} of {tid}")
        kind = get_str(source, f"{where}.kind", r.get("kind", t.kind), KINDS)
        base = t.base_year
        if "base_year" in r:
            base = int(get_number(source, f"{where}.base_year", r["base_year"], 1990,
                                  t.year - 1, True))
        if kind != "level" and base is None:
            raise InputError(source, f"{where}.base_year", f"a {kind} reading needs base_year")
        declared[tid].append(Reading(
            target=tid, id=rid, label=get_str(source, f"{where}.label", r["label"]),
            label_vi=get_str(source, f"{where}.label_vi", r.get("label_vi", r["label"])),
            indicator=get_str(source, f"{where}.indicator", r.get("indicator", t.indicator),
                              INDICATORS),
            kind=kind, op=get_str(source, f"{where}.op", r.get("op", t.op), OPS),
            threshold=get_number(source, f"{where}.threshold",
                                 r.get("threshold", t.threshold), -10.0, 1e9),
            year=t.year, base_year=base if kind != "level" else None))
    out: list[Reading] = []
    for t in targets.targets:
        rs = [replace(x, scored=_same(x, t)) for x in declared[t.id]]
        if not any(x.scored for x in rs):
            rs.insert(0, Reading(t.id, AS_SCORED, "as scored", "như cách tính", t.indicator,
                                 t.kind, t.op, t.threshold, t.year, t.base_year, True))
        out.extend(rs)
    return out


def load_readings(targets: TargetSet) -> list[Reading]:
    """The readings of a target set, from the ``[[readings]]`` array of its file (only the
    scored readings when the set has no file or the file declares none)."""
    data = read_toml(targets.path) if targets.path is not None else {}
    items = data.get("readings")
    if isinstance(items, list):  # a set without some of its file's targets (a run from a
        # later year leaves out those that are history): their readings are not scored
        left_out = {t.get("id") for t in data.get("targets", []) if isinstance(t, dict)}
        left_out -= set(targets.ids)
        items = [r for r in items if not (isinstance(r, dict) and r.get("target") in left_out)]
    return parse_readings(items, targets, targets.path or "targets")


def by_target(readings: list[Reading]) -> dict[str, list[Reading]]:
    """Readings grouped by target, in order."""
    out: dict[str, list[Reading]] = {}
    for r in readings:
        out.setdefault(r.target, []).append(r)
    return out


def no_programme_scenario(result) -> str | None:
    """The first scenario of a result with no budget at all (the no-programme baseline),
    or None."""
    years = result.profile.years
    for s in result.scenarios:
        if s.id in result.met and float(np.abs(s.budgets(years)).sum()) == 0.0:
            return s.id
    return None


def _prob(result, m: np.ndarray) -> tuple[float, float, float]:
    n = m.shape[0]
    de = result.deff(m)
    p, lo, hi = wilson(m.sum() / de, n / de)
    return float(p), float(lo), float(hi)


def verdicts(result, scenario: str, readings: list[Reading]) -> dict[tuple[str, str], np.ndarray]:
    """Whether each run of a scenario meets each reading: ``{(target, reading): bool[n]}``."""
    ind = result.indicators(scenario)
    return {(r.target, r.id): r.met(ind, result.profile.years) for r in readings}


def combinations(readings: list[Reading], mean_p: dict[tuple[str, str], float]
                 ) -> dict[str, dict[str, str | None]]:
    """The combinations of readings under which P(all targets) is reported.

    ``as_scored``; ``strictest`` and ``most_lenient`` (each target's reading with the
    lowest, highest mean probability over the scenarios: one combination for every
    scenario); for each target read more than one way, each other reading swapped in
    (``<target>=<reading>``) and the target dropped (``without_<target>``); and every such
    target dropped (``without_interpretations``).

    Returns
    -------
    dict
        Combination id to ``{target: reading id, or None for dropped}``.
    """
    groups = by_target(readings)
    scored = {t: next(r.id for r in rs if r.scored) for t, rs in groups.items()}
    multi = [t for t, rs in groups.items() if len(rs) > 1]
    out: dict[str, dict[str, str | None]] = {"as_scored": dict(scored)}
    out["strictest"] = {t: min(rs, key=lambda r: mean_p[(t, r.id)]).id
                        for t, rs in groups.items()}
    out["most_lenient"] = {t: max(rs, key=lambda r: mean_p[(t, r.id)]).id
                           for t, rs in groups.items()}
    for t in multi:
        for r in groups[t]:
            if not r.scored:
                out[f"{t}={r.id}"] = {**scored, t: r.id}
        out[f"without_{t}"] = {**scored, t: None}
    if multi:
        out["without_interpretations"] = {**scored, **{t: None for t in multi}}
    return out


def reading_table(result, readings: list[Reading] | None = None,
                  without_plan_at: float = WITHOUT_PLAN_AT) -> pd.DataFrame:
    """Every reading of every target scored on the same runs, and P(all targets) under
    each combination of readings (:func:`combinations`).

    Parameters
    ----------
    result : MonteCarloResult
    readings : list of Reading, optional
        :func:`load_readings` of the result's targets by default.
    without_plan_at : float
        A reading whose probability in the no-programme scenario is at least this is
        flagged ``met_without_plan``: it does not test the plan.

    Returns
    -------
    DataFrame
        ``scenario,target,reading,threshold,probability,ci_low,ci_high,met_without_plan``.
        Rows with ``target == "all_targets"`` give P(all) under the combination named in
        ``reading`` (threshold NaN). ``met_without_plan`` is empty (NA) when no scenario
        has a zero budget.
    """
    readings = load_readings(result.targets) if readings is None else readings
    scen = [s for s in result.met]
    ver = {sc: verdicts(result, sc, readings) for sc in scen}
    probs = {sc: {k: _prob(result, m) for k, m in v.items()} for sc, v in ver.items()}
    base = no_programme_scenario(result)
    mean_p = {k: float(np.mean([probs[sc][k][0] for sc in scen])) for k in ver[scen[0]]}
    combos = combinations(readings, mean_p)
    rows = []
    for sc in scen:
        for r in readings:
            p, lo, hi = probs[sc][(r.target, r.id)]
            flag = (pd.NA if base is None else
                    bool(probs[base][(r.target, r.id)][0] >= without_plan_at))
            rows.append((sc, r.target, r.id, r.threshold, p, lo, hi, flag))
        for cid, choice in combos.items():
            keep = [(t, rid) for t, rid in choice.items() if rid is not None]
            all_met = (np.logical_and.reduce([ver[sc][k] for k in keep]) if keep
                       else np.ones(result.n_runs, dtype=bool))
            p, lo, hi = _prob(result, all_met)
            flag = pd.NA
            if base is not None:
                b = np.logical_and.reduce([ver[base][k] for k in keep]) if keep else all_met
                flag = bool(b.mean() >= without_plan_at)
            rows.append((sc, ALL, cid, math.nan, p, lo, hi, flag))
    out = pd.DataFrame(rows, columns=list(READING_COLUMNS))
    out["met_without_plan"] = out["met_without_plan"].astype("boolean")
    return out


def met_count_table(result) -> pd.DataFrame:
    """The distribution of the number of targets met per run, by scenario:
    ``scenario,targets_met,probability`` for 0 to the number of targets (each scenario's
    probabilities sum to 1)."""
    rows = []
    for sc, met in result.met.items():
        k = met.sum(axis=1)
        counts = np.bincount(k, minlength=met.shape[1] + 1)
        rows += [(sc, j, float(c / k.size)) for j, c in enumerate(counts)]
    return pd.DataFrame(rows, columns=list(MET_COUNT_COLUMNS))


def met_count_mean(result) -> pd.DataFrame:
    """Mean number of targets met per run, with a 95 % interval (normal, over the runs,
    with the design effect of seed replicates), beside P(all):
    ``scenario,targets,mean,ci_low,ci_high,p_all``."""
    rows = []
    for sc, met in result.met.items():
        m, lo, hi = result.targets_met(sc)
        rows.append((sc, met.shape[1], m, lo, hi, float(met.all(axis=1).mean())))
    return pd.DataFrame(rows, columns=["scenario", "targets", "mean", "ci_low", "ci_high",
                                       "p_all"])


__all__ = ["AS_SCORED", "READING_COLUMNS", "MET_COUNT_COLUMNS", "Reading",
           "combinations", "load_readings", "met_count_mean", "met_count_table",
           "no_programme_scenario", "parse_readings", "reading_table", "verdicts"]
