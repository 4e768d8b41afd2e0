"""Sweep designs as data: factors over levers and parameters, points, and run inputs.

A design file (TOML, parsed as data only) names a base scenario, a method (full
factorial, Latin hypercube or Sobol), the factors and the seed replicates::

    [sweep]
    id = "tg4_by_tg1"
    scenario = "plan_2257"        # levers the design does not sweep come from here
    method = "factorial"          # factorial | lhs | sobol
    seeds = 50                    # runs per design point
    seed = 1

    [factors.tg4_level]
    lever = "tg4_intermediary"    # a lever and one key of its schedule ...
    key = "level"                 # level | start_year | ramp_years | end_year
    values = [0.0, 0.5, 1.0]      # factorial: the values; lhs and sobol: low and high

    [factors.need]
    parameter = "need_rate"       # ... or an uncertain or fixed parameter
    low = 0.001
    high = 0.003

Run ``r`` is design point ``r // seeds``, replicate ``r % seeds``, random key
``(seed, r)``. With ``uncertainty = "priors"`` (the default) every run also has its
own sample of the uncertain parameters the design does not sweep (the Monte Carlo's
block Latin hypercube, :func:`stmarket.experiments.assessment.montecarlo.design_runs`); with
``"central"`` they sit at their prior medians. A run's inputs are a pure function of
the design and ``r``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml
from stmarket.model.params import _INTEGERS, domain
from stmarket.model.scenario import MAX_BUDGET

METHODS = ("factorial", "lhs", "sobol")
LEVER_KEYS = ("level", "start_year", "ramp_years", "end_year")
UNCERTAINTY = ("priors", "central")
#: Largest design the tool accepts (runs); beyond it, split the design.
MAX_RUNS = 100_000_000
MAX_POINTS = 1_000_000
MAX_CHUNK = 100_000
#: Largest memory the per-point summary counters may take (about 38,000 points).
MAX_SUMMARY_BYTES = 2 * 2**30
_TAG = 0x5EE9


@dataclass(frozen=True)
class Factor:
    """One swept quantity: a lever's schedule key or a parameter."""

    name: str
    lever: str | None = None
    key: str | None = None
    parameter: str | None = None
    values: tuple[float, ...] | None = None
    low: float | None = None
    high: float | None = None

    @property
    def integer(self) -> bool:
        return (self.lever is not None and self.key != "level") or \
            (self.parameter in _INTEGERS)


@dataclass
class SweepDesign:
    """A parsed, validated design file."""

    id: str
    name: str
    method: str
    factors: list[Factor]
    seeds: int
    seed: int
    samples: int
    scenario: str
    profile: str
    targets: str | None
    world: str
    uncertainty: str
    chunk: int
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False)
    #: pass marks changed from the targets file's: ``(id, threshold, high)`` triples
    #: (``stmarket sweep --target-threshold``; ``high`` None except for a range target)
    thresholds: tuple[tuple[str, float, float | None], ...] = ()

    @property
    def n_points(self) -> int:
        if self.method == "factorial":
            return math.prod(len(f.values) for f in self.factors)
        return self.samples

    @property
    def n_runs(self) -> int:
        return self.n_points * self.seeds

    def canonical(self) -> dict:
        """The design as plain data (what it means, not how the file was written)."""
        return {
            "id": self.id, "method": self.method, "seeds": self.seeds, "seed": self.seed,
            "samples": self.samples, "scenario": self.scenario, "profile": self.profile,
            "targets": self.targets, "world": self.world, "uncertainty": self.uncertainty,
            "chunk": self.chunk,
            "factors": [{k: v for k, v in f.__dict__.items() if v is not None}
                        for f in self.factors],
            # only when changed, so that a design's hash stays what it was without them
            **({"thresholds": [list(m) for m in self.thresholds]} if self.thresholds else {}),
        }

    def with_targets(self, targets: str | None = None,
                     thresholds: Sequence[tuple[str, float, float | None]] | None = None
                     ) -> SweepDesign:
        """This design scoring another targets file (``targets``: a bundled name or a
        path, resolved beside the design file first, as ``sweep.targets``) and/or with
        pass marks changed (``thresholds``: ``(id, threshold, high)`` triples, checked when
        the design is loaded, :meth:`SweepPlan.load`). Both are part of :meth:`hash`."""
        return replace(self, targets=self.targets if targets is None else targets,
                       thresholds=self.thresholds if thresholds is None else
                       tuple((str(i), float(v), None if h is None else float(h))
                             for i, v, h in thresholds))

    def hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, default=list)
        return hashlib.sha256(text.encode()).hexdigest()

    def points(self) -> np.ndarray:
        """float64[n_points, n_factors]: the factor values of every design point."""
        d = len(self.factors)
        if self.method == "factorial":
            grid = itertools.product(*(f.values for f in self.factors))
            return np.array(list(grid), dtype=np.float64).reshape(-1, d)
        from scipy.stats import qmc

        rng = np.random.default_rng([_TAG, self.seed])
        if self.method == "lhs":
            u = qmc.LatinHypercube(d=d, rng=rng).random(self.samples)
        else:
            u = qmc.Sobol(d=d, scramble=True, rng=rng).random(self.samples)
        lo = np.array([f.low for f in self.factors])
        hi = np.array([f.high for f in self.factors])
        pts = lo + u * (hi - lo)
        for j, f in enumerate(self.factors):
            if f.integer:
                pts[:, j] = np.floor(lo[j] + u[:, j] * (hi[j] - lo[j] + 1)).clip(lo[j], hi[j])
        return pts


def _factor(path, name: str, t: dict, method: str) -> Factor:
    where = f"factors.{name}"
    check_keys(path, where, t, {"lever", "key", "parameter", "values", "low", "high",
                                "reason"})
    if ("lever" in t) == ("parameter" in t):
        raise InputError(path, where, "needs either lever (with key) or parameter")
    lever = key = parameter = None
    if "lever" in t:
        # an instrument of the base scenario's plan: checked when the plan is loaded
        lever = get_str(path, f"{where}.lever", t["lever"])
        if "key" not in t:
            raise InputError(path, f"{where}.key", f"missing required key; one of "
                                                   f"{', '.join(LEVER_KEYS)}")
        key = get_str(path, f"{where}.key", t["key"], LEVER_KEYS)
        lo_d, hi_d = (0.0, MAX_BUDGET) if key == "level" else (
            (0.0, 50.0) if key == "ramp_years" else (1990.0, 2100.0))
        integer = key != "level"
    else:
        if "key" in t:
            raise InputError(path, f"{where}.key", "only a lever factor takes key")
        parameter = get_str(path, f"{where}.parameter", t["parameter"])
        if parameter not in K.PARAM_NAMES and parameter.split(".")[0] not in K.FAMILY_NAMES:
            raise InputError(path, f"{where}.parameter",
                             f"must be a parameter: one of {', '.join(K.PARAM_NAMES)}, or "
                             f"family.id with a family among {', '.join(K.FAMILY_NAMES)}, "
                             f"got {parameter!r}")
        lo_d, hi_d = domain(parameter)
        integer = parameter in _INTEGERS
    if "reason" in t:
        get_str(path, f"{where}.reason", t["reason"])
    if method == "factorial":
        if "low" in t or "high" in t or "values" not in t:
            raise InputError(path, where, "a factorial design gives values = [...] for each "
                                          "factor (not low/high)")
        vals = t["values"]
        if not isinstance(vals, list) or not 1 <= len(vals) <= 10_000:
            raise InputError(path, f"{where}.values", "must be a list of 1 to 10000 numbers")
        out = tuple(get_number(path, f"{where}.values[{k}]", v, lo_d, hi_d, integer)
                    for k, v in enumerate(vals))
        if len(set(out)) != len(out):
            raise InputError(path, f"{where}.values", "values must not repeat")
        return Factor(name, lever, key, parameter, values=out)
    if "values" in t or "low" not in t or "high" not in t:
        raise InputError(path, where, f"a {method} design gives low and high for each factor "
                                      "(not values)")
    lo = get_number(path, f"{where}.low", t["low"], lo_d, hi_d, integer)
    hi = get_number(path, f"{where}.high", t["high"], lo_d, hi_d, integer)
    if not lo < hi:
        raise InputError(path, f"{where}.high", f"must be above low ({lo:g}), got {hi:g}")
    return Factor(name, lever, key, parameter, low=lo, high=hi)


def load_design(name: str | Path) -> SweepDesign:
    """Read and validate a sweep design (bundled name or path)."""
    from stmarket.model.profile import resolve

    path = resolve(name, "sweeps")
    data = read_toml(path)
    check_keys(path, "", data, {"sweep", "factors"}, {"sweep", "factors"})
    s = data["sweep"]
    check_keys(path, "sweep", s, {"id", "name", "description", "method", "samples", "seeds",
                                  "seed", "scenario", "profile", "targets", "world",
                                  "uncertainty", "chunk"}, {"id", "method"})
    method = get_str(path, "sweep.method", s["method"], METHODS)
    seeds = int(get_number(path, "sweep.seeds", s.get("seeds", 1), 1, MAX_RUNS, True))
    seed = int(get_number(path, "sweep.seed", s.get("seed", 0), 0, 2**62 - 1, True))
    chunk = int(get_number(path, "sweep.chunk", s.get("chunk", 256), 1, MAX_CHUNK, True))
    samples = 0
    if method == "factorial":
        if "samples" in s:
            raise InputError(path, "sweep.samples", "a factorial design takes no samples "
                                                    "(its points are every combination)")
    else:
        if "samples" not in s:
            raise InputError(path, "sweep.samples", f"a {method} design needs samples "
                                                    "(design points)")
        samples = int(get_number(path, "sweep.samples", s["samples"], 1, MAX_POINTS, True))
        if method == "sobol" and samples & (samples - 1):
            raise InputError(path, "sweep.samples", f"a Sobol design needs a power of 2 "
                                                    f"(e.g. 64, 128), got {samples}")
    factors_t = data["factors"]
    if not isinstance(factors_t, dict) or not factors_t:
        raise InputError(path, "factors", "must hold at least one [factors.NAME] table")
    if len(factors_t) > 200:
        raise InputError(path, "factors", f"at most 200 factors, got {len(factors_t)}")
    factors = [_factor(path, str(n), t, method) for n, t in factors_t.items()]
    seen: set = set()
    for f in factors:
        what = (f.lever, f.key) if f.lever else (f.parameter,)
        if what in seen:
            raise InputError(path, f"factors.{f.name}", f"sweeps {'.'.join(what)} twice")
        seen.add(what)
    design = SweepDesign(
        id=get_str(path, "sweep.id", s["id"]), name=get_str(path, "sweep.name",
                                                            s.get("name", s["id"])),
        method=method, factors=factors, seeds=seeds, seed=seed, samples=samples,
        scenario=get_str(path, "sweep.scenario", s.get("scenario", "no_programme")),
        profile=get_str(path, "sweep.profile", s.get("profile", "bac_kan")),
        targets=get_str(path, "sweep.targets", s["targets"]) if "targets" in s else None,
        world=get_str(path, "sweep.world", s.get("world", "priors")),
        uncertainty=get_str(path, "sweep.uncertainty", s.get("uncertainty", "priors"),
                            UNCERTAINTY),
        chunk=chunk, path=path, raw=data)
    if "description" in s:
        get_str(path, "sweep.description", s["description"])
    if design.n_points > MAX_POINTS:
        raise InputError(path, "factors", f"{design.n_points} design points; at most "
                                          f"{MAX_POINTS}")
    if design.n_runs > MAX_RUNS:
        raise InputError(path, "sweep.seeds", f"{design.n_runs} runs; at most {MAX_RUNS}")
    return design


def _near(path: Path | None, name: str) -> str | Path:
    """A name relative to the design file's folder if such a file exists there."""
    if path is not None and not Path(name).is_absolute():
        cand = path.parent / name
        if cand.suffix == ".toml" and cand.exists():
            return cand
    return name


@dataclass
class SweepPlan:
    """A design with its inputs loaded: everything needed to compute any run."""

    design: SweepDesign
    profile: object
    targets: object
    scenario: object
    world: object
    points: np.ndarray

    @classmethod
    def load(cls, design: SweepDesign) -> SweepPlan:
        from stmarket.model import load_profile, load_scenario, load_targets
        from stmarket.model.errors import InputError as IE
        from stmarket.model.world import load_world

        where = design.path or "design"
        try:
            prof = load_profile(_near(design.path, design.profile))
            ts = load_targets(_near(design.path, design.targets or prof.targets),
                              years=prof.years)
            sc = load_scenario(_near(design.path, design.scenario))
            w = load_world(_near(design.path, design.world), prof.space.uncertain)
        except IE as exc:
            raise InputError(where, "sweep", f"cannot load an input it names: {exc}") from None
        ts = ts.with_thresholds(design.thresholds)  # --target-threshold: its own line
        for f in design.factors:
            if f.parameter is not None and f.parameter not in prof.space.specs:
                raise InputError(where, f"factors.{f.name}.parameter", "unknown parameter")
            if f.lever is not None:
                sc.plan.check_instrument(where, f"factors.{f.name}.lever", f.lever,
                                         value=True)
        from stmarket.experiments.sweeps.summary import SweepSummary

        need = SweepSummary.bytes_needed(design.n_points, prof.n_years)
        if need > MAX_SUMMARY_BYTES:
            raise InputError(where, "factors",
                             f"{design.n_points} design points need {need / 2**30:.1f} GiB of "
                             f"summary counters (at most {MAX_SUMMARY_BYTES // 2**30} GiB): use "
                             "fewer points and more seeds per point")
        return cls(design, prof, ts, sc, w, design.points())

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 of the profile, targets, scenario (its bases and plan) and world files."""
        files = {"profile": self.profile.path, "targets": self.targets.path,
                 "scenario": self.scenario.path, "world": getattr(self.world, "path", None)}
        for k, b in enumerate(getattr(self.scenario, "bases", ())):
            files[f"scenario_base_{k}"] = b
        files["plan"] = self.scenario.plan.path
        return {k: hashlib.sha256(Path(p).read_bytes()).hexdigest() for k, p in files.items()
                if p is not None}

    def run_inputs(self, start: int, stop: int):
        """Inputs of runs ``start:stop``.

        Returns
        -------
        P : float64[n, NP]
        LEV : float64[n, 6, n_years]
            The mechanisms' budgets: the instruments' budgets through the base
            scenario's plan, with each run's efficacies (:meth:`Plan.efficacies` of
            the design's seed and the run).
        seeds, runs, point, replicate : int64[n]
        errors : list of str
            Empty for a valid run; otherwise why the run cannot be made (the run is
            recorded as failed and the sweep goes on).
        """
        from stmarket.experiments.assessment.montecarlo import design_runs
        from stmarket.model.scenario import Scenario

        d = self.design
        prof = self.profile
        r = np.arange(start, stop, dtype=np.int64)
        point, replicate = r // d.seeds, r % d.seeds
        if d.uncertainty == "priors":
            P = design_runs(prof, d.seed, start, stop, 1, self.world).P
        else:
            P = np.tile(prof.space.central(), (r.size, 1))
        plan = self.scenario.plan
        B = np.empty((r.size, len(plan.ids), prof.n_years))
        errors = [""] * r.size
        lever_f = [(j, f) for j, f in enumerate(d.factors) if f.lever is not None]
        for j, f in enumerate(d.factors):
            if f.parameter is not None:
                P[:, prof.space.index(f.parameter)] = self.points[point, j]
        base_lev = self.scenario.instrument_budgets(prof.years)
        by_point: dict[int, tuple[np.ndarray, str]] = {}
        for i, pt in enumerate(point):
            if not lever_f:
                B[i] = base_lev
                continue
            if pt not in by_point:
                levers = {g: dict(v) for g, v in self.scenario.levers.items()}
                for j, f in lever_f:
                    v = self.points[pt, j]
                    levers.setdefault(f.lever, {})[f.key] = int(v) if f.integer else float(v)
                err = ""
                for g, s in levers.items():
                    if s.get("start_year", -1) > s.get("end_year", 10**9):
                        err = (f"levers.{g}: start_year {s['start_year']} is after "
                               f"end_year {s['end_year']}")
                sc = Scenario(self.scenario.id, self.scenario.name, levers=levers, plan=plan)
                by_point[pt] = (sc.instrument_budgets(prof.years), err)
            B[i], errors[i] = by_point[pt]
            p = P[i]
            for a, b in (("task_duration_min", "task_duration_max"), ("ec_base", "ec_max")):
                pa, pb = p[prof.space.index(a)], p[prof.space.index(b)]
                if pa > pb:
                    errors[i] = errors[i] or f"parameters: {a} {pa:g} is above {b} {pb:g}"
        seeds = np.full(r.size, d.seed, dtype=np.int64)
        eff = plan.efficacies(d.seed, r) if plan.uncertain else \
            np.tile(plan.central_efficacy(), (r.size, 1))
        LEV = plan.to_mechanisms(B, eff)
        return P, LEV, seeds, r, point, replicate, errors
