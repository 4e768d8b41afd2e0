"""stmarket: an agent-based policy simulator of a provincial S&T market.

This file is the root of the ``stmarket`` package; its subpackages are the folders
beside it, mapped by ``pyproject.toml``:

``stmarket.model``
    the province, plan and targets as data, the numba core and the Mesa model;
``stmarket.agents``
    Mesa agents: readable views over the core's state;
``stmarket.scenarios``
    data only: profiles, policy scenarios, worlds, targets, sweep designs;
``stmarket.experiments``
    everything run on the model: the assessment, reports, sweeps, the analyses,
    the dashboard and the command line.

``docs/ARCHITECTURE.md`` says what each may import. Importing this package has no
side effects.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("stmarket")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
