"""Light and dark themes with a projector-friendly base font and the Okabe–Ito palette.

``apply_theme(app, name)`` sets Qt's Fusion style, a high-contrast ``QPalette``, a large base
font and pyqtgraph's defaults for plots made later. The small style sheet (dock titles, toolbars,
banners) goes on each window, not on the application (``style_window``): an application style
sheet repolishes every widget alive on each change — 2,600 in a window showing digits_cnn, 2,300
of them the hidden "Plot Options" menus pyqtgraph builds for every plot — ~0.6 s a switch, and
seconds with other windows alive; on the window it repolishes only the widgets under it.
Plots that already exist are restyled by their owner: the window hands its own plot widgets
to ``restyle_plots`` and calls each view's ``set_theme`` (the Look-inside tabs restyle when
shown) — never a walk over ``QApplication.allWidgets()``, which can reach a widget another
window is destroying (a segfault seen once in five widget-test runs; the root cause, widgets
freed by the cyclic garbage collector in a training thread, is handled in
``widgets.window.gui_gc``). Views take their accent
colours from ``OKABE_ITO`` and ``colors(name)`` so everything stays colour-blind safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Okabe & Ito (2008), the colour-blind-safe qualitative palette.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
}
CLASS_COLORS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                "#000000")
BASE_POINT_SIZE = 13  # readable from the back of a lecture room


@dataclass(frozen=True)
class ThemeColors:
    name: str
    window: str
    panel: str
    base: str
    text: str
    muted: str
    border: str
    accent: str
    error: str
    error_bg: str
    ok: str
    warning_bg: str
    plot_bg: str
    plot_fg: str


LIGHT = ThemeColors("light", window="#F3F4F6", panel="#FFFFFF", base="#FFFFFF", text="#111827",
                    muted="#4B5563", border="#C7CCD4", accent="#0072B2", error="#B33F00",
                    error_bg="#FCE8DC", ok="#007A5A", warning_bg="#FFF6D5", plot_bg="#FFFFFF",
                    plot_fg="#1F2937")
DARK = ThemeColors("dark", window="#1B1E24", panel="#23272F", base="#15181D", text="#F2F4F7",
                   muted="#AAB2BF", border="#3A404C", accent="#56B4E9", error="#FF8A4C",
                   error_bg="#4A2615", ok="#3CC79A", warning_bg="#4A4115", plot_bg="#15181D",
                   plot_fg="#E5E7EB")
THEMES = {"light": LIGHT, "dark": DARK}


def colors(name: str) -> ThemeColors:
    return THEMES.get(name, LIGHT)


def current_colors() -> ThemeColors:
    app = QApplication.instance()
    name = app.property("layerlab_theme") if app is not None else None
    return colors(str(name or "light"))


def make_palette(c: ThemeColors) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    for r, value in ((role.Window, c.window), (role.Base, c.base), (role.AlternateBase, c.window),
                     (role.WindowText, c.text), (role.Text, c.text), (role.Button, c.panel),
                     (role.ButtonText, c.text), (role.ToolTipBase, c.panel),
                     (role.ToolTipText, c.text), (role.Highlight, c.accent),
                     (role.HighlightedText, "#FFFFFF"), (role.PlaceholderText, c.muted),
                     (role.Link, c.accent), (role.BrightText, c.error)):
        pal.setColor(r, QColor(value))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    return pal


def style_sheet(c: ThemeColors, size: int) -> str:
    return f"""
    QMainWindow::separator {{ background: {c.border}; width: 3px; height: 3px; }}
    QDockWidget {{ font-weight: 600; }}
    QDockWidget::title {{ background: {c.panel}; padding: 6px 8px; border-bottom: 2px solid
        {c.accent}; }}
    QToolBar {{ background: {c.panel}; border-bottom: 1px solid {c.border}; spacing: 6px;
        padding: 4px; }}
    QToolBar QToolButton {{ padding: 4px 8px; border-radius: 6px; }}
    QToolBar QToolButton:hover {{ background: {c.window}; }}
    QStatusBar {{ background: {c.panel}; border-top: 1px solid {c.border}; }}
    QGroupBox {{ font-weight: 600; border: 1px solid {c.border}; border-radius: 6px;
        margin-top: {size}px; padding-top: 6px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
    QTabBar::tab {{ padding: 6px 14px; }}
    QTabBar::tab:selected {{ color: {c.accent}; font-weight: 600; }}
    QLabel[role="banner-error"] {{ background: {c.error_bg}; color: {c.text};
        border-left: 5px solid {c.error}; padding: 8px; border-radius: 4px; }}
    QLabel[role="banner-info"] {{ background: {c.warning_bg}; color: {c.text};
        border-left: 5px solid {OKABE_ITO['orange']}; padding: 8px; border-radius: 4px; }}
    QLabel[role="stat-value"] {{ font-size: {size + 3}pt; font-weight: 700; color: {c.text}; }}
    QLabel[role="stat-name"] {{ color: {c.muted}; }}
    QLabel[role="muted"] {{ color: {c.muted}; }}
    QPushButton {{ padding: 5px 12px; }}
    QPushButton[role="primary"] {{ background: {c.accent}; color: white; font-weight: 700;
        border-radius: 6px; padding: 6px 14px; }}
    """


def apply_theme(app: QApplication, name: str = "light", point_size: int = 0,
                scale: float = 1.0) -> ThemeColors:
    """Apply a theme to the whole application (text ``scale`` times larger); return its colours.
    Each window then takes the style sheet with ``style_window``."""
    c = colors(name)
    size = font_points(point_size, scale)
    if app.style().name().lower() != "fusion":  # once: each set repolishes every widget
        app.setStyle("Fusion")
    app.setPalette(make_palette(c))
    if app.font().pointSize() != size:
        font = QFont(app.font())
        font.setPointSize(size)
        app.setFont(font)
    app.setProperty("layerlab_theme", c.name)
    # segmentedLineMode "on": thick antialiased curves drawn as line segments, not one
    # stroked path — 3x cheaper for a long loss curve (Qt's raster stroker is the bottleneck)
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background=c.plot_bg,
                        foreground=c.plot_fg, segmentedLineMode="on")
    return c


def font_points(point_size: int = 0, scale: float = 1.0) -> int:
    """The base font's point size: the chosen size (or ``BASE_POINT_SIZE``) times ``scale``."""
    return max(1, round((point_size or BASE_POINT_SIZE) * scale))


def style_window(window: QWidget, name: str, point_size: int = 0, scale: float = 1.0) -> None:
    """The theme's style sheet on ``window`` and its children (dialogs made with the window as
    parent inherit it); nothing is repolished when it is already there."""
    sheet = style_sheet(colors(name), font_points(point_size, scale))
    if window.styleSheet() != sheet:
        window.setStyleSheet(sheet)


def restyle_plots(widgets: Iterable[pg.GraphicsView], c: ThemeColors) -> None:
    """Give the caller's pyqtgraph widgets the theme's background and axis colours."""
    for widget in widgets:
        if isinstance(widget, pg.PlotWidget):
            widget.setBackground(c.plot_bg)
            for name in ("left", "bottom", "right", "top"):
                axis = widget.getPlotItem().getAxis(name)
                axis.setPen(pg.mkPen(c.plot_fg))
                axis.setTextPen(pg.mkPen(c.plot_fg))
        elif isinstance(widget, pg.GraphicsView):
            widget.setBackground(c.plot_bg)
