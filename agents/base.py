"""Agents as views over the model's structure-of-arrays state.

Like Mesa's ``PropertyLayer`` descriptors, a :class:`Column` exposes one field of the
agents' records (``model.state.ent.tech``: every enterprise's technology level) as an
attribute, so an agent holds no copy of its data: what a
researcher reads (or sets) on an agent is what the numba kernels see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa


class Column:
    """Attribute backed by ``model.state.s.<bundle>[<field>][agent.index]``.

    Parameters
    ----------
    bundle : str
        Name of the record array in the run state (``"ent"``, ``"res"``, ``"ints"``).
    field : str
        Name of the record's field (``"tech"``, ``"quality"``, ...).
    decode : callable, optional
        Turns the stored number into the attribute's value (e.g. a code into a name).
    writable : bool
        Whether the attribute can be set (real-valued state only).
    doc : str
        Docstring of the attribute.
    """

    def __init__(self, bundle: str, field: str, decode: Callable[[Any], Any] = float,
                 writable: bool = False, doc: str = "") -> None:
        self.bundle = bundle
        self.field = field
        self.decode = decode
        self.writable = writable
        self.__doc__ = doc

    def __set_name__(self, owner, name) -> None:
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return self.decode(self.values(agent)[agent.index])

    def __set__(self, agent, value) -> None:
        if not self.writable:
            raise AttributeError(f"{self.name} is read-only")
        self.values(agent)[agent.index] = value

    def values(self, agent):
        """The field's array, one entry per agent of the kind."""
        return getattr(agent.model.state.s, self.bundle)[self.field]


class IdColumn(Column):
    """Read-only attribute: the id of the profile's sector, size class or location whose
    index is stored in ``model.state.s.<bundle>[<field>][agent.index]``.

    Parameters
    ----------
    bundle, field : str
        As for :class:`Column`.
    kind : str
        ``"sectors"``, ``"sizes"`` or ``"locations"``: the profile's list of entities.
    doc : str
        Docstring of the attribute.
    """

    def __init__(self, bundle: str, field: str, kind: str, doc: str = "") -> None:
        super().__init__(bundle, field, int, False, doc)
        self.kind = kind

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.profile, self.kind)[int(self.values(agent)[agent.index])].id


class StateAgent(mesa.Agent):
    """A Mesa agent that is record ``index`` of its kind's array in the run state."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index}, unique_id={self.unique_id})"
