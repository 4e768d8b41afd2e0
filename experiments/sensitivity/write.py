"""The output folder of a sensitivity analysis: its tables, its charts and the manifest.

>>> from stmarket.experiments.sensitivity.methods import sensitivity            # doctest: +SKIP
>>> from stmarket.experiments.sensitivity.write import write_sensitivity        # doctest: +SKIP
>>> write_sensitivity(sensitivity("morris"), "out/sensitivity")                 # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from stmarket.experiments.outputs.folder import write_folder
from stmarket.experiments.sensitivity.plots import sensitivity_figures
from stmarket.experiments.sensitivity.result import SensitivityResult


def write_sensitivity(result: SensitivityResult, out: str | Path, *,
                      force: bool = False) -> dict[str, Path]:
    """Write the output folder of a sensitivity analysis.

    ``indices.csv``, ``noise.csv``, ``ranking.csv`` (the result's
    :meth:`~stmarket.experiments.sensitivity.result.SensitivityResult.tables`), the charts
    ``sobol_indices.png`` or ``morris_indices.png`` and ``noise_share.png`` and, last,
    ``manifest.json``. Each file is written atomically; an earlier run's results are
    replaced only with ``force`` (:func:`stmarket.experiments.outputs.folder.claim`).

    Returns
    -------
    dict mapping each file's name to its path.
    """
    return write_folder(out, result.tables(), sensitivity_figures(result), result.manifest(),
                        command="sensitivity", force=force)
