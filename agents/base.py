"""Agents as views over the model's structure-of-arrays state.

Like Mesa's ``PropertyLayer`` descriptors, a :class:`Column` exposes one column of a
state array as an attribute, so an agent holds no copy of its data: what a
researcher reads (or sets) on an agent is what the numba kernels see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa


class Column:
    """Attribute backed by ``model.state.<array>[agent.index, col]``.

    Parameters
    ----------
    array : str
        Name of the state array (``"EF"``, ``"EI"``, ...).
    col : int
        Column index.
    decode : callable, optional
        Turns the stored number into the attribute's value (e.g. a code into a name).
    writable : bool
        Whether the attribute can be set (real-valued state only).
    doc : str
        Docstring of the attribute.
    """

    def __init__(self, array: str, col: int, decode: Callable[[Any], Any] = float,
                 writable: bool = False, doc: str = "") -> None:
        self.array = array
        self.col = col
        self.decode = decode
        self.writable = writable
        self.__doc__ = doc

    def __set_name__(self, owner, name) -> None:
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return self.decode(getattr(agent.model.state, self.array)[agent.index, self.col])

    def __set__(self, agent, value) -> None:
        if not self.writable:
            raise AttributeError(f"{self.name} is read-only")
        getattr(agent.model.state, self.array)[agent.index, self.col] = value


class StateAgent(mesa.Agent):
    """A Mesa agent that is row ``index`` of its kind's state arrays."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index}, unique_id={self.unique_id})"
