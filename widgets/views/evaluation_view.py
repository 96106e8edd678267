"""Evaluation beyond accuracy: per-class scores, ROC and PR curves, calibration, mistakes.

Reads ``snapshot.probes["introspection:evaluation"]`` (``engine.introspection.curves.
evaluation_report`` on the probe batch): ``precision``/``recall``/``f1``/``support`` (K,),
``curves`` ``{class: {"fpr", "tpr", "auc", "precision", "recall", "ap"}}`` (one-vs-rest; only
class 1 for a binary task), ``calibration`` (``confidence``, ``accuracy``, ``count`` per bin,
``ece``) and ``misclassified`` (``index``, ``true``, ``predicted``, ``confidence``). Asks with
``requests_changed({"evaluation": {}})``; double-clicking a mistake emits
``sample_chosen(index)`` (a probe-sample index, as the saliency view's sample). Under the ROC
and precision–recall tabs a ``ThresholdPanel`` (the report's ``labels``/``probs``) moves the
operating point (a ring on both curves) and shows the confusion matrix, precision, recall
and F1 at the chosen threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.plots.palette import axis_font, class_color, plot_style
from widgets.views.common import ViewFrame
from widgets.views.inspect_common import axes, probe_result
from widgets.views.threshold_panel import ThresholdPanel

COLUMNS = ("class", "precision", "recall", "F1", "samples")
CAPTION = ("Per class on the probe samples: ROC and precision–recall curves (one class vs the "
           "rest; AUC 1 = perfect, 0.5 = guessing) and whether confidence matches accuracy.")
MAX_MISTAKES = 100


class EvaluationView(ViewFrame):
    """Tabs: per-class table, ROC, precision–recall, calibration, misclassified samples."""

    requests_changed = Signal(dict)
    sample_chosen = Signal(int)  # a mistake was double-clicked: its probe-sample index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "Per-class curves need a classification task: press Play or "
                                  "Step to evaluate the network.", parent)
        self.tabs = QTabWidget()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFont(axis_font(13))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.table, "Per class")
        self.roc = self._plot("ROC", "false positive rate", "true positive rate")
        self.pr = self._plot("Precision–recall", "recall", "precision")
        self.cal = self._plot("Calibration", "confidence", "accuracy")
        self.mistakes = QListWidget()
        self.mistakes.setFont(axis_font(13))
        self.mistakes.setToolTip("Probe samples the network gets wrong, most confident first; "
                                 "double-click one to see its saliency map")
        self.mistakes.itemActivated.connect(self._activated)
        self.mistake_index = np.zeros(0, np.int64)
        self.tabs.addTab(self.mistakes, "Mistakes")
        for plot in (self.roc, self.cal):
            plot.getPlotItem().plot([0, 1], [0, 1], pen=pg.mkPen("#8C8C8C", dash=[4, 4]))
        self.cal_curve = self.cal.getPlotItem().plot(symbol="o", symbolSize=9)
        self.roc_curves: dict[int, pg.PlotDataItem] = {}
        self.pr_curves: dict[int, pg.PlotDataItem] = {}
        self.threshold = ThresholdPanel()
        self.threshold.changed.connect(self._operating_point)
        self.roc_point = pg.ScatterPlotItem(size=14, pen=pg.mkPen(width=2), brush=None)
        self.pr_point = pg.ScatterPlotItem(size=14, pen=pg.mkPen(width=2), brush=None)
        self.roc.getPlotItem().addItem(self.roc_point)
        self.pr.getPlotItem().addItem(self.pr_point)
        self.tabs.currentChanged.connect(self._tab_changed)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.threshold)
        self._tab_changed(self.tabs.currentIndex())
        self.set_content(content)
        self.result: dict[str, Any] | None = None
        self.set_theme(self.style_.name)

    def _plot(self, title: str, bottom: str, left: str) -> pg.PlotWidget:
        w = pg.PlotWidget()
        p = w.getPlotItem()
        p.setMenuEnabled(False)
        p.hideButtons()
        p.setMouseEnabled(x=False, y=False)
        p.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        p.addLegend(offset=(-10, 10) if title != "ROC" else (-10, -10), labelTextSize="11pt")
        w.setProperty("axis_labels", (left, bottom))
        self.tabs.addTab(w, title)
        return w

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        return {"evaluation": {"limit": MAX_MISTAKES}}

    def reset_view(self) -> None:
        self.result = None
        super().reset_view()

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Show ``snapshot``'s evaluation report (in place)."""
        if snapshot is None:
            super().update()
            return
        result, error = probe_result(snapshot, "evaluation")
        if error is not None:
            self.show_hint(error)
            return
        if result is None or result is self.result:
            return
        self.result = result
        self._table(result)
        self._curves(result.get("curves", {}))
        self._calibration(result.get("calibration", {}))
        self._mistakes(result.get("misclassified", {}))
        if "labels" in result and "probs" in result:
            self.threshold.set_data(result["labels"], result["probs"])
        self.show_content()

    def _tab_changed(self, index: int) -> None:
        """The threshold panel belongs to the ROC and precision–recall tabs."""
        self.threshold.setVisible(index in (1, 2))

    def _operating_point(self) -> None:
        m = self.threshold.metrics
        if m is None or not len(self.threshold.labels):
            self.roc_point.setData([], [])
            self.pr_point.setData([], [])
            return
        color = class_color(self.threshold.positive_class)
        for item in (self.roc_point, self.pr_point):
            item.setPen(pg.mkPen(color, width=3))
        self.roc_point.setData([m["fpr"]], [m["recall"]])
        self.pr_point.setData([m["recall"]], [m["precision"]])

    def _table(self, r: dict[str, Any]) -> None:
        cols = [np.asarray(r.get(k, ()), dtype=np.float64) for k in
                ("precision", "recall", "f1", "support")]
        k = len(cols[0])
        if self.table.rowCount() != k:
            self.table.setRowCount(k)
            for i in range(k):
                for j in range(len(COLUMNS)):
                    self.table.setItem(i, j, QTableWidgetItem())
        for i in range(k):
            texts = [str(i), *(f"{c[i]:.2f}" for c in cols[:3]), f"{int(cols[3][i])}"]
            for j, text in enumerate(texts):
                cell = self.table.item(i, j)
                if cell is not None:
                    cell.setText(text)

    def _curves(self, curves: dict[int, dict[str, Any]]) -> None:
        if set(curves) != set(self.roc_curves):
            for store, plot in ((self.roc_curves, self.roc), (self.pr_curves, self.pr)):
                for item in store.values():
                    plot.getPlotItem().removeItem(item)
                    plot.getPlotItem().legend.removeItem(item)
                store.clear()
                for c in curves:
                    pen = pg.mkPen(class_color(int(c)), width=2,
                                   style=pg.QtCore.Qt.PenStyle.SolidLine if int(c) < 8
                                   else pg.QtCore.Qt.PenStyle.DashLine)
                    store[c] = plot.getPlotItem().plot(pen=pen, name=f"class {c}")
        for c, cur in curves.items():
            auc, ap = float(cur.get("auc", np.nan)), float(cur.get("ap", np.nan))
            self.roc_curves[c].setData(cur["fpr"], cur["tpr"])
            self.pr_curves[c].setData(cur["recall"], cur["precision"])
            for plot, item, text in ((self.roc, self.roc_curves[c], f"class {c}: AUC {auc:.2f}"),
                                     (self.pr, self.pr_curves[c], f"class {c}: AP {ap:.2f}")):
                label = plot.getPlotItem().legend.getLabel(item)
                if label is not None:
                    label.setText(text)

    def _calibration(self, cal: dict[str, Any]) -> None:
        conf = np.asarray(cal.get("confidence", ()), dtype=np.float64)
        acc = np.asarray(cal.get("accuracy", ()), dtype=np.float64)
        ok = np.isfinite(conf) & np.isfinite(acc)
        self.cal_curve.setData(conf[ok], acc[ok])
        ece = float(cal.get("ece", np.nan))
        self.cal.getPlotItem().setTitle(f"expected calibration error {ece:.3f}",
                                        color=self.style_.foreground, size="12pt")

    def _mistakes(self, m: dict[str, Any]) -> None:
        idx = self.mistake_index = np.asarray(m.get("index", ()), dtype=np.int64)
        rows = [f"sample {i}: true {t} → predicted {p} ({c:.0%} sure)" for i, t, p, c in
                zip(idx, m.get("true", ()), m.get("predicted", ()), m.get("confidence", ()),
                    strict=False)]
        if not rows:
            rows = ["No mistakes on the probe samples."]
        if rows != [self.mistakes.item(i).text() for i in range(self.mistakes.count())]:
            self.mistakes.clear()
            self.mistakes.addItems(rows)
        self.tabs.setTabText(4, f"Mistakes ({len(idx)})")

    def _activated(self, item: Any) -> None:
        row = self.mistakes.row(item)
        if 0 <= row < len(self.mistake_index):
            self.sample_chosen.emit(int(self.mistake_index[row]))

    def set_theme(self, name: str) -> None:
        s = self.theme_style(name)
        style = plot_style(s.name)
        for w in (self.roc, self.pr, self.cal):
            w.setBackground(s.background)
            left, bottom = w.property("axis_labels")
            axes(w.getPlotItem(), style, left=left, bottom=bottom)
        self.cal_curve.setPen(pg.mkPen(style.train, width=2))
        self.cal_curve.setSymbolBrush(style.train)
