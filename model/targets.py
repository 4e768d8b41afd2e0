"""The plan's targets as data, and their scoring per run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.indicators import INDICATORS

KINDS = ("cagr", "level")
OPS = (">", ">=")


@dataclass(frozen=True)
class Target:
    """One target: ``indicator`` (or its growth from ``base_year``) in ``year``
    compared with ``threshold`` by ``op``."""

    id: str
    indicator: str
    kind: str
    year: int
    op: str
    threshold: float
    base_year: int | None = None
    definition: str = ""
    text_vi: str = ""
    interpretation: bool = False

    def measure(self, ind: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
        """The measured quantity for each run (growth rate or level)."""
        if self.indicator not in ind:
            raise InputError("targets", self.id, f"unknown indicator {self.indicator!r}")
        series = ind[self.indicator]
        j = int(self.year - years[0])
        if self.kind == "level":
            return series[..., j]
        b = int(self.base_year - years[0])
        base = series[..., b]
        last = series[..., j]
        ratio = np.zeros_like(last, dtype=float)
        np.divide(last, base, out=ratio, where=base > 0)
        growth = ratio ** (1.0 / (self.year - self.base_year)) - 1.0
        # no base-year market: growth is undefined and the target is not met
        return np.where(base > 0, growth, -np.inf)

    def met(self, measure: np.ndarray) -> np.ndarray:
        if self.op == ">":
            return measure > self.threshold
        return measure >= self.threshold


@dataclass
class TargetSet:
    """The targets of one plan."""

    id: str
    name: str
    name_vi: str
    targets: list[Target]
    path: Path | None = None

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.targets]

    def with_threshold(self, target_id: str, threshold: float) -> TargetSet:
        """A copy with one target's threshold changed (e.g. 0.10 for the Khánh Hòa
        reading of the research-origin share)."""
        if target_id not in self.ids:
            raise InputError("argument", target_id, f"unknown target; one of {', '.join(self.ids)}")
        new = [Target(**{**t.__dict__, "threshold": threshold}) if t.id == target_id else t
               for t in self.targets]
        return TargetSet(self.id, self.name, self.name_vi, new, self.path)

    def score(self, ind: dict[str, np.ndarray], years: np.ndarray):
        """Measures and verdicts of every target.

        Returns
        -------
        measures, met : float64[..., n_targets], bool[..., n_targets]
        """
        measures = np.stack([t.measure(ind, years) for t in self.targets], axis=-1)
        met = np.stack([t.met(measures[..., k]) for k, t in enumerate(self.targets)], axis=-1)
        return measures, met


def load_targets(name: str | Path = "targets_2257", years: np.ndarray | None = None) -> TargetSet:
    """Read and validate a targets file (bundled name or path)."""
    from stmarket.model.profile import resolve

    path = resolve(name, "targets")
    data = read_toml(path)
    # [[readings]]: alternative readings of interpreted targets, parsed by
    # experiments/assessment/readings.py
    check_keys(path, "", data, {"plan", "targets", "readings"}, {"plan", "targets"})
    plan = data["plan"]
    check_keys(path, "plan", plan, {"id", "name", "name_vi"}, {"id", "name"})
    items = data["targets"]
    if not isinstance(items, list) or not items:
        raise InputError(path, "targets", "must be a non-empty array of tables")
    out: list[Target] = []
    seen: set[str] = set()
    for k, t in enumerate(items):
        where = f"targets[{k}]"
        check_keys(path, where, t, {"id", "indicator", "kind", "year", "op", "threshold",
                                    "base_year", "definition", "text_vi", "interpretation"},
                   {"id", "indicator", "kind", "year", "op", "threshold"})
        tid = get_str(path, f"{where}.id", t["id"])
        if tid in seen:
            raise InputError(path, f"{where}.id", f"duplicate target id {tid!r}")
        seen.add(tid)
        kind = get_str(path, f"{where}.kind", t["kind"], KINDS)
        year = int(get_number(path, f"{where}.year", t["year"], 1990, 2100, True))
        base = None
        if kind == "cagr":
            if "base_year" not in t:
                raise InputError(path, f"{where}.base_year", "a cagr target needs base_year")
            base = int(get_number(path, f"{where}.base_year", t["base_year"], 1990, year - 1,
                                  True))
        if years is not None:
            for key, y in (("year", year), ("base_year", base)):
                if y is not None and not years[0] <= y <= years[-1]:
                    raise InputError(path, f"{where}.{key}",
                                     f"must be within the simulated years {years[0]}-{years[-1]}")
        interp = t.get("interpretation", False)
        if not isinstance(interp, bool):
            raise InputError(path, f"{where}.interpretation", "must be true or false")
        out.append(Target(
            id=tid, indicator=get_str(path, f"{where}.indicator", t["indicator"], INDICATORS),
            kind=kind,
            year=year, op=get_str(path, f"{where}.op", t["op"], OPS),
            threshold=get_number(path, f"{where}.threshold", t["threshold"], -10.0, 1e9),
            base_year=base, definition=get_str(path, f"{where}.definition",
                                               t.get("definition", "")),
            text_vi=get_str(path, f"{where}.text_vi", t.get("text_vi", "")),
            interpretation=interp))
    return TargetSet(get_str(path, "plan.id", plan["id"]), get_str(path, "plan.name", plan["name"]),
                     get_str(path, "plan.name_vi", plan.get("name_vi", plan["name"])), out, path)
