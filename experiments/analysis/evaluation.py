"""Shared ground of the analyses (sensitivity, discovery, optimisation, calibration):
evaluating the core on given inputs, and writing an output folder.

Every analysis writes tidy CSV tables, PNG charts and, last, ``manifest.json`` into
its folder, each file atomically (see :mod:`stmarket.experiments.outputs.folder`), so a folder with a
manifest is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stmarket.experiments.outputs import folder as output
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


def write_folder(out: str | Path, tables: dict[str, pd.DataFrame],
                 figures: dict[str, object], manifest: dict) -> dict[str, Path]:
    """Write ``NAME.csv`` for each table and ``NAME.png`` for each figure, atomically,
    then ``manifest.json`` (with versions, commit and the files' hashes) last."""
    import matplotlib.pyplot as plt

    from stmarket.experiments.reports.plots import save

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    old = out / output.MANIFEST
    stale: list[str] = []
    if old.exists():  # the files of an earlier run, as its manifest lists them
        try:
            import json

            stale = list(json.loads(old.read_text(encoding="utf-8")).get("files", {}))
        except (OSError, ValueError, AttributeError):
            stale = []
    old.unlink(missing_ok=True)
    for name in stale:
        if "/" not in name and name != output.MANIFEST:
            (out / name).unlink(missing_ok=True)
    files: dict[str, Path] = {}
    for name, df in tables.items():
        files[f"{name}.csv"] = output.write_csv(out / f"{name}.csv", df)
    for name, fig in figures.items():
        files[f"{name}.png"] = save(fig, out / f"{name}.png")
        plt.close(fig)
    man = dict(manifest)
    man.setdefault("version", output.versions()["stmarket"])
    man.setdefault("commit", output.git_commit())
    man.setdefault("versions", output.versions())
    man.setdefault("written", now())
    files[output.MANIFEST] = output.finish(out, man, list(files.values()))
    return files
