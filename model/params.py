"""Parameters: firm values and uncertain priors, the central vector and samples.

A profile's ``[parameters.NAME]`` table, and each per-entity parameter of its
``[[sectors]]``, ``[[sizes]]`` and ``[[locations]]`` (named ``family.id``, see
docs/PROFILES.md), holds either ``value`` (with ``status`` and ``source``) or a prior
(``prior = "uniform" | "loguniform"``, ``low``, ``high``, ``reason``). The single-run
value of a prior is its median; the Monte Carlo samples the unit cube (Latin hypercube,
:mod:`scipy.stats.qmc`) and maps each column through the prior's quantile function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stmarket.model import kernels as K
from stmarket.model.errors import InputError, check_keys, get_number, get_str

PRIORS = ("uniform", "loguniform", "choice")

_PROBABILITIES = {
    "rd_share", "tech_need_share", "tech_init_mean", "absorb_init_mean", "search_prob",
    "learn_rate", "absorb_learn", "spill_rate", "cross_fit",
    "local_task_share", "ec_base", "ec_max", "mr_base", "mr_ec", "partner_uptake",
    "int_vis_unconnected", "val_uncert", "int_uncert_cut", "p_use_int", "int_skill_init",
    "private_rate", "attend_prob", "close_base", "close_gain", "subsidy_max", "aware_gain",
    "absorb_gain", "skill_train", "init_sd", "init_need_share", "service_learn_share",
    "own_sector_share", "sale_belief", "ip_premium", "ip_support", "dig_support",
    "platform_support", "vis_int_local", "vis_event", "skill_learn", "int_stall_share",
    "int_exit_share", "cofund_share", "connect_skill", "connect_rate", "tg1_outside_reach",
    "wtp_service_elasticity",
}
#: per-entity parameter families whose values are probabilities or shares
_PROBABILITY_FAMILIES = {"task_share", "visibility", "quality"}
_INTEGERS = {"licences_max", "k_direct", "k_int", "k_event", "initial_active_tasks"}
#: structural switches (``prior = "choice"``): the alternatives' codes
_SWITCHES = set(K.SWITCHES)
# allowed domain of every parameter that is not a probability: (low, high)
_DOMAIN = {
    "need_rate": (0.0, 1.0), "new_tasks_per_year": (0.0, 1e5),
    "initial_active_tasks": (0.0, 1e6), "task_duration_min": (1.0, 120.0),
    "task_duration_max": (1.0, 120.0), "results_per_task": (1.0, 10.0),
    "need_patience": (1.0, 120.0), "offer_life": (1.0, 240.0),
    "licences_max": (1.0, 1000.0), "k_direct": (1.0, 100.0), "k_int": (1.0, 200.0),
    "k_event": (1.0, 500.0), "local_offer_rate": (0.0, 20.0),
    "outside_offer_rate": (0.0, 20.0), "vendor_offer_rate": (0.0, 20.0),
    "event_base": (0.0, 50.0), "event_max": (0.0, 50.0), "inflation": (-0.1, 0.5),
    "price_sigma": (0.0, 3.0), "wtp_sigma": (0.0, 3.0), "quality_sd": (0.0, 1.0),
    "digit_vis_mult": (1.0, 10.0), "intl_gain": (0.0, 20.0), "need_gain": (0.0, 20.0),
    "quality_weight": (0.0, 2.0), "absorb_weight": (0.0, 2.0), "tech_complement": (0.0, 5.0),
    "belief_weight": (0.0, 1000.0), "ip_cost": (0.0, 10.0), "dig_cost": (0.0, 10.0),
    "dig_network_bonus": (0.0, 10.0),
    "decision_cost_sigma": (0.0, 3.0), "int_setup_stock": (1e-3, 100.0),
    "int_breakeven_deals": (1.0, 10000.0), "connect_deals": (0.0, 1000.0),
    **{f"build_tg{g}": (0.01, 20.0) for g in range(1, 7)},
    **{f"decay_tg{g}": (0.0, 5.0) for g in range(1, 7)},
    **{name: (0.0, len(alts) - 1.0) for name, alts in K.SWITCHES.items()},
}
_DEFAULT_DOMAIN = (0.0, 1e6)


def domain(name: str) -> tuple[float, float]:
    """The values a parameter may take at all (probabilities lie in [0, 1])."""
    if name in _PROBABILITIES or name.split(".")[0] in _PROBABILITY_FAMILIES:
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
        ``"uniform"``, ``"loguniform"`` or, for a structural switch, ``"choice"`` (each
        of ``values`` equally likely) for an uncertain parameter.
    low, high : float
        The prior's range (equal to ``value`` for a fixed parameter).
    values : tuple of float
        The alternatives of a ``"choice"``; the first is the reference structure, used
        in single runs.
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
    values: tuple[float, ...] = ()

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
        if self.prior == "choice":
            return float(self.values[0])
        return 0.5 * (self.low + self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to the prior's quantiles."""
        if self.prior is None:
            return np.full_like(u, float(self.value), dtype=float)
        if self.prior == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        if self.prior == "choice":
            return choice_ppf(self.values, u)
        return self.low + u * (self.high - self.low)


def choice_ppf(values: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    """Quantiles of a structural switch: the unit interval cut into ``len(values)`` equal
    parts, one per alternative."""
    idx = np.minimum((np.asarray(u) * len(values)).astype(int), len(values) - 1)
    return np.asarray(values, dtype=float)[idx]


def parse_parameters(source: str | Path, table: dict) -> dict[str, ParamSpec]:
    """Validate a ``[parameters]`` table; every global name of the core must be present."""
    check_keys(source, "parameters", table, set(K.PARAM_NAMES), set(K.PARAM_NAMES))
    specs = {name: parse_spec(source, f"parameters.{name}", name, table[name])
             for name in K.PARAM_NAMES}
    for a, b in (("task_duration_min", "task_duration_max"), ("ec_base", "ec_max")):
        if specs[a].central > specs[b].central:
            raise InputError(source, f"parameters.{b}", f"must not be below {a}")
    return specs


def parse_spec(source: str | Path, where: str, name: str, entry: dict) -> ParamSpec:
    """One parameter spec (a value with its source, a prior with its reason, or a
    structural switch) found at key ``where`` of ``source``."""
    check_keys(source, where, entry, {"value", "prior", "low", "high", "values", "status",
                                      "source", "reason", "unit"})
    lo_d, hi_d = domain(name)
    integer = name in _INTEGERS
    text = {k: get_str(source, f"{where}.{k}", entry[k])
            for k in ("status", "source", "reason", "unit") if k in entry}
    if name in _SWITCHES:
        return _switch(source, where, name, entry, text)
    if "value" in entry:
        if "prior" in entry or "low" in entry or "high" in entry:
            raise InputError(source, where, "give either value or prior/low/high, not both")
        v = get_number(source, f"{where}.value", entry["value"], lo_d, hi_d, integer)
        return ParamSpec(name, v, None, v, v, **text)
    if "prior" not in entry:
        raise InputError(source, where, "needs value, or prior with low and high")
    prior = get_str(source, f"{where}.prior", entry["prior"], PRIORS)
    if prior == "choice":
        raise InputError(source, f"{where}.prior", "only a structural switch takes a choice")
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
    return ParamSpec(name, None, prior, lo, hi, **text)


def _switch(source, where: str, name: str, entry: dict, text: dict) -> ParamSpec:
    """A structural switch: a fixed alternative (``value``) or ``prior = "choice"`` over
    ``values``, codes of :data:`stmarket.model.kernels.SWITCHES`."""
    codes = list(range(len(K.SWITCHES[name])))
    allowed = ", ".join(f"{c} ({a})" for c, a in zip(codes, K.SWITCHES[name], strict=True))
    if "value" in entry:
        v = entry["value"]
        if isinstance(v, bool) or v not in codes:
            raise InputError(source, f"{where}.value", f"must be one of {allowed}, got {v!r}")
        return ParamSpec(name, float(v), None, float(v), float(v), **text)
    if entry.get("prior") != "choice" or "values" not in entry:
        raise InputError(source, where, f"a structural switch takes value, or prior = "
                                        f"\"choice\" with values from {allowed}")
    vals = entry["values"]
    if (not isinstance(vals, list) or not vals or len(set(map(repr, vals))) != len(vals)
            or any(isinstance(v, bool) or v not in codes for v in vals)):
        raise InputError(source, f"{where}.values",
                         f"must be distinct codes from {allowed}, got {vals!r}")
    if "reason" not in text:
        raise InputError(source, f"{where}.reason", "an uncertain parameter must give its reason")
    return ParamSpec(name, None, "choice", float(min(vals)), float(max(vals)), **text,
                     values=tuple(float(v) for v in vals))


class ParameterSpace:
    """The parameters of a profile as a vector space: central values and samples.

    Parameters
    ----------
    specs : dict
        Every parameter's spec, by name.
    names : sequence of str, optional
        The layout of a parameter vector (the global parameters, then the per-entity
        ones, as :func:`stmarket.model.kernels.set_structure` reads them); default
        :data:`~stmarket.model.kernels.PARAM_NAMES`.
    order : sequence of str, optional
        The order in which the uncertain parameters are sampled (the columns of the
        unit cube; :data:`~stmarket.model.kernels.PARAM_ORDER` expanded); default
        ``names``.

    Attributes
    ----------
    names : tuple of str
        Name of each element of a parameter vector.
    uncertain : tuple of str
        The uncertain parameters, in sampling order.
    """

    def __init__(self, specs: dict[str, ParamSpec], names=None, order=None) -> None:
        self.specs = specs
        self.names = tuple(K.PARAM_NAMES if names is None else names)
        order = self.names if order is None else tuple(order)
        if sorted(order) != sorted(self.names) or set(self.names) != set(specs):
            raise ValueError("names, order and specs must name the same parameters")
        self._index = {n: j for j, n in enumerate(self.names)}
        self.uncertain = tuple(n for n in order if specs[n].uncertain)

    def index(self, name: str) -> int:
        """Position of a parameter in a parameter vector."""
        return self._index[name]

    def central(self) -> np.ndarray:
        """float64[len(names)]: every parameter at its fixed value or prior median."""
        return np.array([self.specs[n].central for n in self.names], dtype=np.float64)

    def vector(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        """The central vector with some parameters set by name."""
        p = self.central()
        for name, v in (overrides or {}).items():
            if name not in self.specs:
                raise InputError("argument", name, "unknown parameter")
            lo, hi = domain(name)
            p[self._index[name]] = get_number("argument", name, v, lo, hi)
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
        float64[n, len(names)]
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
        float64[n, len(names)]
        """
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != len(self.uncertain):
            raise ValueError(f"u must have shape (n, {len(self.uncertain)}), got {u.shape}")
        P = np.tile(self.central(), (u.shape[0], 1))
        for j, name in enumerate(self.uncertain):
            P[:, self._index[name]] = self.specs[name].ppf(u[:, j])
        return P
