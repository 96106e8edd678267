"""Wires into a layer whose inputs mean different things say which is which."""

from __future__ import annotations

from engine.project import load_project
from widgets.canvas import CanvasView

EXAMPLE = "assets/examples/dates_seq2seq_attention.layerlab.json"


def labels(view: CanvasView) -> dict[tuple[str, str], str]:
    return {(e.source, e.target): item.shape_text for e, item in view.canvas.edges.items()}


def test_attention_wires_name_query_and_keys(qtbot, doc):
    doc.load(load_project(EXAMPLE))
    view = CanvasView(doc)
    qtbot.addWidget(view)
    text = labels(view)
    assert text[("decoder", "attention")] == "query · 10×64"
    assert text[("encoder", "attention")] == "key/value · 20×64"
    assert text[("decoder", "combine")] == "10×64"  # Concatenate: no roles
    edge = next(e for e in doc.graph.edges if e.source == "encoder"
                and e.target == "attention")
    doc.disconnect_edge(edge)  # one wire left: self-attention, no role to tell apart
    assert labels(view)[("decoder", "attention")] == "10×64"
    doc.undo_stack.undo()
    assert labels(view)[("decoder", "attention")] == "query · 10×64"
