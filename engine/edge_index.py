"""``EdgeList``: a graph's list of wires that also knows each layer's incoming and outgoing
wires, so ``Graph.in_edges``/``out_edges`` cost O(degree) instead of a scan of every wire.

It is a real ``list`` (code that appends or filters ``graph.edges`` keeps working): ``append``,
``extend`` and ``remove`` update the index in place, any other change rebuilds it on the next
lookup (one O(wires) pass). Items are ``Edge``-like: they have ``source`` and ``target``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, SupportsIndex


class EdgeLike(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def target(self) -> str: ...


class EdgeList(list[Any]):
    """A list of edges with per-node indexes (``incoming``, ``outgoing``)."""

    def __init__(self, edges: Iterable[Any] = ()) -> None:
        super().__init__(edges)
        self._incoming: dict[str, list[Any]] | None = None
        self._outgoing: dict[str, list[Any]] = {}

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle rebuild the index
        return (EdgeList, (list(self),))

    # -- lookups -------------------------------------------------------------------------------
    def incoming(self, name: str) -> list[Any]:
        """Edges into ``name``, in the order they were added."""
        return list(self._index()[0].get(name, ()))

    def outgoing(self, name: str) -> list[Any]:
        """Edges out of ``name``, in the order they were added."""
        return list(self._index()[1].get(name, ()))

    def _index(self) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        if self._incoming is None:
            incoming: dict[str, list[Any]] = {}
            outgoing: dict[str, list[Any]] = {}
            for edge in self:
                incoming.setdefault(edge.target, []).append(edge)
                outgoing.setdefault(edge.source, []).append(edge)
            self._incoming, self._outgoing = incoming, outgoing
        return self._incoming, self._outgoing

    def _dirty(self) -> None:
        self._incoming = None

    # -- mutations kept in the index ---------------------------------------------------------
    def append(self, edge: Any) -> None:
        super().append(edge)
        if self._incoming is not None:
            self._incoming.setdefault(edge.target, []).append(edge)
            self._outgoing.setdefault(edge.source, []).append(edge)

    def extend(self, edges: Iterable[Any]) -> None:
        for edge in list(edges):
            self.append(edge)

    def remove(self, edge: Any) -> None:
        super().remove(edge)
        if self._incoming is not None:
            self._incoming[edge.target].remove(edge)
            self._outgoing[edge.source].remove(edge)

    # -- any other mutation rebuilds the index lazily ------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._dirty()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._dirty()

    def __iadd__(self, edges: Iterable[Any]) -> EdgeList:  # type: ignore[override,misc]
        self.extend(edges)
        return self

    def insert(self, index: SupportsIndex, edge: Any) -> None:
        super().insert(index, edge)
        self._dirty()

    def pop(self, index: SupportsIndex = -1) -> Any:
        edge = super().pop(index)
        self._dirty()
        return edge

    def clear(self) -> None:
        super().clear()
        self._dirty()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._dirty()

    def reverse(self) -> None:
        super().reverse()
        self._dirty()
