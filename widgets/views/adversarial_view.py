"""Adversarial example (FGSM): a nudge of ±ε on every input value that fools the network.

Reads ``snapshot.probes["introspection:fgsm"]``: ``original``, ``perturbation``,
``adversarial`` (input_shape each), ``label``, ``original_pred``/``adversarial_pred``,
``original_conf``/``adversarial_conf``, ``epsilon``. Asks for it with
``requests_changed({"fgsm": {"index": i, "epsilon": ε}})``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QSpinBox, QWidget

from widgets.plots.palette import AXIS_PT, NEGATIVE, OKABE_ITO, POSITIVE, axis_font
from widgets.views.common import ProbeView
from widgets.views.inspect_common import (
    SamplePanel,
    grey_rgba,
    image_of,
    signed_rgba,
)

EPS_MAX, EPS_STEPS, EPS_DEFAULT = 0.3, 300, 0.007
PROBE_SAMPLES = 256
FLIPPED = OKABE_ITO["vermillion"]
CAPTION = ("FGSM moves every input value by ε in the direction that raises the loss most. "
           "A change too small to notice can flip the prediction.")
TITLES = ("original", "perturbation (amplified)", "adversarial")


class AdversarialView(ProbeView):
    """Original, perturbation and adversarial sample side by side, each with its prediction."""

    PROBE = "fgsm"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "Press Play or Step: the attack needs a network that "
                                  "predicts something.", parent)
        self.eps_slider = QSlider(Qt.Orientation.Horizontal)
        self.eps_slider.setRange(0, EPS_STEPS)
        self.eps_slider.setValue(round(EPS_DEFAULT / EPS_MAX * EPS_STEPS))
        self.eps_slider.setMinimumWidth(100)  # the row fits a ~440 px column
        self.eps_slider.setToolTip("How far each input value may move (in data units)")
        self.eps_label = QLabel()
        self.eps_label.setMinimumWidth(60)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(0, PROBE_SAMPLES - 1)
        self.sample_spin.setToolTip("Which sample of the fixed probe batch to attack")
        for widget in (QLabel("sample"), self.sample_spin, QLabel("ε"), self.eps_slider,
                       self.eps_label):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(2, 2, 2, 2)
        self.panels = [SamplePanel(t) for t in TITLES]
        self.labels = [QLabel() for _ in TITLES]
        for col, (panel, label) in enumerate(zip(self.panels, self.labels, strict=True)):
            label.setFont(axis_font(AXIS_PT))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(panel, 0, col)
            grid.addWidget(label, 1, col)
            grid.setColumnStretch(col, 1)
        self.labels[1].setText("ε · sign(gradient)")
        self.set_content(body)
        self._show_epsilon()
        self.eps_slider.valueChanged.connect(self._changed)
        self.sample_spin.valueChanged.connect(self._changed)
        self.set_theme(self.style_.name)

    @property
    def epsilon(self) -> float:
        return self.eps_slider.value() * EPS_MAX / EPS_STEPS

    def set_epsilon(self, eps: float) -> None:
        self.eps_slider.setValue(round(float(eps) / EPS_MAX * EPS_STEPS))

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        return {"fgsm": {"index": self.sample_spin.value(), "epsilon": self.epsilon}}

    def _show_epsilon(self) -> None:
        self.eps_label.setText(f"ε = {self.epsilon:.3f}")

    def _changed(self, *_: object) -> None:
        self._show_epsilon()
        self.requests_changed.emit(self.probe_requests())

    def _redraw(self, *_: object) -> None:
        r = self.result
        if r is None:
            return
        original, adv = np.asarray(r["original"]), np.asarray(r["adversarial"])
        delta = np.asarray(r["perturbation"])
        pic, pic_delta, pic_adv = image_of(original), image_of(delta), image_of(adv)
        if pic is not None and pic_delta is not None and pic_adv is not None:
            lo, hi = float(min(original.min(), adv.min())), float(max(original.max(), adv.max()))
            self.panels[0].show_image(grey_rgba(pic, lo, hi))
            self.panels[1].show_image(signed_rgba(pic_delta, self.style_, NEGATIVE,
                                                  POSITIVE))
            self.panels[2].show_image(grey_rgba(pic_adv, lo, hi))
        else:
            for panel, values in zip(self.panels, (original, delta, adv), strict=True):
                panel.show_bars(values)
        label = r.get("label")
        truth = f"true {int(label)} · " if label is not None else ""
        flipped = int(r["original_pred"]) != int(r["adversarial_pred"])
        for i, tag in ((0, "original"), (2, "adversarial")):
            pred, conf = int(r[f"{tag}_pred"]), float(r[f"{tag}_conf"])
            self.labels[i].setText(f"{truth if i == 0 else ''}predicted {pred} ({conf:.0%})"
                                   + (" — flipped!" if i == 2 and flipped else ""))
        eps = float(r.get("epsilon", self.epsilon))
        self.labels[1].setText(f"blue +{eps:.3f} · orange −{eps:.3f}")
        self.labels[1].setToolTip("Each value moved by ε up (blue) or down (orange); shown "
                                  "at full contrast, although the change is small")
        self.labels[2].setStyleSheet(f"color: {FLIPPED}; font-weight: bold;" if flipped else "")
        self.show_content()

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        for panel, title in zip(self.panels, TITLES, strict=True):
            panel.set_theme(style)
            panel.set_title(title)
        self._redraw()
