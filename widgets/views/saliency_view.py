"""Saliency: which input values drive the network's score for one class, drawn over the input.

Reads ``snapshot.probes["introspection:saliency"]`` (``heat`` (H, W) or (F,), ``input``
input_shape, ``index``, ``predicted``, ``target``, ``label``, ``probabilities`` (K,)) or, with
the Grad-CAM method, ``"introspection:grad_cam"`` (``cam_input`` (H, W) or ``cam`` (h, w),
``input``, ``target``, ``probabilities``). What it needs is asked for with
``requests_changed({"saliency": options})`` or ``{"grad_cam": options}``
(``engine.introspection`` option names); ``probe_requests()`` returns the current one.
Layers come from ``set_layers(report.shapes, input_name)`` or ``set_model_context``
(``widgets.panels.inside_dock.ViewContext``). At a projector's 1280×720 the picture keeps
>= 140 px a side (the Look-inside dock scrolls instead of squashing it to a strip) and the
caption and summary wrap whole (``wrap_fit.keep_whole``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QSpinBox, QWidget

from widgets.plots.palette import OKABE_ITO, plot_style
from widgets.views.common import ProbeView
from widgets.views.inspect_common import (
    SamplePanel,
    grey_rgba,
    heat_rgba,
    image_of,
)
from widgets.views.wrap_fit import fit, keep_whole

METHODS = (("Gradient (vanilla)", "vanilla"), ("Gradient × input", "grad_x_input"),
           ("SmoothGrad", "smoothgrad"), ("Integrated gradients", "integrated"),
           ("Grad-CAM", "grad_cam"))
HEAT = OKABE_ITO["vermillion"]
PROBE_SAMPLES = 256
PANEL_MIN_PX = 140 + 40  # the picture >= 140 px a side (a projector) + the title row
CAPTION = ("Orange-red marks the input values that change the class score most: the network "
           "\"looks\" there to decide. Try another sample or class.")


def is_map_layer(kind: str) -> bool:
    """Layer kinds whose output is a stack of 2-D maps (C, H, W): Grad-CAM can explain them."""
    return ("Conv2D" in kind or "Pooling2D" in kind) and not kind.startswith("Global")


def resize_nearest(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(h, w) -> shape by nearest neighbour (a Grad-CAM map over the input picture)."""
    rows = (np.arange(shape[0]) * image.shape[0] // shape[0]).clip(0, image.shape[0] - 1)
    cols = (np.arange(shape[1]) * image.shape[1] // shape[1]).clip(0, image.shape[1] - 1)
    return image[np.ix_(rows, cols)]


class SaliencyView(ProbeView):
    """One probe sample with its saliency map; method, sample, class and opacity controls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "Press Play or Step: the saliency map appears once the "
                                  "network has made a prediction.", parent)
        self._build_controls()
        self.panel = SamplePanel()
        self.panel.setMinimumHeight(PANEL_MIN_PX)  # a short dock scrolls instead
        self.set_content(self.panel)
        self.add_summary()
        keep_whole(self.caption, self.summary)  # wrapped whole, never cut
        self.conv_layers: list[str] = []
        self.set_layers({})
        self.method_box.currentIndexChanged.connect(self._changed)
        self.layer_box.currentIndexChanged.connect(self._changed)
        self.sample_spin.valueChanged.connect(self._changed)
        self.class_box.currentIndexChanged.connect(self._changed)
        self.opacity.valueChanged.connect(self._redraw)
        self.set_theme(self.style_.name)

    def _build_controls(self) -> None:
        """Two rows: method (and layer), then sample, class and the map's opacity."""
        self.method_box = QComboBox()
        for text, key in METHODS:
            self.method_box.addItem(text, key)
        self.method_box.setToolTip("How the importance of each input value is measured")
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Grad-CAM explains the feature maps of this layer")
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(0, PROBE_SAMPLES - 1)
        self.sample_spin.setToolTip("Which sample of the fixed probe batch to explain")
        self.class_box = QComboBox()
        self.class_box.addItem("predicted class", None)
        self.class_box.setToolTip("Explain the score of this class")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(70)
        self.opacity.setMaximumWidth(120)
        self.opacity.setToolTip("Opacity of the saliency map over the input")
        self.layer_label = QLabel("layer")
        for widget in (QLabel("method"), self.method_box, self.layer_label, self.layer_box):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        row = self.add_bar_row()  # two rows: they fit a ~440 px column (1280×720)
        for control in (QLabel("sample"), self.sample_spin, QLabel("class"), self.class_box,
                        QLabel("map"), self.opacity):
            row.addWidget(control)
        row.addStretch(1)

    # -- inputs --------------------------------------------------------------------------------
    def set_layers(self, shapes: dict[str, tuple[int, ...]], input_name: str | None = None) -> None:
        """The model's output shapes per layer (network order): Grad-CAM is offered for the
        (C, H, W) layers after the input, the last one (the usual choice) first."""
        self.conv_layers = [n for n, s in shapes.items() if len(tuple(s)) == 3 and n != input_name]
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(self.conv_layers)
        self.layer_box.setCurrentIndex(len(self.conv_layers) - 1)
        self.layer_box.blockSignals(False)
        methods = self.method_box.model()
        assert isinstance(methods, QStandardItemModel)  # a QComboBox's own model
        item = methods.item(len(METHODS) - 1)
        if item is not None:
            item.setEnabled(bool(self.conv_layers))
        item.setToolTip("" if self.conv_layers else "Add a Conv2D layer to use Grad-CAM")
        if not self.conv_layers and self.method == "grad_cam":
            self.method_box.setCurrentIndex(0)
        self._show_layer_box()

    def set_model_context(self, context: Any) -> None:
        """``widgets.panels.inside_dock.ViewContext``: Grad-CAM for the 2-D conv/pooling layers."""
        kinds = dict(getattr(context, "layer_kinds", {}) or {})
        self.set_layers({name: (0, 0, 0) if is_map_layer(kind) else (0,)
                         for name, kind in kinds.items()})

    def set_class_count(self, k: int) -> None:
        k = max(int(k), 2)
        if self.class_box.count() == k + 1:
            return
        current = self.class_box.currentData()
        self.class_box.blockSignals(True)
        self.class_box.clear()
        self.class_box.addItem("predicted class", None)
        for c in range(k):
            self.class_box.addItem(f"class {c}", c)
        self.class_box.setCurrentIndex(self.class_box.findData(current) if current is not None
                                       else 0)
        self.class_box.blockSignals(False)

    @property
    def method(self) -> str:
        return str(self.method_box.currentData())

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        """What this view needs from the probes: ``{"saliency" or "grad_cam": options}``."""
        opts: dict[str, Any] = {"index": self.sample_spin.value(),
                                "target": self.class_box.currentData()}
        if self.method == "grad_cam":
            if not self.conv_layers:
                return {}
            return {"grad_cam": {**opts, "layer": self.layer_box.currentText()}}
        return {"saliency": {**opts, "method": self.method}}

    def _changed(self, *_: object) -> None:
        self._show_layer_box()
        self.requests_changed.emit(self.probe_requests())

    def _show_layer_box(self) -> None:
        on = self.method == "grad_cam"
        self.layer_box.setVisible(on)
        self.layer_label.setVisible(on)

    # -- drawing -------------------------------------------------------------------------------
    def probe_name(self) -> str:
        return "grad_cam" if self.method == "grad_cam" else "saliency"

    def accepts(self, result: dict[str, Any]) -> bool:
        return "input" in result

    def show_result(self, result: dict[str, Any]) -> None:
        probs = np.asarray(result.get("probabilities", ()))
        self.set_class_count(2 if probs.size == 1 else probs.size)
        self._redraw()

    def _redraw(self, *_: object) -> None:
        r = self.result
        if r is None:
            return
        alpha = self.opacity.value() / 100
        x = np.asarray(r["input"])
        picture = image_of(x)
        heat = self._heat(r, picture)
        if picture is not None and heat is not None:
            self.panel.show_image(grey_rgba(picture, ink=0.55), heat_rgba(heat, HEAT, alpha))
        elif picture is not None:
            self.panel.show_image(grey_rgba(picture))
        else:
            self.panel.show_bars(x, None if heat is None else heat.ravel(), HEAT)
        self.show_content()
        empty = heat is not None and not np.any(np.asarray(heat) > 0)
        self.summary.setText(self._summary(r) + (" · the map is empty: no region raises this "
                                                 "class's score" if empty else ""))
        fit(self.summary)

    def _heat(self, r: dict[str, Any], picture: np.ndarray | None) -> np.ndarray | None:
        if "cam_input" in r:
            return np.asarray(r["cam_input"])
        if "cam" in r:
            cam = np.asarray(r["cam"])
            return resize_nearest(cam, picture.shape[:2]) if picture is not None else None
        heat = np.asarray(r["heat"])
        if picture is not None and heat.size == picture.shape[0] * picture.shape[1]:
            return heat.reshape(picture.shape[:2])
        return heat

    def _summary(self, r: dict[str, Any]) -> str:
        probs = np.asarray(r.get("probabilities", ()), dtype=np.float64).ravel()
        target = int(r.get("target", 0))
        pred = int(r.get("predicted", target)) if "predicted" in r else (
            int(probs[0] > 0.5) if probs.size == 1 else int(np.argmax(probs)) if probs.size
            else target)
        conf = (probs[0] if pred == 1 else 1 - probs[0]) if probs.size == 1 else (
            probs[pred] if probs.size else float("nan"))
        label = r.get("label")
        truth = f" · true class {int(label)}" if label is not None else ""
        return (f"sample {int(r.get('index', 0))}{truth} · predicted {pred} ({conf:.0%}) · "
                f"explaining class {target}")

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        self.panel.set_theme(plot_style(style.name))
        self.panel.set_title("input with saliency map")
        self._redraw()
