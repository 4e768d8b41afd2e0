"""Calibration by Approximate Bayesian Computation (ABC-SMC) on the fast core.

What is observed of the province is data (``scenarios/observations/*.toml``): each
entry a summary statistic of the model's yearly indicators (``level``: an indicator in
a year or its mean over years; ``growth``: compound annual growth between two years;
``ratio``: one indicator's sum over years divided by another's), with a value, an
uncertainty and a source. The calibration finds the parameter values under which the
model reproduces them.

Method: ABC population Monte Carlo (Beaumont, Cornuet, Marin & Robert 2009; Toni et
al. 2009) in the unit cube of the priors, so uniform and log-uniform priors are exact
(the prior density is 1 in the cube). Generation 0 samples the prior; generation t
proposes by picking a particle of t-1 by weight and perturbing it with a Gaussian of
twice the weighted variance of each coordinate, reflected at the cube's faces (the
component-wise kernel of Beaumont et al.; reflection keeps the kernel's density exact,
which a full covariance would not allow); importance weights are prior / proposal
mixture. With many fitted parameters and few statistics most coordinates stay close to
their prior, and perturbing them all makes the weights degenerate (the mixture of
products of 80 kernels is lumpy: the effective sample size fell to 2 % in 8
generations). So a coordinate whose population does not depart from the uniform
prior by more than :data:`Z_INFORMED` standard errors, in mean or sd, is proposed
afresh from the prior: its kernel is the prior itself, exact, and contributes a factor
1 to the weights. With no coordinate informed, a generation is rejection ABC.

Distances are the fitted statistics standardised by their sd (Euclidean). Acceptance
uses a Gaussian kernel, probability ``exp(-d^2 / (2 eps^2))``. Each tolerance is the
one at which reweighting the previous population keeps a share ``alpha`` of its
effective sample size (Del Moral, Doucet & Jasra 2012), down to ``eps = 1``: at 1 the
population is the posterior under Gaussian observation errors with the stated sd
(Wilkinson 2013, "ABC gives exact results under the assumption of model error"),
which ends the schedule. (A quantile of the previous distances, the usual rule,
stalls above 1 here: the model's own noise keeps half of the accepted distances
above 1.5.)

Parameters not fitted are sampled from their prior for each simulation (``others =
"prior"``, the default: the posterior integrates over them) or held at their prior
median (``"central"``). Every random number is a pure function of the seed, the
generation and the attempt index: proposals come from
``default_rng([TAG, seed, generation, batch])`` with batch sizes that depend only on
earlier results, and attempt ``i`` of generation ``g`` is the core's run
``RUN_BASE + g * 2**32 + i`` under key ``seed``. Results do not depend on threads.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.assessment.posterior import (  # noqa: F401 (part of the API)
    TAG,
    Posterior,
    apply_posterior,
    load_posterior,
    posterior_rows,
    resample,
    run_uniforms,
)
from stmarket.experiments.calibration.plots import fit_figure, marginals_figure
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml

KINDS = ("level", "growth", "ratio")
SCALES = ("linear", "log")
ROLES = ("fit", "check")
STATUSES = ("firm", "stylised")
OTHERS = ("prior", "central")
Z90 = 1.6448536269514722  # a range [low, high] is a 90 % interval: sd = width / (2 Z90)
RUN_BASE = 1 << 60  # core run keys of the calibration, far from the Monte Carlo's 0, 1, ...
PREDICTIVE = 4095  # the generation index of the posterior-predictive runs
#: A coordinate is perturbed only if its population departs from the uniform prior by
#: more than this many standard errors (in mean or sd); otherwise it is proposed afresh
#: from the prior, an exact kernel (see the module's docstring).
Z_INFORMED = 3.0
#: A tolerance within this factor of the final one is replaced by the final one.
FINAL_STEP = 1.1
_ENTRY_KEYS = {"kind", "indicator", "denominator", "year", "years", "value", "sd", "range",
               "scale", "role", "status", "source", "note"}


# ----------------------------------------------------------------------------------
# Observations
# ----------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------
# ABC-SMC in the unit cube (generic: any simulator of statistics)
# ----------------------------------------------------------------------------------
@dataclass
class SMCResult:
    """The last complete population of an ABC-SMC, and how it was reached.

    ``u``: float64[n, dims] particles in the unit cube; ``weights`` (sum 1);
    ``distances`` and ``stats`` (raw statistics) of each particle; ``prior_stats``:
    the statistics of every generation-0 simulation (the prior predictive)."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    prior_stats: np.ndarray
    generations: list[dict] = field(default_factory=list)
    tolerance: float = math.inf
    target_reached: bool = False

    @property
    def simulations(self) -> int:
        return int(sum(g["simulations"] for g in self.generations))


def reflect(x: np.ndarray) -> np.ndarray:
    """Fold points onto [0, 1] by reflection at 0 and 1."""
    y = np.mod(x, 2.0)
    return np.where(y > 1.0, 2.0 - y, y)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    o = np.argsort(x, kind="stable")
    c = np.cumsum(w[o])
    c = c / c[-1]
    i = np.minimum(np.searchsorted(c, np.asarray(q, dtype=float), side="left"), x.size - 1)
    return x[o][i]


def reflected_kernel(x: np.ndarray, c: np.ndarray, tau: float) -> np.ndarray:
    """Density at ``x[i]`` of a Gaussian of sd ``tau`` centred at ``c[j]`` and reflected
    at 0 and 1: float64[len(x), len(c)]. Wide kernels (tau >= 0.2) by the Fourier
    series of reflected Brownian motion, ``1 + 2 sum_n exp(-(n pi tau)^2 / 2)
    cos(n pi x) cos(n pi c)``; narrow ones by their images (``x - c``, ``x + c``,
    ``x + c - 2``, and ``x - c +- 2`` when tau >= 0.12). Every truncated term is below
    exp(-32) of the kernel's peak."""
    if tau >= 0.2:
        out = np.ones((x.size, c.size))
        for n in range(1, int(math.ceil(2.6 / tau)) + 1):
            coef = 2.0 * math.exp(-0.5 * (n * math.pi * tau) ** 2)
            out += np.outer(coef * np.cos(n * math.pi * x), np.cos(n * math.pi * c))
        return out
    diff = x[:, None] - c[None, :]
    plus = x[:, None] + c[None, :]
    h = -0.5 / tau**2
    out = np.exp(h * diff**2) + np.exp(h * plus**2) + np.exp(h * (plus - 2.0) ** 2)
    if tau >= 0.12:
        out += np.exp(h * (diff - 2.0) ** 2) + np.exp(h * (diff + 2.0) ** 2)
    return out / (tau * math.sqrt(2.0 * math.pi))


def mixture_density(x: np.ndarray, centres: np.ndarray, w: np.ndarray,
                    tau: np.ndarray) -> np.ndarray:
    """Density of the reflected-Gaussian kernel mixture (the ABC-SMC proposal) at x.

    Parameters
    ----------
    x : float64[n, k]
        Points of the unit cube.
    centres : float64[m, k]
        The previous population.
    w : float64[m]
        Its weights.
    tau : float64[k]
        Kernel sd of each coordinate.

    Returns
    -------
    float64[n]: ``sum_j w[j] prod_d K(x[i, d] | centres[j, d])``.
    """
    x, centres = np.atleast_2d(x), np.atleast_2d(centres)
    out = np.empty(x.shape[0])
    step = max(1, 2_000_000 // max(1, centres.shape[0]))  # rows per block: ~16 MB
    for a in range(0, x.shape[0], step):
        prod = np.ones((min(step, x.shape[0] - a), centres.shape[0]))
        for d in range(x.shape[1]):
            prod *= reflected_kernel(x[a:a + step, d], centres[:, d], float(tau[d]))
        out[a:a + step] = (prod * w[None, :]).sum(axis=1)
    return out


def abc_smc(simulate: Callable[[np.ndarray, int, np.ndarray], np.ndarray],
            distance: Callable[[np.ndarray], np.ndarray], dims: int, *,
            particles: int = 1000, generations: int = 8, seed: int = 1, alpha: float = 0.5,
            final_tolerance: float = 1.0, nuisance: int = 0, max_attempts: int = 50,
            progress: Callable[[dict], None] | None = None) -> SMCResult:
    """ABC population Monte Carlo in the unit cube with a uniform prior.

    Parameters
    ----------
    simulate : callable
        ``simulate(u, generation, attempts) -> stats``: ``u`` float64[n, dims +
        nuisance] (the fitted coordinates, then fresh prior draws of the nuisance
        ones), ``attempts`` int64[n] the attempt indices within the generation; returns
        float64[n, m] raw statistics. Its randomness must be a function of
        (generation, attempt) only.
    distance : callable
        ``distance(stats) -> float64[n]`` (non-finite: never accepted).
    dims : int
        Fitted coordinates.
    particles, generations : int
        Population size; generations after the prior one (at most: the schedule
        stops at ``final_tolerance``).
    seed : int
    alpha : float
        Share of the effective sample size each tolerance step keeps (see
        :func:`next_tolerance`).
    final_tolerance : float
        The last tolerance (1: the posterior under the statistics' stated errors).
    nuisance : int
        Coordinates drawn from the prior for every simulation, not fitted.
    max_attempts : int
        A generation that needs more than ``max_attempts * particles`` simulations
        ends the schedule; the previous population is kept.
    progress : callable, optional
        Called with each generation's row.
    """
    res: SMCResult | None = None
    pop = None  # (u, w, d, S)
    eps = math.inf
    rows: list[dict] = []
    rate = 1.0
    prior_stats = np.empty((0, 0))
    for g in range(generations + 1):
        if g > 0:
            eps = next_tolerance(pop[2], pop[1], eps, alpha, final_tolerance)
        gen = _generation(simulate, distance, g, pop, eps, dims, particles, nuisance, seed,
                          rate, max_attempts)
        row = {"generation": g, "tolerance": eps, "simulations": gen["simulations"],
               "accepted": gen["accepted"],
               "acceptance_rate": gen["accepted"] / max(1, gen["simulations"]),
               "ess": math.nan, "perturbed": gen["perturbed"],
               "complete": gen["pop"] is not None}
        if gen["pop"] is not None:
            w = gen["pop"][1]
            row["ess"] = float(1.0 / np.sum(w * w))
        rows.append(row)
        if progress is not None:
            progress(row)
        if gen["pop"] is None:
            break
        pop = gen["pop"]
        rate = max(row["acceptance_rate"], 1e-3)
        if g == 0:
            prior_stats = gen["all_stats"]
        res = SMCResult(pop[0], pop[1], pop[2], pop[3], prior_stats, rows, eps,
                        eps <= final_tolerance)
        if eps <= final_tolerance:
            break
    if res is None:
        raise RuntimeError("the prior generation could not compute the statistics of "
                           f"{particles} runs in {max_attempts * particles} simulations")
    res.generations = rows
    return res


def _ess(w: np.ndarray) -> float:
    s = w.sum()
    return float(s * s / np.sum(w * w)) if s > 0 else 0.0


def next_tolerance(d: np.ndarray, w: np.ndarray, eps: float, alpha: float,
                   final: float) -> float:
    """The next tolerance: the one at which reweighting the population by the ratio of
    Gaussian acceptance kernels keeps a share ``alpha`` of its effective sample size
    (the adaptive schedule of Del Moral, Doucet & Jasra 2012), never below ``final``;
    within a factor :data:`FINAL_STEP` of ``final``, ``final`` itself.
    """
    d = np.where(np.isfinite(d), d, np.inf)
    inv0 = 0.0 if math.isinf(eps) else 1.0 / eps**2
    base = _ess(w)

    def kept(e: float) -> float:
        with np.errstate(all="ignore"):
            r = np.exp(-0.5 * d * d * (1.0 / e**2 - inv0))
        return _ess(w * np.where(np.isfinite(d), r, 0.0)) / base

    if kept(final) >= alpha:
        return final
    hi = eps if math.isfinite(eps) else max(final, float(np.max(d[np.isfinite(d)])) * 100)
    lo = final
    for _ in range(60):  # bisection on log tolerance
        mid = math.sqrt(lo * hi)
        if kept(mid) >= alpha:
            hi = mid
        else:
            lo = mid
    return final if hi < final * FINAL_STEP else hi


def informed(u: np.ndarray, w: np.ndarray, z: float = Z_INFORMED) -> np.ndarray:
    """Which coordinates of a weighted population depart from the uniform prior: mean
    or sd further from 1/2 and sqrt(1/12) than ``z`` standard errors of a uniform
    sample of the population's effective size (sd ratio's error sqrt(0.2 / n))."""
    n = _ess(w)
    m = w @ u
    ratio = np.sqrt(w @ (u - m) ** 2) / math.sqrt(1.0 / 12.0)
    return (np.abs(m - 0.5) > z * math.sqrt(1.0 / 12.0 / n)) | \
        (np.abs(ratio - 1.0) > z * math.sqrt(0.2 / n))


def _generation(simulate, distance, g, pop, eps, dims, particles, nuisance, seed, rate,
                max_attempts) -> dict:
    """One generation: propose in deterministic batches until ``particles`` accepted."""
    fresh = np.ones(dims, dtype=bool)
    if pop is not None:
        u0, w0 = pop[0], pop[1]
        cdf = np.cumsum(w0)
        cdf /= cdf[-1]
        fresh = ~informed(u0, w0)
        sd = np.sqrt(w0 @ (u0 - w0 @ u0) ** 2)
        tau = np.maximum(math.sqrt(2.0) * sd, 1e-3)
    keep_u, keep_d, keep_s, all_s = [], [], [], []
    n_acc = attempts = b = 0
    cap = max_attempts * particles
    while n_acc < particles:
        if attempts >= cap:
            return {"pop": None, "simulations": attempts, "accepted": n_acc,
                    "perturbed": int((~fresh).sum())}
        r = n_acc / attempts if attempts else rate
        margin = 1.0 if pop is None else 1.2
        size = int(np.clip(math.ceil(margin * (particles - n_acc) / max(r, 1e-3)), 64,
                           16 * particles))
        size = min(size, cap - attempts)
        rng = np.random.default_rng([TAG, seed, g, b])
        u = rng.random((size, dims))
        if pop is not None:
            j = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), cdf.size - 1)
            moved = reflect(u0[j] + tau * rng.standard_normal((size, dims)))
            u = np.where(fresh, u, moved)
        nu = rng.random((size, nuisance))
        a = rng.random(size)
        S = np.asarray(simulate(np.hstack([u, nu]), g,
                                np.arange(attempts, attempts + size, dtype=np.int64)))
        d = np.asarray(distance(S), dtype=float)
        with np.errstate(all="ignore"):
            ok = np.isfinite(d) if math.isinf(eps) else a < np.exp(-0.5 * (d / eps) ** 2)
        keep_u.append(u[ok])
        keep_d.append(d[ok])
        keep_s.append(S[ok])
        if g == 0:
            all_s.append(S)
        n_acc += int(ok.sum())
        attempts += size
        b += 1
    u, d, S = (np.concatenate(x)[:particles] for x in (keep_u, keep_d, keep_s))
    if pop is None or fresh.all():
        w = np.full(particles, 1.0 / particles)
    else:  # prior density 1 in the cube; fresh coordinates' kernel is the prior
        k = ~fresh
        w = 1.0 / mixture_density(u[:, k], u0[:, k], w0, tau[k])
        w /= w.sum()
    out = {"pop": (u, w, d, S), "simulations": attempts, "accepted": n_acc,
           "perturbed": int((~fresh).sum())}
    if g == 0:
        out["all_stats"] = np.concatenate(all_s)
    return out


# ----------------------------------------------------------------------------------
# Calibration of the model
# ----------------------------------------------------------------------------------
@dataclass
class CalibrationResult:
    """A calibration: the posterior, its tables and what produced it.

    Attributes
    ----------
    posterior : Posterior
    summary : DataFrame
        Per fitted parameter: prior, its range, posterior mean and sd, 5/50/95 %
        quantiles, and shrinkage = 1 - posterior sd / prior sd on the prior's quantile
        scale (the unit cube: linear for uniform priors, log for log-uniform ones).
    generations : DataFrame
        Tolerance, simulations, acceptance rate and effective sample size.
    fit : DataFrame
        Each statistic: observed with its 90 % interval, prior- and
        posterior-predictive median and 90 % interval.
    """

    observations: Observations
    profile: object
    scenario: object
    posterior: Posterior
    u: np.ndarray
    summary: pd.DataFrame
    generations: pd.DataFrame
    fit: pd.DataFrame
    settings: dict
    prior_stats: np.ndarray
    predictive_stats: np.ndarray
    tolerance: float
    target_reached: bool
    seconds: float

    def figures(self, top: int = 12) -> dict:
        """The charts: marginal posteriors of the most-shrunk parameters, and the fit."""
        return {"marginals": marginals_figure(self, top), "fit": fit_figure(self)}

    def text(self, top: int = 10) -> str:
        """A short printable summary."""
        g = self.generations
        s = self.summary.sort_values("shrinkage", ascending=False).head(top)
        lines = [f"calibration of {self.profile.id} on {self.observations.id} "
                 f"({self.scenario.id}): {len(self.posterior.names)} parameters, "
                 f"{int(g['simulations'].sum())} simulations, {len(g) - 1} generations, "
                 f"final tolerance {self.tolerance:.3g}"
                 + ("" if self.target_reached else " (NOT the target 1: posterior too wide)"),
                 "", "most shrunk parameters:",
                 s[["parameter", "prior_low", "prior_high", "mean", "q05", "q95",
                    "shrinkage"]].to_string(index=False, float_format=lambda v: f"{v:.4g}"),
                 "", "fit:",
                 self.fit[["statistic", "role", "observed", "obs_low", "obs_high",
                           "prior_q50", "posterior_q05", "posterior_q50",
                           "posterior_q95"]].to_string(index=False,
                                                       float_format=lambda v: f"{v:.4g}")]
        return "\n".join(lines)

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write posterior.csv, summary.csv, generations.csv, fit.csv, the charts and
        the manifest (last) into ``out``."""
        from stmarket.experiments.analysis.evaluation import write_folder

        tables = {"posterior": self.posterior.frame(), "summary": self.summary,
                  "generations": self.generations, "fit": self.fit}
        return write_folder(out, tables, self.figures(), self.manifest())

    def manifest(self) -> dict:
        def h(p):
            return None if p is None else {"path": str(p), "sha256": hashlib.sha256(
                Path(p).read_bytes()).hexdigest()}

        return {"analysis": "calibrate", **self.settings,
                "observations_file": h(self.observations.path),
                "profile_file": h(getattr(self.profile, "path", None)),
                "scenario_file": h(getattr(self.scenario, "path", None)),
                "scenario_based_on": [h(b) for b in getattr(self.scenario, "bases", ())],
                "target_reached": self.target_reached,
                "final_tolerance": self.tolerance,
                "simulations": int(self.generations["simulations"].sum()),
                "seconds": round(self.seconds, 1)}


def _num_threads() -> int:
    import numba

    return numba.get_num_threads()


def _parameters(space, parameters) -> list[str]:
    if parameters is None:
        return list(space.uncertain)
    names = [p.strip() for p in parameters.split(",")] if isinstance(parameters, str) \
        else list(parameters)
    if not names or any(not n for n in names):
        raise InputError("argument", "parameters", "must name one or more parameters")
    for n in names:
        if n not in space.specs:
            raise InputError("argument", "parameters", f"unknown parameter {n!r}")
        if not space.specs[n].uncertain:
            raise InputError("argument", "parameters", f"{n!r} is fixed in the profile "
                                                       "(only uncertain ones can be fitted)")
    if len(set(names)) != len(names):
        raise InputError("argument", "parameters", "names a parameter twice")
    return names


def _check_int(name: str, v, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
        raise InputError("argument", name, f"must be an integer in [{low}, {high}], got {v!r}")
    return int(v)


def calibrate(observations: str | Path | Observations = "bac_kan", *,
              profile="bac_kan", scenario="no_programme",
              parameters: Sequence[str] | str | None = None, particles: int = 1000,
              generations: int = 8, seed: int = 1, n_threads: int | None = None,
              others: str = "prior", alpha: float = 0.5,
              progress: Callable[[dict], None] | None = None) -> CalibrationResult:
    """Calibrate uncertain parameters to observed statistics by ABC-SMC.

    Parameters
    ----------
    observations : name, path or Observations
        What has been observed (``scenarios/observations/``).
    profile : name, path or Profile
        Must be the profile the observations describe.
    scenario : name, path or Scenario
        The policy in force during the observed years. Default ``no_programme``: the
        bundled Bắc Kạn statistics are of 2021, before the plan spends anything (its
        budgets start in 2022), so the choice does not change them; observations of
        later years would need the scenario that was actually funded, whose budgets
        are not published.
    parameters : names, comma-separated string or None
        The uncertain parameters to fit (default: all of them).
    particles, generations : int
        Population size and the most generations after the prior one.
    seed : int
    n_threads : int, optional
        numba threads; results do not depend on it.
    others : "prior" or "central"
        Parameters not fitted: drawn from their prior for each run (the posterior
        integrates over them) or held at their prior median.
    alpha : float
        Share of the effective sample size each tolerance step keeps.
    progress : callable, optional
        Called with each generation's row.
    """
    from stmarket.model.core import check_seed, run_batch, threads
    from stmarket.model.profile import Profile, load_profile
    from stmarket.model.scenario import Scenario, load_scenario

    t0 = time.perf_counter()
    seed = check_seed(seed)
    particles = _check_int("particles", particles, 20, 1_000_000)
    generations = _check_int("generations", generations, 1, 100)
    get_str("argument", "others", others, OTHERS)
    if not (isinstance(alpha, float | int) and 0.0 < alpha < 1.0):
        raise InputError("argument", "alpha", f"must be in (0, 1), got {alpha!r}")
    obs = observations if isinstance(observations, Observations) else \
        load_observations(observations)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    obs.check_profile(prof)
    space = prof.space
    names = _parameters(space, parameters)
    fit_cols = [space.uncertain.index(n) for n in names]
    rest = [j for j in range(len(space.uncertain)) if j not in set(fit_cols)]
    n_nuis = len(rest) if others == "prior" else 0
    lev = sc.budgets(prof.years)
    stats = obs.statistics
    fitted = [i for i, s in enumerate(stats) if s.role == "fit"]
    target = np.array([stats[i].transform(stats[i].value) for i in fitted], dtype=float)
    sd = np.array([stats[i].sd for i in fitted])
    for k, i in enumerate(fitted):
        if not (np.isfinite(target[k]) and np.isfinite(sd[k]) and sd[k] > 0):
            raise InputError(obs.path or obs.id, f"statistics.{stats[i].id}",
                             "value must be finite (and above 0 on a log scale), sd above 0")

    def simulate(u: np.ndarray, gen: int, attempts: np.ndarray) -> np.ndarray:
        U = np.full((u.shape[0], len(space.uncertain)), 0.5)
        U[:, fit_cols] = u[:, :len(names)]
        if n_nuis:
            U[:, rest] = u[:, len(names):]
        P = space.from_unit(U)
        runs = RUN_BASE + (np.int64(gen) << np.int64(32)) + attempts
        Y, _ = run_batch(prof, P, lev, np.full(u.shape[0], seed), runs, n_threads)
        ind = indicators.compute(Y, P[:, K.P_INFLATION])
        return np.column_stack([s.compute(ind, prof.years) for s in stats])

    def distance(S: np.ndarray) -> np.ndarray:
        z = np.column_stack([(stats[i].transform(S[:, i]) - target[k]) / sd[k]
                             for k, i in enumerate(fitted)])
        d = np.sqrt((z * z).sum(axis=1))
        return np.where(np.isfinite(d), d, np.inf)

    with threads(n_threads):
        res = abc_smc(simulate, distance, len(names), particles=particles,
                      generations=generations, seed=seed, alpha=alpha, nuisance=n_nuis,
                      progress=progress)
        # posterior predictive: fresh runs at particles resampled by weight
        pick = resample(res.weights, seed, 0, particles)
        rng = np.random.default_rng([TAG, seed, PREDICTIVE])
        u_pred = np.hstack([res.u[pick], rng.random((particles, n_nuis))])
        pred = simulate(u_pred, PREDICTIVE, np.arange(particles, dtype=np.int64))
    values = np.column_stack([space.specs[n].ppf(res.u[:, k]) for k, n in enumerate(names)])
    post = Posterior(names, values, res.weights)
    settings = {"observations": obs.id, "profile": prof.id, "scenario": sc.id,
                "parameters": names, "others": others, "particles": particles,
                "max_generations": generations, "alpha": alpha, "seed": seed,
                "workers": n_threads or _num_threads(),
                "run_keys": f"(seed, {RUN_BASE} + generation * 2**32 + attempt); "
                            f"posterior predictive: generation {PREDICTIVE}"}
    return CalibrationResult(
        obs, prof, sc, post, res.u, summary_table(space, post, res.u),
        pd.DataFrame(res.generations), fit_table(stats, res.prior_stats, pred), settings,
        res.prior_stats, pred, res.tolerance, res.target_reached, time.perf_counter() - t0)


def summary_table(space, post: Posterior, u: np.ndarray) -> pd.DataFrame:
    """Prior, posterior moments and quantiles, and shrinkage of each fitted parameter."""
    rows = []
    w = post.weights
    for k, n in enumerate(post.names):
        s = space.specs[n]
        x = post.values[:, k]
        m = float(w @ x)
        uk = u[:, k]
        sd_u = math.sqrt(max(0.0, float(w @ (uk - w @ uk) ** 2)))
        q = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        rows.append({"parameter": n, "prior": s.prior, "prior_low": s.low,
                     "prior_high": s.high, "prior_median": s.central, "mean": m,
                     "sd": math.sqrt(max(0.0, float(w @ (x - m) ** 2))), "q05": q[0],
                     "q50": q[1], "q95": q[2],
                     "shrinkage": 1.0 - sd_u / math.sqrt(1.0 / 12.0)})
    return pd.DataFrame(rows)


def fit_table(stats: Sequence[Statistic], prior: np.ndarray, pred: np.ndarray
              ) -> pd.DataFrame:
    """Observed statistics against the prior and posterior predictive."""
    rows = []
    for i, s in enumerate(stats):
        lo, hi = s.interval()
        row = {"statistic": s.id, "kind": s.kind, "indicator": s.indicator
               + (f"/{s.denominator}" if s.denominator else ""), "years": s.years,
               "role": s.role, "status": s.status, "scale": s.scale, "observed": s.value,
               "sd": s.sd, "obs_low": lo, "obs_high": hi}
        for tag, X in (("prior", prior), ("posterior", pred)):
            x = X[:, i][np.isfinite(X[:, i])]
            q = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else [np.nan] * 3
            row.update({f"{tag}_q05": q[0], f"{tag}_q50": q[1], f"{tag}_q95": q[2]})
        rows.append(row)
    return pd.DataFrame(rows)
