"""ABC-SMC in the unit cube: generic, for any simulator of summary statistics.

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

Acceptance uses a Gaussian kernel, probability ``exp(-d^2 / (2 eps^2))`` of the
distance ``d`` the caller supplies. Each tolerance is the one at which reweighting the
previous population keeps a share ``alpha`` of its effective sample size (Del Moral,
Doucet & Jasra 2012), down to ``eps = 1``: at 1, with distances standardised by the
observations' sd, the population is the posterior under Gaussian observation errors
with the stated sd (Wilkinson 2013, "ABC gives exact results under the assumption of
model error"), which ends the schedule. (A quantile of the previous distances, the
usual rule, stalls above 1 here: the model's own noise keeps half of the accepted
distances above 1.5.)

Proposals come from ``default_rng([TAG, seed, generation, batch])`` with batch sizes
that depend only on earlier results, so a population is a pure function of the seed
and of the simulator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from stmarket.experiments.assessment.posterior import TAG

#: A coordinate is perturbed only if its population departs from the uniform prior by
#: more than this many standard errors (in mean or sd); otherwise it is proposed afresh
#: from the prior, an exact kernel (see the module's docstring).
Z_INFORMED = 3.0
#: A tolerance within this factor of the final one is replaced by the final one.
FINAL_STEP = 1.1


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
