"""The open project as a Qt model: one ``ProjectDocument`` per window (DESIGN.md §5).

Views never touch the engine's ``Graph`` directly: they call the editing methods here (each
pushes an undoable command) and follow the signals. After every structural edit the document
re-runs shape inference and emits ``shapes_changed`` with the engine's ``ShapeReport``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app import commands as cmd
from app.branch_graph import graph_changes
from app.undo_text import describe_changes
from engine.composites import get_composite
from engine.composites import place as place_block
from engine.graph import Edge, Graph, Node, ShapeReport
from engine.layers import create_layer
from engine.new_project import new_layer_options
from engine.project import (
    RECIPES,
    SUFFIX,
    Project,
    load_project,
    save_project,
    save_weights,
    weights_path,
)
from engine.training import TrainConfig
from engine.types import ConfigError, LayerLabError


class ProjectDocument(QObject):
    layer_added = Signal(str)
    layer_removed = Signal(str)
    layer_moved = Signal(str)
    layer_changed = Signal(str)
    layer_renamed = Signal(str, str)
    edge_added = Signal(object)
    edge_removed = Signal(object)
    shapes_changed = Signal(object)
    dataset_changed = Signal(object)
    training_changed = Signal(object)
    recipe_changed = Signal(str)  # supervised | perceptron | autoencoder | vae | gan
    project_loaded = Signal()
    path_changed = Signal(str)
    dirty_changed = Signal(bool)
    structure_changed = Signal()  # any edit that changes what the network computes

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.project = project or Project()
        self.path: Path | None = None
        self.report: ShapeReport = self.graph.infer_shapes()
        self._saved_state = self.project.to_dict()  # as last opened or saved (show_branch)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # -- files ---------------------------------------------------------------------------------
    def load(self, project: Project, path: Path | None = None,
             report: ShapeReport | None = None) -> None:
        """Replace the whole project (New/Open); clears undo history. The new graph is
        checked first: if that raises, nothing was replaced. ``report``: its shapes when
        already inferred (``app.project_io.read_checked``), not inferred again."""
        report = report if report is not None else project.graph.infer_shapes()
        self.project, self.path = project, Path(path) if path else None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.report = report
        self._saved_state = project.to_dict()
        self.project_loaded.emit()
        self.shapes_changed.emit(self.report)
        self.path_changed.emit(str(self.path or ""))

    def open(self, path: str | Path) -> None:
        """Load a project file; ProjectFileError propagates (the window shows its message)."""
        self.load(load_project(path), Path(path))

    def save(self, path: str | Path | None = None, weights: dict[str, np.ndarray] | None = None,
             history: dict[str, list[float]] | None = None) -> Path:
        """Write the project; with ``weights`` (and the run's ``history``) also the sidecar
        ``NAME.layerlab.npz`` (``engine.project.weights_path``), written first, each file
        atomically. Without weights a sidecar left from an earlier save is removed: it
        belonged to another version of the network. An untitled project takes the file's
        name (``mine.layerlab.json`` → "mine")."""
        target = Path(path) if path else self.path
        if target is None:
            raise LayerLabError("Choose a file name first (Save As).")
        if self.project.name.strip() in ("", "Untitled"):
            self.project.name = project_name_of(target)
        sidecar = weights_path(target)
        if weights:
            save_weights(sidecar, weights, history)
        else:
            sidecar.unlink(missing_ok=True)
        save_project(self.project, target)
        self.path = target
        self._saved_state = self.project.to_dict()
        self.undo_stack.setClean()
        self.path_changed.emit(str(target))
        return target

    def snapshot_project(self) -> Project:
        """A deep copy for the training thread or autosave (the document keeps editing)."""
        return copy.deepcopy(self.project)

    # -- editing API (undoable) ----------------------------------------------------------------
    def add_layer(self, kind: str, position: tuple[float, float],
                  options: dict[str, Any] | None = None, name: str | None = None) -> str:
        """Add a ``kind`` layer; without ``options`` it starts as a palette layer does
        (``engine.new_project.new_layer_options``: a Dense is ReLU), with them exactly so."""
        node = self._new_node(kind, position, options, name)
        self.undo_stack.push(cmd.AddLayer(self, node))
        return node.name

    def add_layer_after(self, kind: str, position: tuple[float, float],
                        source: str) -> tuple[str, str | None]:
        """Add a palette ``kind`` layer at ``position`` wired from ``source`` (Keras
        Sequential's "next layer"), add and wire as one undo step. When ``source``'s output
        cannot feed it (``wiring_problem``) the layer is added unwired. Returns the new name
        and the reason it was not wired (None when it was)."""
        node = self._new_node(kind, position, None, None)
        reason = wiring_problem(self.graph, node, source)
        edges = [] if reason else [Edge(source, node.name, 0)]
        text = "" if reason else f"Add {kind} '{node.name}' after '{source}'"
        self.undo_stack.push(cmd.AddLayer(self, node, edges, text))
        return node.name, reason

    def insert_on_wire(self, kind: str, edge: Edge, position: tuple[float, float]) -> str:
        node = self._new_node(kind, position, None, None)
        self.undo_stack.push(cmd.InsertOnWire(self, node, edge))
        return node.name

    def paste_layers(self, nodes: list[Node], edges: list[Edge]) -> list[str]:
        """Add copies of nodes (renamed when taken) with the edges between them, one undo step."""
        self.undo_stack.beginMacro(f"Paste {len(nodes)} layer(s)")
        renamed: dict[str, str] = {}
        for node in nodes:
            pos = (node.position[0] + 40.0, node.position[1] + 40.0)
            renamed[node.name] = self.add_layer(node.kind, pos, dict(node.options))
        for edge in edges:
            if edge.source in renamed and edge.target in renamed:
                self.connect_layers(renamed[edge.source], renamed[edge.target])
        self.undo_stack.endMacro()
        return list(renamed.values())

    def add_block(self, key: str, position: tuple[float, float], edge: Edge | None = None,
                  options: dict[str, Any] | None = None) -> list[str]:
        """Expand the palette block ``key`` (``engine.composites``) into ordinary layers at
        ``position``, one undo step. Dropped on ``edge`` (source → target), the block is wired
        in between: source feeds the block's first input, its exit feeds target."""
        block = get_composite(key)
        shapes = None
        if edge is not None and edge.source in self.report.shapes:
            shapes = [self.report.shapes[edge.source]]
        sub = block.build(options, shapes)
        nodes, edges, names = place_block(self.graph, sub, position, prefix=block.prefix)
        self.undo_stack.beginMacro(f"Add {block.name}")
        for node in nodes:
            self.undo_stack.push(cmd.AddLayer(self, node))
        for wire in edges:
            self.undo_stack.push(cmd.Connect(self, wire))
        if edge is not None:
            self.undo_stack.push(cmd.Disconnect(self, edge))
            for local, port in sub.inputs[0]:
                self.undo_stack.push(cmd.Connect(self, Edge(edge.source, names[local], port)))
            self.undo_stack.push(cmd.Connect(self, Edge(names[sub.exit], edge.target, edge.port)))
        self.undo_stack.endMacro()
        return [node.name for node in nodes]

    def _new_node(self, kind: str, position: tuple[float, float],
                  options: dict[str, Any] | None, name: str | None) -> Node:
        name = name or self.graph.unique_name(kind)
        if options is None:
            options = new_layer_options(kind)
        layer = create_layer({"kind": kind, "name": name, **options})
        position = (float(position[0]), float(position[1]))
        return Node(name, kind, layer.get_config_options(), position)

    def remove_layers(self, names: list[str]) -> None:
        if names:
            self.undo_stack.push(cmd.RemoveLayers(self, names))

    def move_layer(self, name: str, old: tuple[float, float], new: tuple[float, float]) -> None:
        if tuple(old) != tuple(new):
            self.undo_stack.push(cmd.MoveLayer(self, name, (old[0], old[1]), (new[0], new[1])))

    def connect_layers(self, source: str, target: str) -> str | None:
        """Wire source → target; return the reason when it can never be valid."""
        reason = self.graph.check_connection(source, target)
        if reason:
            return reason
        used = {e.port for e in self.graph.in_edges(target)}
        port = next(p for p in range(len(used) + 1) if p not in used)
        self.undo_stack.push(cmd.Connect(self, Edge(source, target, port)))
        return None

    def disconnect_edge(self, edge: Edge) -> None:
        self.undo_stack.push(cmd.Disconnect(self, edge))

    def set_layer_options(self, name: str, options: dict[str, Any]) -> None:
        """Validate then apply (ConfigError propagates to the inspector, nothing changes)."""
        node = self.graph.nodes[name]
        new = create_layer({"kind": node.kind, "name": name, **options}).get_config_options()
        if new != node.options:
            self.undo_stack.push(cmd.SetLayerOptions(self, name, node.options, new))

    def rename_layer(self, old: str, new: str) -> None:
        if old != new:
            if new in self.graph.nodes or not new.strip():
                raise LayerLabError(f"'{new}' cannot be used: names must be unique and non-empty.")
            self.undo_stack.push(cmd.RenameLayer(self, old, new))

    def set_hidden_depth(self, depth: int, layer: str | None = None) -> list[str]:
        """``depth`` hidden Dense layers like ``layer`` in the Input → Dense… → output chain,
        one undo step (``app.depth_edit``; the graph a depth sweep trains for ``depth``)."""
        from app.depth_edit import set_hidden_depth

        return set_hidden_depth(self, depth, layer)

    def set_dataset(self, spec: dict[str, Any]) -> None:
        if spec != self.project.dataset:
            old = dict(self.project.dataset)
            text = describe_changes(old, dict(spec), fallback="dataset")
            if spec.get("name") == old.get("name"):  # e.g. "spiral data: noise 0.1 → 0.3"
                text = f"{old.get('name', '')} data: {text}"
            self.undo_stack.push(cmd.SetSection(self, "dataset", old, dict(spec), text))

    def set_training(self, changes: dict[str, Any]) -> None:
        old = self.project.training.to_dict()
        new = {**old, **changes}
        TrainConfig.from_dict(new)  # validates; ConfigError propagates
        if new != old:
            self.undo_stack.push(cmd.SetSection(self, "training", old, new,
                                                describe_changes(old, new)))

    def set_recipe(self, recipe: str) -> None:
        """How the project trains (``engine.project.RECIPES``); one undoable step."""
        if recipe not in RECIPES:
            raise ConfigError(f"Unknown training recipe '{recipe}'. Choose one of: "
                              f"{', '.join(RECIPES)}.")
        if recipe != self.project.recipe:
            self.undo_stack.push(cmd.SetSection(self, "recipe", self.project.recipe, recipe,
                                                f"recipe {self.project.recipe} → {recipe}"))

    def show_branch(self, graph: Graph, training: TrainConfig) -> bool:
        """Put a timeline branch's network and training settings on screen: the session
        trains that branch now (``app.timeline``, switching branches), so the canvas,
        inspector, training panel and Problems panel follow through the usual per-layer,
        ``shapes_changed``, ``structure_changed`` and ``training_changed`` signals.

        Switching branches is navigation, not an edit: it is not an undo step (undoing it
        would show one network while another trains), and the undo history is cleared (its
        steps name the layers and settings of the branch left). The project counts as
        modified exactly when it now differs from the file last opened or saved: Save then
        writes the branch shown (and, with its timeline, which branch that is); switching
        back to the saved branch leaves it unmodified. False when nothing differed."""
        same_graph = graph.to_dict() == self.graph.to_dict()
        if same_graph and training.to_dict() == self.project.training.to_dict():
            return False
        self.undo_stack.clear()
        if not same_graph:
            self._replace_graph(copy.deepcopy(graph))
        self.project.training = copy.deepcopy(training)
        self.training_changed.emit(self.project.training)
        if self.project.to_dict() != self._saved_state:
            self.undo_stack.resetClean()
        return True

    def _replace_graph(self, new: Graph) -> None:
        """Make the graph (the same object) equal ``new``, layer by layer with signals."""
        changes, graph = graph_changes(self.graph, new), self.graph
        graph.nodes.clear()
        graph.nodes.update(new.nodes)
        graph.edges = list(new.edges)
        for edge in changes.edges_removed:
            self.edge_removed.emit(edge)
        for name in changes.removed:
            self.layer_removed.emit(name)
        for name in changes.added:
            self.layer_added.emit(name)
        for edge in changes.edges_added:
            self.edge_added.emit(edge)
        for name in changes.changed:
            self.layer_changed.emit(name)
        self._shapes()

    # -- low-level mutations used by the commands --------------------------------------------
    def _apply_insert(self, node: Node, edges: list[Edge]) -> None:
        self.graph.insert_node(copy.deepcopy(node), [])
        self.layer_added.emit(node.name)
        for edge in edges:
            self._apply_connect(edge)
        self._shapes()

    def _apply_remove(self, name: str) -> tuple[Node, list[Edge]]:
        node, edges = self.graph.remove_node(name)
        for edge in edges:
            self.edge_removed.emit(edge)
        self.layer_removed.emit(name)
        self._shapes()
        return copy.deepcopy(node), edges

    def _apply_move(self, name: str, position: tuple[float, float]) -> None:
        self.graph.nodes[name].position = tuple(position)  # type: ignore[assignment]
        self.layer_moved.emit(name)

    def _apply_connect(self, edge: Edge) -> None:
        self.graph.edges.append(edge)
        self.edge_added.emit(edge)
        self._shapes()

    def _apply_disconnect(self, edge: Edge) -> None:
        self.graph.disconnect(edge)
        self.edge_removed.emit(edge)
        self._shapes()

    def _apply_options(self, name: str, options: dict[str, Any]) -> None:
        self.graph.nodes[name].options = dict(options)
        self.layer_changed.emit(name)
        self._shapes()

    def _apply_rename(self, old: str, new: str) -> None:
        self.graph.rename(old, new)
        self.layer_renamed.emit(old, new)
        self._shapes()

    def _apply_section(self, section: str, value: Any) -> None:
        if section == "recipe":
            self.project.recipe = str(value)
            self.recipe_changed.emit(self.project.recipe)
            self.structure_changed.emit()  # the fit checks and the views depend on it
            return
        if section == "dataset":
            self.project.dataset = dict(value)
            self.dataset_changed.emit(dict(value))
        else:
            self.project.training = TrainConfig.from_dict(dict(value))
            self.training_changed.emit(self.project.training)
            return
        self.structure_changed.emit()

    def _shapes(self) -> None:
        self.report = self.graph.infer_shapes()
        self.shapes_changed.emit(self.report)
        self.structure_changed.emit()


def wiring_problem(graph: Graph, node: Node, source: str) -> str | None:
    """Why ``source → node`` (``node`` not yet in ``graph``) should not be wired, or None.

    Tried on a copy: the wire must be allowed (``Graph.check_connection``: not into an Input,
    …) and must give ``node`` no shape problem it would not have unwired — a Conv2D after a
    Dense (flat features) is refused, an Add after a Dense (still missing its second input)
    is not."""
    trial = copy.deepcopy(graph)
    trial.insert_node(copy.deepcopy(node), [])
    alone = trial.infer_shapes().errors.get(node.name)
    reason = trial.check_connection(source, node.name)
    if reason:
        return reason
    trial.connect(source, node.name, 0)
    wired = trial.infer_shapes().errors.get(node.name)
    return wired if wired and wired != alone else None


def project_name_of(path: str | Path) -> str:
    """``…/mine.layerlab.json`` → ``mine`` (the name an untitled project takes)."""
    name = Path(path).name
    for suffix in (SUFFIX, ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name
