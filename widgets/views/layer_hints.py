"""A Look-inside view's words before its first result, from the graph alone.

The layers a view shows are known before Play: ``widgets.panels.inside_dock.ViewContext`` lists the
graph's layers (name → kind). ``GraphHint(kinds, missing, ready)`` picks the view's hint:
``ready`` ("Press Play (or Step) to see …") when the graph has a layer of one of ``kinds``,
else ``missing`` ("Add a … layer …"); ``layers_of`` gives those layers' names in graph order,
for a view's layer list before any result arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

CONV_KINDS = ("Conv2D",)
RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU")


class GraphContext(Protocol):
    """The part of ``widgets.panels.inside_dock.ViewContext`` these hints read."""

    @property
    def layer_kinds(self) -> Mapping[str, str]: ...


def layers_of(context: GraphContext | None, kinds: tuple[str, ...]) -> list[str]:
    """Names of the graph's layers of one of ``kinds``, in the graph's order."""
    if context is None:
        return []
    return [name for name, kind in context.layer_kinds.items() if kind in kinds]


class GraphHint:
    """``text(context)``: the ready hint when the graph has one of ``kinds``, else the
    add-a-layer hint."""

    def __init__(self, kinds: tuple[str, ...], missing: str, ready: str) -> None:
        self.kinds, self.missing, self.ready = kinds, missing, ready
        self.context: GraphContext | None = None  # the latest graph (None: not known yet)

    def set_context(self, context: GraphContext | None) -> None:
        self.context = context

    @property
    def layers(self) -> list[str]:
        return layers_of(self.context, self.kinds)

    @property
    def text(self) -> str:
        return self.ready if self.layers else self.missing
