"""LayerLab's main window: the canvas in the middle, dockable panels around it, and ``run_app``.

The window composes the views (canvas, palette, inspector, dataset, training, plots,
problems) around one ``ProjectDocument`` and one ``TrainingSession``; the file commands live
in ``file_actions``, the run control in ``run_controller``, the action table in
``window_actions``. Panel layout, theme and recent files persist through ``app.settings``.
The dock layout (building, default sizes, saving) is ``widgets.window.window_docks.
DockedWindow``, this class's base; ``run_app(argv)``, the GUI entry point, is in
``widgets.window.app_entry``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from app.autosave import Autosaver
from app.document import ProjectDocument
from app.session import TrainingSession
from app.settings import Settings
from engine.datasets.point_edits import edited_spec
from engine.introspection.sequence_probes import input_token_names
from engine.types import GraphError, LayerLabError
from widgets.canvas.clipboard import release_clipboard
from widgets.canvas.placement import add_from_palette
from widgets.canvas.view import CanvasView
from widgets.controllers.capacity_tools import install_capacity_tools
from widgets.controllers.coach_notices import CoachNotices
from widgets.controllers.code_export import code_export_slots
from widgets.controllers.file_actions import FileController
from widgets.controllers.inside_controller import InsideController
from widgets.controllers.run_controller import STATE_TEXT, RunController
from widgets.controllers.tools_menu import install_tools_menu
from widgets.controllers.weights_import import weights_import_slots
from widgets.dialogs.variants_view import install_variants_menu
from widgets.lessons.lesson_dock import LessonController
from widgets.panels.dataset_panel import DatasetPanel
from widgets.panels.inspector import Inspector
from widgets.panels.palette import LayerPalette
from widgets.panels.plots_dock import LivePlots
from widgets.panels.problems_panel import ProblemsPanel
from widgets.panels.thread_choice import install_thread_choice
from widgets.panels.timeline_bar import install_timeline
from widgets.panels.training_panel import TrainingPanel
from widgets.plots.palette import current_look
from widgets.window.dock_layout import hide_stale_tab_bars
from widgets.window.gui_gc import install_gui_collector
from widgets.window.presenter import PresenterMode
from widgets.window.qt_app import qt_app
from widgets.window.stale_run import StaleRunWatch
from widgets.window.startup import (
    EngineWarmup,
    record_project_at_quit,
)
from widgets.window.theme import apply_theme, restyle_plots, style_window
from widgets.window.window_actions import build_menus, build_toolbar, create_actions
from widgets.window.window_docks import LAYOUT_VERSION, DockedWindow
from widgets.window.window_layout import (
    column_widths,
    fit_window,
)

APP_NAME = "LayerLab"


class MainWindow(DockedWindow):
    """One window per project: canvas + panels + menus + run control."""

    # The window's action table by key: it shadows QWidget.actions() on purpose (the menus,
    # the toolbar, the controllers and the tests all read ``window.actions["play"]``).
    actions: dict[str, QAction]  # type: ignore[assignment]

    def __init__(self, settings: Settings | None = None, doc: ProjectDocument | None = None,
                 session: TrainingSession | None = None,
                 autosave_folder: Path | None = None) -> None:
        super().__init__()
        install_gui_collector(qt_app())  # the cyclic GC frees Qt objects only here (issue 21)
        self.setObjectName("layerlab_main_window")
        self.settings = settings or Settings()
        self.doc = doc or ProjectDocument(parent=self)
        self.session = session or TrainingSession(self)
        self.warmup: EngineWarmup | None = None
        self.prompts_enabled = True
        self.canvas = CanvasView(self.doc)
        self.setCentralWidget(self.canvas)
        self.actions = create_actions(self, self._slots(), self.doc.undo_stack)
        self.layer_palette = LayerPalette()
        self.inspector = Inspector(self.doc)
        self.dataset_panel = DatasetPanel(self.doc)
        self.training_panel = TrainingPanel(self.doc, self.session, self.actions)
        self.problems = ProblemsPanel(self.doc, self.dataset_panel)
        self.plots = LivePlots(self)
        self.plots.decision.points_edited.connect(self._on_points_edited)
        self.inside = InsideController(self.doc, self.session, self)
        self.files = FileController(self, self)
        self.run = RunController(self, self)
        self.thread_choice = install_thread_choice(self)  # Training panel: "Threads for training"
        self.stale_run = StaleRunWatch(self, self)  # an edited network clears the old map
        self.autosave = Autosaver(self.doc, autosave_folder, parent=self)
        self.menus = build_menus(self, self.actions)
        self.toolbar = build_toolbar(self, self.actions)
        self.tools = install_tools_menu(self)  # Tools: microscope, landscapes, lr finder
        self.capacity = install_capacity_tools(self)  # Tools: sweep, regression, init
        self.variants = install_variants_menu(self)  # Train: Duplicate as variant, Compare
        self.docks: dict[str, QDockWidget] = {}
        self._layout_kind = "plane"
        self._tab_timer = QTimer(self, singleShot=True, interval=0)
        self._tab_timer.timeout.connect(lambda: hide_stale_tab_bars(self, [*self.docks.values()]))
        self._build_docks()
        self.timeline = install_timeline(self)  # scrub back through the run (under the loss)
        self._build_status()
        self.lessons = LessonController(self)  # the Lesson dock (widgets/lessons/lesson_dock.py)
        self.coach_notices = CoachNotices(self.session, self.inside.dock, self.docks["inside"],
                                          self.post, self.statusBar(), self)
        self._connect()
        self.default_state = self.saveState(LAYOUT_VERSION)
        self.presenter = PresenterMode(self, self)
        self.restore_layout()
        self._on_project_loaded()
        self.update_recent_menu()
        self.autosave.start()
        if self.settings.presenter:
            self.presenter.set_enabled(True)

    def _slots(self) -> dict[str, Any]:
        c = lambda name: (lambda: getattr(self.canvas, name)())  # noqa: E731
        return {
            "new": lambda: self.files.new(), "open": lambda: self.files.open_dialog(),
            "open_example": lambda: self.files.open_example_dialog(),
            "save": lambda: self.files.save(), "save_as": lambda: self.files.save_as(),
            "export_weights": lambda: self.files.export_weights(),
            "export_plot": lambda: self.files.export_plot(), "quit": self.close,
            **code_export_slots(self), **weights_import_slots(self),
            "cut": self.cut, "copy": c("copy"), "paste": c("paste"),
            "delete": c("delete_selected"), "select_all": c("select_all"),
            "zoom_in": c("zoom_in"), "zoom_out": c("zoom_out"), "reset_zoom": c("reset_zoom"),
            "fit": c("fit_to_view"), "auto_layout": c("auto_layout"),
            "theme_light": lambda: self.set_theme("light"),
            "theme_dark": lambda: self.set_theme("dark"), "reset_layout": self.reset_layout,
            "play": lambda: self.run.toggle_play(), "step_batch": lambda: self.run.step_batch(),
            "step_epoch": lambda: self.run.step_epoch(), "stop": lambda: self.run.stop(),
            "reset": lambda: self.run.reset(),
        }

    # -- layout (the docks themselves: DockedWindow) ---------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._tab_timer.start()
        QTimer.singleShot(0, self, lambda: fit_window(self))  # the frame's size is known now

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.state_label = QLabel("Ready")
        self.state_label.setStyleSheet("font-weight: 700; padding: 0 12px;")
        self.run_label = QLabel("")
        self.params_label = QLabel("")
        for label in (self.run_label, self.params_label):
            label.setStyleSheet("padding: 0 12px;")
        bar.addPermanentWidget(self.run_label)
        bar.addPermanentWidget(self.params_label)
        bar.addPermanentWidget(self.state_label)

    def restore_layout(self) -> None:
        """Saved geometry and docks, clamped into this screen (first run: fill the screen)."""
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.fills_screen = fit_window(self, fill=geometry is None, fill_if_small=True)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
        else:
            QTimer.singleShot(0, self.apply_default_sizes)
        self.set_theme(self.settings.theme, apply=False)

    def set_theme(self, name: str, apply: bool = True) -> None:
        app = QApplication.instance()
        if apply and isinstance(app, QApplication):
            c = apply_theme(app, name, self.settings.font_size, current_look().font_scale)
            restyle_plots(self.findChildren(pg.GraphicsView), c)  # this window's plots only
            self.plots.set_theme(name)
            self.inside.set_theme(name)
            self.canvas.restyle()
            self.problems.refresh()
        style_window(self, name, self.settings.font_size, current_look().font_scale)
        self.settings.theme = name
        self.actions["theme_dark" if name == "dark" else "theme_light"].setChecked(True)

    # -- wiring --------------------------------------------------------------------------------
    def _connect(self) -> None:
        d = self.doc
        d.dirty_changed.connect(self.update_title)
        d.path_changed.connect(self.update_title)
        d.project_loaded.connect(self._on_project_loaded)
        d.shapes_changed.connect(self._on_shapes_changed)
        d.recipe_changed.connect(self._on_recipe_changed)
        self.canvas.selection_changed.connect(self._on_selection_changed)
        self.canvas.message_posted.connect(self.post)
        self.layer_palette.layer_requested.connect(self._on_layer_requested)
        self.problems.layer_activated.connect(self._on_layer_activated)
        self.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.dataset_panel.dataset_loaded.connect(self.problems.on_data_loaded)
        self.dataset_panel.message_posted.connect(self.post)
        self.autosave.autosave_failed.connect(lambda text: self.post(text, "warning"))

    def _on_project_loaded(self) -> None:
        """New, Open, an example, Revert: the one reset path. The old run goes first (nothing
        of it can arrive later), then every view and readout starts over for this project."""
        self.run.forget_run()
        self.plots.reset()
        self.training_panel.reset_stats()
        self.inside.reset()
        self.run_label.setText("")
        self.show_state(STATE_TEXT["idle"])
        self.update_title()
        self._on_shapes_changed(self.doc.report)
        self.lessons.show_project_text(self.doc.project.lesson or self.doc.project.description)
        QTimer.singleShot(0, self.canvas, self.canvas.fit_to_view)

    def _on_shapes_changed(self, report: Any) -> None:
        try:
            order = self.doc.graph.topological_order()
        except GraphError:
            order = list(self.doc.graph.nodes)
        if self.doc.project.recipe == "gan":  # two networks: the chain view would merge them
            order = []
        self.plots.set_structure(report, order)
        self.inside.set_context_from(self.doc, self.dataset_panel.data)
        count = "? parameters" if report.errors else report.params_text()
        self.params_label.setText(count)

    def _on_dataset_loaded(self, data: Any) -> None:
        generative = self.doc.project.recipe in ("autoencoder", "vae", "gan")
        self.plots.set_data(None if generative else data)  # no decision map of a GAN
        titles = {"decision": "Decision boundary", "regression": "Fitted curve"}
        self.docks["output"].setWindowTitle(titles.get(self.plots.mode, "Output"))
        self.inside.set_dataset(data)
        self.inspector.set_dataset(data)
        self.inside.set_context_from(self.doc, data)
        # no map of the output for this data (images, tokens, generative models): the deep
        # views are the interesting ones, so Look inside comes to the front (and the
        # confusion matrix replaces the dense-only network view); token sequences need the
        # tallest views (translations, attention maps with a row per token)
        deep = self.plots.mode == "none"
        tokens = deep and input_token_names(data) is not None
        layout = ("generative" if generative else "sequence" if tokens else "deep" if deep
                  else "plane")
        column = self.right_column
        column.show_kind(layout, data is not None and data.task == "classification")
        column.raise_views(layout)
        if layout != self._layout_kind:
            self._layout_kind = layout
            column.apply_shares(layout, self._column_height())
            self.resizeDocks([self.docks["training"], self.docks["output"]],
                             list(column_widths(self.width(), layout)), Qt.Orientation.Horizontal)

    def _on_recipe_changed(self, recipe: str) -> None:
        """Another recipe changes what the views show and what the data must fit."""
        self._on_shapes_changed(self.doc.report)
        self._on_dataset_loaded(self.dataset_panel.data)
        self.dataset_panel.check_fit()
        self.post(f"The project now trains as: {recipe}. Press Play to start a new run.")

    def _on_selection_changed(self, names: list) -> None:
        layers = [n for n in names if isinstance(n, str) and n in self.doc.graph.nodes]
        self.inspector.set_layer(layers[0] if len(layers) == 1 else None)
        if len(layers) == 1:
            self.docks["inspector"].raise_()

    def _on_layer_requested(self, kind: str) -> None:
        """Palette double-click/Enter: continue the network (``widgets.canvas.placement``)."""
        hint = add_from_palette(self.canvas, self.doc, kind)
        if hint:
            self.post(hint)

    def _on_layer_activated(self, name: str) -> None:
        self.canvas.select_layers([name])
        self.inspector.set_layer(name)
        self.docks["inspector"].raise_()

    # -- editing helpers -----------------------------------------------------------------------
    def cut(self) -> None:
        self.canvas.copy()
        self.canvas.delete_selected()

    # -- feedback ------------------------------------------------------------------------------
    def _on_points_edited(self, rows: list) -> None:
        """One drawing gesture on the decision plot = one undoable dataset change."""
        spec = edited_spec(self.doc.project.dataset, rows, self.dataset_panel.data)
        try:
            self.doc.set_dataset(spec)
        except LayerLabError as err:
            self.post(str(err), "warning")

    def post(self, text: str, level: str = "info") -> None:
        """A message for the learner: problems panel + status bar."""
        self.problems.post(text, level)
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 6000)

    def show_state(self, text: str) -> None:
        self.state_label.setText(text)

    def show_run_status(self, snap: Any) -> None:
        epochs = self.doc.project.training.epochs
        self.run_label.setText(f"epoch {snap.epoch}/{epochs} · step {snap.step:,} · "
                               f"{snap.samples_per_second:,.0f} samples/s · {snap.elapsed:.1f} s")

    def display_name(self) -> str:
        return self.doc.path.name if self.doc.path else (self.doc.project.name or "Untitled")

    def update_title(self, *_args: Any) -> None:
        star = "*" if self.doc.is_dirty else ""
        self.setWindowTitle(f"{self.display_name()}{star} — {APP_NAME}")

    def update_recent_menu(self) -> None:
        menu = self.menus["recent"]
        menu.clear()
        for path in self.settings.recent_files():
            action = QAction(Path(path).name, menu)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.files.open_path(p))
            menu.addAction(action)
        menu.setEnabled(bool(menu.actions()))

    def prepare_for_new_project(self) -> None:
        """New or Open, before the document changes: the old run stops and the messages
        about the old project ("Opened 'Spiral…'", its run's results) leave the log."""
        if self.run.state in ("running", "paused"):
            self.session.stop()
        self.problems.clear_messages()

    # -- closing -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.prompts_enabled and not self.files.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop training and background work; keep the layout; drop the recovery file."""
        self.session.shutdown()
        self.doc.undo_stack.blockSignals(True)  # it may signal while Qt deletes the window
        self.autosave.stop()
        self.autosave.discard()
        self.presenter.shutdown()  # the normal layout is the one remembered
        record_project_at_quit(self)  # reopened at the next start
        self.save_layout()
        self.settings.sync()
        release_clipboard()
