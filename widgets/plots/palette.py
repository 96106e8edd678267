"""Colours of the live plots: Okabe–Ito classes, run colours, diverging maps, light/dark variants.

Every plot takes its colours from here so the whole app stays colour-blind safe (Okabe & Ito
2008, shared with ``widgets.window.theme``). ``plot_style(name)`` gives the
background/foreground of a theme; ``diverging_lut`` is the TensorFlow-Playground shading (orange
= class 0 / negative, background-coloured middle, blue = class 1 / positive) as a 256×4 uint8
lookup table; ``shade`` and ``class_blend`` turn score arrays into RGBA images without any Qt
call, so views can update an ``ImageItem`` from a ready-made array.

``Look`` is how big things are drawn (text, lines, markers) and which map colours magnitudes:
the normal look, or presenter mode's (``widgets.window.presenter`` switches it with ``set_look``;
``style_axes``/``axis_font`` scale their point sizes by it and ``map_lut`` gives viridis or,
in presenter mode, cividis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from widgets.window.theme import CLASS_COLORS, OKABE_ITO

__all__ = ["OKABE_ITO", "CLASS_COLORS", "PlotStyle", "plot_style", "current_style",
           "class_color", "class_rgb", "run_color", "diverging_lut", "shade", "class_blend",
           "hex_rgb", "axis_font", "style_axes", "Look", "current_look", "set_look", "scaled_pt",
           "map_lut", "CompactAxis", "compact_axes", "no_si_prefix"]

NEGATIVE = OKABE_ITO["orange"]  # class 0, negative weights (Playground convention)
POSITIVE = OKABE_ITO["blue"]  # class 1, positive weights
TRAIN = OKABE_ITO["blue"]
VALIDATION = OKABE_ITO["orange"]
FIT = OKABE_ITO["vermillion"]
RUN_COLORS = ("#8C8C8C", "#CC79A7", "#009E73", "#56B4E9", "#F0E442", "#D55E00")
AXIS_PT, TICK_PT, LABEL_PT = 13, 12, 12


@dataclass(frozen=True)
class PlotStyle:
    """Colours of one theme as seen by the plots."""

    name: str
    background: str
    foreground: str
    muted: str
    grid_alpha: float
    shade_mid: str  # the middle of the diverging map (the plot's own background)
    shade_strength: float  # how far the decision shading goes towards the class colour
    point_edge: str  # outline of data points, contrasting with the shading
    mistake: str  # ring around misclassified points
    text_dark: str
    text_light: str
    train: str = OKABE_ITO["blue"]  # training curves; sky blue on dark backgrounds
    positive: str = OKABE_ITO["blue"]  # positive weights in the network view


LIGHT = PlotStyle("light", background="#FFFFFF", foreground="#1F2937", muted="#6B7280",
                  grid_alpha=0.16, shade_mid="#FFFFFF", shade_strength=0.55,
                  point_edge="#FFFFFF", mistake="#000000", text_dark="#111827",
                  text_light="#FFFFFF")
DARK = PlotStyle("dark", background="#15181D", foreground="#E5E7EB", muted="#9CA3AF",
                 grid_alpha=0.22, shade_mid="#15181D", shade_strength=0.4,
                 point_edge="#E5E7EB", mistake="#FFFFFF", text_dark="#111827",
                 text_light="#FFFFFF", train=OKABE_ITO["sky"], positive=OKABE_ITO["sky"])
STYLES = {"light": LIGHT, "dark": DARK}


@dataclass(frozen=True)
class Look:
    """Sizes and map colours: 1.0 everywhere normally; presenter mode enlarges them."""

    font_scale: float = 1.0  # text: axis labels, ticks, readouts
    line_scale: float = 1.0  # pen widths of curves and outlines
    marker_scale: float = 1.0  # scatter points and curve symbols
    magnitude_map: str = "viridis"  # 0..max heatmaps ("cividis" in presenter mode)


NORMAL_LOOK = Look()
_look = [NORMAL_LOOK]
_luts: dict[str, np.ndarray] = {}


def current_look() -> Look:
    return _look[0]


def set_look(look: Look) -> None:
    """Switch the look; views pick it up the next time they restyle (``set_theme``)."""
    _look[0] = look


def scaled_pt(points: float) -> int:
    """A point size times the current look's font scale."""
    return max(1, round(points * _look[0].font_scale))


def map_lut() -> np.ndarray:
    """``(256, 4)`` uint8 map for magnitudes (0 = dark .. max = yellow) of the current look."""
    name = _look[0].magnitude_map
    if name not in _luts:
        lut = pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=True)
        _luts[name] = np.ascontiguousarray(lut, dtype=np.uint8)
    return _luts[name]


def plot_style(name: str) -> PlotStyle:
    return STYLES.get(name, LIGHT)


def current_style() -> PlotStyle:
    """The style of the theme the application runs with (``widgets.window.theme`` stores its
    name)."""
    app = QApplication.instance()
    name = app.property("layerlab_theme") if app is not None else None
    return plot_style(str(name or "light"))


def hex_rgb(color: str) -> np.ndarray:
    """``"#RRGGBB"`` -> float array ``(3,)`` in 0..255."""
    c = QColor(color)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float32)


def class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def class_rgb(n_classes: int) -> np.ndarray:
    """``(K, 3)`` float RGB of the class colours."""
    return np.stack([hex_rgb(class_color(k)) for k in range(max(n_classes, 1))])


def run_color(index: int) -> str:
    """Colour of the ``index``-th earlier run kept for comparison."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def diverging_lut(style: PlotStyle, strength: float | None = None) -> np.ndarray:
    """``(256, 4)`` uint8: orange (0) → theme background (128) → blue (255)."""
    k = style.shade_strength if strength is None else strength
    mid, neg, pos = hex_rgb(style.shade_mid), hex_rgb(NEGATIVE), hex_rgb(POSITIVE)
    t = np.linspace(-1.0, 1.0, 256, dtype=np.float32)[:, None]  # (256, 1)
    side = np.where(t < 0, neg, pos)  # (256, 3)
    rgb = mid + (side - mid) * (np.abs(t) * k)
    lut = np.empty((256, 4), dtype=np.uint8)
    lut[:, :3] = np.clip(np.rint(rgb), 0, 255)
    lut[:, 3] = 255
    return lut


def shade(values: np.ndarray, lut: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Map ``values (...)`` in ``[lo, hi]`` through ``lut (256, 4)`` -> ``(..., 4)`` uint8."""
    scaled = np.array(values, dtype=np.float32, order="C")  # a C-ordered working copy
    scaled -= np.float32(lo)
    scaled *= np.float32(255.0 / max(hi - lo, 1e-12))
    idx = np.clip(scaled, 0, 255, out=scaled).astype(np.uint8)
    lut32 = np.ascontiguousarray(lut, dtype=np.uint8).view(np.uint32).reshape(256)
    return lut32[idx].view(np.uint8).reshape(idx.shape + (4,))  # one 4-byte gather per pixel


def class_blend(probs: np.ndarray, style: PlotStyle) -> np.ndarray:
    """``probs (H, W, K)`` -> ``(H, W, 4)`` uint8: winning class colour blended by confidence.

    Confidence 1/K (a toss-up) gives the background; confidence 1 gives ``shade_strength`` of
    the class colour, as in the binary map.
    """
    k = probs.shape[-1]
    win = np.argmax(probs, axis=-1)  # (H, W)
    conf = np.take_along_axis(probs, win[..., None], axis=-1)  # (H, W, 1)
    alpha = np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0) * style.shade_strength
    mid = hex_rgb(style.shade_mid)
    rgb = mid + (class_rgb(k)[win] - mid) * alpha  # (H, W, 3)
    out = np.empty(probs.shape[:-1] + (4,), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(rgb), 0, 255)
    out[..., 3] = 255
    return out


def axis_font(size: int = TICK_PT) -> QFont:
    """A plot font of ``size`` points times the look's font scale."""
    font = QFont()
    font.setPointSize(scaled_pt(size))
    return font


def _next_nice(step: float) -> float:
    """The next larger step of the 1-2-5 series (0.02 -> 0.05 -> 0.1)."""
    power = 10.0 ** math.floor(math.log10(step))
    mantissa = step / power
    return power * (2.0 if mantissa < 1.5 else 5.0 if mantissa < 3.5 else 10.0)


def _previous_nice(step: float) -> float:
    """The next smaller step of the 1-2-5 series (0.2 -> 0.1 -> 0.05)."""
    power = 10.0 ** math.floor(math.log10(step))
    mantissa = step / power
    return power * (0.5 if mantissa < 1.5 else 1.0 if mantissa < 3.5 else 2.0)


def _ticks_within(step: float, lo: float, hi: float) -> int:
    """How many multiples of ``step`` lie in ``[lo, hi]``."""
    lo, hi = min(lo, hi), max(lo, hi)
    return max(0, math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1)


class CompactAxis(pg.AxisItem):
    """An axis that stays legible when short: tick labels in thousands ("2k", "4k") once the
    ticks are 1,000 or more apart ("2000 4000 6000" ran together on a narrow step axis), and
    major ticks at least ``ROOM`` label heights apart on a vertical axis (a 70 px accuracy
    axis of the CNN showed 0.98/0.96/0.94/0.92 packed together) — but never so far apart that
    fewer than two fall in the range (a 73 px presenter accuracy axis showed only "0.5") —
    and a label's width plus a gap apart on a horizontal one; minor ticks are not labelled.
    """

    ROOM = 2.5  # label heights between two labelled ticks (vertical axes)
    GAP = 1.5  # label heights of space between two labels side by side (horizontal axes)

    def tickSpacing(self, minVal: float, maxVal: float,  # noqa: N802 - pyqtgraph API
                    size: float) -> list[tuple[float, float]]:
        levels = list(super().tickSpacing(minVal, maxVal, size))
        if not levels or not size > 0:
            return levels
        metrics = QFontMetricsF(self.style["tickFont"] or QFont())
        label_px = max(metrics.height(), 8.0)
        major, dif = levels[0][0], abs(maxVal - minVal)
        vertical = self.orientation in ("left", "right")
        while major > 0 and dif / major > max(size / self._room(major, minVal, maxVal, metrics,
                                                                label_px, vertical), 1.5):
            wider = _next_nice(major)
            if vertical and self._drawable(wider, minVal, maxVal, size, label_px) < 2:
                # keep two labelled ticks (a short presenter plot showed one or none), taking
                # twice the step when that still does: 0.91–0.99 on 70 px → 0.92, 0.96
                if 2 * major < wider and self._drawable(2 * major, minVal, maxVal, size,
                                                        label_px) >= 2:
                    major = 2 * major
                break
            major = wider
        while vertical and self._drawable(major, minVal, maxVal, size, label_px) < 2:
            finer = _previous_nice(major)  # two labels that touch beat a single one
            if finer <= 0 or finer / max(dif, 1e-300) * size < 1.1 * label_px:
                break
            major = finer
        return [(major, 0.0), *[(s, o) for s, o in levels[1:] if s < major]]

    @staticmethod
    def _drawable(step: float, lo: float, hi: float, size: float, label_px: float) -> int:
        """Ticks of ``step`` whose labels pyqtgraph draws on a vertical axis of ``size`` px:
        it hides a label that runs past either end (about 0.4 label heights)."""
        margin = 0.4 * label_px / size * abs(hi - lo)
        return _ticks_within(step, min(lo, hi) + margin, max(lo, hi) - margin)

    def _room(self, major: float, lo: float, hi: float, metrics: QFontMetricsF,
              label_px: float, vertical: bool) -> float:
        """Pixels one labelled interval needs: ``ROOM`` label heights on a vertical axis;
        on a horizontal one the widest label at this spacing ("800", "1.5k") plus ``GAP``
        label heights ("200400600800" ran together on a 130 px step axis)."""
        if vertical:
            return self.ROOM * label_px
        ends = [math.floor(hi / major) * major, math.ceil(lo / major) * major]
        texts = self.tickStrings(ends, self.scale, major)
        return max(metrics.horizontalAdvance(t) for t in texts) + self.GAP * label_px

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 - pyqtgraph API
                    spacing: float) -> list[str]:
        if spacing * scale >= 1000:
            return [f"{v * scale / 1000:g}k" if v else "0" for v in values]
        return list(super().tickStrings(values, scale, spacing))


def compact_axes() -> dict[str, pg.AxisItem]:
    """``axisItems`` for a plot whose left and bottom axes stay legible when short."""
    return {"left": CompactAxis("left"), "bottom": CompactAxis("bottom")}


def style_axes(plot: pg.PlotItem, style: PlotStyle, left: str = "", bottom: str = "") -> None:
    """Big, theme-coloured axis labels and ticks (readable on a projector)."""
    for name, label in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(style.foreground))
        axis.setTextPen(pg.mkPen(style.foreground))
        axis.setStyle(tickFont=axis_font(TICK_PT))
        if label:
            axis.setLabel(label, **{"font-size": f"{scaled_pt(AXIS_PT)}pt",
                                    "color": style.foreground})
        no_si_prefix(axis)


def no_si_prefix(axis: pg.AxisItem) -> None:
    """Plain tick numbers on ``axis``: no "(x0.001)" on accuracy or tiny losses.

    pyqtgraph 0.14's ``enableAutoSIPrefix(False)`` still computes an SI scale once, from the
    current range, and keeps it (restyling a loss axis showing 0.3–0.7 froze ×1000: "500" for
    0.5); ``setLabel`` also puts back the default SI ranges. With no SI ranges the kept scale
    is 1. Call it after any ``setLabel``.
    """
    axis.setSIPrefixEnableRanges(())
    axis.enableAutoSIPrefix(False)
