"""Worlds: settings of the uncertain parameters (full priors, pessimistic, optimistic).

A world does not change the model or the priors' sources. It restricts the part of
each named prior that the Monte Carlo samples, as a range of the prior's quantiles:
``need_rate = [0.0, 0.333]`` samples the lower third of the need-rate prior. Every
parameter the world does not name is sampled over its full prior. A world file::

    [world]
    id = "pessimistic"
    name = "Pessimistic world"
    name_vi = "..."
    description = "..."

    [quantiles]
    need_rate = [0.0, 0.333]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stmarket.model.errors import InputError, check_keys, get_number, get_str, read_toml


@dataclass(frozen=True)
class World:
    """A setting of the uncertain parameters.

    Attributes
    ----------
    id, name, name_vi, description : str
    quantiles : dict of str to (float, float)
        For each named uncertain parameter, the range of its prior's quantiles
        that is sampled.
    path : Path or None
    """

    id: str
    name: str
    name_vi: str = ""
    description: str = ""
    quantiles: dict[str, tuple[float, float]] = field(default_factory=dict)
    path: Path | None = None

    def restrict(self, names: tuple[str, ...], u: np.ndarray) -> np.ndarray:
        """Map unit-cube columns (one per uncertain parameter in ``names``) into
        the world's quantile ranges."""
        u = np.array(u, dtype=np.float64, copy=True)
        for j, name in enumerate(names):
            if name in self.quantiles:
                lo, hi = self.quantiles[name]
                u[:, j] = lo + (hi - lo) * u[:, j]
        return u


#: The default world: every uncertain parameter over its full prior.
PRIORS = World("priors", "Full priors", "Toàn bộ khoảng bất định của tham số",
               "Every uncertain parameter sampled over its whole prior.")


def load_world(name: str | Path | None, uncertain: tuple[str, ...] | None = None) -> World:
    """Read and validate a world (bundled name, path, or None for the full priors).

    Parameters
    ----------
    name : str, Path or None
        ``"priors"``, ``"pessimistic"``, ``"optimistic"``, or a TOML path.
    uncertain : tuple of str, optional
        The profile's uncertain parameters; a world may only restrict those.
    """
    from stmarket.model.profile import resolve

    if name is None:
        return PRIORS
    path = resolve(name, "worlds")
    data = read_toml(path)
    check_keys(path, "", data, {"world", "quantiles"}, {"world"})
    head = data["world"]
    check_keys(path, "world", head, {"id", "name", "name_vi", "description"}, {"id", "name"})
    table = data.get("quantiles", {})
    check_keys(path, "quantiles", table, set(uncertain) if uncertain is not None else set(table))
    q: dict[str, tuple[float, float]] = {}
    for pname, rng in table.items():
        where = f"quantiles.{pname}"
        if not (isinstance(rng, list) and len(rng) == 2):
            raise InputError(path, where, "must be a pair [low, high] of quantiles in [0, 1]")
        lo = get_number(path, f"{where}[0]", rng[0], 0.0, 1.0)
        hi = get_number(path, f"{where}[1]", rng[1], 0.0, 1.0)
        if not lo < hi:
            raise InputError(path, where, f"low quantile must be below high, got [{lo:g}, {hi:g}]")
        q[pname] = (lo, hi)
    return World(get_str(path, "world.id", head["id"]), get_str(path, "world.name", head["name"]),
                 get_str(path, "world.name_vi", head.get("name_vi", head["name"])),
                 get_str(path, "world.description", head.get("description", "")), q, path)
