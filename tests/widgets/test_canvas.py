"""The network canvas and the layer palette (offscreen): drop, wire, undo, delete, save/load."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QMainWindow

from app.document import ProjectDocument
from engine.layers import LAYERS, categories
from engine.project import Project
from widgets.canvas import MIME_LAYER, CanvasView
from widgets.canvas.edge_item import EdgeItem
from widgets.panels.palette import LayerPalette

LEFT = Qt.MouseButton.LeftButton
NOBUTTON = Qt.MouseButton.NoButton


@pytest.fixture
def view(qtbot, doc):
    canvas = CanvasView(doc)
    qtbot.addWidget(canvas)
    canvas.resize(1000, 700)
    canvas.show()
    canvas.reset_zoom()
    canvas.centerOn(300.0, 100.0)
    return canvas


def send_mouse(view: CanvasView, kind: QEvent.Type, scene_pos: QPointF,
               button=LEFT, buttons=LEFT) -> None:
    send_viewport_mouse(view, kind, QPointF(view.mapFromScene(scene_pos)), button, buttons)


def send_viewport_mouse(view: CanvasView, kind: QEvent.Type, point: QPointF,
                        button=LEFT, buttons=LEFT) -> None:
    glob = QPointF(view.viewport().mapToGlobal(point.toPoint()))
    event = QMouseEvent(kind, point, glob, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def drag(view: CanvasView, start: QPointF, end: QPointF, steps: int = 4) -> None:
    send_mouse(view, QEvent.Type.MouseButtonPress, start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        send_mouse(view, QEvent.Type.MouseMove, p, NOBUTTON, LEFT)
    send_mouse(view, QEvent.Type.MouseButtonRelease, end, LEFT, NOBUTTON)


def press_key(view: CanvasView, key: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    QApplication.sendEvent(view, QKeyEvent(QEvent.Type.KeyPress, key, mods))
    QApplication.sendEvent(view, QKeyEvent(QEvent.Type.KeyRelease, key, mods))


def drop(view: CanvasView, mime: QMimeData, scene_pos: QPointF) -> None:
    point = QPointF(view.mapFromScene(scene_pos))
    event = QDropEvent(point, Qt.DropAction.CopyAction, mime, LEFT,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)


def layer_mime(kind: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_LAYER, kind.encode("utf-8"))
    return mime


def chain(doc: ProjectDocument, *specs: tuple[str, dict]) -> list[str]:
    names = []
    for i, (kind, options) in enumerate(specs):
        names.append(doc.add_layer(kind, (240.0 * i, 0.0), options))
        if i:
            assert doc.connect_layers(names[i - 1], names[i]) is None
    return names


def test_palette_drag_dropped_on_the_canvas_adds_a_layer(qtbot, view, doc):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    mime = palette.tree.mime_for(palette.items["Dense"])
    with qtbot.waitSignal(view.selection_changed) as selected:
        drop(view, mime, QPointF(120.0, 48.0))
    assert list(doc.graph.nodes) == ["dense_1"]
    assert doc.graph.nodes["dense_1"].position == (120.0, 48.0)
    item = view.canvas.nodes["dense_1"]
    assert (item.pos().x(), item.pos().y()) == (120.0, 48.0)
    assert selected.args == [["dense_1"]]
    assert doc.undo_stack.count() == 1


def test_dropping_on_a_wire_inserts_the_layer_into_it(view, doc):
    first, second = chain(doc, ("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    wire = view.canvas.edges[doc.graph.edges[0]]
    middle = wire.path().pointAtPercent(0.5)
    drop(view, layer_mime("Dropout"), middle)
    assert {(e.source, e.target) for e in doc.graph.edges} == {
        (first, "dropout_1"), ("dropout_1", second)}
    assert len(view.canvas.edges) == 2
    doc.undo_stack.undo()
    assert [(e.source, e.target) for e in doc.graph.edges] == [(first, second)]
    assert "dropout_1" not in view.canvas.nodes


def test_connecting_ports_with_a_bad_shape_draws_a_red_wire_that_says_flatten(view, doc):
    image = doc.add_layer("Input", (0.0, 0.0), {"shape": [1, 28, 28]})
    dense = doc.add_layer("Dense", (300.0, 0.0))
    source, target = view.canvas.nodes[image], view.canvas.nodes[dense]
    drag(view, source.output_anchor(), target.input_anchor())
    assert len(doc.graph.edges) == 1
    wire = next(iter(view.canvas.edges.values()))
    assert wire.bad and "Flatten" in wire.toolTip()
    assert wire.label.text == "1×28×28"
    assert target.error and "Flatten" in target.toolTip()
    assert not [i for i in view.canvas.items() if type(i).__name__ == "TempWire"]


def test_a_cycle_is_refused_while_dragging_and_explained(qtbot, view, doc):
    a, b, c = chain(doc, ("Dense", {}), ("Dense", {}), ("Dense", {}))
    start, end = view.canvas.nodes[c].output_anchor(), view.canvas.nodes[a].input_anchor()
    messages: list[str] = []
    view.message_posted.connect(messages.append)
    send_mouse(view, QEvent.Type.MouseButtonPress, start)
    send_mouse(view, QEvent.Type.MouseMove, end, NOBUTTON, LEFT)
    assert "loop" in view.toolTip() and "loop" in view.statusTip()
    temp = view._wire.wire  # the wire under the mouse turns red (invalid) before release
    assert temp.valid is False
    send_mouse(view, QEvent.Type.MouseButtonRelease, end, LEFT, NOBUTTON)
    assert messages and "loop" in messages[-1]
    assert len(doc.graph.edges) == 2 and len(view.canvas.edges) == 2
    assert view.toolTip() == ""


def test_dragging_from_an_input_port_wires_backwards(view, doc):
    a = doc.add_layer("Input", (0.0, 0.0), {"shape": [2]})
    b = doc.add_layer("Dense", (300.0, 0.0))
    drag(view, view.canvas.nodes[b].input_anchor(), view.canvas.nodes[a].output_anchor())
    assert [(e.source, e.target) for e in doc.graph.edges] == [(a, b)]
    assert not view.canvas.edges[doc.graph.edges[0]].bad


def test_undo_and_redo_rebuild_the_items(view, doc):
    a, b = chain(doc, ("Input", {"shape": [2]}), ("Dense", {"units": 5}))
    assert set(view.canvas.nodes) == {a, b} and len(view.canvas.edges) == 1
    doc.undo_stack.undo()  # connect
    assert len(view.canvas.edges) == 0
    assert view.canvas.nodes[b].error  # a Dense without input is a problem again
    doc.undo_stack.undo()  # add Dense
    assert set(view.canvas.nodes) == {a}
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert set(view.canvas.nodes) == {a, b} and len(view.canvas.edges) == 1
    dense = view.canvas.nodes[b]
    assert dense.shape_text == "5" and dense.params_text == "15 params"


def test_delete_key_removes_selection_and_undo_brings_it_back(view, doc):
    a, b, c = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}), ("Dense", {"units": 1}))
    view.select_layers([b])
    view.setFocus()
    press_key(view, Qt.Key.Key_Delete)
    assert set(doc.graph.nodes) == {a, c} and doc.graph.edges == []
    assert set(view.canvas.nodes) == {a, c} and not view.canvas.edges
    doc.undo_stack.undo()
    assert set(view.canvas.nodes) == {a, b, c} and len(view.canvas.edges) == 2
    assert view.canvas.nodes[b].pos() == QPointF(240.0, 0.0)


def test_a_selected_wire_can_be_deleted(view, doc):
    chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    wire = next(iter(view.canvas.edges.values()))
    wire.setSelected(True)
    view.delete_selected()
    assert doc.graph.edges == [] and not view.canvas.edges and len(doc.graph.nodes) == 2
    doc.undo_stack.undo()
    assert len(view.canvas.edges) == 1


def test_moving_a_layer_commits_one_undoable_move_on_release(view, doc):
    a, b = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    item = view.canvas.nodes[b]
    start = item.pos() + QPointF(0.0, -20.0)  # on the body, away from the ports
    before = doc.undo_stack.count()
    drag(view, start, start + QPointF(48.0, 96.0))
    assert doc.graph.nodes[b].position == (288.0, 96.0)
    assert doc.undo_stack.count() == before + 1
    wire = next(iter(view.canvas.edges.values()))
    assert wire.path().pointAtPercent(1.0) == item.input_anchor()
    doc.undo_stack.undo()
    assert item.pos() == QPointF(240.0, 0.0)


def test_rubber_band_selects_several_layers(qtbot, view, doc):
    names = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}), ("Dense", {}))
    with qtbot.waitSignal(view.selection_changed):
        drag(view, QPointF(-150.0, -120.0), QPointF(380.0, 120.0))
    assert sorted(view.selected_layers()) == sorted(names[:2])


def test_copy_and_paste_duplicate_layers_with_their_wires(view, doc):
    a, b = chain(doc, ("Input", {"shape": [3]}), ("Dense", {"units": 7}))
    view.select_all()
    view.copy()
    view.paste()
    assert len(doc.graph.nodes) == 4 and len(doc.graph.edges) == 2
    new = [n for n in doc.graph.nodes if n not in (a, b)]
    assert sorted(view.selected_layers()) == sorted(new)
    dense = next(n for n in new if doc.graph.nodes[n].kind == "Dense")
    assert doc.graph.nodes[dense].options["units"] == 7
    assert doc.graph.nodes[dense].position == (280.0, 40.0)
    doc.undo_stack.undo()  # a paste is one step
    assert set(doc.graph.nodes) == {a, b}


def test_auto_layout_is_one_undo_step_left_to_right(view, doc):
    a = doc.add_layer("Input", (500.0, 300.0), {"shape": [2]})
    b = doc.add_layer("Dense", (0.0, 0.0))
    c = doc.add_layer("Dense", (100.0, 500.0))
    d = doc.add_layer("Add", (50.0, 50.0))
    for s, t in ((a, b), (a, c), (b, d), (c, d)):
        assert doc.connect_layers(s, t) is None
    before = doc.undo_stack.count()
    view.auto_layout()
    pos = {n: doc.graph.nodes[n].position for n in (a, b, c, d)}
    assert pos[a][0] < pos[b][0] == pos[c][0] < pos[d][0]
    assert pos[b][1] != pos[c][1]
    assert doc.undo_stack.count() == before + 1
    doc.undo_stack.undo()
    assert doc.graph.nodes[a].position == (500.0, 300.0)
    assert view.canvas.nodes[a].pos() == QPointF(500.0, 300.0)


def test_rename_keeps_the_wires(view, doc):
    a, b = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    doc.rename_layer(b, "hidden")
    assert set(view.canvas.nodes) == {a, "hidden"}
    assert [e.target for e in view.canvas.edges] == ["hidden"]
    doc.undo_stack.undo()
    assert [e.target for e in view.canvas.edges] == [b]


def test_save_and_open_give_the_same_picture(view, doc, tmp_path):
    names = chain(doc, ("Input", {"shape": [2]}), ("Dense", {"units": 4}), ("Dense", {}))
    doc.move_layer(names[2], (480.0, 0.0), (480.0, 144.0))
    picture = ({n: (i.pos().x(), i.pos().y()) for n, i in view.canvas.nodes.items()},
               {(e.source, e.target, e.port) for e in view.canvas.edges})
    path = tmp_path / "net.layerlab.json"
    doc.save(path)
    doc.load(Project())  # an empty project in between
    assert not view.canvas.nodes and not view.canvas.edges
    doc.open(path)
    again = ({n: (i.pos().x(), i.pos().y()) for n, i in view.canvas.nodes.items()},
             {(e.source, e.target, e.port) for e in view.canvas.edges})
    assert again == picture
    assert all(isinstance(i, EdgeItem) for i in view.canvas.edges.values())


def test_zoom_fit_and_ctrl_wheel(view, doc):
    chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    view.zoom_in()
    assert view.zoom_level() == pytest.approx(1.2)
    view.zoom_out()
    view.zoom_out()
    assert view.zoom_level() == pytest.approx(1 / 1.2)
    view.reset_zoom()
    assert view.zoom_level() == 1.0
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 240), NOBUTTON, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    assert view.zoom_level() == pytest.approx(1.44)
    view.fit_to_view()
    assert 0.2 <= view.zoom_level() <= 1.6
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.canvas.network_rect())


def test_middle_button_pans_the_view(view, doc):
    chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    before = view.mapToScene(view.viewport().rect().center())
    start = QPointF(200.0, 50.0)
    send_mouse(view, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.MiddleButton,
               Qt.MouseButton.MiddleButton)
    send_mouse(view, QEvent.Type.MouseMove, start + QPointF(-100.0, 0.0), NOBUTTON,
               Qt.MouseButton.MiddleButton)
    send_mouse(view, QEvent.Type.MouseButtonRelease, start + QPointF(-100.0, 0.0),
               Qt.MouseButton.MiddleButton, NOBUTTON)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() == pytest.approx(before.x() + 100.0, abs=2.0)
    assert doc.undo_stack.count() == 3  # panning edits nothing


def test_palette_lists_the_registry_and_filters(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert {k for k in palette.items if not k.startswith("block:")} == set(LAYERS)
    groups = {palette.tree.topLevelItem(i).text(0)
              for i in range(palette.tree.topLevelItemCount())}
    assert groups == set(categories()) | {"Blocks"}
    assert LAYERS["Dropout"].blurb in palette.items["Dropout"].toolTip(0)
    assert not palette.items["Dense"].icon(0).isNull()
    palette.search.setText("flat")
    assert palette.visible_kinds() == ["Flatten"]
    palette.search.setText("")
    assert set(palette.visible_kinds()) == set(palette.items)
    with qtbot.waitSignal(palette.layer_requested) as requested:
        palette.tree.itemDoubleClicked.emit(palette.items["Dense"], 0)
    assert requested.args == ["Dense"]
    palette.tree.setCurrentItem(palette.items["Dropout"])
    with qtbot.waitSignal(palette.layer_requested) as requested:
        qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert requested.args == ["Dropout"]


def test_space_alone_plays_and_space_drag_pans(qtbot, doc):
    window = QMainWindow()
    view = CanvasView(doc)
    window.setCentralWidget(view)
    play = QAction("Play", window)
    play.setShortcut(QKeySequence("Space"))
    window.addAction(play)
    presses: list[bool] = []
    play.triggered.connect(lambda: presses.append(True))
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    view.reset_zoom()
    view.centerOn(0.0, 0.0)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert presses == [True]  # a plain Space still reaches the window's Play action
    before = view.mapToScene(view.viewport().rect().center())
    qtbot.keyPress(view, Qt.Key.Key_Space)
    start = QPointF(view.mapFromScene(QPointF(-300.0, 200.0)))
    send_viewport_mouse(view, QEvent.Type.MouseButtonPress, start)
    for dy in (-20.0, -40.0, -80.0):
        send_viewport_mouse(view, QEvent.Type.MouseMove, start + QPointF(0.0, dy), NOBUTTON)
    send_viewport_mouse(view, QEvent.Type.MouseButtonRelease, start + QPointF(0.0, -80.0),
                        LEFT, NOBUTTON)
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.y() == pytest.approx(before.y() + 80.0, abs=2.0)
    assert presses == [True] and doc.undo_stack.count() == 3


def test_keyboard_copy_paste_and_escape(qtbot, view, doc):
    a, b = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    view.select_layers([b])
    press_key(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    press_key(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.graph.nodes) == 3 and view.selected_layers() == ["dense_2"]
    press_key(view, Qt.Key.Key_Escape)
    assert view.selected_layers() == []
    press_key(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(view.selected_layers()) == 3


def test_zoomed_out_text_grows_for_the_back_row(view, doc):
    chain(doc, ("Input", {"shape": [1, 28, 28]}), ("Flatten", {}))
    wire = next(iter(view.canvas.edges.values()))
    width = wire.label.boundingRect().width()
    for _ in range(4):
        view.zoom_out()
    assert view.canvas.text_scale > 1.3
    assert wire.label.boundingRect().width() > 1.3 * width
    view.reset_zoom()
    assert view.canvas.text_scale == 1.0


def test_drag_enter_accepts_only_layer_kinds(view):
    def entered(mime: QMimeData) -> bool:
        event = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, LEFT,
                                Qt.KeyboardModifier.NoModifier)
        event.setAccepted(False)
        view.dragEnterEvent(event)
        return event.isAccepted()

    other = QMimeData()
    other.setText("Dense")
    assert entered(layer_mime("Dense"))
    assert not entered(layer_mime("NoSuchLayer"))
    assert not entered(other)


def test_right_click_menu_selects_the_layer_and_offers_edits(view, doc):
    a, b = chain(doc, ("Input", {"shape": [2]}), ("Dense", {}))
    menu = view.context_menu(view.canvas.nodes[b].pos() + QPointF(0.0, -20.0))
    assert view.selected_layers() == [b]
    actions = {act.text(): act for act in menu.actions() if act.text()}
    assert actions["Delete"].isEnabled() and actions["Auto layout"].isEnabled()
    actions["Delete"].trigger()
    assert set(doc.graph.nodes) == {a}
