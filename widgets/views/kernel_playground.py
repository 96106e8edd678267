"""Kernel playground: edit a 3×3 or 5×5 kernel and see at once what it does to an image.

The learner types numbers into the kernel table (or picks a preset: Sobel, Prewitt, sharpen,
blur, edge...) and the output image, ``apply_kernel(image, kernel)`` (the cross-correlation a
Conv2D computes, zero padding, ``engine.introspection.feature_maps``), is redrawn on every
edit. The image is a sample of the current dataset (``set_dataset``; the sample spin box picks
it; channels are averaged) or, for data that is not images, a built-in test pattern. Input in
ink colours; output in orange (negative) / blue (positive), symmetric around 0 at the 97th
percentile of |output| (so one extreme pixel does not wash the rest out). Needs no
training; ``update(snapshot)`` exists for symmetry and ignores probes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.introspection.feature_maps import PRESETS, apply_kernel, preset_kernel
from widgets.plots.palette import AXIS_PT, axis_font
from widgets.views.cnn_tiles import display_plane, ink_rgba, signed_tiles
from widgets.views.common import ImagePanel, ViewFrame, muted_label

CUSTOM = "Custom"
SIZES = (3, 5)
CAPTION = ("Every output pixel is the sum of kernel × the 3×3 (or 5×5) patch around that input "
           "pixel; a Conv2D layer learns such kernels. Type numbers or pick a preset.")


def pattern_image(size: int = 28) -> np.ndarray:
    """(size, size) float: a square outline, a filled disc and a diagonal stroke."""
    img = np.zeros((size, size))
    s = size
    img[s // 8: s // 2, s // 8] = img[s // 8: s // 2, s // 2] = 1.0
    img[s // 8, s // 8: s // 2 + 1] = img[s // 2, s // 8: s // 2 + 1] = 1.0
    yy, xx = np.mgrid[:s, :s]
    img[(yy - 0.7 * s) ** 2 + (xx - 0.7 * s) ** 2 < (0.17 * s) ** 2] = 1.0
    for i in range(s // 2, s - 2):
        img[i, s - 2 - i] = img[i, s - 1 - i] = 1.0
    return img


class KernelPlayground(ViewFrame):
    """Editable kernel, its input image and the output side by side. ``kernel_changed`` carries
    the kernel ``(k, k)`` after every edit."""

    kernel_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "", parent)
        self.dataset: Any = None
        self.image = pattern_image()
        self.output = np.zeros_like(self.image)
        self._kernel = preset_kernel("Sobel x (vertical edges)")
        self._build_bar()
        self._build_body()
        self.set_theme(self.style_.name)
        self.set_preset("Sobel x (vertical edges)")
        self.show_content()

    def _build_bar(self) -> None:
        self.preset_box = QComboBox()
        self.preset_box.addItems([*PRESETS, CUSTOM])
        self.preset_box.setToolTip("Classic hand-made kernels; editing a number makes it Custom")
        self.size_box = QComboBox()
        for k in SIZES:
            self.size_box.addItem(f"{k}×{k}", k)
        self.size_box.setToolTip("Kernel size")
        self.spin = QSpinBox()
        self.spin.setToolTip("Which training image of the dataset to filter")
        self.spin.setEnabled(False)
        # a preset name shrinks to ~14 characters, Sample goes on a second row: the controls
        # fit a ~440 px column (1280×720)
        self.preset_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_box.setMinimumContentsLength(14)
        for text, widget in (("Preset", self.preset_box), ("Size", self.size_box)):
            self.bar.addWidget(QLabel(text))
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        row = self.add_bar_row()
        row.addWidget(QLabel("Sample"))
        row.addWidget(self.spin)
        row.addStretch(1)
        self.preset_box.currentTextChanged.connect(self._preset_picked)
        self.size_box.currentIndexChanged.connect(lambda _: self._size_picked())
        self.spin.valueChanged.connect(self.set_sample)

    def _build_body(self) -> None:
        self.table = QTableWidget(3, 3)
        self.table.setFont(axis_font(AXIS_PT))
        self.table.horizontalHeader().hide()
        self.table.verticalHeader().hide()
        self.table.setToolTip("The kernel: double-click a cell and type a number")
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.itemChanged.connect(self._cell_edited)
        self.about = muted_label()
        self.about.setMaximumWidth(5 * 62 + 4)  # narrower in a ~440 px column
        self.about.setMinimumWidth(140)
        left = QVBoxLayout()
        left.addWidget(self.table)
        left.addWidget(self.about)
        left.addStretch(1)
        self.input_panel, self.output_panel = ImagePanel("input"), ImagePanel("output")
        self.input_panel.setToolTip("The image the kernel slides over")
        self.output_panel.setToolTip("kernel ⋆ image: blue = positive, orange = negative")
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(6, 0, 6, 0)
        row.addLayout(left)
        row.addWidget(self.input_panel, 1)
        row.addWidget(self.output_panel, 1)
        self.set_content(body)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(860, 360)

    # -- kernel --------------------------------------------------------------------------------
    @property
    def kernel(self) -> np.ndarray:
        """The current kernel (k, k) float64 (a copy)."""
        return self._kernel.copy()

    @property
    def kernel_size(self) -> int:
        return self._kernel.shape[0]

    def set_kernel(self, kernel: Any) -> None:
        """Show ``kernel (k, k)`` with k in SIZES (other sizes are refused quietly)."""
        k = np.asarray(kernel, dtype=np.float64)
        if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] not in SIZES:
            return
        self._kernel = k.copy()
        self.size_box.blockSignals(True)
        self.size_box.setCurrentIndex(SIZES.index(k.shape[0]))
        self.size_box.blockSignals(False)
        self._fill_table()
        self._recompute()

    def set_preset(self, name: str) -> None:
        if name in PRESETS:
            self.preset_box.setCurrentText(name)
            self._preset_picked(name)

    def set_size(self, k: int) -> None:
        if k in SIZES:
            self.size_box.setCurrentIndex(SIZES.index(k))

    def _preset_picked(self, name: str) -> None:
        if name not in PRESETS:
            self.about.setText("Your own kernel.")
            return
        native = PRESETS[name][0].shape[0]
        self.set_kernel(preset_kernel(name, max(native, self._kernel.shape[0])))
        self.about.setText(PRESETS[name][1])

    def _size_picked(self) -> None:
        k = int(self.size_box.currentData())
        name = self.preset_box.currentText()
        if name in PRESETS and PRESETS[name][0].shape[0] <= k:
            self.set_kernel(preset_kernel(name, k))
            return
        old, new = self._kernel, np.zeros((k, k))
        n = min(k, old.shape[0])
        a, b = (k - n) // 2, (old.shape[0] - n) // 2  # keep the centre
        new[a:a + n, a:a + n] = old[b:b + n, b:b + n]
        self._mark_custom()
        self.set_kernel(new)

    def _mark_custom(self) -> None:
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentText(CUSTOM)
        self.preset_box.blockSignals(False)
        self.about.setText("Your own kernel.")

    def _fill_table(self) -> None:
        k = self._kernel.shape[0]
        self.table.blockSignals(True)
        self.table.setRowCount(k)
        self.table.setColumnCount(k)
        self.table.setFixedSize(k * 62 + 4, k * 46 + 4)
        for i in range(k):
            self.table.setRowHeight(i, 46)
            self.table.setColumnWidth(i, 62)
            for j in range(k):
                item = QTableWidgetItem(_fmt(self._kernel[i, j]))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, item)
        self.table.blockSignals(False)
        self._tint_cells()

    def _tint_cells(self) -> None:
        """Cell backgrounds in the output's colours: blue positive, orange negative."""
        top = float(np.abs(self._kernel).max()) or 1.0
        rgba, _ = signed_tiles(self._kernel[None], self.style_, limit=top)
        self.table.blockSignals(True)
        for i in range(self._kernel.shape[0]):
            for j in range(self._kernel.shape[0]):
                item = self.table.item(i, j)
                if item is None:
                    continue
                r, g, b, _ = (int(v) for v in rgba[0, i, j])
                item.setBackground(QColor(r, g, b))
                item.setForeground(QColor(*((17, 24, 39) if r + g + b > 380 else (255,) * 3)))
        self.table.blockSignals(False)

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        i, j = item.row(), item.column()
        try:
            value = float(item.text().replace(",", ".").strip())
            if not np.isfinite(value):
                raise ValueError
        except ValueError:  # not a number: put the old value back
            self.table.blockSignals(True)
            item.setText(_fmt(self._kernel[i, j]))
            self.table.blockSignals(False)
            return
        self._kernel[i, j] = value
        self._mark_custom()
        self._tint_cells()
        self._recompute()

    # -- image ---------------------------------------------------------------------------------
    def set_dataset(self, dataset: Any) -> None:
        """Filter the training images of ``dataset`` (a test pattern when they are not
        images)."""
        self.dataset = dataset
        x = getattr(dataset, "x_train", None)
        ok = x is not None and len(x) > 0 and np.asarray(x).ndim >= 3
        self.spin.setEnabled(ok)
        self.spin.setRange(0, len(x) - 1 if x is not None and ok else 0)
        self.set_sample(self.spin.value())

    def set_sample(self, index: int) -> None:
        x = getattr(self.dataset, "x_train", None)
        if x is not None and np.asarray(x).ndim >= 3 and 0 <= index < len(x):
            self.image = display_plane(x[index]).astype(np.float64)
            title = f"input: sample {index}"
            names = getattr(self.dataset, "class_names", [])
            if getattr(self.dataset, "task", "") == "classification":
                k = int(np.asarray(self.dataset.y_train[index]).reshape(-1)[0])
                title += f", class {names[k] if k < len(names) else k}"
        else:
            self.image, title = pattern_image(), "input: test pattern"
        if self.spin.value() != index and self.spin.isEnabled():
            self.spin.setValue(index)
        self.input_panel.set_title(title)
        self._recompute()

    def reset_view(self) -> None:
        """The playground draws no run: its kernel and image stay on screen."""
        super().reset_view()
        self.show_content()

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Nothing to read from training; ``update()`` repaints the widget."""
        super().update()

    def _recompute(self) -> None:
        if self.image.shape[0] < self.kernel_size or self.image.shape[1] < self.kernel_size:
            self.output = np.zeros_like(self.image)
        else:
            self.output = apply_kernel(self.image, self._kernel)
        self.input_panel.show_rgba(ink_rgba(self.image, self.style_))
        mag = np.abs(self.output)
        level = float(np.percentile(mag, 97)) if mag.size else 0.0  # a few extremes saturate
        rgba, level = signed_tiles(self.output[None], self.style_,
                                   limit=level if level > 0 else None)
        self.output_panel.show_rgba(rgba[0])
        self.output_panel.set_title(f"output (±{level:.2g})")
        self.kernel_changed.emit(self.kernel)

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        self.input_panel.set_theme(style)
        self.output_panel.set_theme(style)
        self._fill_table()
        self._recompute()


def _fmt(v: float) -> str:
    """Short enough for a cell: 2 significant digits below 1, 3 above (full value kept)."""
    return f"{v:.2g}" if abs(v) < 1 else f"{v:.3g}"
