"""Helpers of the "Look inside" views: probe lookup, samples as pictures, heat overlays.

``probe_result(snapshot, name)`` reads ``snapshot.probes["introspection:NAME"]`` and splits
it into (result, error message). ``image_of(x)`` turns one sample into something to draw: an
image ``(C, H, W)`` becomes ``(H, W)`` grey or ``(H, W, 3)`` colour, a flat vector of a square
size ≥ 16 (64 = the 8×8 digits) is reshaped, anything else gives None (drawn as bars).
``SamplePanel`` draws a sample either way, updating its items in place. ``FixedPlot`` is the
plot the mouse does not move (no menu, no buttons) with a themed title that the image panels
of the views build on.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from widgets.plots.palette import (
    AXIS_PT,
    TICK_PT,
    PlotStyle,
    current_style,
    hex_rgb,
    scaled_pt,
    style_axes,
)

PREFIX = "introspection:"


def probe_result(snapshot: Any, name: str) -> tuple[dict[str, Any] | None, str | None]:
    """(result, None), (None, error message) or (None, None) when the snapshot lacks it."""
    probes = getattr(snapshot, "probes", None) or {}
    value = probes.get(PREFIX + name)
    if not isinstance(value, dict):
        return None, None
    if "error" in value:
        return None, str(value["error"])
    return value, None


def image_of(x: Any) -> np.ndarray | None:
    """One sample -> (H, W) or (H, W, 3) float array, or None when it is not a picture."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 3:
        if a.shape[0] == 3:
            return a.transpose(1, 2, 0)
        return a[0] if a.shape[0] == 1 else a.mean(axis=0)
    if a.ndim == 2:
        return a
    if a.ndim == 1:
        side = math.isqrt(a.size)
        if side * side == a.size and side >= 4:
            return a.reshape(side, side)
    return None


def grey_rgba(image: np.ndarray, lo: float | None = None, hi: float | None = None,
              invert: bool = True, ink: float = 1.0) -> np.ndarray:
    """(H, W) or (H, W, 3) values -> (H, W, 4) uint8; grey images dark-on-light (ink), at
    most ``ink`` dark (a faint picture under an overlay)."""
    a = np.asarray(image, dtype=np.float64)
    lo = float(np.min(a)) if lo is None else lo
    hi = float(np.max(a)) if hi is None else hi
    t = np.clip((a - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    if t.ndim == 2:
        t = np.repeat((1.0 - ink * t if invert else t)[..., None], 3, axis=2)
    out = np.empty(t.shape[:2] + (4,), dtype=np.uint8)
    out[..., :3] = np.rint(t * 255)
    out[..., 3] = 255
    return out


def heat_rgba(heat: np.ndarray, color: str, opacity: float) -> np.ndarray:
    """(H, W) non-negative heat -> (H, W, 4) uint8 of ``color``, alpha = heat/max × opacity."""
    h = np.asarray(heat, dtype=np.float64)
    top = float(np.max(h)) if h.size else 0.0
    out = np.zeros(h.shape + (4,), dtype=np.uint8)
    out[..., :3] = hex_rgb(color).astype(np.uint8)
    out[..., 3] = np.rint(np.clip(h / top if top > 0 else h * 0, 0, 1) * 255 * opacity)
    return out


def signed_rgba(values: np.ndarray, style: PlotStyle, neg: str, pos: str) -> np.ndarray:
    """(H, W) signed values -> (H, W, 4): ``neg`` colour below 0, background at 0, ``pos``
    above, scaled by the largest |value| (so a tiny perturbation is shown at full contrast)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 3:
        v = v.mean(axis=2)
    top = float(np.max(np.abs(v))) if v.size else 0.0
    t = v / top if top > 0 else v * 0
    mid, n, p = hex_rgb(style.background), hex_rgb(neg), hex_rgb(pos)
    rgb = mid + (np.where(t[..., None] < 0, n, p) - mid) * np.abs(t)[..., None]
    out = np.empty(v.shape + (4,), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(rgb), 0, 255)
    out[..., 3] = 255
    return out


_STYLED: weakref.WeakKeyDictionary[pg.PlotItem, tuple[object, ...]] = \
    weakref.WeakKeyDictionary()  # what each plot's axes were last styled with


def axes(plot: pg.PlotItem, style: PlotStyle, left: str = "", bottom: str = "") -> None:
    """``palette.style_axes`` (which also keeps ticks free of SI scaling), done once per set of
    labels and fonts: views call it on every redraw, and restyling with the same labels cost
    ~1.5 ms a frame, a tenth of the GUI thread's time while training at full speed."""
    key = (style, left, bottom, scaled_pt(AXIS_PT), scaled_pt(TICK_PT))  # fonts: presenter
    if _STYLED.get(plot) == key:
        return
    _STYLED[plot] = key
    style_axes(plot, style, left, bottom)


class FixedPlot(pg.PlotWidget):
    """A plot without menu and buttons that the mouse does not pan or zoom (``self.plot``),
    with a title in the theme's foreground colour."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plot = self.plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        self.title = title
        self.style_ = current_style()

    def set_title(self, text: str) -> None:
        """``text`` above the plot; "" hides the title row (an empty title kept ~25 px)."""
        self.title = text
        if not text:
            self.plot.setTitle(None)
            return
        self.plot.setTitle(text, color=self.style_.foreground, size=f"{scaled_pt(AXIS_PT)}pt")

    def set_theme(self, style: PlotStyle) -> None:
        self.style_ = style
        self.setBackground(style.background)
        self.set_title(self.title)


class SamplePanel(FixedPlot):
    """One sample: a picture (base image + optional overlay image) or, for a vector that is
    not a picture, bars (value per input feature)."""

    def __init__(self, title: str = "") -> None:
        super().__init__(title)
        plot = self.plot
        self.base = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.bar_heat = pg.BarGraphItem(x=[], height=[], width=0.5)
        self.frame = QGraphicsRectItem(0, 0, 1, 1)  # outline: white pixels on a white plot
        self.frame.setZValue(5)
        for item in (self.base, self.overlay, self.frame, self.bars, self.bar_heat):
            plot.addItem(item)
        self.mode = ""
        self.shape: tuple[int, ...] = ()

    def _set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        self.mode = mode
        picture = mode == "image"
        for item in (self.base, self.overlay, self.frame):
            item.setVisible(picture)
        for item in (self.bars, self.bar_heat):
            item.setVisible(not picture)
        self.plot.invertY(picture)
        self.plot.setAspectLocked(picture)
        for name in ("left", "bottom"):
            self.plot.showAxis(name, not picture)
        self.shape = ()

    def show_image(self, rgba: np.ndarray, overlay: np.ndarray | None = None) -> None:
        """rgba, overlay: (H, W, 4) uint8 (the overlay drawn over the base, same size)."""
        self._set_mode("image")
        self.base.setImage(rgba, autoLevels=False)
        h, w = rgba.shape[:2]
        self.overlay.setVisible(overlay is not None)
        if overlay is not None:
            self.overlay.setImage(overlay, autoLevels=False)
            self.overlay.setRect(QRectF(0, 0, w, h))
        if rgba.shape[:2] != self.shape:
            self.shape = rgba.shape[:2]
            self.base.setRect(QRectF(0, 0, w, h))
            self.frame.setRect(QRectF(0, 0, w, h))
            self.plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def show_bars(self, values: np.ndarray, heat: np.ndarray | None = None,
                  color: str = "#E69F00") -> None:
        """values: (F,) input features as grey bars; heat: (F,) drawn as thinner bars."""
        self._set_mode("bars")
        v = np.asarray(values, dtype=np.float64).ravel()
        x = np.arange(v.size)
        self.bars.setOpts(x=x, height=v, width=0.8, brush=self.style_.muted, pen=None)
        if heat is not None:
            h = np.asarray(heat, dtype=np.float64).ravel()
            top = float(np.max(np.abs(h))) or 1.0
            scale = (float(np.max(np.abs(v))) or 1.0) / top
            self.bar_heat.setOpts(x=x, height=h * scale, width=0.5, brush=color, pen=None)
        self.bar_heat.setVisible(heat is not None)
        if (v.size,) != self.shape:
            self.shape = (v.size,)
            self.plot.setXRange(-0.5, v.size - 0.5, padding=0.01)
        self.plot.enableAutoRange(axis="y")

    def set_theme(self, style: PlotStyle) -> None:
        pen = pg.mkPen(style.muted, width=1)
        pen.setCosmetic(True)
        self.frame.setPen(pen)
        axes(self.plot, style, left="value", bottom="input feature")
        super().set_theme(style)
