"""A GAN learning, GAN-Lab style: real vs generated data over the discriminator's surface.

``update(snapshot)`` reads (``engine.generative.gan_probes``):

- ``gan_samples (S, *data_shape)`` (probe ``"gan_samples"``: S fixed noise vectors): for 2-D
  data the generated points, for images a grid of pictures;
- ``d_surface (G, G)`` and ``grid_extent`` ``[x0, x1, y0, y1]`` (probe ``"gan_surface"``, 2-D
  data): D's probability of "real" (row = y from the bottom), shaded purple (fake) → green
  (real) under the points;
- ``modes_covered``, ``n_modes``, ``high_quality`` (0-d) (probe ``"mode_coverage"``): the
  readout "7 of 8 modes covered, 62 % of samples near a mode";
- ``snapshot.extra`` ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` (each chunk), else the last
  of ``snapshot.epoch_rows``: the history plot (``GANCurves``).

``set_dataset(dataset)`` draws the real points (2-D data) and frames them (``plane_range``: their
box + 15 %, not aspect-locked, fixed while generated points move) or switches to the image grid.
At a projector's 1280×720 the plane and the grid keep >= 180 px (the Look-inside dock scrolls
instead of squashing them), the grid's cells stay square and the labels wrap whole.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from widgets.plots.decision_plot import image_rect
from widgets.plots.palette import axis_font, current_style, plot_style, style_axes
from widgets.views.cnn_tiles import ink_lut
from widgets.views.gan_curves import KEYS, GANCurves
from widgets.views.gen_common import (
    FAKE,
    REAL,
    ProbesWidget,
    data_levels,
    grid_shape,
    hint_label,
    image_box,
    image_layout,
    mosaic,
    muted_label,
    show_image,
    tile_rows,
    to_images,
    two_color_lut,
)
from widgets.views.wrap_fit import fit, keep_whole

REAL_SHOWN = 1000  # real points drawn at most
EMPTY = "Train a GAN with the “gan_samples” probe to watch its generator."
EXPLAIN_PLANE = "Green: real data · purple: generated · shading: D's verdict"  # one line
EXPLAIN_PLANE_TIP = ("Green dots: real data. Purple dots: the generator's samples from fixed "
                     "noise. Shading: the discriminator's verdict, green = “real”, purple = "
                     "“fake”.")
EXPLAIN_IMAGES = "Samples the generator makes from the same fixed noise vectors every frame."


CURVES_PX = (90, 190)  # the history curves' height: least, most
TALL_PX = 380  # a view at least this tall shows the history curves under the plane
MARGIN = 0.15  # of the data's span on each side of the plane
STACK_MIN_PX = 180 + 45  # the plane / grid >= 180 px tall (a projector) + the plane's x axis


def plane_range(points: np.ndarray) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the plane: the points' (N, 2) box plus ``MARGIN``."""
    lo, hi = points.min(axis=0).astype(float), points.max(axis=0).astype(float)
    pad = MARGIN * (hi - lo + 1e-3)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
            float(lo[1] - pad[1]), float(hi[1] + pad[1]))


class GANView(ProbesWidget):
    """Live GAN picture: plane or image grid, history curves, mode coverage (module doc)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.data_shape: tuple[int, ...] | None = None
        self.levels = (0.0, 1.0)
        self.surface: np.ndarray | None = None
        self.samples_image: np.ndarray | None = None
        self.coverage_text = ""
        self._rect_key: tuple | None = None
        self._build_plane()
        self.images_widget, self.images_box, self.images_item = image_box()
        self.images_widget.setToolTip("Generated samples from fixed noise vectors.")
        self.hint = hint_label(EMPTY)
        self.stack = QStackedWidget()
        for w in (self.plane_widget, self.images_widget, self.hint):
            self.stack.addWidget(w)
        self.stack.setCurrentWidget(self.hint)
        self.stack.setMinimumHeight(STACK_MIN_PX)  # a short dock scrolls instead
        self.coverage = QLabel()
        self.coverage.setFont(axis_font(14))
        self.coverage.setWordWrap(True)  # "8 of 8 modes covered, 56 % …" in a 440 px dock
        self.coverage.hide()
        self.coverage.setToolTip("A mode is covered when enough generated points lie within 3σ "
                                 "of it. A GAN that collapses covers only a few modes.")
        self.curves = GANCurves()
        self.curves.setMinimumHeight(CURVES_PX[0])  # short dock: the plane gets the height
        self.curves.setMaximumHeight(CURVES_PX[1])
        self.explain = muted_label(EXPLAIN_PLANE)
        self.explain.setToolTip(EXPLAIN_PLANE_TIP)
        for label in (self.coverage, self.explain):  # the plane takes any spare height
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.stack, 3)
        layout.addWidget(self.coverage)
        layout.addWidget(self.curves, 1)
        layout.addWidget(self.explain)
        keep_whole(self.coverage, self.explain)  # wrapped whole, never cut
        self.set_theme(self.style_.name)

    def _build_plane(self) -> None:
        self.plane_widget = pg.PlotWidget()
        self.plane_widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        plot = self.plot = self.plane_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        # not aspect-locked: in a wide, short dock a locked view ran x from −10 to 10 around a
        # ring of radius 1.5 (a 70 px blob); the range is the data's, fixed (``set_dataset``)
        self.surface_item = pg.ImageItem(axisOrder="row-major")
        self.real = pg.ScatterPlotItem(size=6, pxMode=True)
        self.fake = pg.ScatterPlotItem(size=9, pxMode=True)
        self.layers = (self.surface_item, self.real, self.fake)
        for z, item in enumerate(self.layers):
            item.setZValue(z - 1)
            plot.addItem(item)
        self.plane_widget.setToolTip("Real data, generated samples and the discriminator's "
                                     "decision surface.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(560, 620)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """Short (a 1280×720 dock, ~260 px): the history curves make way for the plane
        (the Loss panel below shows the D and G losses too)."""
        super().resizeEvent(event)
        self.curves.setVisible(self.height() >= TALL_PX)

    # -- data ------------------------------------------------------------------------------------
    def reset_view(self) -> None:
        """Another project: no generated samples, surface, coverage or curves of the old one."""
        self.curves.reset()
        self.fake.setData([], [])
        for item in (self.surface_item, self.images_item):
            item.clear()
        self.surface = self.samples_image = self._rect_key = None
        self.coverage_text = ""
        self.coverage.hide()
        self.stack.setCurrentWidget(self.hint)

    def set_dataset(self, dataset: Any) -> None:
        """2-D data: draw the real points (up to 1000) and frame them; images: levels."""
        shape = tuple(getattr(dataset, "input_shape", ()) or ())
        self.data_shape = shape or None
        x = getattr(dataset, "x_train", None)
        x = None if x is None else np.asarray(x)
        self.levels = data_levels(dataset)
        self.curves.reset()
        self.coverage.setText("")
        self.coverage.hide()  # shown when a mode_coverage probe arrives
        if shape == (2,) and x is not None and len(x):
            pts = x[:: max(1, len(x) // REAL_SHOWN)]
            self.real.setData(pts[:, 0], pts[:, 1])
            x0, x1, y0, y1 = plane_range(pts)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            self.plot.disableAutoRange()  # fixed: generated points do not move it
            self.stack.setCurrentWidget(self.plane_widget)
            self.explain.setText(EXPLAIN_PLANE)
        else:
            self.real.setData([], [])
            self.explain.setText(EXPLAIN_IMAGES)
        fit(self.explain)

    @property
    def is_plane(self) -> bool:
        return self.data_shape == (2,)

    # -- live update -----------------------------------------------------------------------------
    def show_probes(self, p: dict[str, Any], snapshot: Any) -> None:
        """Draw the snapshot's samples, surface, coverage and losses."""
        samples = p.get("gan_samples")
        if samples is not None and len(samples):
            self.show_samples(np.asarray(samples, np.float32))
        surface, extent = p.get("d_surface"), p.get("grid_extent")
        if surface is not None and extent is not None and self.is_plane:
            self.show_surface(np.asarray(surface, np.float32), np.asarray(extent, np.float64))
        if p.get("modes_covered") is not None and p.get("n_modes") is not None:
            self.show_coverage(int(p["modes_covered"]), int(p["n_modes"]),
                               float(p.get("high_quality", np.nan)))
        self._add_losses(snapshot)

    def show_samples(self, samples: np.ndarray) -> None:
        """samples: (S, *data_shape) -> purple points (2-D data) or a picture grid."""
        if self.data_shape is None:
            self.data_shape = tuple(samples.shape[1:])
        if samples.shape[1:] == (2,):
            self.fake.setData(samples[:, 0], samples[:, 1])
            self.stack.setCurrentWidget(self.plane_widget)
            return
        layout = image_layout(tuple(samples.shape[1:]))
        imgs = to_images(samples, layout)
        _, cols = grid_shape(len(imgs), 8)
        self.samples_image = mosaic(tile_rows(imgs, cols))
        show_image(self.images_item, self.samples_image, self.levels, self._lut)
        self.images_box.setAspectLocked(layout is not None)
        self.images_box.autoRange(padding=0.02)
        self.stack.setCurrentWidget(self.images_widget)

    def show_surface(self, surface: np.ndarray, extent: np.ndarray) -> None:
        """surface: (G, G) D(x) in [0, 1] over extent -> the shaded image under the points."""
        self.surface = surface
        self.surface_item.setImage(surface, autoLevels=False, levels=(0.0, 1.0))
        key = (tuple(extent), surface.shape)
        if key != self._rect_key:
            self.surface_item.setRect(image_rect(extent, surface.shape))
            self._rect_key = key

    def show_coverage(self, covered: int, n_modes: int, near: float) -> None:
        text = f"{covered} of {n_modes} modes covered"
        if np.isfinite(near):
            text += f", {near * 100:.0f} % of samples near a mode"
        self.coverage_text = text
        self.coverage.setText(text)
        self.coverage.show()
        fit(self.coverage)

    def _add_losses(self, snapshot: Any) -> None:
        extra = getattr(snapshot, "extra", None) or {}
        values = {k: extra[k] for k in KEYS if k in extra}
        rows = getattr(snapshot, "epoch_rows", ()) or ()
        if not values and rows:
            values = {k: rows[-1][k] for k in KEYS if k in rows[-1]}
        step = getattr(snapshot, "step", None)
        if values and step is not None:
            self.curves.add(float(step), values)

    # -- theme -----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        s = self.style_ = plot_style(name)
        self._lut = ink_lut(s)
        for w in (self.plane_widget, self.images_widget):
            w.setBackground(s.background)
        style_axes(self.plot, s, left="x₂", bottom="x₁")
        self.surface_item.setLookupTable(two_color_lut(s, FAKE, REAL, strength=0.8))
        self.real.setPen(pg.mkPen(s.point_edge, width=0.6))
        self.real.setBrush(pg.mkBrush(REAL))
        self.fake.setPen(pg.mkPen(s.foreground, width=1.0))
        self.fake.setBrush(pg.mkBrush(FAKE))
        self.curves.set_theme(name)
        if self.samples_image is not None:
            show_image(self.images_item, self.samples_image, self.levels, self._lut)
        self.coverage.setContentsMargins(6, 2, 6, 2)
        self.coverage.setAlignment(Qt.AlignmentFlag.AlignLeft)
