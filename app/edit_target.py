"""What an undo command may change in a document: the low-level ``_apply_*`` edits.

``app.commands`` types its commands against this Protocol and ``app.document.ProjectDocument``
satisfies it, so the two modules no longer import each other (``document`` imports ``commands``;
``commands`` imports only this). Each ``_apply_*`` changes the model and emits the signals
views follow; it neither records undo history nor validates (the document's public methods do).
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.graph import Edge, Graph, Node


class EditTarget(Protocol):
    """The document as the undo commands see it."""

    @property
    def graph(self) -> Graph:
        """The project's layer graph (read to decide what a command removes)."""
        ...

    def _apply_insert(self, node: Node, edges: list[Edge]) -> None: ...

    def _apply_remove(self, name: str) -> tuple[Node, list[Edge]]: ...

    def _apply_move(self, name: str, position: tuple[float, float]) -> None: ...

    def _apply_connect(self, edge: Edge) -> None: ...

    def _apply_disconnect(self, edge: Edge) -> None: ...

    def _apply_options(self, name: str, options: dict[str, Any]) -> None: ...

    def _apply_rename(self, old: str, new: str) -> None: ...

    def _apply_section(self, section: str, value: Any) -> None: ...
