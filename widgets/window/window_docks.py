"""``DockedWindow``: the main window's dock layout, as the base class of ``MainWindow``.

It adds the panels as docks (``_add_dock``: movable, closable, floatable, listed in the
Panels menu; ``_build_docks``: the default arrangement — Layers above Training | Data | Layer
on the left, Output / Loss / Network | Confusion / Look inside on the right, Problems below),
sizes them (``apply_default_sizes``: the canvas the largest share, the compact right column
under ``COMPACT_BELOW`` px) and puts them back (``reset_layout``) or saves them
(``save_layout``). ``MainWindow.__init__`` makes the parts declared below before it calls
``_build_docks``; ``_tab_timer`` hides stale tab bars once the docks settle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar, QWidget

from app.settings import Settings
from widgets.window.dock_layout import COMPACT_BELOW, RightColumn
from widgets.window.window_layout import (
    PALETTE_ROWS,
    READABLE_DOCK,
    ShrinkableArea,
    column_widths,
    left_split,
)

if TYPE_CHECKING:
    from widgets.controllers.inside_controller import InsideController
    from widgets.panels.dataset_panel import DatasetPanel
    from widgets.panels.inspector import Inspector
    from widgets.panels.palette import LayerPalette
    from widgets.panels.plots_dock import LivePlots
    from widgets.panels.problems_panel import ProblemsPanel
    from widgets.panels.training_panel import TrainingPanel

LAYOUT_VERSION = 1
L, R, B = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
           Qt.DockWidgetArea.BottomDockWidgetArea)


class DockedWindow(QMainWindow):
    """The dock half of ``MainWindow`` (see the module docstring)."""

    settings: Settings
    menus: dict[str, QMenu]
    toolbar: QToolBar
    docks: dict[str, QDockWidget]
    right_column: RightColumn
    default_state: QByteArray
    _layout_kind: str  # "plane", "deep", "sequence" or "generative" (RightColumn kinds)
    _tab_timer: QTimer
    layer_palette: LayerPalette
    training_panel: TrainingPanel
    dataset_panel: DatasetPanel
    inspector: Inspector
    problems: ProblemsPanel
    plots: LivePlots
    inside: InsideController

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea
                  ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock, Qt.Orientation.Vertical)
        for signal in (dock.dockLocationChanged, dock.topLevelChanged, dock.visibilityChanged):
            signal.connect(self._tab_timer.start)
        self.docks[key] = dock
        self.menus["panels"].addAction(dock.toggleViewAction())
        return dock

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self._add_dock("palette", "Layers", self.layer_palette, L)
        training = self._add_dock("training", "Training", self.training_panel, L)
        # short titles: at 1280 px Training | Data | Layer | Lesson fit the column unelided
        dataset = self._add_dock("dataset", "Data", self.dataset_panel, L)
        inspector = self._add_dock("inspector", "Layer", self.inspector, L)
        self.tabifyDockWidget(training, dataset)
        self.tabifyDockWidget(dataset, inspector)
        views = self.plots.views  # wide views scroll in a narrow dock (small screens)
        self._add_dock("output", "Output", ShrinkableArea(views["Output"]), R)
        self._add_dock("loss", "Loss", views["Loss"], R)
        network = self._add_dock("network", "Network", ShrinkableArea(views["Network"]), R)
        confusion = self._add_dock("confusion", "Confusion matrix",
                                   ShrinkableArea(views["Confusion matrix"]), R)
        self.tabifyDockWidget(network, confusion)
        inside = self._add_dock("inside", "Look inside", ShrinkableArea(self.inside.dock), R)
        self.tabifyDockWidget(self.docks["output"], inside)
        inside.visibilityChanged.connect(self.inside._send_requests)
        self._add_dock("problems", "Problems", self.problems, B)
        training.raise_()
        network.raise_()
        self.setCorner(Qt.Corner.BottomLeftCorner, L)
        self.setCorner(Qt.Corner.BottomRightCorner, R)
        self.right_column = RightColumn(self, self.docks)
        self.apply_default_sizes()

    def apply_default_sizes(self) -> None:
        """Proportions of the default layout (again after the first show: sizes are known):
        the canvas gets the largest share of the width, the palette room for its entries; a
        window under ``COMPACT_BELOW`` px tall gets the compact right column."""
        d, v, h = self.docks, Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        self.right_column.arrange(compact=self.height() < COMPACT_BELOW)
        self.right_column.raise_views(self._layout_kind)
        left, right = column_widths(self.width(), self._layout_kind)
        column = self._column_height()
        title = d["palette"].height() - self.layer_palette.height()
        palette, panels = left_split(column, self.layer_palette.height_for_rows(PALETTE_ROWS)
                                     + max(title, 0))
        self.resizeDocks([d["palette"], d["training"]], [palette, panels], v)
        self.right_column.apply_shares(self._layout_kind, column)
        self.resizeDocks([d["training"], d["output"]], [left, right], h)
        self.resizeDocks([d["problems"]], [max(READABLE_DOCK.height() + 20,
                                                int(0.17 * self.height()))], v)
        self._tab_timer.start()

    def _column_height(self) -> int:
        """Height of the side dock columns: the window less menu, tool and status bars."""
        return (self.height() - self.menuBar().height() - self.statusBar().height()
                - self.toolbar.sizeHint().height())

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self.default_state, LAYOUT_VERSION)
        shown_for, self.right_column.shown_for = self.right_column.shown_for, None
        if shown_for is not None:  # views that do not apply to the project stay hidden
            self.right_column.show_kind(*shown_for)
        self.apply_default_sizes()

    def save_layout(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
