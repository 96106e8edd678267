"""The readiness check on the open document, and its one-click fixes as undoable commands.

``check_document(doc, data, data_error)`` is ``engine.readiness.check_ready`` on the document's
project with the shapes the document already inferred; the Problems panel and Play
(``widgets.controllers.run_controller``) both call it, so the panel says "ready" exactly when
Play would start. ``apply_fix(doc, fix)`` applies a ``Fix``'s edits (new layer options, a layer
inserted on a wire) through the document's editing API as one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.datasets.base import Dataset
from engine.readiness import Fix, InsertLayer, Problem, SetOptions, check_ready
from engine.types import LayerLabError

if TYPE_CHECKING:
    from app.document import ProjectDocument


def check_document(doc: ProjectDocument, data: Dataset | None, data_error: str = ""
                   ) -> list[Problem]:
    """Every problem that stops the document's project from training on ``data``."""
    return check_ready(doc.project, data, doc.report, data_error)


def apply_fix(doc: ProjectDocument, fix: Fix) -> str:
    """Apply ``fix`` as one undo step; "" when done, else why it could not be applied (the
    network changed since the check): nothing is changed then."""
    for edit in fix.edits:
        layer = edit.layer if isinstance(edit, SetOptions) else edit.before
        if layer not in doc.graph.nodes:
            return f"The layer '{layer}' is no longer on the canvas."
    stack = doc.undo_stack
    before = stack.index()
    stack.beginMacro(fix.label)
    try:
        for edit in fix.edits:
            if isinstance(edit, SetOptions):
                doc.set_layer_options(edit.layer, dict(edit.options))
            else:
                _insert(doc, edit)
    except LayerLabError as err:
        stack.endMacro()
        if stack.index() > before:
            stack.undo()  # take back the edits made before the failing one
        return str(err)
    stack.endMacro()
    return ""


def _insert(doc: ProjectDocument, edit: InsertLayer) -> None:
    wires = [e for e in doc.graph.in_edges(edit.before) if e.port == edit.port]
    if not wires:
        raise LayerLabError(f"No wire leads into '{edit.before}' any more.")
    edge = wires[0]
    (x0, y0), (x1, y1) = (doc.graph.nodes[edge.source].position,
                          doc.graph.nodes[edge.target].position)
    doc.insert_on_wire(edit.kind, edge, ((x0 + x1) / 2.0, (y0 + y1) / 2.0))
