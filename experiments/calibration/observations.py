"""What is observed of a province's market, and how far a simulation is from it.

What is observed is data (``scenarios/observations/*.toml``): each entry a summary
statistic of the model's yearly indicators (``level``: an indicator in a year or its
mean over years; ``growth``: compound annual growth between two years; ``ratio``: one
indicator's sum over years divided by another's), with a value, an uncertainty and a
source. This module reads and checks those files (:func:`load_observations`), computes
each statistic from simulated indicators (:meth:`Statistic.compute`), and measures the
distance of simulated statistics from the observed ones (:func:`fit_distance`): the
fitted statistics standardised by their sd (Euclidean).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stmarket.model import indicators
from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml

KINDS = ("level", "growth", "ratio")
SCALES = ("linear", "log")
ROLES = ("fit", "check")
STATUSES = ("firm", "stylised")
Z90 = 1.6448536269514722  # a range [low, high] is a 90 % interval: sd = width / (2 Z90)
_ENTRY_KEYS = {"kind", "indicator", "denominator", "year", "years", "value", "sd", "range",
               "scale", "role", "status", "source", "note"}


@dataclass(frozen=True)
class Statistic:
    """One observed summary statistic of the yearly indicators.

    ``value`` is on the natural scale; ``sd`` on the statistic's scale (natural log
    for ``scale = "log"``). ``first``..``last`` are the years (inclusive).
    """

    id: str
    kind: str
    indicator: str
    first: int
    last: int
    value: float
    sd: float
    denominator: str | None = None
    scale: str = "linear"
    role: str = "fit"
    status: str = ""
    source: str = ""
    note: str = ""

    @property
    def years(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    def compute(self, ind: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
        """The statistic of each run (natural scale; NaN where it is undefined)."""
        j0, j1 = self.first - int(years[0]), self.last - int(years[0])
        x = np.asarray(ind[self.indicator], dtype=float)
        with np.errstate(all="ignore"):
            if self.kind == "level":
                return x[:, j0:j1 + 1].mean(axis=1)
            if self.kind == "growth":
                a, b = x[:, j0], x[:, j1]
                g = (b / a) ** (1.0 / (self.last - self.first)) - 1.0
                return np.where((a > 0) & (b >= 0), g, np.nan)
            num = x[:, j0:j1 + 1].sum(axis=1)
            den = np.asarray(ind[self.denominator], dtype=float)[:, j0:j1 + 1].sum(axis=1)
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    def transform(self, x: np.ndarray | float) -> np.ndarray:
        """To the scale on which ``sd`` is stated (log of a non-positive value: NaN)."""
        x = np.asarray(x, dtype=float)
        if self.scale == "log":
            with np.errstate(all="ignore"):
                return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
        return x

    def interval(self) -> tuple[float, float]:
        """The observation's 90 % interval on the natural scale."""
        if self.scale == "log":
            return self.value * math.exp(-Z90 * self.sd), self.value * math.exp(Z90 * self.sd)
        return self.value - Z90 * self.sd, self.value + Z90 * self.sd


@dataclass(frozen=True)
class Observations:
    """What has been observed of one profile's market."""

    id: str
    name: str
    profile: str
    statistics: tuple[Statistic, ...]
    description: str = ""
    path: Path | None = None

    @property
    def fitted(self) -> tuple[Statistic, ...]:
        return tuple(s for s in self.statistics if s.role == "fit")

    def check_profile(self, profile) -> None:
        """Refuse a profile the observations do not describe, or years it lacks."""
        src = self.path or self.id
        if profile.id != self.profile:
            raise InputError(src, "observations.profile",
                             f"these observations describe profile {self.profile!r}; "
                             f"refusing to calibrate profile {profile.id!r} on them")
        y0, y1 = int(profile.years[0]), int(profile.years[-1])
        for s in self.statistics:
            if not (y0 <= s.first and s.last <= y1):
                raise InputError(src, f"statistics.{s.id}.years",
                                 f"must lie within the profile's years {y0}-{y1}, "
                                 f"got {s.years}")


def resolve_observations(name: str | Path) -> Path:
    """A bundled observations file by short name, or a path."""
    from stmarket.model.profile import scenarios_dir

    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    if len(path.parts) == 1:
        bundled = scenarios_dir() / "observations" / (path.name if path.suffix else
                                                      f"{name}.toml")
        if bundled.exists():
            return bundled
    if path.suffix == ".toml" or len(path.parts) > 1:
        return path  # the reader says "file not found" with the path given
    have = sorted(p.stem for p in (scenarios_dir() / "observations").glob("*.toml"))
    raise InputError(name, "", "no such observations file, and no bundled observations of "
                               f"that name; bundled: {', '.join(have)}")


def load_observations(name: str | Path = "bac_kan") -> Observations:
    """Read and validate an observations file (bundled name or path)."""
    path = resolve_observations(name)
    data = read_toml(path)
    check_keys(path, "", data, {"observations", "statistics"}, {"observations", "statistics"})
    head = data["observations"]
    check_keys(path, "observations", head, {"id", "name", "profile", "description"},
               {"id", "name", "profile"})
    text = {k: get_str(path, f"observations.{k}", head[k])
            for k in ("id", "name", "profile", "description") if k in head}
    table = data["statistics"]
    if not isinstance(table, dict) or not table:
        raise InputError(path, "statistics", "must be a non-empty table of [statistics.ID]")
    stats = tuple(_parse_statistic(path, sid, entry) for sid, entry in table.items())
    if not any(s.role == "fit" for s in stats):
        raise InputError(path, "statistics", 'needs at least one statistic with role = "fit"')
    return Observations(text["id"], text["name"], text["profile"], stats,
                        text.get("description", ""), path)


def _parse_statistic(path: Path, sid: str, e) -> Statistic:
    where = f"statistics.{sid}"
    check_keys(path, where, e, _ENTRY_KEYS, {"kind", "indicator", "status", "source"})
    kind = get_str(path, f"{where}.kind", e["kind"], KINDS)
    indicator = get_str(path, f"{where}.indicator", e["indicator"], indicators.INDICATORS)
    denominator = None
    if kind == "ratio":
        if "denominator" not in e:
            raise InputError(path, f"{where}.denominator", "a ratio needs a denominator")
        denominator = get_str(path, f"{where}.denominator", e["denominator"],
                              indicators.INDICATORS)
    elif "denominator" in e:
        raise InputError(path, f"{where}.denominator", f"only a ratio has one, not a {kind}")
    first, last = _years(path, where, kind, e)
    scale = get_str(path, f"{where}.scale", e.get("scale", "linear"), SCALES)
    if scale == "log" and kind == "growth":
        raise InputError(path, f"{where}.scale", "a growth rate can be negative: use linear")
    value, sd = _value_sd(path, where, scale, e)
    role = get_str(path, f"{where}.role", e.get("role", "fit"), ROLES)
    status = get_str(path, f"{where}.status", e["status"], STATUSES)
    source = get_str(path, f"{where}.source", e["source"])
    if not source.strip():
        raise InputError(path, f"{where}.source", "must say where the figure comes from")
    note = get_str(path, f"{where}.note", e.get("note", ""))
    return Statistic(sid, kind, indicator, first, last, value, sd, denominator, scale, role,
                     status, source, note)


def _years(path: Path, where: str, kind: str, e) -> tuple[int, int]:
    if kind == "growth" and "year" in e:
        raise InputError(path, f"{where}.year", "a growth needs years = [FROM, TO]")
    if ("year" in e) == ("years" in e):
        raise InputError(path, where, "give year = YEAR or years = [FIRST, LAST], one of them")
    if "year" in e:
        y = int(get_number(path, f"{where}.year", e["year"], 1900, 2100, True))
        return y, y
    ys = e["years"]
    if not isinstance(ys, list) or len(ys) != 2:
        raise InputError(path, f"{where}.years", "must be [FIRST, LAST], two years")
    a, b = (int(get_number(path, f"{where}.years", y, 1900, 2100, True)) for y in ys)
    if b < a or (kind == "growth" and b == a):
        raise InputError(path, f"{where}.years", f"must be increasing, got [{a}, {b}]")
    return a, b


def _value_sd(path: Path, where: str, scale: str, e) -> tuple[float, float]:
    def number(key: str, x) -> float:
        v = get_number(path, f"{where}.{key}", x)
        if scale == "log" and v <= 0:
            raise InputError(path, f"{where}.{key}", f'must be above 0 on scale = "log", '
                                                     f"got {v:g}")
        return v

    if "range" in e:
        if "value" in e or "sd" in e:
            raise InputError(path, f"{where}.range", "give value and sd, or range, not both")
        r = e["range"]
        if not isinstance(r, list) or len(r) != 2:
            raise InputError(path, f"{where}.range", "must be [LOW, HIGH], two numbers")
        lo, hi = (number("range", x) for x in r)
        if not lo < hi:
            raise InputError(path, f"{where}.range", f"must have LOW < HIGH, got [{lo:g}, {hi:g}]")
        if scale == "log":
            return math.sqrt(lo * hi), math.log(hi / lo) / (2 * Z90)
        return 0.5 * (lo + hi), (hi - lo) / (2 * Z90)
    for k in ("value", "sd"):
        if k not in e:
            raise InputError(path, f"{where}.{k}", "missing: give value and sd, or range")
    value = number("value", e["value"])
    sd = get_number(path, f"{where}.sd", e["sd"])
    if sd <= 0:
        raise InputError(path, f"{where}.sd", f"must be above 0, got {sd:g}")
    return value, sd


def fit_distance(observations: Observations) -> Callable[[np.ndarray], np.ndarray]:
    """The distance of simulated statistics from the observations: each fitted
    statistic on the scale of its sd, minus the observed value, divided by the sd;
    the Euclidean norm of those (``inf`` where it is not finite).

    Parameters
    ----------
    observations : Observations

    Returns
    -------
    callable
        ``distance(S) -> float64[n]`` for raw statistics ``S`` float64[n, m], one
        column per statistic of ``observations.statistics`` (fitted or not), in order.

    Raises
    ------
    InputError
        If a fitted statistic's value is not finite on its scale or its sd not above 0.
    """
    obs = observations
    stats = obs.statistics
    fitted = [i for i, s in enumerate(stats) if s.role == "fit"]
    target = np.array([stats[i].transform(stats[i].value) for i in fitted], dtype=float)
    sd = np.array([stats[i].sd for i in fitted])
    for k, i in enumerate(fitted):
        if not (np.isfinite(target[k]) and np.isfinite(sd[k]) and sd[k] > 0):
            raise InputError(obs.path or obs.id, f"statistics.{stats[i].id}",
                             "value must be finite (and above 0 on a log scale), sd above 0")

    def distance(S: np.ndarray) -> np.ndarray:
        z = np.column_stack([(stats[i].transform(S[:, i]) - target[k]) / sd[k]
                             for k, i in enumerate(fitted)])
        d = np.sqrt((z * z).sum(axis=1))
        return np.where(np.isfinite(d), d, np.inf)

    return distance
