"""The network canvas: layer boxes, wires and every editing gesture (see ``view.CanvasView``)."""

from widgets.canvas.view import MIME_LAYER, CanvasView

__all__ = ["MIME_LAYER", "CanvasView"]
