"""Palette blocks (ResNet, Inception, transformer): dropped, they expand into ordinary layers."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from engine.composites import COMPOSITES
from engine.graph import Graph
from engine.project import Project
from widgets.canvas.view import BLOCK_PREFIX, CanvasView
from widgets.panels.palette import LayerPalette


def cnn_graph() -> Graph:
    return Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "out", "units": 10, "activation": "softmax"},
    ])


def test_palette_lists_every_block_under_blocks(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    kinds = [k for k in palette.items if k.startswith(BLOCK_PREFIX)]
    assert sorted(kinds) == sorted(BLOCK_PREFIX + key for key in COMPOSITES)
    assert palette.items[BLOCK_PREFIX + "resnet_basic"].parent().text(0) == "Blocks"
    palette.search.setText("resnet")
    assert BLOCK_PREFIX + "resnet_basic" in palette.visible_kinds()


def test_block_on_a_wire_is_wired_in_and_undone_in_one_step(doc):
    doc.load(Project(graph=cnn_graph(), dataset={"name": "digits"}, name="cnn"))
    before = set(doc.graph.nodes)
    wire = next(e for e in doc.graph.edges if e.source == "conv")
    names = doc.add_block("resnet_basic", (300.0, 0.0), wire)
    assert len(names) >= 5 and set(names).isdisjoint(before)
    report = doc.graph.infer_shapes()
    assert not report.errors, report.errors
    assert report.shapes["flat"] == (4 * 8 * 8,)  # the block kept the 4×8×8 shape
    assert not any(e.source == "conv" and e.target == "flat" for e in doc.graph.edges)
    doc.undo_stack.undo()
    assert set(doc.graph.nodes) == before
    assert any(e.source == "conv" and e.target == "flat" for e in doc.graph.edges)


def test_dropping_a_block_on_empty_canvas_adds_its_layers(qtbot, doc):
    view = CanvasView(doc)
    qtbot.addWidget(view)
    last = view.add_layer_at(BLOCK_PREFIX + "transformer_encoder", QPointF(0.0, 0.0))
    assert last is not None
    kinds = {n.kind for n in doc.graph.nodes.values()}
    assert {"MultiHeadAttention", "LayerNormalization", "Add"} <= kinds
    assert doc.undo_stack.count() == 1


def test_auto_layout_wraps_a_deep_network_into_bands():
    from widgets.canvas.layout import layered_positions

    graph = Graph.sequential([{"kind": "Input", "shape": [4]}]
                             + [{"kind": "Dense", "units": 4} for _ in range(11)])
    pos = layered_positions(graph, wrap=5)
    names = graph.topological_order()
    xs = [pos[n][0] for n in names]
    ys = [pos[n][1] for n in names]
    assert xs[0] == xs[5] == xs[10] and xs[4] > xs[0]  # columns restart in each band
    assert ys[0] < ys[5] < ys[10] and len({ys[i] for i in range(5)}) == 1
