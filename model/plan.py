"""Plans as data: a plan's instruments and how each feeds the model's mechanisms.

The numba core knows six mechanisms, the capability stocks of docs/ODD.md 7.1
(:data:`MECHANISMS`, row ``m`` of the lever array ``LEV[6, n_years]`` the kernels
take). A plan file (``scenarios/plans/NAME.toml``) declares the instruments a plan
funds, and for each one which mechanisms a bn VND of it feeds (weights summing to 1)
and an efficacy (a fixed value or a prior, with its reason)::

    [programme]
    id = "plan_vouchers"
    name = "An innovation-voucher plan"

    [instruments.voucher]
    label = "Innovation vouchers"
    label_vi = "Phiếu hỗ trợ đổi mới sáng tạo"
    mechanisms = { demand = 0.6, promotion = 0.4 }
    reason = "why these weights"

    [instruments.voucher.efficacy]
    prior = "uniform"
    low = 0.5
    high = 1.2
    reason = "why this range"

The effective budget of mechanism ``m`` in year ``y`` is
``sum_i budget[i, y] * efficacy[i] * weight[i, m]``. Decision 2257's six task groups
(``plan_2257``, the default plan) map one to one with efficacy exactly 1: the
mechanisms' priors were set for them. An uncertain efficacy is drawn per run as a pure
function of (seed, run, instrument): scenarios of one plan share the draws of a run.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.params import ParamSpec

#: The model's mechanisms, in the kernels' lever order (docs/ODD.md, 7.1).
MECHANISMS = ("legal", "demand", "supply", "intermediation", "promotion", "training")
MECHANISM_TITLES = {
    "legal": "legal and policy environment (deal closing, IP support)",
    "demand": "enterprises' absorption and co-funding of purchases",
    "supply": "research supply and commercialisation",
    "intermediation": "intermediary organisations",
    "promotion": "market promotion and techmarts",
    "training": "training, communication, international links",
}
#: The plan a scenario follows when it names none.
DEFAULT_PLAN = "plan_2257"
#: Widest efficacy a plan may state (a bn VND of an instrument acting as ten of the
#: mechanism it feeds is far beyond anything the mechanisms' priors allow).
MAX_EFFICACY = 10.0
_WEIGHT_TOL = 1e-9
_TAG = 0xEFF1CA  # separates the efficacy draws from any other use of the seed


@dataclass(frozen=True)
class Instrument:
    """One instrument of a plan.

    Attributes
    ----------
    id, label, label_vi, reason : str
    weights : tuple of float
        Share of a bn VND that feeds each mechanism (:data:`MECHANISMS` order).
    efficacy : ParamSpec
        Effective bn VND of mechanism per bn VND spent: a value or a prior.
    """

    id: str
    label: str
    label_vi: str
    weights: tuple[float, ...]
    efficacy: ParamSpec
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    """A plan: its instruments, in file order (row ``i`` of the budgets)."""

    id: str
    name: str
    name_vi: str
    instruments: tuple[Instrument, ...]
    description: str = ""
    path: Path | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.instruments)

    @property
    def titles(self) -> dict[str, tuple[str, str]]:
        """Instrument id -> (label, label_vi)."""
        return {i.id: (i.label, i.label_vi) for i in self.instruments}

    @property
    def weights(self) -> np.ndarray:
        """float64[n_instruments, 6]."""
        return np.array([i.weights for i in self.instruments], dtype=np.float64)

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Ids of the instruments whose efficacy is a prior."""
        return tuple(i.id for i in self.instruments if i.efficacy.uncertain)

    def central_efficacy(self) -> np.ndarray:
        """float64[n_instruments]: each efficacy's value or prior median."""
        return np.array([i.efficacy.central for i in self.instruments])

    def efficacies(self, seed: int, runs: np.ndarray) -> np.ndarray:
        """float64[n, n_instruments]: the efficacies of runs ``runs`` of seed ``seed``.

        A fixed efficacy is its value; an uncertain one is its prior's quantile at a
        uniform that is a pure function of (seed, run, instrument id), whatever the
        range or chunk of runs asked for.
        """
        runs = np.asarray(runs, dtype=np.int64)
        out = np.tile(self.central_efficacy(), (runs.size, 1))
        for k, ins in enumerate(self.instruments):
            if ins.efficacy.uncertain:
                out[:, k] = ins.efficacy.ppf(_uniforms(seed, runs, ins.id))
        return out

    def to_mechanisms(self, budgets: np.ndarray, efficacy: np.ndarray | None = None
                      ) -> np.ndarray:
        """Effective budgets of the six mechanisms from the instruments' budgets.

        Parameters
        ----------
        budgets : float64[..., n_instruments, n_years]
            Yearly budget of each instrument, bn VND.
        efficacy : float64[n_instruments] or float64[n, n_instruments], optional
            The central efficacies by default; with one row per run, the result has a
            leading run axis.

        Returns
        -------
        float64[..., 6, n_years] (``[n, 6, n_years]`` with per-run efficacies)
        """
        b = np.asarray(budgets, dtype=np.float64)
        e = self.central_efficacy() if efficacy is None else np.asarray(efficacy, float)
        w = self.weights
        if e.ndim == 1:
            return np.einsum("...iy,i,im->...my", b, e, w)
        return np.einsum("...iy,ni,im->nmy", b, e, w) if b.ndim == 2 else \
            np.einsum("niy,ni,im->nmy", b, e, w)

    def check_instrument(self, source, key: str, name: str, value: bool = False) -> str:
        """``name`` if it is one of this plan's instruments, else an InputError (worded
        for a table's key, or for a ``value``)."""
        if name not in self.ids:
            what = "must be one of" if value else "unknown key; allowed:"
            raise InputError(source, key, f"{what} {', '.join(self.ids)} (the instruments "
                                          f"of plan {self.id!r}), got {name!r}")
        return name


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _uniforms(seed: int, runs: np.ndarray, instrument: str) -> np.ndarray:
    """One uniform in [0, 1) per run: a pure function of (seed, run, instrument)."""
    salt = zlib.crc32(instrument.encode("utf-8"))
    with np.errstate(over="ignore"):
        key = _splitmix(np.array([_TAG ^ (int(seed) & 0xFFFFFFFFFFFFFFFF)], np.uint64))
        key = _splitmix(key ^ np.uint64(salt))
        z = _splitmix(_splitmix(np.asarray(runs).astype(np.uint64) ^ key))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def plans_dir() -> Path:
    from stmarket.model.profile import scenarios_dir

    return scenarios_dir() / "plans"


def resolve_plan(name: str | Path, near: Path | None = None) -> Path:
    """A plan file: a bare name (``"plan_2257"``) is a bundled plan; a file name or
    path (``"my_plan.toml"``) is read beside ``near`` (the scenario naming it) if there,
    else as given."""
    path = Path(name)
    if near is not None and not path.is_absolute() and path.suffix == ".toml":
        cand = near.parent / path
        if cand.is_file():
            return cand
    if path.suffix == ".toml" and path.exists():
        return path
    if len(path.parts) == 1:
        bundled = plans_dir() / (path.name if path.suffix else f"{name}.toml")
        if bundled.exists():
            return bundled
    if path.suffix == ".toml" or len(path.parts) > 1:
        return path  # the reader says "file not found" with the path given
    available = sorted(p.stem for p in plans_dir().glob("*.toml"))
    raise InputError(name, "", f"no such plan file, and no bundled plan of that name; "
                               f"bundled: {', '.join(available)}")


def load_plan(name: str | Path = DEFAULT_PLAN, near: Path | None = None) -> Plan:
    """Read and validate a plan file (bundled name or path).

    Parameters
    ----------
    name : str or Path
    near : Path, optional
        A file the name is relative to (a scenario naming its plan).
    """
    path = resolve_plan(name, near)
    return _load_cached(str(path.resolve()) if path.exists() else str(path))


@lru_cache(maxsize=32)
def _load_cached(path_s: str) -> Plan:
    path = Path(path_s)
    data = read_toml(path)
    check_keys(path, "", data, {"programme", "instruments"}, {"programme", "instruments"})
    head = data["programme"]
    check_keys(path, "programme", head, {"id", "name", "name_vi", "description", "source"},
               {"id", "name"})
    for k in ("description", "source"):
        if k in head:
            get_str(path, f"programme.{k}", head[k])
    table = data["instruments"]
    if not isinstance(table, dict) or not table:
        raise InputError(path, "instruments", "must hold at least one [instruments.ID] table")
    if len(table) > 100:
        raise InputError(path, "instruments", f"at most 100 instruments, got {len(table)}")
    instruments = tuple(_instrument(path, str(k), v) for k, v in table.items())
    name = get_str(path, "programme.name", head["name"])
    return Plan(get_str(path, "programme.id", head["id"]), name,
                get_str(path, "programme.name_vi", head.get("name_vi", name)), instruments,
                head.get("description", ""), path)


def _instrument(path: Path, iid: str, t) -> Instrument:
    where = f"instruments.{iid}"
    if not (iid.isascii() and iid.replace("_", "").isalnum() and iid[:1].isalpha()):
        raise InputError(path, where, "an instrument id is letters, digits and _ "
                                      "(starting with a letter)")
    if not isinstance(t, dict):
        raise InputError(path, where, "must be a table")
    check_keys(path, where, t, {"label", "label_vi", "mechanisms", "efficacy", "reason"},
               {"label", "mechanisms", "efficacy", "reason"})
    label = get_str(path, f"{where}.label", t["label"])
    label_vi = get_str(path, f"{where}.label_vi", t.get("label_vi", label))
    reason = get_str(path, f"{where}.reason", t["reason"])
    mech = t["mechanisms"]
    if not isinstance(mech, dict) or not mech:
        raise InputError(path, f"{where}.mechanisms", "must be a table such as "
                                                      "{ demand = 0.6, promotion = 0.4 }")
    w = np.zeros(len(MECHANISMS))
    for m, v in mech.items():
        if m not in MECHANISMS:
            raise InputError(path, f"{where}.mechanisms.{m}",
                             f"not a mechanism of the model; allowed: {', '.join(MECHANISMS)}")
        w[MECHANISMS.index(m)] = get_number(path, f"{where}.mechanisms.{m}", v, 0.0, 1.0)
    if abs(w.sum() - 1.0) > _WEIGHT_TOL:
        raise InputError(path, f"{where}.mechanisms",
                         f"the weights must sum to 1, got {w.sum():g}")
    efficacy = _efficacy(path, f"{where}.efficacy", t["efficacy"])
    return Instrument(iid, label, label_vi, tuple(map(float, w)), efficacy, reason)


def _efficacy(path: Path, where: str, e) -> ParamSpec:
    """An efficacy: ``value`` (with reason or source) or a uniform/loguniform prior."""
    if not isinstance(e, dict):
        raise InputError(path, where, "must be a table: value = ..., or prior with low "
                                      "and high, and a reason")
    check_keys(path, where, e, {"value", "prior", "low", "high", "reason", "source",
                                "status"}, {"reason"})
    text = {k: get_str(path, f"{where}.{k}", e[k]) for k in ("reason", "source", "status")
            if k in e}
    name = where.split(".")[1]
    if "value" in e:
        if any(k in e for k in ("prior", "low", "high")):
            raise InputError(path, where, "give either value or prior/low/high, not both")
        v = get_number(path, f"{where}.value", e["value"], 0.0, MAX_EFFICACY)
        return ParamSpec(f"efficacy_{name}", v, None, v, v, **text)
    if "prior" not in e:
        raise InputError(path, where, "needs value, or prior with low and high")
    prior = get_str(path, f"{where}.prior", e["prior"], ("uniform", "loguniform"))
    for k in ("low", "high"):
        if k not in e:
            raise InputError(path, f"{where}.{k}", "missing required key")
    lo = get_number(path, f"{where}.low", e["low"], 0.0, MAX_EFFICACY)
    hi = get_number(path, f"{where}.high", e["high"], 0.0, MAX_EFFICACY)
    if not lo < hi:
        raise InputError(path, f"{where}.high", f"must be above low ({lo:g}), got {hi:g}")
    if prior == "loguniform" and lo <= 0:
        raise InputError(path, f"{where}.low", "a loguniform prior needs low > 0")
    return ParamSpec(f"efficacy_{name}", None, prior, lo, hi, **text)
