"""The decision-threshold slider under the Evaluation view's ROC and precision–recall tabs.

``set_data(labels (N,), probs (N, K))`` takes the probe samples' labels and class
probabilities (``evaluation_report``'s ``labels``/``probs``); the learner picks the class
(one against the rest; class 1 for a yes/no task) and drags the threshold. The panel shows
the 2×2 confusion matrix, precision, recall and F1 at that threshold
(``engine.introspection.thresholds``) and emits ``changed`` so the view moves the operating
point on its curves. "Best F1" moves the slider to the threshold with the highest F1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.introspection.thresholds import best_f1_threshold, class_scores, threshold_metrics

STEPS = 1000  # slider positions between threshold 0 and 1


class ThresholdPanel(QWidget):
    """Slider + class chooser + confusion matrix and scores at the threshold."""

    changed = Signal()  # threshold, class or data changed: read ``metrics``/``threshold``

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = np.zeros(0, np.int64)
        self.probs = np.zeros((0, 2))
        self.metrics: dict[str, Any] | None = None
        self.klass = QComboBox()
        self.klass.setToolTip("The class counted as 'positive' (all others are the rest)")
        self.klass.currentIndexChanged.connect(self._recount)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setValue(STEPS // 2)
        self.slider.setToolTip("Predict the class when its probability is at least this "
                               "threshold; drag to trade precision for recall")
        self.slider.valueChanged.connect(self._recount)
        self.value_label = QLabel()
        self.best = QPushButton("Best F1")
        self.best.setToolTip("Move the threshold to where F1 is highest on the probe samples")
        self.best.clicked.connect(self._best_f1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Positive class"))
        row.addWidget(self.klass)
        row.addWidget(QLabel("Threshold"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        row.addWidget(self.best)
        grid = QGridLayout()
        self.cells = [[QLabel() for _ in range(2)] for _ in range(2)]
        heads = ("predicted rest", "predicted class")
        for j, text in enumerate(heads):
            grid.addWidget(QLabel(text), 0, j + 1)
        for i, text in enumerate(("true rest", "true class")):
            grid.addWidget(QLabel(text), i + 1, 0)
            for j in range(2):
                self.cells[i][j].setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.cells[i][j].setFrameShape(QLabel.Shape.Box)
                grid.addWidget(self.cells[i][j], i + 1, j + 1)
        self.scores = QLabel()
        self.scores.setWordWrap(True)
        grid.addWidget(self.scores, 0, 3, 3, 1)
        grid.setColumnStretch(3, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.addLayout(row)
        box.addLayout(grid)
        self._recount()

    @property
    def threshold(self) -> float:
        return self.slider.value() / STEPS

    def set_threshold(self, value: float) -> None:
        self.slider.setValue(int(round(min(max(value, 0.0), 1.0) * STEPS)))

    @property
    def positive_class(self) -> int:
        return int(self.klass.currentData() if self.klass.currentData() is not None else 1)

    def set_data(self, labels: Any, probs: Any) -> None:
        """labels: (N,) ints; probs: (N, K) class probabilities of the same samples."""
        self.labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        self.probs = np.asarray(probs, dtype=np.float64)
        k = self.probs.shape[1] if self.probs.ndim == 2 else 2
        classes = [1] if k == 2 else list(range(k))
        if [self.klass.itemData(i) for i in range(self.klass.count())] != classes:
            self.klass.blockSignals(True)
            self.klass.clear()
            for c in classes:
                self.klass.addItem(f"class {c}", c)
            self.klass.blockSignals(False)
        self.klass.setEnabled(len(classes) > 1)
        self._recount()

    def _positive_scores(self) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.labels):
            return np.zeros(0, bool), np.zeros(0)
        return class_scores(self.labels, self.probs, self.positive_class)

    def _best_f1(self) -> None:
        positive, score = self._positive_scores()
        self.set_threshold(best_f1_threshold(positive, score))

    def _recount(self, *_: Any) -> None:
        self.value_label.setText(f"{self.threshold:.3f}")
        positive, score = self._positive_scores()
        self.metrics = m = threshold_metrics(positive, score, self.threshold)
        for i in range(2):
            for j in range(2):
                self.cells[i][j].setText(str(int(m["confusion"][i, j])))
        self.scores.setText(
            f"precision {m['precision']:.2f} (of the samples called this class, how many "
            f"are) · recall {m['recall']:.2f} (of this class, how many are found) · "
            f"F1 {m['f1']:.2f} · false positive rate {m['fpr']:.2f}")
        self.changed.emit()
