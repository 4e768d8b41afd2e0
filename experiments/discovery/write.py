"""The output folder of a scenario discovery: its tables, its charts and the manifest.

>>> from stmarket.experiments.discovery.prim import discover          # doctest: +SKIP
>>> from stmarket.experiments.discovery.write import write_discovery  # doctest: +SKIP
>>> write_discovery(discover(runs=3000, seed=1), "out/discover")     # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from stmarket.experiments.discovery.plots import discovery_figures
from stmarket.experiments.discovery.prim import DiscoveryResult
from stmarket.experiments.outputs.folder import write_folder


def write_discovery(result: DiscoveryResult, out: str | Path, *,
                    force: bool = False) -> dict[str, Path]:
    """Write the output folder of a scenario discovery.

    ``boxes.csv``, ``trajectory.csv``, ``summary.csv``, ``targets.csv`` (the result's
    :meth:`~stmarket.experiments.discovery.prim.DiscoveryResult.tables`), the charts
    ``tradeoff.png`` and ``box_limits.png`` and, last, ``manifest.json``. Each file is
    written atomically; an earlier run's results are replaced only with ``force``
    (:func:`stmarket.experiments.outputs.folder.claim`).

    Returns
    -------
    dict mapping each file's name to its path.
    """
    return write_folder(out, result.tables(), discovery_figures(result), result.manifest(),
                        command="discover", force=force)
