"""A province profile: who is in the market, and every number with its source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.areas import AreaSetting, area_index, parse_areas
from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.params import ParameterSpace, ParamSpec, parse_parameters, parse_spec

#: what an id of a sector, size class or location may look like
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: the profile's structure tables: key, families of per-entity parameters, kind code
_STRUCTURE = (("sectors", K.SECTOR_FAMILIES, K.X_SECTOR),
              ("sizes", K.SIZE_FAMILIES, K.X_SIZE),
              ("locations", K.LOCATION_FAMILIES, K.X_LOCATION))


@dataclass(frozen=True)
class Entity:
    """A sector, firm-size class or supplier location of a profile.

    Attributes
    ----------
    id, label, label_vi : str
        Identifier and display names.
    scope : str
        For a location: ``"province"``, ``"vietnam"`` or ``"abroad"`` (empty otherwise).
    """

    id: str
    label: str
    label_vi: str
    scope: str = ""


def scenarios_dir() -> Path:
    """Folder of the bundled data files (profiles, targets, policies)."""
    return Path(str(resources.files("stmarket.scenarios")))


def resolve(name: str | Path, sub: str) -> Path:
    """A bundled file by short name (``"bac_kan"``) or any path.

    Only a bare name (no folder part) falls back to the bundled files: a path that
    does not exist is reported as not found, never replaced by a bundled namesake.
    """
    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    bare = len(path.parts) == 1
    if bare:
        bundled = scenarios_dir() / sub / (path.name if path.suffix else f"{name}.toml")
        if bundled.exists():
            return bundled
    if path.suffix == ".toml" or not bare:
        return path  # let the reader say "file not found" with the path given
    available = sorted(p.stem for p in (scenarios_dir() / sub).glob("*.toml"))
    what = {"profiles": "profile", "policies": "scenario", "targets": "targets file",
            "worlds": "world", "sweeps": "sweep design"}[sub]
    raise InputError(name, "", f"no such {what} file, and no bundled {what} of that name; "
                               f"bundled: {', '.join(available)}")


def _targets_file(profile: Path, name: str) -> str:
    """A profile's targets file: beside the profile (as a scenario's ``based_on``), else
    the bundled one of that name; an InputError naming the profile if neither exists."""
    rel = Path(name)
    if not rel.name or "\0" in name:
        raise InputError(profile, "profile.targets", f"must name a targets file, got {name!r}")
    if rel.suffix != ".toml":
        rel = rel.with_name(rel.name + ".toml")
    beside = rel if rel.is_absolute() else profile.parent / rel
    if beside.exists():
        return str(beside.resolve())
    bundled = scenarios_dir() / "targets" / rel.name
    if len(rel.parts) == 1 and bundled.exists():
        return str(bundled)
    raise InputError(profile, "profile.targets", f"no targets file {name!r} beside the profile "
                     f"(in {profile.parent}) and no bundled one of that name")


def _split_sizes(source, where: str, count: int, sizes: dict, ids: list[str]) -> list[int]:
    """Split a count over size classes by largest remainder (deterministic); a class
    left out has share 0."""
    check_keys(source, where, sizes, set(ids))
    shares = np.array([get_number(source, f"{where}.{s}", sizes.get(s, 0.0), 0.0, 1.0)
                       for s in ids])
    if abs(shares.sum() - 1.0) > 1e-6:
        raise InputError(source, where, f"shares must add up to 1, got {shares.sum():g}")
    raw = shares * count
    out = np.floor(raw).astype(int)
    rest = count - out.sum()
    for j in np.argsort(-(raw - out), kind="stable")[:rest]:
        out[j] += 1
    return [int(x) for x in out]


@dataclass
class Profile:
    """A province as data.

    Attributes
    ----------
    id, name, name_vi : str
        Identifier and display names.
    start_year, end_year : int
        Simulated years (monthly steps from January of the first to December of
        the last).
    EI0 : int64[n_ent, NS]
        Structure of the enterprises (columns ``S_*``: role, sector, size,
        cooperative, location, area): buyers first, then vendors.
    RI0 : int64[n_res, NRS]
        Research organisations (location, sector, university, area, standing).
    sectors, sizes, locations : list of Entity
        The province's sectors, firm-size classes and supplier locations, in order
        (an enterprise's ``sector`` is an index into ``sectors``).
    XI0 : int64[n_sectors + n_sizes + n_locations, NXS]
        The same as the core reads them (kind, scope).
    enterprise_labels, research_labels : list of str
        The group label of each enterprise and research organisation.
    space : ParameterSpace
        Parameters with their values or priors.
    capacity : dict
        Table sizes of the core (tasks, intermediaries, offers).
    facts : dict
        Reported facts with their sources (not traded).
    targets : str
        File name of the plan's targets.
    path : Path
        The file it was read from.
    areas : AreaSetting
        Its areas and merger (``[[areas]]``, ``[merger]``), with the run's choices:
        merger on or off, the scored areas (:meth:`with_merger`, :meth:`with_area`).
    """

    id: str
    name: str
    name_vi: str
    start_year: int
    end_year: int
    EI0: np.ndarray
    RI0: np.ndarray
    enterprise_labels: list[str]
    research_labels: list[str]
    space: ParameterSpace
    capacity: dict[str, int]
    sectors: list[Entity] = field(default_factory=list)
    sizes: list[Entity] = field(default_factory=list)
    locations: list[Entity] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    targets: str = "targets_2257.toml"
    path: Path = Path(".")
    areas: AreaSetting = field(default_factory=AreaSetting)

    @property
    def n_years(self) -> int:
        return self.end_year - self.start_year + 1

    @property
    def n_months(self) -> int:
        return 12 * self.n_years

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.start_year, self.end_year + 1)

    @property
    def XI0(self) -> np.ndarray:
        rows = [[K.X_SECTOR, 0]] * len(self.sectors) + [[K.X_SIZE, 0]] * len(self.sizes) \
            + [[K.X_LOCATION, K.SCOPE_NAMES.index(loc.scope)] for loc in self.locations]
        return np.array(rows, dtype=np.int64).reshape(-1, K.NXS)

    @property
    def sector_ids(self) -> list[str]:
        return [x.id for x in self.sectors]

    @property
    def size_ids(self) -> list[str]:
        return [x.id for x in self.sizes]

    @property
    def location_ids(self) -> list[str]:
        return [x.id for x in self.locations]

    @property
    def AR0(self) -> np.ndarray:
        """int64[n_areas, NA]: the areas as the kernels read them."""
        return self.areas.table()

    @property
    def merge_month(self) -> int:
        """Month (from January of the first year) from which the merging areas are one
        market: 0 without a merger, ``K.HUGE`` with the merger switched off."""
        return self.areas.merge_month(self.start_year)

    def with_merger(self, on: bool) -> Profile:
        """The same province with its merger switched on (the default) or off (the
        counterfactual "no merger"): same agents, so the two compare on the same
        seeds."""
        return replace(self, areas=self.areas.with_merger(on))

    def with_area(self, ids: str | list[str] | tuple[str, ...] | None) -> Profile:
        """The same province with the yearly indicators counting the buyers of the
        given areas only (None: the whole province)."""
        return replace(self, areas=self.areas.with_scored(ids))

    @property
    def n_buyers(self) -> int:
        return int((self.EI0[:, K.S_ROLE] == K.ROLE_BUYER).sum())

    def scaled(self, factor: float) -> Profile:
        """A smaller (or larger) province with every group's count scaled; for tests."""
        keep_e = _scaled_index(self.EI0, factor)
        keep_r = _scaled_index(self.RI0, factor)
        return replace(
            self, id=self.id + f"_x{factor:g}", EI0=self.EI0[keep_e].copy(),
            RI0=self.RI0[keep_r].copy(),
            enterprise_labels=[self.enterprise_labels[i] for i in keep_e],
            research_labels=[self.research_labels[i] for i in keep_r],
            capacity=dict(self.capacity))


def _scaled_index(rows: np.ndarray, factor: float) -> list[int]:
    """Keep about ``factor`` of each group of identical rows (at least one)."""
    keep: list[int] = []
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(map(tuple, rows)):
        groups.setdefault(row, []).append(i)
    for idx in groups.values():
        keep.extend(idx[: max(1, round(len(idx) * factor))])
    return sorted(keep)


def load_profile(name: str | Path = "bac_kan") -> Profile:
    """Read and validate a province profile.

    Parameters
    ----------
    name : str or Path
        A bundled profile's name (``"bac_kan"``) or a path to a TOML file.

    Raises
    ------
    InputError
        On any unknown key, wrong type or out-of-range value, naming file and key.
    """
    path = resolve(name, "profiles")
    data = read_toml(path)
    check_keys(path, "", data, {"profile", "capacity", "sectors", "sizes", "locations",
                                "enterprises", "vendors", "research_organisations", "facts",
                                "parameters", "areas", "merger"},
               {"profile", "sectors", "sizes", "locations", "enterprises",
                "research_organisations", "parameters"})
    head = data["profile"]
    check_keys(path, "profile", head, {"id", "name", "name_vi", "start_year", "end_year",
                                       "targets"}, {"id", "name", "start_year", "end_year"})
    start = int(get_number(path, "profile.start_year", head["start_year"], 1990, 2100, True))
    end = int(get_number(path, "profile.end_year", head["end_year"], start, start + 40, True))
    area_set = parse_areas(path, data, start, end)
    area_ids = area_set.ids
    cap_in = data.get("capacity", {})
    check_keys(path, "capacity", cap_in, {"tasks", "intermediaries", "offers"})
    capacity = {
        "tasks": int(get_number(path, "capacity.tasks", cap_in.get("tasks", 256), 1, 1e5, True)),
        "intermediaries": int(get_number(path, "capacity.intermediaries",
                                         cap_in.get("intermediaries", 5), 1, 1000, True)),
        "offers": int(get_number(path, "capacity.offers", cap_in.get("offers", 2048), 16, 1e6,
                                 True)),
    }
    entities, structure_specs = _read_structure(path, data)
    sectors, sizes, locations = entities
    sec_ids = [x.id for x in sectors]
    size_ids = [x.id for x in sizes]
    loc_ids = [x.id for x in locations]
    home = [j for j, x in enumerate(locations) if x.scope == "province"]
    if area_set.merger is not None and not any(x.scope == "vietnam" for x in locations):
        raise InputError(path, "merger", "needs a location of scope \"vietnam\": before the "
                                         "merger, suppliers of the other area are seen as from "
                                         "there")
    rows: list[list[int]] = []
    labels: list[str] = []
    groups = data["enterprises"]
    if not isinstance(groups, list) or not groups:
        raise InputError(path, "enterprises", "must be a non-empty array of tables")
    for g, grp in enumerate(groups):
        where = f"enterprises[{g}]"
        check_keys(path, where, grp, {"label", "kind", "sector", "count", "sizes", "location",
                                      "status", "source", "area"},
                   {"label", "kind", "sector", "count", "sizes"})
        area = area_index(path, where, grp, True, area_ids)
        kind = get_str(path, f"{where}.kind", grp["kind"], ("enterprise", "cooperative"))
        sector = sec_ids.index(get_str(path, f"{where}.sector", grp["sector"], sec_ids))
        loc = home[0]
        if "location" in grp:
            in_province = [loc_ids[j] for j in home]
            loc = loc_ids.index(get_str(path, f"{where}.location", grp["location"],
                                        in_province))
        count = int(get_number(path, f"{where}.count", grp["count"], 0, 1e6, True))
        label = get_str(path, f"{where}.label", grp["label"])
        for size, n in enumerate(_split_sizes(path, f"{where}.sizes", count, grp["sizes"],
                                              size_ids)):
            for _ in range(n):
                rows.append([K.ROLE_BUYER, sector, size, int(kind == "cooperative"), loc,
                             area])
                labels.append(label)
    if not rows:
        raise InputError(path, "enterprises", "the province needs at least one enterprise")
    vendors = data.get("vendors", [])
    if not isinstance(vendors, list):
        raise InputError(path, "vendors", "must be an array of tables")
    for g, grp in enumerate(vendors):
        where = f"vendors[{g}]"
        check_keys(path, where, grp, {"label", "location", "sector", "size", "count", "status",
                                      "source", "area"}, {"label", "location", "sector", "count"})
        loc = loc_ids.index(get_str(path, f"{where}.location", grp["location"], loc_ids))
        area = area_index(path, where, grp, locations[loc].scope == "province", area_ids)
        sector = sec_ids.index(get_str(path, f"{where}.sector", grp["sector"], sec_ids))
        size = size_ids.index(get_str(path, f"{where}.size", grp.get("size", size_ids[0]),
                                      size_ids))
        count = int(get_number(path, f"{where}.count", grp["count"], 0, 1e5, True))
        label = get_str(path, f"{where}.label", grp["label"])
        for _ in range(count):
            rows.append([K.ROLE_VENDOR, sector, size, 0, loc, area])
            labels.append(label)
    # rows are (role, sector, size, cooperative, location, area): the columns K.S_*
    EI0 = np.array(rows, dtype=np.int64).reshape(-1, K.NS)
    orgs: list[list[int]] = []
    org_labels: list[str] = []
    org_groups = data["research_organisations"]
    if not isinstance(org_groups, list):
        raise InputError(path, "research_organisations", "must be an array of tables")
    for g, grp in enumerate(org_groups):
        where = f"research_organisations[{g}]"
        check_keys(path, where, grp, {"label", "location", "sector", "university", "count",
                                      "status", "source", "area", "standing"},
                   {"label", "location", "sector", "count"})
        loc = loc_ids.index(get_str(path, f"{where}.location", grp["location"], loc_ids))
        area = area_index(path, where, grp, locations[loc].scope == "province", area_ids)
        # standing: the location whose quality and output rate its offers have
        standing = loc_ids.index(get_str(path, f"{where}.standing",
                                         grp.get("standing", loc_ids[loc]), loc_ids))
        sector = sec_ids.index(get_str(path, f"{where}.sector", grp["sector"], sec_ids))
        uni = grp.get("university", False)
        if not isinstance(uni, bool):
            raise InputError(path, f"{where}.university", "must be true or false")
        count = int(get_number(path, f"{where}.count", grp["count"], 0, 1e5, True))
        for _ in range(count):
            orgs.append([loc, sector, int(uni), area, standing])
            org_labels.append(get_str(path, f"{where}.label", grp["label"]))
    if not any(locations[o[0]].scope in ("province", "vietnam") for o in orgs):
        raise InputError(path, "research_organisations",
                         "needs at least one organisation at a location of scope province or "
                         "vietnam")
    if len(rows) + len(orgs) + 100_000 >= K.MAX_AGENTS - 100_000:
        raise InputError(path, "enterprises",
                         f"too many agents (at most {K.MAX_AGENTS - 200_002} enterprises "
                         "and research organisations)")
    n_service = len(orgs) + sum(1 for r in rows if r[0] == K.ROLE_VENDOR)
    if capacity["offers"] <= n_service:
        raise InputError(path, "capacity.offers",
                         f"must hold the {n_service} standing service offers (one per research "
                         f"organisation and vendor) and more: at least {n_service + 1}, "
                         f"got {capacity['offers']}")
    RI0 = np.array(orgs, dtype=np.int64).reshape(-1, K.NRS)
    specs = parse_parameters(path, data["parameters"])
    specs.update(structure_specs)
    return Profile(
        id=get_str(path, "profile.id", head["id"]),
        name=get_str(path, "profile.name", head["name"]),
        name_vi=get_str(path, "profile.name_vi", head.get("name_vi", head["name"])),
        start_year=start, end_year=end, EI0=EI0, RI0=RI0, enterprise_labels=labels,
        research_labels=org_labels,
        space=ParameterSpace(specs, _layout(entities), _order(entities)), capacity=capacity,
        sectors=sectors, sizes=sizes, locations=locations, facts=data.get("facts", {}),
        targets=_targets_file(path, get_str(path, "profile.targets",
                                            head.get("targets", "targets_2257.toml"))),
        path=path, areas=area_set)


def _read_structure(path: Path, data: dict) -> tuple[tuple[list[Entity], ...],
                                                     dict[str, ParamSpec]]:
    """The ``[[sectors]]``, ``[[sizes]]`` and ``[[locations]]`` tables: their entities
    and the specs of their per-entity parameters (``family.id``)."""
    entities: list[list[Entity]] = []
    specs: dict[str, ParamSpec] = {}
    for key, families, _ in _STRUCTURE:
        table = data[key]
        if not isinstance(table, list) or not table:
            raise InputError(path, key, "must be a non-empty array of tables")
        seen: list[str] = []
        out: list[Entity] = []
        fam_keys = {k for _, k in families}
        extra = {"scope"} if key == "locations" else set()
        for j, ent in enumerate(table):
            where = f"{key}[{j}]"
            check_keys(path, where, ent, {"id", "label", "label_vi"} | fam_keys | extra,
                       {"id", "label"} | fam_keys | extra)
            eid = get_str(path, f"{where}.id", ent["id"])
            if not _ID.fullmatch(eid):
                raise InputError(path, f"{where}.id", "must be lower-case letters, digits "
                                                      f"and _, starting with a letter, got {eid!r}")
            if eid in seen:
                raise InputError(path, f"{where}.id", f"duplicate id {eid!r} among {key}")
            seen.append(eid)
            label = get_str(path, f"{where}.label", ent["label"])
            scope = get_str(path, f"{where}.scope", ent["scope"], K.SCOPE_NAMES) if extra else ""
            out.append(Entity(eid, label, get_str(path, f"{where}.label_vi",
                                                  ent.get("label_vi", label)), scope))
            for fam, k in families:
                if not isinstance(ent[k], dict):
                    raise InputError(path, f"{where}.{k}", "must be a parameter spec (a table "
                                                           "with value, or prior, low, high "
                                                           "and reason)")
                specs[f"{fam}.{eid}"] = parse_spec(path, f"{where}.{k}", f"{fam}.{eid}",
                                                   ent[k])
        entities.append(out)
    sectors, _, locations = entities
    total = sum(specs[f"task_share.{x.id}"].central for x in sectors)
    if abs(total - 1.0) > 1e-6:
        raise InputError(path, "sectors", f"the sectors' task_share must add up to 1 (central "
                                          f"values), got {total:.6g}")
    if not any(x.scope == "province" for x in locations):
        raise InputError(path, "locations", "needs a location of scope \"province\" (where "
                                            "the province's buyers are)")
    return tuple(entities), specs


def _layout(entities) -> list[str]:
    """Names of a parameter vector's elements: the global parameters, then each
    entity's per-entity parameters (as :func:`stmarket.model.kernels.set_structure`
    reads them)."""
    names = list(K.PARAM_NAMES)
    for (_, families, _), ents in zip(_STRUCTURE, entities, strict=True):
        names += [f"{fam}.{x.id}" for x in ents for fam, _ in families]
    return names


def _order(entities) -> list[str]:
    """Sampling order: :data:`~stmarket.model.kernels.PARAM_ORDER`, each ``family.*``
    expanded over its entities in profile order."""
    ids = {fam: [x.id for x in ents]
           for (_, families, _), ents in zip(_STRUCTURE, entities, strict=True)
           for fam, _ in families}
    order: list[str] = []
    for name in K.PARAM_ORDER:
        if name.endswith(".*"):
            order += [f"{name[:-2]}.{i}" for i in ids[name[:-2]]]
        else:
            order.append(name)
    return order
