"""The output folder of an optimisation: its tables, its charts and the manifest.

>>> from stmarket.experiments.optimisation.search import optimise           # doctest: +SKIP
>>> from stmarket.experiments.optimisation.write import write_optimisation  # doctest: +SKIP
>>> write_optimisation(optimise(budget=3.0), "out/optimise")                # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stmarket.experiments.optimisation.plots import optimisation_figures
from stmarket.experiments.optimisation.result import OptimiseResult
from stmarket.experiments.outputs.folder import MANIFEST, write_folder


def write_optimisation(result: OptimiseResult, out: str | Path) -> dict[str, Path]:
    """Write the output folder of an optimisation.

    ``candidates.csv``, ``frontier.csv``, ``best.csv``, ``best_targets.csv`` (from the
    model), ``reach.csv`` (with a target probability), the charts ``frontier.png`` and
    ``shares.png`` and, last, ``manifest.json`` (the result's ``meta``). Each file is
    written atomically; the manifest and the optional tables of an earlier run are
    removed first.

    Returns
    -------
    dict mapping each file's name to its path.
    """
    out = Path(out)
    (out / MANIFEST).unlink(missing_ok=True)  # incomplete from here until the end
    for name in ("best_targets.csv", "reach.csv"):  # optional: none from an earlier run
        (out / name).unlink(missing_ok=True)
    tables = {"candidates": result.candidates, "frontier": result.frontier,
              "best": result.best}
    if result.best_targets is not None:
        tables["best_targets"] = result.best_targets
    if result.reach is not None:
        tables["reach"] = pd.DataFrame([result.reach])
    return write_folder(out, tables, optimisation_figures(result), result.meta)
