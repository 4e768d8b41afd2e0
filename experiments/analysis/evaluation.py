"""Shared ground of the analyses (sensitivity, discovery, optimisation, calibration):
evaluating the core on given inputs.

Every analysis writes tidy CSV tables, PNG charts and, last, ``manifest.json`` into its
folder with :func:`stmarket.experiments.outputs.folder.write_folder` (each file
atomically), so a folder with a manifest is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from stmarket.experiments.outputs.folder import write_folder  # noqa: F401 (moved there)
from stmarket.model import indicators
from stmarket.model import kernels as K
from stmarket.model.core import run_batch
from stmarket.model.profile import Profile
from stmarket.model.targets import TargetSet


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Outcomes:
    """What runs produced: indicators [n, years], target measures and verdicts
    [n, n_targets]."""

    indicators: dict[str, np.ndarray]
    measures: np.ndarray
    met: np.ndarray
    target_ids: list[str]
    years: np.ndarray

    def at(self, name: str, year: int | None = None) -> np.ndarray:
        """An indicator in a year (the last by default), one value per run."""
        j = -1 if year is None else int(year - self.years[0])
        return self.indicators[name][:, j]

    def met_by(self, year: int, targets: TargetSet) -> np.ndarray:
        """Whether every target of a year is met, per run."""
        cols = [k for k, t in enumerate(targets.targets) if t.year == year]
        return self.met[:, cols].all(axis=1)


def evaluate(profile: Profile, targets: TargetSet, P: np.ndarray, LEV: np.ndarray,
             seeds: np.ndarray | int, runs: np.ndarray, n_threads: int | None = None
             ) -> Outcomes:
    """Run the core on parameter vectors ``P[n]`` and budgets ``LEV`` ([6, years] or
    [n, 6, years]) with keys ``(seeds, runs)``, and score the targets."""
    P = np.asarray(P, dtype=np.float64)
    Y, _ = run_batch(profile, P, LEV, np.broadcast_to(np.asarray(seeds, np.int64), runs.shape),
                     runs, n_threads=n_threads)
    ind = indicators.compute(Y, P[:, K.P_INFLATION])
    m, met = targets.score(ind, profile.years)
    return Outcomes(ind, m, met, targets.ids, profile.years)
