"""The validation images the network gets wrong, most confident mistakes first.

``show_mistakes(result)`` or ``update(snapshot)`` with the ``"cnn_misclassified"`` probe:
``{"index": (M,) into the split, "true": (M,), "predicted": (M,), "confidence": (M,) descending,
"images": (M, C, H, W) optional, "n_wrong": int, "n_total": int, "split": "val"}``
(``engine.introspection.feature_maps.misclassified_examples``; without ``"images"`` they are
taken from the dataset given to ``set_dataset``, ``x_val[index]``, so the plain output of
``engine.introspection.curves.misclassified`` works too). Each tile is captioned
"true → predicted (confidence %)". Cells live in one pyqtgraph scene, are created when more
are needed (at most ``MAX_SHOWN``) and only re-imaged afterwards. Clicking a tile emits
``sample_clicked(index)`` (its ``index`` entry; with ``"split": "probe"`` a position in the
probe batch) and ``image_clicked(image (C, H, W))`` (e.g. to show its feature maps).
Also read as ``"introspection:cnn_misclassified"``; ``{"error": message}`` shows the message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Signal
from PySide6.QtWidgets import QLabel, QWidget

from widgets.plots.palette import LABEL_PT, scaled_pt, shade
from widgets.views.cnn_tiles import display_plane, ink_lut, ink_rgba
from widgets.views.common import ViewFrame, probe_of

PROBE_KEY = "cnn_misclassified"
MAX_SHOWN = 24
COLS = 6
CAPTION = ("Caption: true class → what the network said (its confidence). Confident mistakes "
           "often show a badly written digit, or a wrong label in the data.")
HINT = "No mistakes to show yet: train a classifier on images (with a validation split)."


class MisclassifiedGallery(ViewFrame):
    """Grid of misclassified images with captions."""

    sample_clicked = Signal(int)
    image_clicked = Signal(object)  # the clicked image (C, H, W)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.dataset: Any = None
        self.result: dict[str, Any] = {}
        self.indices = np.zeros(0, np.int64)
        self.images: np.ndarray | None = None  # what the tiles show (M, ...)
        self._lut: np.ndarray | None = None  # ink colours of the current theme
        self.summary = QLabel("")
        self.bar.addWidget(self.summary)
        self.bar.addStretch(1)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setToolTip("Click an image to look at it in the other views")
        self.set_content(self.canvas)
        self.cells: list[tuple[pg.ViewBox, pg.ImageItem, pg.LabelItem]] = []
        self.canvas.scene().sigMouseClicked.connect(self._clicked)
        self.set_theme(self.style_.name)
        self.show_hint()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(560, 460)

    def reset_view(self) -> None:
        self.result, self.indices = {}, np.zeros(0, np.int64)
        super().reset_view()

    def set_dataset(self, dataset: Any) -> None:
        """Images for results without ``"images"`` (``x_val``) and the class names."""
        self.dataset = dataset
        if self.result:
            self.show_mistakes(self.result)

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Read ``snapshot.probes["cnn_misclassified"]`` (or ``"introspection:..."``);
        ``update()`` alone repaints the widget."""
        if snapshot is None:
            super().update()
            return
        result, error = probe_of(snapshot, PROBE_KEY)
        if error:
            self.result, self.indices = {}, np.zeros(0, np.int64)
            self.show_hint(error)
        elif isinstance(result, dict):
            self.show_mistakes(result)

    def show_mistakes(self, result: dict[str, Any]) -> None:
        """result: see the module docstring; missing or empty parts show the hint."""
        self.result = result
        idx = np.asarray(result.get("index", []), dtype=np.int64).reshape(-1)[:MAX_SHOWN]
        images = self._images(result, idx)
        if images is None or len(idx) == 0:
            self.indices = np.zeros(0, np.int64)
            wrong = result.get("n_wrong")
            self.show_hint(f"No mistakes among the {int(result['n_total'])} "
                           f"{self._split_name(result)} images." if wrong == 0 and
                           result.get("n_total") else HINT)
            return
        self.indices, self.images = idx, images
        while len(self.cells) < len(idx):
            self._add_cell(len(self.cells))
        rgba = self._rgba(images)
        true = np.asarray(result.get("true", np.full(len(idx), -1))).reshape(-1)
        pred = np.asarray(result.get("predicted", np.full(len(idx), -1))).reshape(-1)
        conf = np.asarray(result.get("confidence", np.full(len(idx), np.nan))).reshape(-1)
        for i, (box, image, label) in enumerate(self.cells):
            on = i < len(idx)
            image.setVisible(on)
            if not on:
                if label.text:
                    label.setText("")
                continue
            old = image.image.shape[:2] if image.image is not None else None
            image.setImage(rgba[i], autoLevels=False)
            h, w = rgba[i].shape[:2]
            if old != (h, w):
                image.setRect(QRectF(0, 0, w, h))
                box.setRange(xRange=(0, w), yRange=(0, h), padding=0.04)
            text = f"{self._name(true[i])} → {self._name(pred[i])} ({conf[i]:.0%})"
            if label.text != text:
                label.setText(text, color=self.style_.foreground, size=f"{LABEL_PT}pt")
        self._summarize(result, len(idx))
        self.show_content()

    def _rgba(self, images: np.ndarray) -> Any:
        """images (K, C, H, W) or (K, H, W) -> K RGBA pictures on one shared value range."""
        lo, hi = float(np.min(images)), float(np.max(images))
        if self._lut is None:
            self._lut = ink_lut(self.style_)
        if images.ndim == 4 and images.shape[1] == 3:  # RGB keeps its colours
            return [ink_rgba(im, self.style_, lo, hi) for im in images]
        return shade(np.stack([display_plane(im) for im in images]), self._lut, lo,
                     max(hi, lo + 1e-12))

    def _images(self, result: dict[str, Any], idx: np.ndarray) -> np.ndarray | None:
        images = result.get("images")
        if images is not None and len(images) >= len(idx):
            return np.asarray(images)[: len(idx)]
        x = getattr(self.dataset, "x_val", None)
        if x is None or not len(idx) or int(idx.max()) >= len(x):
            return None
        return np.asarray(x)[idx]

    def _name(self, k: Any) -> str:
        names = list(getattr(self.dataset, "class_names", None) or [])
        k = int(k)
        return names[k] if 0 <= k < len(names) else str(k)

    @staticmethod
    def _split_name(result: dict[str, Any]) -> str:
        return {"train": "training", "probe": "sampled validation"}.get(
            str(result.get("split")), "validation")

    def _summarize(self, result: dict[str, Any], shown: int) -> None:
        wrong, total = result.get("n_wrong"), result.get("n_total")
        head = (f"{int(wrong)} of {int(total)} {self._split_name(result)} images wrong"
                if wrong is not None and total else f"{shown} mistakes")
        self.summary.setText(f"{head}; showing the {shown} most confident" if shown > 1 and
                             (wrong is None or int(wrong) > shown) else head)

    def _add_cell(self, i: int) -> None:
        r, c = divmod(i, COLS)
        box = self.canvas.addViewBox(row=2 * r, col=c, lockAspect=True, invertY=True,
                                     enableMouse=False, enableMenu=False)
        image = pg.ImageItem(axisOrder="row-major")
        box.addItem(image)
        label = self.canvas.addLabel("", row=2 * r + 1, col=c)
        self.cells.append((box, image, label))

    def cell_at(self, scene_pos: Any) -> int | None:
        """Index (in the shown order) of the tile under a scene position, or None."""
        for i, (box, image, _) in enumerate(self.cells[: len(self.indices)]):
            if image.isVisible() and box.sceneBoundingRect().contains(scene_pos):
                return i
        return None

    def _clicked(self, event: Any) -> None:
        i = self.cell_at(event.scenePos())
        if i is not None:
            self.sample_clicked.emit(int(self.indices[i]))
            if self.images is not None:
                self.image_clicked.emit(np.array(self.images[i]))

    def set_theme(self, name: str) -> None:
        self.canvas.setBackground(self.theme_style(name).background)
        self._lut = None
        for _, _, label in self.cells:
            label.setText(label.text, color=self.style_.foreground,
                          size=f"{scaled_pt(LABEL_PT)}pt")
        if self.result:
            self.show_mistakes(self.result)
