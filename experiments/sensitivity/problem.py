"""The inputs of a sensitivity analysis and their designs on the unit cube.

An analysis varies a :class:`Problem`, a tuple of :class:`Input` (each a uniform or
log-uniform distribution), and samples the unit cube with SALib's design of its method
(:func:`sample_unit`): Saltelli's scheme on a scrambled Sobol' sequence for ``"sobol"``,
one-at-a-time trajectories on a 4-level grid for ``"morris"``. Each column is then mapped
through its input's quantile function (:meth:`Problem.from_unit`). The random streams of
the analysis (:data:`TAG` and a purpose) are defined here, so every design is a pure
function of the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stmarket.model.errors import InputError
from stmarket.model.params import choice_ppf

METHODS = ("sobol", "morris")
#: Base samples N of Sobol (a power of 2) and trajectories r of Morris, by default.
DEFAULT_SAMPLES = {"sobol": 128, "morris": 40}
MORRIS_LEVELS = 4
#: The analysis's own random streams: ``(TAG, seed, purpose, ...)``, one purpose each for
#: the design, the bootstrap and the noise share's points.
TAG = 0x5E5171
SAMPLE_STREAM, BOOT_STREAM, NOISE_STREAM = 1, 2, 3


@dataclass(frozen=True)
class Input:
    """One input: a uniform or log-uniform distribution on ``[low, high]``, or, for a
    structural switch, a choice among ``values`` (each equally likely: the unit interval
    is cut into as many equal parts).

    ``kind`` is ``"parameter"`` (an uncertain parameter's prior) or ``"lever"`` (a task
    group's yearly level).
    """

    name: str
    kind: str
    low: float
    high: float
    prior: str = "uniform"
    values: tuple[float, ...] = ()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles of the distribution at uniforms ``u`` in [0, 1]."""
        u = np.asarray(u, dtype=float)
        if self.prior == "choice":
            return choice_ppf(self.values, u)
        if self.prior == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Problem:
    """The inputs of an analysis, in column order."""

    inputs: tuple[Input, ...]

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        if not names:
            raise InputError("argument", "inputs", "a sensitivity analysis needs at least "
                                                   "one input")
        if len(set(names)) != len(names):
            raise InputError("argument", "inputs", "input names must be unique")

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def kinds(self) -> list[str]:
        return [i.kind for i in self.inputs]

    @property
    def D(self) -> int:  # noqa: N802 (the usual name)
        return len(self.inputs)

    def salib(self) -> dict:
        """SALib's problem dictionary over the unit cube."""
        return {"num_vars": self.D, "names": self.names, "bounds": [[0.0, 1.0]] * self.D}

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """float64[n, D]: each column of the unit-cube sample through its input's ppf."""
        U = np.asarray(U, dtype=float)
        return np.column_stack([inp.ppf(U[:, j]) for j, inp in enumerate(self.inputs)])


def check_method(method: str, samples: int) -> None:
    """Refuse an unknown method or a sample size the method cannot use."""
    if method not in METHODS:
        raise InputError("argument", "method", f"must be one of {', '.join(METHODS)}, "
                                               f"got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise InputError("argument", "samples", f"must be an integer >= 2, got {samples!r}")
    if method == "sobol" and samples & (samples - 1):
        raise InputError("argument", "samples", "Sobol needs a power of 2 (the Sobol' "
                                                f"sequence's balance), got {samples}")


def sample_unit(problem: Problem, method: str, samples: int, seed: int) -> np.ndarray:
    """The unit-cube design of a method, a pure function of ``seed``.

    Returns float64[N (D + 2), D] (Sobol, first and total order) or
    float64[r (D + 1), D] (Morris).
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    check_method(method, samples)
    rng = np.random.default_rng([TAG, seed, SAMPLE_STREAM])
    if method == "sobol":
        return sobol_sample.sample(problem.salib(), samples, calc_second_order=False, seed=rng)
    return morris_sample.sample(problem.salib(), samples, num_levels=MORRIS_LEVELS, seed=rng)
