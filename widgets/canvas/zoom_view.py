"""``ZoomView``: the canvas view's zoom, fit and pan, as the base class of ``CanvasView``.

Ctrl+wheel zooms under the mouse (``MIN_ZOOM``..``MAX_ZOOM``, ``ZOOM_STEP`` a notch), the
menu's Zoom in/out about the centre; zoomed out, the node text grows (``style.
text_scale_for_zoom`` x the look's font scale) so a projector audience can read it. After
"fit" the network stays fitted while the view is resized (docks settling, a bigger window)
until the learner zooms, pans or scrolls. Fitting never magnifies past ``MAX_FIT_ZOOM`` nor
zooms out past ``MIN_FIT_ZOOM`` (node text stays >= 9 px on screen): a network too big for
the view shows its start (the inputs) and the view scrolls. The scene rect leaves room to pan
around the network. ``reveal(rect)`` brings a new layer into view: the whole network when it
fits (scrolling, or fitting it while that keeps the text readable), else at least the layer.
``CanvasView`` sets ``canvas`` (its ``CanvasScene``) and drives ``_pan``
from the middle button or Space+drag (``_pan_from``: the last mouse position).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QFontInfo, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from widgets.canvas import style as st
from widgets.canvas.scene import CanvasScene
from widgets.plots.palette import current_look

MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 0.2, 3.0, 1.6
MIN_FIT_ZOOM = 0.42  # 11 pt (the smallest node text) x 1.6 (its zoomed-out growth) x 0.42 ≈ 10 px
ZOOM_STEP = 1.2
REVEAL_MARGIN = 24  # px kept clear around a revealed layer


class ZoomView(QGraphicsView):
    """Zoom, fit and pan of a view on a ``CanvasScene`` (see the module docstring)."""

    canvas: CanvasScene
    _pan_from: QPoint | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fitted = False  # the view shows the fitted network; resizing refits it
        self._fitted_size = self.size()
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.actionTriggered.connect(self._unfit)

    def zoom_level(self) -> float:
        return self.transform().m11()

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP, QGraphicsView.ViewportAnchor.AnchorViewCenter)

    def zoom_out(self) -> None:
        self._zoom_by(1 / ZOOM_STEP, QGraphicsView.ViewportAnchor.AnchorViewCenter)

    def reset_zoom(self) -> None:
        self.fitted = False
        self.resetTransform()
        self._on_zoom_changed()

    def fit_to_view(self) -> None:
        """Show the whole network, never magnified past 160 % nor shrunk below
        ``MIN_FIT_ZOOM``: then its start (top left, the inputs) shows and the view scrolls."""
        rect = self.canvas.network_rect()
        if rect.isNull():
            self.reset_zoom()
            self.centerOn(0.0, 0.0)
            return
        self._update_scene_rect()
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        zoom = min(MAX_FIT_ZOOM, max(MIN_FIT_ZOOM, self.zoom_level()))
        self.resetTransform()
        self.scale(zoom, zoom)
        seen = self.viewport().size()
        half_w, half_h = seen.width() / zoom / 2, seen.height() / zoom / 2
        centre = rect.center()
        if rect.width() + 80 > 2 * half_w:
            centre.setX(rect.left() - 40 + half_w)
        if rect.height() + 80 > 2 * half_h:
            centre.setY(rect.top() - 40 + half_h)
        self.centerOn(centre)
        self._on_zoom_changed()
        self.fitted, self._fitted_size = True, self.size()

    def reveal(self, rect: QRectF) -> None:
        """Show ``rect`` (scene px; a layer just added) and, while the network is small
        enough, the whole network: scroll when it fits at this zoom, else fit it when the fit
        keeps node text readable (``MIN_FIT_ZOOM``), else scroll to ``rect`` alone."""
        self._update_scene_rect()
        whole = self.canvas.network_rect().united(rect)
        seen = self.viewport().size()
        zoom = self.zoom_level()
        room_w, room_h = seen.width() - 2 * REVEAL_MARGIN, seen.height() - 2 * REVEAL_MARGIN
        if whole.width() * zoom <= room_w and whole.height() * zoom <= room_h:
            self.ensureVisible(whole, REVEAL_MARGIN, REVEAL_MARGIN)
            return
        fit = min(seen.width() / (whole.width() + 80), seen.height() / (whole.height() + 80))
        if fit >= MIN_FIT_ZOOM:
            self.fit_to_view()
        if not self.mapToScene(self.viewport().rect()).boundingRect().contains(rect):
            self.ensureVisible(rect, REVEAL_MARGIN, REVEAL_MARGIN)

    def smallest_text_px(self) -> float:
        """On-screen pixel size of the smallest node text (11 pt, grown as the view zooms
        out: ``style.text_scale_for_zoom``) at the current zoom."""
        zoom = self.zoom_level()
        return QFontInfo(st.font(11, scale=self.canvas.text_scale)).pixelSize() * zoom

    def _unfit(self, *_: object) -> None:
        self.fitted = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        # the view's own size, not its viewport's: a scroll bar coming and going is no reason
        if self.fitted and self.size() != self._fitted_size:
            self.fit_to_view()

    def _zoom_by(self, factor: float, anchor: QGraphicsView.ViewportAnchor) -> None:
        self.fitted = False
        current = self.zoom_level()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        previous = self.transformationAnchor()
        self.setTransformationAnchor(anchor)
        self.scale(target / current, target / current)
        self.setTransformationAnchor(previous)
        self._on_zoom_changed()

    def _on_zoom_changed(self) -> None:
        """Zoomed out, the canvas text grows so a projector audience can still read it; in
        presenter mode it is enlarged like every other text (``Look.font_scale``)."""
        self.canvas.set_text_scale(st.text_scale_for_zoom(self.zoom_level())
                                   * current_look().font_scale)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            self._zoom_by(ZOOM_STEP ** steps, QGraphicsView.ViewportAnchor.AnchorUnderMouse)
            event.accept()
            return
        self.fitted = False  # scrolled
        super().wheelEvent(event)

    def _pan(self, pos: QPoint) -> None:
        assert self._pan_from is not None
        delta = pos - self._pan_from
        self._pan_from = pos
        self.fitted = False
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())

    def _update_scene_rect(self, *_args: Any) -> None:
        """Room to pan around the network, never cutting off what is on screen now."""
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        rect = self.canvas.network_rect().adjusted(-1500, -1000, 1500, 1000)
        self.setSceneRect(rect.united(visible).united(QRectF(-800, -600, 1600, 1200)))
