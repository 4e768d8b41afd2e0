"""Policy scenarios: a yearly budget schedule for each of the six task groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml

#: The six task groups of the plan, in lever order (row g of the lever matrix).
LEVERS = (
    "tg1_legal",
    "tg2_demand",
    "tg3_supply",
    "tg4_intermediary",
    "tg5_promotion",
    "tg6_training",
)
LEVER_TITLES = {
    "tg1_legal": ("Legal and policy environment", "Hoàn thiện cơ chế, chính sách"),
    "tg2_demand": ("Enterprises' capacity to absorb technology",
                   "Nâng cao năng lực hấp thụ công nghệ của doanh nghiệp"),
    "tg3_supply": ("Supply of technology and research results",
                   "Phát triển nguồn cung công nghệ, kết quả nghiên cứu"),
    "tg4_intermediary": ("Intermediary organisations", "Phát triển tổ chức trung gian"),
    "tg5_promotion": ("Market promotion and techmarts", "Xúc tiến thị trường KH&CN"),
    "tg6_training": ("Training, communication, international integration",
                     "Đào tạo, truyền thông, hội nhập quốc tế"),
}
MAX_BUDGET = 1000.0  # billion VND a year: far above any provincial budget


@dataclass
class Scenario:
    """A policy scenario.

    Attributes
    ----------
    id, name, name_vi, description : str
        Identifier and text.
    levers : dict
        For each task group, its schedule: ``level`` (billion VND a year),
        ``start_year``, ``ramp_years`` (linear ramp to the level), ``end_year``,
        and ``by_year`` (explicit budgets that override the rest).
    path : Path or None
        The file it was read from.
    bases : tuple of Path
        The files it is ``based_on``, nearest first (their levers shape its budgets).
    """

    id: str
    name: str
    name_vi: str = ""
    description: str = ""
    levers: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None
    bases: tuple[Path, ...] = ()

    def budgets(self, years: np.ndarray) -> np.ndarray:
        """float64[6, n_years]: the yearly budget of each task group."""
        out = np.zeros((len(LEVERS), len(years)))
        for g, name in enumerate(LEVERS):
            sched = self.levers.get(name)
            if not sched:
                continue
            level = sched.get("level", 0.0)
            start = sched.get("start_year", int(years[0]))
            end = sched.get("end_year", int(years[-1]))
            ramp = sched.get("ramp_years", 0)
            for j, y in enumerate(years):
                if start <= y <= end:
                    frac = 1.0 if ramp <= 0 else min(1.0, (y - start + 1) / ramp)
                    out[g, j] = level * frac
            for y, b in sched.get("by_year", {}).items():
                j = int(y) - int(years[0])
                if 0 <= j < len(years):
                    out[g, j] = b
        return out

    def total_budget(self, years: np.ndarray) -> float:
        return float(self.budgets(years).sum())


def parse_levers(source, table: dict) -> dict[str, dict]:
    """Validate a ``[levers]`` table."""
    check_keys(source, "levers", table, set(LEVERS))
    out: dict[str, dict] = {}
    for name, sched in table.items():
        where = f"levers.{name}"
        check_keys(source, where, sched, {"level", "start_year", "ramp_years", "end_year",
                                          "by_year", "reason"})
        s: dict = {}
        if "level" in sched:
            s["level"] = get_number(source, f"{where}.level", sched["level"], 0.0, MAX_BUDGET)
        if "start_year" in sched:
            s["start_year"] = int(get_number(source, f"{where}.start_year",
                                             sched["start_year"], 1990, 2100, True))
        if "end_year" in sched:
            s["end_year"] = int(get_number(source, f"{where}.end_year", sched["end_year"],
                                           s.get("start_year", 1990), 2100, True))
        if "ramp_years" in sched:
            s["ramp_years"] = int(get_number(source, f"{where}.ramp_years",
                                             sched["ramp_years"], 0, 50, True))
        if "by_year" in sched:
            by = sched["by_year"]
            if not isinstance(by, dict):
                raise InputError(source, f"{where}.by_year", "must be a table of year = budget")
            s["by_year"] = {}
            for y, b in by.items():
                if not (isinstance(y, str) and y.isascii() and y.isdigit()
                        and 1990 <= int(y) <= 2100):
                    raise InputError(source, f"{where}.by_year.{y}",
                                     "keys must be years such as \"2024\"")
                s["by_year"][int(y)] = get_number(source, f"{where}.by_year.{y}", b, 0.0,
                                                  MAX_BUDGET)
        if "reason" in sched:
            get_str(source, f"{where}.reason", sched["reason"])
        out[name] = s
    return out


def load_scenario(name: str | Path) -> Scenario:
    """Read and validate a policy scenario (bundled name or path).

    A scenario may start from another with ``based_on = "plan_2257"`` in its
    ``[scenario]`` table (a file beside it, or a bundled name): it inherits the
    base's levers, and each lever table it gives replaces the keys it names.
    """
    return _load(name, ())


def _load(name: str | Path, chain: tuple[Path, ...]) -> Scenario:
    from stmarket.model.profile import resolve

    path = resolve(name, "policies")
    data = read_toml(path)
    check_keys(path, "", data, {"scenario", "levers"}, {"scenario"})
    head = data["scenario"]
    check_keys(path, "scenario", head, {"id", "name", "name_vi", "description", "based_on"},
               {"id", "name"})
    levers = parse_levers(path, data.get("levers", {}))
    bases: tuple[Path, ...] = ()
    if "based_on" in head:
        base_name = get_str(path, "scenario.based_on", head["based_on"])
        here = path.resolve()
        if here in chain or len(chain) >= 8:
            raise InputError(path, "scenario.based_on",
                             "scenarios based on each other in a loop (or more than 8 deep)")
        sibling = path.parent / f"{base_name}.toml"
        try:
            base = _load(sibling if sibling.exists() else base_name, chain + (here,))
        except InputError as exc:
            if exc.key == "scenario.based_on" and Path(exc.source) != path:
                raise InputError(path, "scenario.based_on", exc.message) from None
            raise InputError(path, "scenario.based_on", f"in {base_name!r}: {exc}") from None
        bases = (base.path,) + base.bases
        # a lever named here replaces the base's keys it names; the rest is inherited
        levers = {g: {**base.levers.get(g, {}), **levers.get(g, {})}
                  for g in LEVERS if g in base.levers or g in levers}
    return Scenario(
        id=get_str(path, "scenario.id", head["id"]),
        name=get_str(path, "scenario.name", head["name"]),
        name_vi=get_str(path, "scenario.name_vi", head.get("name_vi", head["name"])),
        description=get_str(path, "scenario.description", head.get("description", "")),
        levers=levers,
        path=path,
        bases=bases,
    )
