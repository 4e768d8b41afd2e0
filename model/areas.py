"""Areas of a province and the merger of their markets, as a profile declares them.

A profile may declare ``[[areas]]`` (a merged province's former provinces) and a
``[merger]`` table: from its month the merging areas are one market, served by one
programme (the scenario's budget, tasks, events and intermediary network). Before it,
each area is its own market and the programme serves its ``programme_area`` only.
Whether the merger happens is a switch (:meth:`AreaSetting.merger_on`; off is the
counterfactual "no merger"); which areas' buyers are scored is a setting too. The
kernels read the result as the table ``AR0`` (columns ``A_*``) and the merger month
(docs/PROFILES.md, "Areas and the merger"; docs/ODD.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.errors import InputError, check_keys, get_str


@dataclass(frozen=True)
class Area:
    """One area of the province: ``id`` and its labels in English and Vietnamese."""

    id: str
    label: str
    label_vi: str


@dataclass(frozen=True)
class Merger:
    """The merger of some of the profile's areas into one market.

    Attributes
    ----------
    year, month : int
        The first month of the merged market (month 1-12).
    areas : tuple of str
        The areas that merge.
    programme_area : str
        The area whose S&T department runs the scenario's programme before the merger.
    note, note_vi : str
        What the merger assumes, for the report.
    source : str
        The legal source of the merger.
    """

    year: int
    month: int
    areas: tuple[str, ...]
    programme_area: str
    note: str
    note_vi: str
    source: str = ""


@dataclass(frozen=True)
class AreaSetting:
    """A profile's areas, its merger, and the run's choices about them.

    Attributes
    ----------
    areas : tuple of Area
        Declared areas; empty: the province is one area.
    merger : Merger or None
    merger_on : bool
        Whether the merger happens (False: the counterfactual "no merger", each area
        its own market to the end). Ignored without a merger.
    scored : tuple of str or None
        The areas whose buyers the yearly indicators count (None: all).
    """

    areas: tuple[Area, ...] = ()
    merger: Merger | None = None
    merger_on: bool = True
    scored: tuple[str, ...] | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.areas)

    @property
    def n_areas(self) -> int:
        return max(1, len(self.areas))

    def with_merger(self, on: bool) -> AreaSetting:
        """The same areas with the merger switched on or off."""
        if self.merger is None:
            raise InputError("argument", "merger",
                             "the profile has no [merger] table, so there is no merger to switch")
        return replace(self, merger_on=bool(on))

    def with_scored(self, ids: str | list[str] | tuple[str, ...] | None) -> AreaSetting:
        """The same areas with the scored areas set (None: all)."""
        if ids is None:
            return replace(self, scored=None)
        ids = (ids,) if isinstance(ids, str) else tuple(ids)
        if not self.areas:
            raise InputError("argument", "area",
                             "the profile declares no [[areas]], so it is scored as a whole")
        for a in ids:
            if a not in self.ids:
                raise InputError("argument", "area",
                                 f"must be one of {', '.join(self.ids)}, got {a!r}")
        return replace(self, scored=ids)

    def merge_month(self, start_year: int) -> int:
        """The kernels' merger month: 0 without a merger (one market from the start)
        or for one before the first simulated month; ``HUGE`` when switched off."""
        if self.merger is None:
            return 0
        if not self.merger_on:
            return K.HUGE
        return max(0, 12 * (self.merger.year - start_year) + self.merger.month - 1)

    def table(self) -> np.ndarray:
        """int64[n_areas, NA]: each area's market before and after the merger, whether
        the programme serves it before and after, and whether it is scored."""
        n = self.n_areas
        out = np.zeros((n, K.NA), dtype=np.int64)
        ids = self.ids or ("",)
        for a, aid in enumerate(ids):
            scored = self.scored is None or aid in self.scored
            out[a, K.A_SCORED] = int(scored)
            if self.merger is None:  # one market, one programme
                out[a, [K.A_SERVED0, K.A_SERVED1]] = 1
                continue
            m = self.merger
            first = ids.index(m.areas[0])
            joins = aid in m.areas
            out[a, K.A_MARKET0] = a
            out[a, K.A_MARKET1] = first if joins else a
            out[a, K.A_SERVED0] = int(aid == m.programme_area)
            out[a, K.A_SERVED1] = int(aid == m.programme_area
                                      or (joins and m.programme_area in m.areas))
        return out

    def meta(self) -> dict:
        """What the report and the manifest say: the areas, the merger assumption and
        whether it was used, the scored areas."""
        m = self.merger
        return {
            "areas": [a.id for a in self.areas],
            "area_labels": {a.id: [a.label, a.label_vi] for a in self.areas},
            "scored_areas": list(self.scored) if self.scored is not None else list(self.ids),
            "merger": bool(m is not None and self.merger_on),
            "merger_declared": m is not None,
            "merger_month": f"{m.year}-{m.month:02d}" if m else None,
            "merger_areas": list(m.areas) if m else [],
            "merger_note": (m.note if self.merger_on else
                            "Counterfactual: no merger; each area stays its own market.")
            if m else None,
            "merger_note_vi": (m.note_vi if self.merger_on else
                               "Giả định phản thực: không sáp nhập; mỗi vùng là một thị "
                               "trường riêng.") if m else None,
            "merger_source": m.source if m else None,
        }

    def label(self, area: int) -> str:
        """The id of area number ``area`` (-1: outside the province)."""
        if area < 0:
            return "outside"
        return self.ids[area] if self.areas else "province"


def parse_areas(path, data: dict, start: int, end: int) -> AreaSetting:
    """Read the ``[[areas]]`` array and the ``[merger]`` table of a profile."""
    raw = data.get("areas", [])
    if not isinstance(raw, list):
        raise InputError(path, "areas", "must be an array of tables ([[areas]])")
    areas: list[Area] = []
    for k, a in enumerate(raw):
        where = f"areas[{k}]"
        if not isinstance(a, dict):
            raise InputError(path, where, "must be a table with id, label and label_vi")
        check_keys(path, where, a, {"id", "label", "label_vi", "source"}, {"id", "label"})
        aid = get_str(path, f"{where}.id", a["id"])
        if not re.fullmatch(r"[a-z][a-z0-9_]*", aid):
            raise InputError(path, f"{where}.id",
                             f"must be lower-case letters, digits and _ , got {aid!r}")
        if aid in [x.id for x in areas]:
            raise InputError(path, f"{where}.id", f"duplicate area id {aid!r}")
        label = get_str(path, f"{where}.label", a["label"])
        areas.append(Area(aid, label, get_str(path, f"{where}.label_vi",
                                              a.get("label_vi", label))))
    ids = tuple(a.id for a in areas)
    merger = None
    if "merger" in data:
        merger = _parse_merger(path, data["merger"], ids, start, end)
    return AreaSetting(tuple(areas), merger)


def _parse_merger(path, m, ids: tuple[str, ...], start: int, end: int) -> Merger:
    if not isinstance(m, dict):
        raise InputError(path, "merger", "must be a table")
    check_keys(path, "merger", m, {"month", "areas", "programme_area", "note", "note_vi",
                                   "source"}, {"month", "areas", "programme_area", "note"})
    if len(ids) < 2:
        raise InputError(path, "merger", "a merger needs at least two [[areas]]")
    when = get_str(path, "merger.month", m["month"])
    hit = re.fullmatch(r"(\d{4})-(\d{2})", when)
    if not hit or not 1 <= int(hit.group(2)) <= 12:
        raise InputError(path, "merger.month", f"must be a month such as \"2025-07\", got {when!r}")
    year, month = int(hit.group(1)), int(hit.group(2))
    if year > end:
        raise InputError(path, "merger.month",
                         f"must fall within the simulated years (to {end}), got {when!r}")
    merging = m["areas"]
    if not isinstance(merging, list) or len(merging) < 2 or len(set(map(str, merging))) \
            != len(merging):
        raise InputError(path, "merger.areas", "must list at least two different area ids")
    for a in merging:
        get_str(path, "merger.areas", a, ids)
    prog = get_str(path, "merger.programme_area", m["programme_area"], ids)
    note = get_str(path, "merger.note", m["note"])
    return Merger(year, month, tuple(merging), prog, note,
                  get_str(path, "merger.note_vi", m.get("note_vi", note)),
                  get_str(path, "merger.source", m.get("source", "")))


def area_index(path, where: str, group: dict, in_province: bool, ids: tuple[str, ...]) -> int:
    """The area number of an enterprise or research-organisation group: its ``area``
    key (required in the province when the profile declares two or more areas; the
    only area otherwise); -1 for a group outside the province (which may not have
    one)."""
    if not in_province:
        if "area" in group:
            raise InputError(path, f"{where}.area",
                             "only groups at a location of scope \"province\" belong to an "
                             "area")
        return -1
    if "area" not in group:
        if len(ids) >= 2:
            raise InputError(path, f"{where}.area",
                             f"the profile has areas: name one of {', '.join(ids)}")
        return 0
    if not ids:
        raise InputError(path, f"{where}.area", "the profile declares no [[areas]]")
    return ids.index(get_str(path, f"{where}.area", group["area"], ids))
