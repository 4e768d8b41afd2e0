"""Parameters: firm values and uncertain priors, the central vector and samples.

A profile's ``[parameters.NAME]`` table holds either ``value`` (with ``status`` and
``source``) or a prior (``prior = "uniform" | "loguniform"``, ``low``, ``high``,
``reason``). The single-run value of a prior is its median; the Monte Carlo samples
the unit cube (Latin hypercube, :mod:`scipy.stats.qmc`) and maps each column through
the prior's quantile function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.errors import InputError, check_keys, get_number, get_str

PRIORS = ("uniform", "loguniform")

_PROBABILITIES = {
    "rd_share", "tech_need_share", "tech_init_mean", "absorb_init_mean", "search_prob",
    "learn_rate", "absorb_learn", "spill_rate", "cross_fit", "task_agro_share",
    "local_task_share", "ec_base", "ec_max", "mr_base", "mr_ec", "partner_uptake",
    "ip_protect_base", "ip_protect_gain", "digit_base", "digit_gain", "digit_national",
    "quality_local", "quality_vn", "quality_abroad", "vis_local", "vis_vn", "vis_abroad",
    "int_vis_unconnected", "val_uncert", "int_uncert_cut", "p_use_int", "int_skill_init",
    "connect_base", "connect_gain", "private_rate", "attend_prob", "close_base",
    "close_gain", "subsidy_max", "aware_gain", "absorb_gain", "skill_train",
}
_INTEGERS = {"licences_max", "k_direct", "k_int", "k_event", "initial_active_tasks"}
# allowed domain of every parameter that is not a probability: (low, high)
_DOMAIN = {
    "need_rate": (0.0, 1.0), "new_tasks_per_year": (0.0, 60.0),
    "initial_active_tasks": (0.0, 200.0), "task_duration_min": (1.0, 120.0),
    "task_duration_max": (1.0, 120.0), "results_per_task": (1.0, 10.0),
    "need_patience": (1.0, 120.0), "offer_life": (1.0, 240.0),
    "licences_max": (1.0, 1000.0), "k_direct": (1.0, 100.0), "k_int": (1.0, 200.0),
    "k_event": (1.0, 500.0), "local_offer_rate": (0.0, 20.0),
    "outside_offer_rate": (0.0, 20.0), "vendor_offer_rate": (0.0, 20.0),
    "event_base": (0.0, 50.0), "event_max": (0.0, 50.0), "inflation": (-0.1, 0.5),
    "price_sigma": (0.0, 3.0), "wtp_sigma": (0.0, 3.0), "quality_sd": (0.0, 1.0),
    "digit_vis_mult": (1.0, 10.0), "intl_gain": (0.0, 20.0), "need_gain": (0.0, 20.0),
}
_DEFAULT_DOMAIN = (0.0, 1e6)


def domain(name: str) -> tuple[float, float]:
    """The values a parameter may take at all (probabilities lie in [0, 1])."""
    if name in _PROBABILITIES:
        return (0.0, 1.0)
    return _DOMAIN.get(name, _DEFAULT_DOMAIN)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: a firm value, or a prior with its reasoning.

    Attributes
    ----------
    name : str
        A name from :data:`model.kernels.PARAM_NAMES`.
    value : float or None
        The firm or estimated value, if not uncertain.
    prior : str or None
        ``"uniform"`` or ``"loguniform"`` for an uncertain parameter.
    low, high : float
        The prior's range (equal to ``value`` for a fixed parameter).
    status, source, reason, unit : str
        Where the number comes from.
    """

    name: str
    value: float | None
    prior: str | None
    low: float
    high: float
    status: str = ""
    source: str = ""
    reason: str = ""
    unit: str = ""

    @property
    def uncertain(self) -> bool:
        return self.prior is not None

    @property
    def central(self) -> float:
        """The prior's median, or the fixed value."""
        if self.prior is None:
            return float(self.value)
        if self.prior == "loguniform":
            return math.sqrt(self.low * self.high)
        return 0.5 * (self.low + self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to the prior's quantiles."""
        if self.prior is None:
            return np.full_like(u, float(self.value), dtype=float)
        if self.prior == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)


def parse_parameters(source: str | Path, table: dict) -> dict[str, ParamSpec]:
    """Validate a ``[parameters]`` table; every name of the core must be present."""
    check_keys(source, "parameters", table, set(K.PARAM_NAMES), set(K.PARAM_NAMES))
    specs: dict[str, ParamSpec] = {}
    for name in K.PARAM_NAMES:
        entry = table[name]
        where = f"parameters.{name}"
        check_keys(source, where, entry,
                   {"value", "prior", "low", "high", "status", "source", "reason", "unit"})
        lo_d, hi_d = domain(name)
        integer = name in _INTEGERS
        text = {k: get_str(source, f"{where}.{k}", entry[k])
                for k in ("status", "source", "reason", "unit") if k in entry}
        if "value" in entry:
            if "prior" in entry or "low" in entry or "high" in entry:
                raise InputError(source, where, "give either value or prior/low/high, not both")
            v = get_number(source, f"{where}.value", entry["value"], lo_d, hi_d, integer)
            specs[name] = ParamSpec(name, v, None, v, v, **text)
            continue
        if "prior" not in entry:
            raise InputError(source, where, "needs value, or prior with low and high")
        prior = get_str(source, f"{where}.prior", entry["prior"], PRIORS)
        for k in ("low", "high"):
            if k not in entry:
                raise InputError(source, f"{where}.{k}", "missing required key")
        lo = get_number(source, f"{where}.low", entry["low"], lo_d, hi_d)
        hi = get_number(source, f"{where}.high", entry["high"], lo_d, hi_d)
        if not lo < hi:
            raise InputError(source, f"{where}.high", f"must be above low ({lo:g}), got {hi:g}")
        if prior == "loguniform" and lo <= 0:
            raise InputError(source, f"{where}.low", "a loguniform prior needs low > 0")
        if integer:
            raise InputError(source, where, "an integer parameter takes a value, not a prior")
        if "reason" not in text:
            raise InputError(source, f"{where}.reason",
                             "an uncertain parameter must give its reason")
        specs[name] = ParamSpec(name, None, prior, lo, hi, **text)
    for a, b in (("task_duration_min", "task_duration_max"), ("ec_base", "ec_max")):
        if specs[a].central > specs[b].central:
            raise InputError(source, f"parameters.{b}", f"must not be below {a}")
    return specs


class ParameterSpace:
    """The parameters of a profile as a vector space: central values and samples."""

    def __init__(self, specs: dict[str, ParamSpec]) -> None:
        self.specs = specs
        self.names = K.PARAM_NAMES
        self.uncertain = tuple(n for n in self.names if specs[n].uncertain)

    def central(self) -> np.ndarray:
        """float64[NP]: every parameter at its fixed value or prior median."""
        return np.array([self.specs[n].central for n in self.names], dtype=np.float64)

    def vector(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        """The central vector with some parameters set by name."""
        p = self.central()
        for name, v in (overrides or {}).items():
            if name not in self.specs:
                raise InputError("argument", name, "unknown parameter")
            lo, hi = domain(name)
            p[self.names.index(name)] = get_number("argument", name, v, lo, hi)
        return p

    def sample(self, n: int, seed: int) -> np.ndarray:
        """Latin hypercube sample of the uncertain parameters.

        Parameters
        ----------
        n : int
            Number of parameter vectors.
        seed : int
            Seed of the design (the same seed gives the same design).

        Returns
        -------
        float64[n, NP]
        """
        from scipy.stats import qmc

        if not self.uncertain or n == 0:
            return np.tile(self.central(), (n, 1))
        u = qmc.LatinHypercube(d=len(self.uncertain), rng=np.random.default_rng(seed)).random(n)
        return self.from_unit(u)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Parameter vectors from points of the unit cube.

        Parameters
        ----------
        u : float64[n, len(uncertain)]
            One column per uncertain parameter, in :attr:`uncertain` order; each
            column is mapped through that prior's quantile function.

        Returns
        -------
        float64[n, NP]
        """
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != len(self.uncertain):
            raise ValueError(f"u must have shape (n, {len(self.uncertain)}), got {u.shape}")
        P = np.tile(self.central(), (u.shape[0], 1))
        for j, name in enumerate(self.uncertain):
            P[:, self.names.index(name)] = self.specs[name].ppf(u[:, j])
        return P
