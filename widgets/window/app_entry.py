"""``run_app(argv)``: the GUI entry point (``layerlab``/``main.py`` without a command).

Parses the command line (``widgets.window.startup.parse_args``), refuses a project file that
cannot open with one message, makes the ``QApplication`` and its settings (a throw-away
settings file for ``--screenshot``), shows the ``MainWindow``, starts the engine warm-up and
opens the start project; returns the Qt event loop's exit code.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.lesson_session import open_problem
from app.settings import Settings
from widgets.window.main_window import APP_NAME, MainWindow
from widgets.window.qt_app import qt_app
from widgets.window.splash import finish_splash
from widgets.window.startup import (
    EngineWarmup,
    on_warmup_done,
    open_start_project,
    parse_args,
    take_screenshot,
)
from widgets.window.theme import apply_theme
from widgets.window.window_layout import show_on_screen


def run_app(argv: list[str]) -> int:
    """Start the GUI: ``python main.py [PROJECT] [--theme dark] [--presenter]
    [--screenshot PNG --after S]``."""
    args = parse_args(argv)
    problem = open_problem(args.project) if args.project else None
    if problem:  # a file given on the command line that cannot open: one message, no window
        print(problem, file=sys.stderr)
        return 1
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(APP_NAME)
    app = qt_app() if QApplication.instance() is not None else QApplication([sys.argv[0]])
    scratch = Path(tempfile.mkdtemp(prefix="layerlab-")) if args.screenshot else None
    store = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat) if scratch \
        else None  # a debug screenshot leaves the user's preferences alone
    settings = Settings(store)
    if args.presenter:
        settings.presenter = True
    apply_theme(app, args.theme or settings.theme, settings.font_size)
    window = MainWindow(settings, autosave_folder=scratch / "recovery" if scratch else None)
    if args.theme:
        window.set_theme(args.theme, apply=False)
    show_on_screen(window, fill=window.fills_screen and not args.screenshot)
    finish_splash(window)  # widgets/window/splash.py: shown by the launcher before the imports
    first_run = settings.first_run and not args.screenshot
    if args.screenshot:
        window.resize(app.primaryScreen().availableSize())
        window.apply_default_sizes()
        take_screenshot(window, args.screenshot, args.after)
    else:
        window.warmup = EngineWarmup(window)
        window.warmup.warmup_done.connect(lambda ok, msg: on_warmup_done(window, ok, msg))
        window.warmup.start()
    open_start_project(window, args.project, gallery=first_run)
    settings.mark_first_run_done()
    if window.warmup is not None and not settings.engine_prepared and not first_run:
        QTimer.singleShot(0, window.warmup.show_dialog)
    return app.exec()
