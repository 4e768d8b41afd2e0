"""The output folder of a calibration: its tables, its charts and the manifest.

>>> from stmarket.experiments.calibration.abc import calibrate          # doctest: +SKIP
>>> from stmarket.experiments.calibration.write import write_calibration  # doctest: +SKIP
>>> write_calibration(calibrate("bac_kan"), "out/calibrate")           # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from stmarket.experiments.calibration.plots import calibration_figures
from stmarket.experiments.calibration.result import CalibrationResult
from stmarket.experiments.outputs.folder import write_folder


def write_calibration(result: CalibrationResult, out: str | Path, *,
                      force: bool = False) -> dict[str, Path]:
    """Write the output folder of a calibration.

    ``posterior.csv`` (the weighted particles, read back by ``stmarket run
    --posterior``), ``summary.csv``, ``generations.csv``, ``fit.csv``, the charts
    ``marginals.png`` and ``fit.png`` and, last, ``manifest.json``. Each file is
    written atomically; an earlier run's results are replaced only with ``force``
    (:func:`stmarket.experiments.outputs.folder.claim`).

    Returns
    -------
    dict mapping each file's name to its path.
    """
    tables = {"posterior": result.posterior.frame(), "summary": result.summary,
              "generations": result.generations, "fit": result.fit}
    return write_folder(out, tables, calibration_figures(result), result.manifest(),
                        command="calibrate", force=force)
