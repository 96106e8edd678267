"""Decision boundary of a 2-D classifier, drawn live under the data (TensorFlow Playground style).

``set_data`` draws the points once, coloured by class (validation points hollow). ``update``
takes the snapshot's ``decision_grid`` (``(G, G)`` score of class 1, or ``(G, G, K)``
probabilities; row = y, column = x) over ``grid_extent`` ``[x_min, x_max, y_min, y_max]`` and
shows it as an image underneath: binary tasks as an orange ↔ blue shading of the probability,
several classes as the winning class's colour, stronger where the network is more confident.
Points the network puts in the wrong class get a ring. When both inputs share a scale the data
area keeps their shape (``aspect_holder``: a spiral stays round in a wide, short dock). Their
predictions are the snapshot's ``point_scores`` (the network's own output at each point, so a
point lying exactly on the line is judged by the prediction rule — the perceptron's z = 0
counts as class 1); without them they come from the nearest grid cell (an index table
computed once per extent).

Editing: the "Edit points" switch above the plot (``PointEditBar``, ``set_editable``) lets the
learner add, move, erase, spray and relabel points with the mouse (``PointEditor``); the plot
changes at once and ``points_edited`` carries every point as ``[x1, x2, class]`` rows when a
gesture ends. The owner turns them into a dataset spec (``engine.datasets.point_edits
.edited_spec``), pushes it to the document and hands the reloaded data back to ``set_data``
(and to the training session, so the boundary follows while the network trains).
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.probes import grid_extent
from widgets.plots.aspect_holder import AspectHolder, shared_scale_ratio
from widgets.plots.palette import (
    class_blend,
    class_color,
    current_style,
    diverging_lut,
    plot_style,
    style_axes,
)
from widgets.plots.point_editor import PointEditBar, PointEditor

POINT_SIZE = 9
RING_SIZE = 13  # a thin ring just outside a point: the map shows through between rings
RING_WIDTH = 1.3
EMPTY_VIEW = (-1.5, 1.5)  # what an empty point set shows, to draw on
SWITCH_GAP = 4  # px around the "Edit points" switch in its strip above the view box


def cell_index(points: np.ndarray, extent: np.ndarray, grid: int) -> np.ndarray:
    """Flat index (row-major, row = y) of the grid cell nearest to each point ``(N, 2)``."""
    x0, x1, y0, y1 = (float(v) for v in extent)
    ix = np.rint((points[:, 0] - x0) / max(x1 - x0, 1e-12) * (grid - 1))
    iy = np.rint((points[:, 1] - y0) / max(y1 - y0, 1e-12) * (grid - 1))
    ix = np.clip(ix, 0, grid - 1).astype(np.intp)
    iy = np.clip(iy, 0, grid - 1).astype(np.intp)
    return iy * grid + ix


def grid_predictions(grid: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Predicted class at the given flat cells of a ``(G, G)`` or ``(G, G, K)`` grid."""
    g = grid.shape[0] * grid.shape[1]
    if grid.ndim == 2:
        return (grid.reshape(g)[cells] > 0.5).astype(np.int64)
    return np.argmax(grid.reshape(g, grid.shape[2])[cells], axis=1)


def point_predictions(scores: np.ndarray) -> np.ndarray:
    """Predicted class from ``(N,)`` scores of class 1 or ``(N, K)`` probabilities."""
    if scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    elif scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1:
        return (scores > 0.5).astype(np.int64)
    return np.argmax(scores, axis=1)


def image_rect(extent: np.ndarray, shape: tuple[int, int]) -> QRectF:
    """Rectangle of a ``(rows, cols)`` image whose cell *centres* span the extent."""
    x0, x1, y0, y1 = (float(v) for v in extent)
    rows, cols = shape
    dx = (x1 - x0) / max(cols - 1, 1)
    dy = (y1 - y0) / max(rows - 1, 1)
    return QRectF(x0 - dx / 2, y0 - dy / 2, dx * cols, dy * rows)


class DecisionPlot(QWidget):
    """Data points over the network's live decision map, with mistakes ringed."""

    points_edited = Signal(list)  # every point as [x1, x2, class] rows, after one gesture

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.edit_bar = PointEditBar()
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.key = QLabel()  # the legend, under the plot so it never hides data
        self._lay_out()
        plot = self.plot = self.plot_widget.getPlotItem()
        self.holder.placed = self._place_switch  # the view: the extent, at its shape
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.val_points = pg.ScatterPlotItem(size=POINT_SIZE, pxMode=True)
        self.mistakes = pg.ScatterPlotItem(size=RING_SIZE, pxMode=True, brush=None)
        for z, item in enumerate((self.image, self.train_points, self.val_points,
                                  self.mistakes)):
            item.setZValue(z - 1)  # the map at -1, under the points
            plot.addItem(item)
        self.points = np.zeros((0, 2), np.float32)  # train then validation
        self.labels = np.zeros(0, np.int64)
        self.n_train = 0
        self.n_classes = 2
        self.class_names: list[str] = []
        self.wrong = np.zeros(0, bool)
        self._cells: np.ndarray | None = None
        self._cells_key: tuple | None = None
        self._rect_key: tuple | None = None
        self._mode = ""
        self._grid: np.ndarray | None = None
        self._extent: np.ndarray | None = None
        self._shown: tuple[np.ndarray, np.ndarray] | None = None  # (G, G[, K]) grid, extent
        self._point_scores: np.ndarray | None = None  # the network's scores at the points
        self._pending: tuple | None = None  # set_data arguments that came during a gesture
        self.editor = PointEditor(self)
        self.plot_widget.viewport().installEventFilter(self.editor)
        self._connect_edit_bar()
        self.set_theme(self.style_.name)

    def _lay_out(self) -> None:
        """Editing row, plot, then the legend on a line of its own; the "Edit points" switch
        sits top right in a strip the plot keeps free above its view box (``_place_switch``),
        so it never hides a point and the key stays one line in a 460 px column (1280×720)."""
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.setContentsMargins(6, 0, 6, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit_bar)
        self.holder = AspectHolder(self.plot_widget)  # one unit of x as long as one of y
        layout.addWidget(self.holder, 1)
        layout.addWidget(self.key)
        self.edit_bar.switch.setParent(self.plot_widget)
        self.edit_bar.switch.raise_()

    # -- data ----------------------------------------------------------------------------------
    def set_data(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                 y_val: np.ndarray, n_classes: int, class_names: list[str] | None = None
                 ) -> None:
        """Draw the points (train filled, validation hollow) and frame the view on them.

        While editing, the view stays where it is (unless the new points leave it), and data
        arriving during a gesture waits for its end.
        """
        if self.editor.active:
            self._pending = (x_train, y_train, x_val, y_val, n_classes, class_names)
            return
        x_train = np.asarray(x_train, np.float32).reshape(-1, 2)
        x_val = np.asarray(x_val, np.float32).reshape(-1, 2)
        self.points = np.concatenate([x_train, x_val])
        self.labels = np.concatenate([np.asarray(y_train).reshape(-1),
                                      np.asarray(y_val).reshape(-1)]).astype(np.int64)
        self.n_train, self.n_classes = len(x_train), max(int(n_classes), 2)
        self.class_names = list(class_names or [])
        self.wrong = np.zeros(len(self.points), bool)
        self._cells_key = None
        self.mistakes.setData([], [])
        self.image.clear()
        self._grid = self._shown = self._point_scores = None
        self._draw_points()
        self.edit_bar.set_classes([self.class_name(k) for k in range(self.n_classes)])
        if not (self.editing and self._view_holds_points()):
            self._frame_view()

    def class_name(self, k: int) -> str:
        return self.class_names[k] if k < len(self.class_names) else f"class {k}"

    def _draw_points(self) -> None:
        s = self.style_
        brushes = [pg.mkBrush(class_color(k)) for k in range(self.n_classes)]
        pens = [pg.mkPen(class_color(k), width=2.2) for k in range(self.n_classes)]
        edge = pg.mkPen(s.point_edge, width=1.2)
        yt, yv = self.labels[: self.n_train], self.labels[self.n_train:]
        xt, xv = self.points[: self.n_train], self.points[self.n_train:]
        self.train_points.setData(xt[:, 0], xt[:, 1], pen=edge,
                                  brush=[brushes[c % self.n_classes] for c in yt])
        self.val_points.setData(xv[:, 0], xv[:, 1], brush=pg.mkBrush(s.shade_mid + "B0"),
                                pen=[pens[c % self.n_classes] for c in yv])
        self._build_legend()

    def _build_legend(self) -> None:
        if not len(self.points):
            self.key.setText("")
            return
        s = self.style_
        parts = []
        for k in range(self.n_classes):
            name = escape(self.class_name(k)).replace(" ", "&nbsp;")  # never split a name
            parts.append(f"<span style='color:{class_color(k)}; font-size:15pt'>●</span>"
                         f"&nbsp;{name}")
        if len(self.points) > self.n_train:
            parts.append(f"<span style='color:{s.foreground}; font-size:15pt'>○</span>"
                         "&nbsp;validation")
        parts.append(f"<span style='color:{s.mistake}; font-size:17pt'>◯</span>"
                     "&nbsp;misclassified")  # the ring is the mark: one line at 1280×720
        self.key.setText("&nbsp; ".join(parts))  # wraps between items only

    def _frame_view(self) -> None:
        """Frame the points as the engine's decision grid does (or an empty drawing area)."""
        if len(self.points):
            x0, x1, y0, y1 = (float(v) for v in grid_extent(self.points))
        else:
            (x0, x1), (y0, y1) = EMPTY_VIEW, EMPTY_VIEW
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot.disableAutoRange()
        self.holder.set_ratio(shared_scale_ratio(x0, x1, y0, y1))

    def _view_holds_points(self) -> bool:
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        p = self.points
        return bool(np.all((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)))

    # -- live update ---------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(440, 440)

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Show the snapshot's decision grid; ``update()`` without one repaints the widget."""
        if snapshot is None:
            super().update()
            return
        grid = snapshot.probes.get("decision_grid") if snapshot.probes else None
        extent = snapshot.probes.get("grid_extent") if grid is not None else None
        if grid is None or extent is None:
            return
        scores = snapshot.probes.get("point_scores")
        self.show_grid(np.asarray(grid), np.asarray(extent),
                       None if scores is None else np.asarray(scores))

    def show_grid(self, grid: np.ndarray, extent: np.ndarray,
                  point_scores: np.ndarray | None = None) -> None:
        """Draw ``grid`` over ``extent`` and ring the misclassified points (judged by
        ``point_scores``, ``(N,)`` or ``(N, K)`` for the N shown points, when given)."""
        self._grid, self._extent = grid, extent
        self._point_scores = point_scores
        if grid.ndim == 3 and grid.shape[2] == 2:
            grid = grid[..., 1]  # two softmax units: the score of class 1
        if grid.ndim == 2:
            if self._mode != "binary":
                self.image.setLookupTable(diverging_lut(self.style_))
                self._mode = "binary"
            self.image.setImage(grid, autoLevels=False, levels=(0.0, 1.0))
        else:
            if self._mode != "multi":
                self.image.setLookupTable(None)
                self._mode = "multi"
            self.image.setImage(class_blend(grid, self.style_), autoLevels=False)
        self._shown = (grid, extent)
        key = (tuple(float(v) for v in extent), grid.shape[:2])
        if key != self._rect_key:
            self.image.setRect(image_rect(extent, grid.shape[:2]))
            self._rect_key = key
        self._mark_mistakes(grid, extent)

    def _mark_mistakes(self, grid: np.ndarray, extent: np.ndarray) -> None:
        if not len(self.points):
            return
        key = (tuple(float(v) for v in extent), grid.shape[0])
        if key != self._cells_key or self._cells is None:
            self._cells = cell_index(self.points, extent, grid.shape[0])
            self._cells_key = key
        scores = self._point_scores
        if scores is not None and len(scores) == len(self.points):
            wrong = point_predictions(scores) != self.labels
        else:  # no scores, or the points were edited since: the nearest grid cell
            wrong = grid_predictions(grid, self._cells) != self.labels
        if not np.array_equal(wrong, self.wrong):
            self.wrong = wrong
            pts = self.points[wrong]
            self.mistakes.setData(pts[:, 0], pts[:, 1])

    def clear_map(self) -> None:
        """No map and no rings until the next grid (another project); the points stay."""
        self.image.clear()
        self.mistakes.setData([], [])
        self.wrong = np.zeros(len(self.points), bool)
        self._grid = self._extent = self._shown = self._point_scores = None

    def refresh_points(self) -> None:
        """Redraw the points after an edit of ``points``/``labels`` (view and map stay)."""
        if len(self.labels):
            self.n_classes = max(self.n_classes, int(self.labels.max()) + 1)
        self.wrong = np.zeros(len(self.points), bool)
        self._cells_key = None
        self._point_scores = None  # scored before the edit: the grid judges until the next one
        self.mistakes.setData([], [])
        self._draw_points()
        if self._shown is not None:
            self._mark_mistakes(*self._shown)

    # -- editing -------------------------------------------------------------------------------
    @property
    def editing(self) -> bool:
        return self.edit_bar.editing

    def set_editable(self, on: bool) -> None:
        """Switch the editing mode on or off (as the "Edit points" button does)."""
        self.edit_bar.switch.setChecked(on)

    def set_edit_allowed(self, allowed: bool) -> None:
        """Show or hide the "Edit points" switch (e.g. hidden while a lesson locks the data)."""
        if not allowed:
            self.set_editable(False)
        self.edit_bar.switch.setVisible(allowed)
        self._place_switch()  # no switch, no strip above the view box

    def changeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.holder.relayout()  # presenter mode: wider axes, a taller switch strip

    def _place_switch(self) -> None:
        """Switch at the top right: beside the data area when the holder leaves room there
        (round data in a wide dock), else in a top margin of the plot as tall as the switch
        (the view box starts below it). Either way it never covers a point."""
        switch = self.edit_bar.switch
        inside = self.holder.place_corner(switch, SWITCH_GAP)
        top = switch.height() + 2 * SWITCH_GAP if inside and not switch.isHidden() else \
            2 * SWITCH_GAP  # room for the top tick label
        if self.plot.getContentsMargins()[1] != top:
            self.plot.setContentsMargins(1, top, 1, 1)  # pyqtgraph's default is 1 a side
            self.holder.relayout()  # the data area moved: place the plot again

    def gesture_ended(self, changed: bool) -> None:
        """Apply data that arrived during the gesture, unless the gesture replaced it."""
        pending, self._pending = self._pending, None
        if pending is not None and not changed:
            self.set_data(*pending)

    def _connect_edit_bar(self) -> None:
        bar = self.edit_bar
        bar.editing_toggled.connect(self._on_editing_toggled)
        bar.switch.toggled.connect(lambda _on: self._place_switch())  # its text changed
        bar.tool_chosen.connect(self._on_tool_chosen)
        bar.class_chosen.connect(self._on_class_chosen)
        bar.clear_requested.connect(self.editor.clear_all)

    def _on_editing_toggled(self, on: bool) -> None:
        self.editor.enabled = on
        self.plot.getViewBox().setMouseEnabled(x=not on, y=not on)  # a drag edits, not pans
        viewport = self.plot_widget.viewport()
        if on:
            viewport.setCursor(self.editor.cursor())
        else:
            viewport.unsetCursor()

    def _on_tool_chosen(self, name: str) -> None:
        self.editor.tool = name
        if self.editing:
            self.plot_widget.viewport().setCursor(self.editor.cursor())

    def _on_class_chosen(self, k: int) -> None:
        self.editor.current_class = k

    @property
    def misclassified(self) -> np.ndarray:
        """Indices (train first, then validation) of the points currently ringed."""
        return np.flatnonzero(self.wrong)

    # -- theme ---------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self.plot_widget.setBackground(s.background)
        style_axes(self.plot, s, left="x₂", bottom="x₁")
        self.edit_bar.set_theme(s.name)
        self.mistakes.setPen(pg.mkPen(s.mistake, width=RING_WIDTH))
        self.mistakes.setBrush(None)
        self._mode = ""
        if len(self.points):
            self._draw_points()
        if self._grid is not None and self._extent is not None:
            self.show_grid(self._grid, self._extent, self._point_scores)
