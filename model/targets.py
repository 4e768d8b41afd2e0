"""The plan's targets as data, and their scoring per run.

A target compares a *measure* of one indicator with a pass mark. The measure is given by
``kind``:

- ``level``: the indicator's value in ``year``;
- ``by_year``: reached in any year from ``from_year`` (default: the first simulated
  year) up to ``year``; the measure is the best value in that window (the highest for
  "at least", the lowest for "at most", for a range the first value inside it, else the
  nearest);
- ``cagr``: compound annual growth from ``base_year`` to ``year``,
  ``(v[year] / v[base_year]) ** (1 / (year - base_year)) - 1``;
- ``mean_growth``: the mean of the yearly growth rates ``v[t] / v[t-1] - 1`` for
  ``t`` in ``base_year + 1 .. year``;
- ``sum`` and ``mean``: the total or the mean of the yearly values over
  ``from_year .. year`` (both included);
- ``years``: the number of years in ``from_year .. year`` in which the indicator meets
  ``condition`` (a table with its own ``op`` and ``threshold`` or ``low``/``high``).

The pass mark is ``op`` with ``threshold``: ``>=`` (at least), ``>`` (above), ``<=`` (at
most), ``<`` (below), or ``op = "between"`` with ``low`` and ``high`` and ``inclusive``
(``"both"``, the default: a plan's "5-10 %" includes its ends; ``"neither"``, ``"low"``
or ``"high"``: which ends count as inside).

A measure that is undefined (growth from a year without a market) is NaN, and a NaN
measure meets no target, whatever its ``op``.

Thresholds are checked at load against the range of the measure
(:func:`stmarket.model.indicators.indicator_range`): a pass mark that every possible
value meets, or none does, is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.indicators import GROWTH_RANGE, INDICATORS, indicator_range

KINDS = ("level", "by_year", "cagr", "mean_growth", "sum", "mean", "years")
OPS = (">", ">=", "<", "<=", "between")
INCLUSIVE = ("both", "neither", "low", "high")
STATUSES = ("firm", "estimate")
GROWTH_KINDS = ("cagr", "mean_growth")
PERIOD_KINDS = ("by_year", "sum", "mean", "years")
_KEYS = {"id", "indicator", "kind", "year", "op", "threshold", "low", "high", "inclusive",
         "base_year", "from_year", "condition", "label", "label_vi", "definition",
         "definition_vi", "text_vi", "interpretation", "source", "status"}


def compare(x: np.ndarray, op: str, threshold: float, high: float | None = None,
            inclusive: str = "both") -> np.ndarray:
    """Whether each value meets ``op threshold`` (or lies in the range for ``between``).

    NaN meets nothing.
    """
    x = np.asarray(x, dtype=float)
    if op == ">":
        return x > threshold
    if op == ">=":
        return x >= threshold
    if op == "<":
        return x < threshold
    if op == "<=":
        return x <= threshold
    lo_in = inclusive in ("both", "low")
    hi_in = inclusive in ("both", "high")
    above = x >= threshold if lo_in else x > threshold
    below = x <= high if hi_in else x < high
    return above & below


@dataclass(frozen=True)
class Condition:
    """The yearly condition counted by a ``years`` target."""

    op: str
    threshold: float
    high: float | None = None
    inclusive: str = "both"

    def met(self, x: np.ndarray) -> np.ndarray:
        return compare(x, self.op, self.threshold, self.high, self.inclusive)


def default_label(target_id: str) -> str:
    """The label of a target without one: its id with spaces (``"Ip share 2030"``)."""
    text = target_id.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Target:
    """One target: a measure of ``indicator`` (see the module docstring for ``kind``)
    compared with ``threshold`` (or ``threshold``..``high`` for ``between``) by ``op``."""

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
    high: float | None = None
    inclusive: str = "both"
    from_year: int | None = None
    condition: Condition | None = None
    label_en: str = ""
    label_vi: str = ""
    definition_vi: str = ""
    source: str = ""
    status: str = ""

    def label(self, lang: str = "en") -> str:
        """Short label for tables and charts in ``lang`` (``"en"`` or ``"vi"``)."""
        if lang == "vi":
            return self.label_vi or self.label_en or default_label(self.id)
        return self.label_en or default_label(self.id)

    @property
    def first_year(self) -> int | None:
        """The first year of the period the target measures (None for one year)."""
        return self.base_year if self.kind in GROWTH_KINDS else self.from_year

    def _index(self, y: int, years: np.ndarray) -> int:
        j = int(y - years[0])
        if not 0 <= j < len(years):
            raise InputError("targets", self.id, f"year {y} is outside the simulated years "
                                                 f"{years[0]}-{years[-1]}")
        return j

    def measure(self, ind: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
        """The measured quantity for each run (NaN where it is undefined)."""
        if self.indicator not in ind:
            raise InputError("targets", self.id, f"unknown indicator {self.indicator!r}")
        s = np.asarray(ind[self.indicator], dtype=float)
        j = self._index(self.year, years)
        if self.kind == "level":
            return s[..., j]
        if self.kind in GROWTH_KINDS:
            b = self._index(self.base_year, years)
            if self.kind == "cagr":
                base, last = s[..., b], s[..., j]
                ratio = np.zeros_like(last)
                np.divide(last, base, out=ratio, where=base > 0)
                growth = ratio ** (1.0 / (self.year - self.base_year)) - 1.0
                # no base-year market: growth is undefined and the target is not met
                return np.where(base > 0, growth, np.nan)
            prev, nxt = s[..., b:j], s[..., b + 1:j + 1]
            rate = np.zeros_like(nxt)
            np.divide(nxt, prev, out=rate, where=prev > 0)
            return np.where((prev > 0).all(axis=-1), (rate - 1.0).mean(axis=-1), np.nan)
        a = self._index(years[0] if self.from_year is None else self.from_year, years)
        w = s[..., a:j + 1]
        if self.kind == "sum":
            return w.sum(axis=-1)
        if self.kind == "mean":
            return w.mean(axis=-1)
        if self.kind == "years":
            return self.condition.met(w).sum(axis=-1).astype(float)
        return self._best(w)

    def _best(self, w: np.ndarray) -> np.ndarray:
        """The value of a ``by_year`` window that decides it (see the module docstring)."""
        nan = np.isnan(w)
        if self.op in (">", ">="):
            best = np.where(nan, -np.inf, w).max(axis=-1)
        elif self.op in ("<", "<="):
            best = np.where(nan, np.inf, w).min(axis=-1)
        else:
            inside = self.met(w)
            gap = np.maximum(self.threshold - w, w - self.high)
            score = np.where(inside, -1.0, np.where(nan, np.inf, np.abs(gap)))
            k = score.argmin(axis=-1)[..., None]
            best = np.take_along_axis(w, k, axis=-1)[..., 0]
        return np.where(nan.all(axis=-1), np.nan, best)

    def met(self, measure: np.ndarray) -> np.ndarray:
        """Whether each measure passes (NaN never does)."""
        return compare(measure, self.op, self.threshold, self.high, self.inclusive)


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

    @property
    def final_year(self) -> int:
        """The last year any target is scored in (the plan's horizon)."""
        return max(t.year for t in self.targets)

    def get(self, target_id: str) -> Target:
        """The target ``target_id`` (an InputError naming the ids if there is none)."""
        for t in self.targets:
            if t.id == target_id:
                return t
        raise InputError("argument", target_id, f"unknown target; one of {', '.join(self.ids)}")

    def with_threshold(self, target_id: str, threshold: float,
                       high: float | None = None) -> TargetSet:
        """A copy with one target's pass mark changed (e.g. 0.10 for the Khánh Hòa
        reading of the research-origin share); ``high`` for a ``between`` target."""
        where = f"--target-threshold {target_id}"
        if target_id not in self.ids:
            raise InputError("argument", "--target-threshold", f"unknown target {target_id!r} "
                             f"in {self.path or self.id}; one of {', '.join(self.ids)}")
        old = self.get(target_id)
        if (old.op == "between") != (high is not None):
            need = "LOW,HIGH (a range)" if old.op == "between" else "one number"
            raise InputError("argument", where, f"the target's op is {old.op!r}: give {need}")
        new = replace(old, threshold=float(threshold),
                      high=None if high is None else float(high))
        lo, hi = _measure_range(new, None)
        _check_mark("argument", where, new.op, new.threshold, new.high, new.inclusive, lo, hi,
                    _what(new))
        return TargetSet(self.id, self.name, self.name_vi,
                         [new if t.id == target_id else t for t in self.targets], self.path)

    def with_thresholds(self, marks) -> TargetSet:
        """A copy with the pass marks ``marks`` changed: ``(id, threshold, high)`` triples
        (``high`` None except for ``between`` targets)."""
        out = self
        for tid, thr, high in marks:
            out = out.with_threshold(tid, thr, high)
        return out

    def research_origin_id(self) -> str:
        """The id of the research-origin target of the plan's final year (what
        ``--research-origin-threshold`` changes), or an InputError if there is not one."""
        ids = [t.id for t in self.targets
               if t.indicator.startswith("research_origin_share") and t.year == self.final_year]
        if len(ids) != 1:
            found = ", ".join(ids) or "none"
            raise InputError("argument", "--research-origin-threshold",
                             f"needs one research_origin_share target in {self.final_year} in "
                             f"{self.path or self.id} (found: {found}); use --target-threshold "
                             "ID=VALUE")
        return ids[0]

    def score(self, ind: dict[str, np.ndarray], years: np.ndarray):
        """Measures and verdicts of every target.

        Returns
        -------
        measures, met : float64[..., n_targets], bool[..., n_targets]
        """
        measures = np.stack([t.measure(ind, years) for t in self.targets], axis=-1)
        met = np.stack([t.met(measures[..., k]) for k, t in enumerate(self.targets)], axis=-1)
        return measures, met


# ---- checks ------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return "inf" if v == math.inf else ("-inf" if v == -math.inf else f"{v:g}")


def _what(t: Target) -> str:
    lo, hi = indicator_range(t.indicator)
    return f"{t.kind} of {t.indicator} (values in [{_fmt(lo)}, {_fmt(hi)}])"


def _measure_range(t: Target, n: int | None) -> tuple[float, float]:
    """The range of a target's measure (``n``: years in its window, if known)."""
    lo, hi = indicator_range(t.indicator)
    if t.kind in GROWTH_KINDS:
        return GROWTH_RANGE
    if t.kind in ("sum", "years"):
        n = n if n is not None else t.year - t.from_year + 1
        return (0.0, float(n)) if t.kind == "years" else (lo * n, hi * n)
    return lo, hi


def _check_mark(src, key: str, op: str, v: float, high: float | None, inclusive: str,
                lo: float, hi: float, what: str) -> None:
    """Refuse a pass mark that every value in [lo, hi] meets, or none does."""
    rng = f"[{_fmt(lo)}, {_fmt(hi)}]"
    if op != "between":
        allowed = {">=": (False, True), ">": (True, False), "<=": (True, False),
                   "<": (False, True)}[op]  # whether lo, hi themselves are allowed
        ok_lo = v >= lo if allowed[0] else v > lo
        ok_hi = v <= hi if allowed[1] else v < hi
        if ok_lo and ok_hi:
            return
        low_side = not ok_lo
        always = low_side == (op in (">", ">="))
        shown = f"{'[' if allowed[0] else '('}{_fmt(lo)}, {_fmt(hi)}{']' if allowed[1] else ')'}"
        raise InputError(src, key, f"must be in {shown} for op {op!r} on the {what}; got "
                                   f"{v:g}, which is {'always' if always else 'never'} met")
    lo_in, hi_in = inclusive in ("both", "low"), inclusive in ("both", "high")
    if v > high or (v == high and not (lo_in and hi_in)):
        raise InputError(src, key, f"low ({v:g}) must be below high ({high:g})")
    below_all = v < lo or (v == lo and lo_in)
    above_all = high > hi or (high == hi and hi_in)
    if below_all and above_all:
        raise InputError(src, key, f"the range {v:g}-{high:g} covers every value of the "
                                   f"{what}: always met")
    if high < lo or (high == lo and not hi_in) or v > hi or (v == hi and not lo_in):
        raise InputError(src, key, f"the range {v:g}-{high:g} lies outside the {what}, "
                                   f"{rng}: never met")


def _mark(path: Path, where: str, t: dict, op: str) -> tuple[float, float | None, str]:
    """``threshold`` (or ``low``), ``high`` and ``inclusive`` of a pass mark table."""
    if op == "between":
        for k in ("low", "high"):
            if k not in t:
                raise InputError(path, f"{where}.{k}", "a 'between' target needs low and high")
        if "threshold" in t:
            raise InputError(path, f"{where}.threshold", "a 'between' target takes low and "
                                                         "high, not threshold")
        inc = get_str(path, f"{where}.inclusive", t.get("inclusive", "both"), INCLUSIVE)
        return (get_number(path, f"{where}.low", t["low"]),
                get_number(path, f"{where}.high", t["high"]), inc)
    for k in ("low", "high", "inclusive"):
        if k in t:
            raise InputError(path, f"{where}.{k}", f"only for op = 'between' (op is {op!r})")
    if "threshold" not in t:
        raise InputError(path, f"{where}.threshold", "missing required key")
    return get_number(path, f"{where}.threshold", t["threshold"]), None, "both"


def _year(path: Path, key: str, value, low: int = 1990, high: int = 2100) -> int:
    return int(get_number(path, key, value, low, high, True))


def _parse_target(path: Path, where: str, t: dict, years: np.ndarray | None) -> Target:
    check_keys(path, where, t, _KEYS, {"id", "indicator", "kind", "year", "op"})
    tid = get_str(path, f"{where}.id", t["id"])
    if not tid.strip():
        raise InputError(path, f"{where}.id", "must not be empty")
    kind = get_str(path, f"{where}.kind", t["kind"], KINDS)
    indicator = get_str(path, f"{where}.indicator", t["indicator"], INDICATORS)
    year = _year(path, f"{where}.year", t["year"])
    op = get_str(path, f"{where}.op", t["op"], OPS)
    threshold, high, inclusive = _mark(path, where, t, op)
    base = start = None
    if kind in GROWTH_KINDS:
        if "base_year" not in t:
            raise InputError(path, f"{where}.base_year", f"a {kind} target needs base_year")
        base = _year(path, f"{where}.base_year", t["base_year"], 1990, year - 1)
        if indicator_range(indicator)[0] < 0:
            raise InputError(path, f"{where}.indicator", f"{indicator} can be negative: its "
                                                         "growth is undefined")
    elif "base_year" in t:
        raise InputError(path, f"{where}.base_year", f"only for {' and '.join(GROWTH_KINDS)} "
                                                     f"targets (kind is {kind!r})")
    if kind in PERIOD_KINDS:
        if "from_year" in t:
            start = _year(path, f"{where}.from_year", t["from_year"], 1990, year)
        elif kind != "by_year":
            raise InputError(path, f"{where}.from_year", f"a {kind} target needs from_year "
                                                         "(the first year of its period)")
    elif "from_year" in t:
        raise InputError(path, f"{where}.from_year", f"only for {', '.join(PERIOD_KINDS)} "
                                                     f"targets (kind is {kind!r})")
    condition = None
    if kind == "years":
        if "condition" not in t:
            raise InputError(path, f"{where}.condition", "a years target needs condition = "
                                                         "{ op = ..., threshold = ... }")
        c = t["condition"]
        cw = f"{where}.condition"
        check_keys(path, cw, c, {"op", "threshold", "low", "high", "inclusive"}, {"op"})
        cop = get_str(path, f"{cw}.op", c["op"], OPS)
        cthr, chigh, cinc = _mark(path, cw, c, cop)
        lo, hi = indicator_range(indicator)
        _check_mark(path, f"{cw}.{'low' if cop == 'between' else 'threshold'}", cop, cthr,
                    chigh, cinc, lo, hi, f"yearly {indicator} (values in [{_fmt(lo)}, "
                                         f"{_fmt(hi)}])")
        condition = Condition(cop, cthr, chigh, cinc)
    elif "condition" in t:
        raise InputError(path, f"{where}.condition", f"only for years targets (kind is "
                                                     f"{kind!r})")
    if years is not None:
        for key, y in (("year", year), ("base_year", base), ("from_year", start)):
            if y is not None and not years[0] <= y <= years[-1]:
                raise InputError(path, f"{where}.{key}", f"must be within the simulated years "
                                                         f"{years[0]}-{years[-1]}, got {y}")
    interp = t.get("interpretation", False)
    if not isinstance(interp, bool):
        raise InputError(path, f"{where}.interpretation", "must be true or false")

    def text(key: str, choices=None) -> str:
        return get_str(path, f"{where}.{key}", t.get(key, ""), choices) if key in t else ""

    target = Target(
        id=tid, indicator=indicator, kind=kind, year=year, op=op, threshold=threshold,
        base_year=base, definition=text("definition"), text_vi=text("text_vi"),
        interpretation=interp, high=high, inclusive=inclusive, from_year=start,
        condition=condition, label_en=text("label"), label_vi=text("label_vi"),
        definition_vi=text("definition_vi"), source=text("source"),
        status=text("status", STATUSES))
    n = None if start is None else year - start + 1
    lo, hi = _measure_range(target, n)
    _check_mark(path, f"{where}.{'low' if op == 'between' else 'threshold'}", op, threshold,
                high, inclusive, lo, hi, _what(target) if kind not in ("sum", "years") else
                f"{kind} of {indicator} over {n if n is not None else 'its'} years "
                f"(in [{_fmt(lo)}, {_fmt(hi)}])")
    return target


def load_targets(name: str | Path = "targets_2257", years: np.ndarray | None = None) -> TargetSet:
    """Read and validate a targets file (bundled name or path).

    Parameters
    ----------
    name : str or Path
        A bundled targets file's name (``"targets_1158"``) or a path.
    years : int array, optional
        The simulated years: every target's years must lie within them.

    Raises
    ------
    InputError
        One line naming the file, the key and what is allowed.
    """
    from stmarket.model.profile import resolve

    path = resolve(name, "targets")
    data = read_toml(path)
    # [[readings]]: alternative readings of interpreted targets, parsed by
    # experiments/assessment/readings.py
    check_keys(path, "", data, {"plan", "targets", "readings"}, {"plan", "targets"})
    plan = data["plan"]
    check_keys(path, "plan", plan, {"id", "name", "name_vi", "source", "note"}, {"id", "name"})
    for key in ("source", "note"):
        if key in plan:
            get_str(path, f"plan.{key}", plan[key])
    items = data["targets"]
    if not isinstance(items, list) or not items:
        raise InputError(path, "targets", "must be a non-empty array of tables")
    out: list[Target] = []
    seen: set[str] = set()
    for k, t in enumerate(items):
        target = _parse_target(path, f"targets[{k}]", t, years)
        if target.id in seen:
            raise InputError(path, f"targets[{k}].id", f"duplicate target id {target.id!r}")
        seen.add(target.id)
        out.append(target)
    return TargetSet(get_str(path, "plan.id", plan["id"]), get_str(path, "plan.name", plan["name"]),
                     get_str(path, "plan.name_vi", plan.get("name_vi", plan["name"])), out, path)
