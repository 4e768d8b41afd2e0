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
from stmarket.experiments.outputs.folder import write_folder


def write_optimisation(result: OptimiseResult, out: str | Path, *,
                       force: bool = False) -> dict[str, Path]:
    """Write the output folder of an optimisation.

    ``candidates.csv``, ``frontier.csv``, ``best.csv``, ``best_targets.csv`` (from the
    model), ``reach.csv`` (with a target probability), the charts ``frontier.png`` and
    ``shares.png`` and, last, ``manifest.json`` (the result's ``meta``). Each file is
    written atomically; an earlier run's results (the files its manifest lists) are
    replaced only with ``force`` (:func:`stmarket.experiments.outputs.folder.claim`).

    Returns
    -------
    dict mapping each file's name to its path.
    """
    tables = {"candidates": result.candidates, "frontier": result.frontier,
              "best": result.best}
    if result.best_targets is not None:
        tables["best_targets"] = result.best_targets
    if result.reach is not None:
        tables["reach"] = pd.DataFrame([result.reach])
    return write_folder(out, tables, optimisation_figures(result), result.meta,
                        command="optimise", force=force)
