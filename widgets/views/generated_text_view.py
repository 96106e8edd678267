"""What a next-token model writes: the latest generated text, with the sampling controls.

Reads ``snapshot.probes["introspection:generate"]`` (``engine.introspection.sequence_probes``):
``{"text": str, "prompt": str, "generated": str, "method": str}``; shows the prompt in the
muted colour followed by the generated tokens in a large monospace font. The controls go into
its probe request, ``requests_changed({"generate": {"prompt", "method", "temperature",
"top_k", "length", "tokens"}})``: a prompt line (empty: the start of a probe sample),
greedy/sample/beam, a temperature slider (0.05–2.0; sampling only), a top-k spin box (0 = all
tokens; sampling only) and the length. ``tokens`` is the vocabulary of the dataset given to
``set_dataset``.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QSlider, QSpinBox, QTextEdit, QWidget

from engine.introspection.sequence_probes import input_token_names
from widgets.views.common import ProbeView, add_tip_items

PROBE = "generate"
METHODS = (("sample", "sample", "Draw each next token at random from the predicted "
            "probabilities (temperature and top-k shape them)"),
           ("greedy", "greedy", "Always take the most likely next token (repeats itself)"),
           ("beam search", "beam", "Keep the 3 most likely continuations and return the best"))
TEXT_PT = 20
CAPTION = ("The network writes one token at a time, each time predicting what comes next. "
           "Low temperature: safe, repetitive; high: inventive, then nonsense. Early in "
           "training it babbles, later words and spacing appear.")
HINT = ("Train a next-token model on a text dataset (e.g. Embedding → LSTM → Dense per step "
        "with softmax on \"Fables, one character at a time\") to see what it writes.")


class GeneratedTextView(ProbeView):
    """Prompt, method, temperature, top-k and length controls over the generated text."""

    PROBE = PROBE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("prompt (empty: a probe sample's start)")
        self.prompt.setToolTip("The text the network continues (press Enter)")
        self.method_box = QComboBox()
        add_tip_items(self.method_box, METHODS)
        self.temperature = QSlider(Qt.Orientation.Horizontal)
        self.temperature.setRange(5, 200)
        self.temperature.setValue(100)
        self.temperature.setMaximumWidth(140)
        self.temperature.setToolTip("Temperature: below 1 sharpens the probabilities, above 1 "
                                    "flattens them")
        self.temp_label = QLabel()
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 1000)
        self.top_k.setSpecialValueText("all")
        self.top_k.setToolTip("Only draw among the k most likely tokens (all: no limit)")
        self.length = QSpinBox()
        self.length.setRange(1, 400)
        self.length.setValue(80)
        self.length.setToolTip("How many tokens to generate")
        widget: QWidget
        for widget in (QLabel("prompt"), self.prompt, self.method_box):
            self.bar.addWidget(widget)
        self.bar.setStretchFactor(self.prompt, 1)
        row = self.add_bar_row()  # one row would be ~540 px: wider than a 1280×720 dock
        for widget in (QLabel("temperature"), self.temperature, self.temp_label,
                       QLabel("top-k"), self.top_k, QLabel("length"), self.length):
            row.addWidget(widget)
        row.addStretch(1)
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(TEXT_PT)
        self.text.setFont(font)
        self.set_content(self.text)
        self.add_summary()
        self.tokens: list[str] | None = None
        self.prompt.editingFinished.connect(self._emit)
        self.method_box.currentIndexChanged.connect(self._emit)
        self.temperature.valueChanged.connect(self._emit)
        self.top_k.valueChanged.connect(self._emit)
        self.length.valueChanged.connect(self._emit)
        self._sync_controls()
        self.set_theme(self.style_.name)

    # -- requests ----------------------------------------------------------------------------
    @property
    def method(self) -> str:
        return str(self.method_box.currentData())

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        opts: dict[str, Any] = {"prompt": self.prompt.text(), "method": self.method,
                                "temperature": self.temperature.value() / 100,
                                "top_k": self.top_k.value(), "length": self.length.value()}
        if self.tokens is not None:
            opts["tokens"] = list(self.tokens)
        return {PROBE: opts}

    def _sync_controls(self) -> None:
        sampling = self.method == "sample"
        for widget in (self.temperature, self.top_k):
            widget.setEnabled(sampling)
        self.temp_label.setText(f"{self.temperature.value() / 100:.2f}")

    def _emit(self, *_: object) -> None:
        self._sync_controls()
        self.requests_changed.emit(self.probe_requests())

    def set_dataset(self, data: Any) -> None:
        """The dataset's vocabulary (``class_names`` of a next-token text dataset)."""
        tokens = input_token_names(data)
        if tokens != self.tokens:
            self.tokens = tokens
            self._emit()

    # -- drawing -----------------------------------------------------------------------------
    def accepts(self, result: dict[str, Any]) -> bool:
        # the same text again: keep the selection and the scroll position
        return "text" in result and result != self.result

    def _redraw(self, *_: object) -> None:
        r = self.result
        if r is None:
            return
        prompt, generated = str(r.get("prompt", "")), str(r.get("generated", r["text"]))
        muted, accent = self.style_.muted, self.style_.foreground
        self.text.setHtml(
            f"<div style='white-space: pre-wrap'><span style='color:{muted}'>"
            f"{html.escape(prompt)}</span><span style='color:{accent}'>"
            f"{html.escape(generated)}</span></div>")
        self.show_content()
        self.summary.setText(f"{r.get('method', self.method)} · grey: the prompt · "
                             f"{len(generated)} characters written")

    def shown_text(self) -> str:
        return self.text.toPlainText()

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        self.text.setStyleSheet(f"QTextEdit {{ background: {style.background}; "
                                f"color: {style.foreground}; }}")
        self._redraw()
