"""The example gallery: one card per bundled example, shown on first start and from File menu.

Each card has a thumbnail drawn with ``QPainter`` (the network as columns of neurons and, for
2-D and 1-D data, a tiny scatter of the dataset), the title and a one-line description.
Clicking selects a card, double-clicking or "Open" opens it: ``chosen_path`` holds the file.

The gallery must answer at once, even while a model trains: cards open with an empty
thumbnail and a zero-interval timer draws one card's thumbnail per event-loop turn (loading
a dataset can take 0.2 s), so the dialog is up and clickable immediately. Finished
thumbnails are cached for the session (keyed by file, modification time, size and theme), so
the next opening loads no data at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.examples import Example, list_examples
from widgets.forms.card import ClickableCard
from widgets.lessons.lesson_cards import LessonCard, Progress, lesson_cards
from widgets.window.theme import CLASS_COLORS, OKABE_ITO, current_colors
from widgets.window.window_layout import available_geometry

THUMB_W, THUMB_H = 300, 140
FRAME_ROOM = QSize(16, 48)  # a dialog's window frame: borders and title bar
MAX_DRAWN = 6  # neurons drawn per column; wider layers show "…"


_THUMBS: dict[tuple[Any, ...], QPixmap] = {}  # thumbnails drawn this session (+ without data)


def _cache_key(example: Example, width: int, height: int) -> tuple[Any, ...]:
    try:
        mtime = example.path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return (str(example.path), mtime, width, height, current_colors().base)


def cached_thumbnail(example: Example) -> QPixmap | None:
    """The finished thumbnail drawn earlier this session, or None."""
    return _THUMBS.get((*_cache_key(example, THUMB_W, THUMB_H), True))


def fitted_dialog_size(dialog: QWidget, wanted: QSize) -> QSize:
    """``wanted`` shrunk to the screen's usable area less ``FRAME_ROOM`` for the title bar
    and borders (a 1084×760 gallery on a 1280×720 screen hid its Open/Cancel buttons)."""
    avail = available_geometry(dialog.parentWidget() or dialog)
    return QSize(min(wanted.width(), avail.width() - FRAME_ROOM.width()),
                 min(wanted.height(), avail.height() - FRAME_ROOM.height()))


def _placeholder() -> QPixmap:
    """An empty thumbnail of the right size until the card's own is drawn."""
    pixmap = QPixmap(THUMB_W, THUMB_H)
    pixmap.fill(QColor(current_colors().base))
    return pixmap


def draw_thumbnail(example: Example, width: int = THUMB_W, height: int = THUMB_H,
                   with_data: bool = True) -> QPixmap:
    """The network structure (left) and a scatter of its data (right, when 1-D or 2-D);
    ``with_data=False`` draws the network alone without loading the dataset (fast)."""
    key = (*_cache_key(example, width, height), with_data)
    if key in _THUMBS:
        return _THUMBS[key]
    c = current_colors()
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(c.base))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    points = _data_points(example) if with_data else None
    net_w = width * (0.58 if points is not None else 1.0)
    area = QRectF(8, 8, net_w - 16, height - 16)
    if all(kind in NEURON_KINDS for kind, _ in example.columns):
        _draw_network(painter, example.columns, area, c.border)
    else:  # convolutions, recurrent layers, attention: a strip of layer blocks
        _draw_blocks(painter, example.columns, area, c.border)
    if points is not None:
        _draw_points(painter, points, QRectF(net_w, 10, width - net_w - 10, height - 20), c.border)
    painter.end()
    _THUMBS[key] = pixmap
    return pixmap


def _draw_network(painter: QPainter, columns, rect: QRectF, line: str) -> None:
    if not columns:
        return
    n = len(columns)
    xs = [rect.left() + rect.width() * (i + 0.5) / n for i in range(n)]
    radius = min(9.0, rect.height() / (2.6 * MAX_DRAWN), rect.width() / (4.0 * n))
    column = rect.width() / n
    layouts = []
    for (kind, width), x in zip(columns, xs):
        drawn = min(width, MAX_DRAWN)
        step = rect.height() / (drawn + 1)
        layouts.append([QPointF(x, rect.top() + step * (j + 1)) for j in range(drawn)])
    widths = [f"{w}" for _, w in columns if w > MAX_DRAWN]
    fits = fit_font(painter, widths, column - 2)  # else no numbers: never "32323232"
    painter.setPen(QPen(QColor(line), 1.2))
    for left, right in zip(layouts, layouts[1:]):
        for a in left:
            for b in right:
                painter.drawLine(a, b)
    for i, ((kind, width), points) in enumerate(zip(columns, layouts)):
        color = OKABE_ITO["sky"] if kind == "Input" else (
            OKABE_ITO["green"] if i == n - 1 else OKABE_ITO["orange"])
        painter.setPen(QPen(QColor("#333333"), 1.0))
        painter.setBrush(QColor(color))
        for p in points:
            painter.drawEllipse(p, radius, radius)
        if width > MAX_DRAWN and fits:  # the width, centred in the column's own slot
            painter.setPen(QColor("#555555"))
            slot = QRectF(points[-1].x() - column / 2, points[-1].y() + radius, column,
                          rect.bottom() + 12 - points[-1].y() - radius)
            painter.drawText(slot, int(Qt.AlignmentFlag.AlignCenter), f"{width}")


NEURON_KINDS = ("Input", "Dense")  # networks drawn as columns of neurons
SHORT = {"Conv2D": "conv", "Conv1D": "conv", "Conv2DTranspose": "deconv", "Embedding": "embed",
         "TimeDistributed": "dense", "MultiHeadAttention": "attn", "SimpleRNN": "RNN",
         "Bidirectional": "biRNN", "Input": "in", "Dense": "dense"}


def _draw_blocks(painter: QPainter, columns, rect: QRectF, line: str) -> None:
    """One rounded block per layer with a width, in its palette colour, wrapped in two rows
    when there are many; the label is the short kind and the width."""
    from engine.layers import LAYERS
    from widgets.canvas.style import category_color, text_on

    if not columns:
        return
    labels = [SHORT.get(kind, kind[:6].lower()) for kind, _ in columns]
    labels += [f"{width}" for _, width in columns]
    rows = 1 if len(columns) <= 5 else 2
    per_row = -(-len(columns) // rows)
    fits = fit_font(painter, labels, rect.width() / per_row - 8)
    if not fits and rows == 1 and len(columns) > 3:  # two rows give each label more room
        rows, per_row = 2, -(-len(columns) // 2)
        fits = fit_font(painter, labels, rect.width() / per_row - 8)
    w, h = rect.width() / per_row, rect.height() / rows
    for i, (kind, width) in enumerate(columns):
        cell = QRectF(rect.left() + (i % per_row) * w, rect.top() + (i // per_row) * h, w, h)
        box = cell.adjusted(3, h * 0.22, -3, -h * 0.22)
        cls = LAYERS.get(kind)
        color = category_color(cls.category if cls is not None else "Core")
        painter.setPen(QPen(QColor(line), 1.0))
        painter.setBrush(color)
        painter.drawRoundedRect(box, 5, 5)
        painter.setPen(text_on(color))
        label = f"{SHORT.get(kind, kind[:6].lower())}\n{width}"
        if fits:  # else the colours and the order alone: no text cut off by its box
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)


def fit_font(painter: QPainter, texts: list[str], room: float, largest: float = 8.5,
             smallest: float = 6.0) -> bool:
    """Set ``painter``'s font to the largest point size (``largest`` down to ``smallest``)
    at which every one of ``texts`` is at most ``room`` px wide; False when none is."""
    font = painter.font()
    size = largest
    while size >= smallest:
        font.setPointSizeF(size)
        metrics = QFontMetricsF(font)
        if all(metrics.horizontalAdvance(t) <= room for t in texts):
            painter.setFont(font)
            return True
        size -= 0.5
    return False


def _load_data(example: Example):  # -> engine Dataset | None
    try:
        from engine.datasets.registry import load_dataset
        from engine.project import load_project

        return load_dataset(load_project(example.path).dataset)
    except Exception:  # noqa: BLE001 - a thumbnail must never stop the gallery
        return None


def _data_points(example: Example) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """(x, y, is_regression) for a 2-D or 1-D dataset, else None (never raises)."""
    if not example.columns:
        return None
    data = _load_data(example)
    if data is None:
        return None
    x, y = data.x_train[:300], np.asarray(data.y_train[:300])
    if x.ndim == 4:  # images (N, C, H, W): the first channel
        return x[:, 0], y.reshape(len(y), -1)[:, 0], False
    if x.ndim == 2 and x.shape[1] == 64:
        return x.reshape(-1, 8, 8), y.reshape(len(y), -1)[:, 0], False
    if x.ndim != 2 or x.shape[1] not in (1, 2):
        return None
    if x.shape[1] == 1:
        return np.column_stack([x[:, 0], y.reshape(len(y), -1)[:, 0]]), np.zeros(len(x)), True
    return x, y.reshape(len(y), -1)[:, 0], False


def _draw_points(painter: QPainter, points, rect: QRectF, frame: str) -> None:
    xy, labels, regression = points
    painter.setPen(QPen(QColor(frame), 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, 6, 6)
    inner = rect.adjusted(6, 6, -6, -6)
    if xy.ndim == 3:
        _draw_images(painter, xy, inner)
        return
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    radius = 2.2 if len(xy) > 20 else 5.0
    inner = inner.adjusted(radius, radius, -radius, -radius)
    painter.setPen(Qt.PenStyle.NoPen)
    for (px, py), label in zip(xy, labels):
        color = OKABE_ITO["blue"] if regression else CLASS_COLORS[int(label) % len(CLASS_COLORS)]
        painter.setBrush(QColor(color))
        u = inner.left() + (px - lo[0]) / span[0] * inner.width()
        v = inner.bottom() - (py - lo[1]) / span[1] * inner.height()
        painter.drawEllipse(QPointF(u, v), radius, radius)


def _draw_images(painter: QPainter, images: np.ndarray, rect: QRectF) -> None:
    """A 3×3 grid of small grey-scale images (e.g. the 8×8 digits)."""
    side = min(rect.width(), rect.height()) / 3
    left = rect.left() + (rect.width() - 3 * side) / 2
    painter.setPen(Qt.PenStyle.NoPen)
    for k, image in enumerate(images[:9]):
        lo, hi = float(image.min()), float(image.max())
        norm = (image - lo) / (hi - lo if hi > lo else 1.0)
        cell = side / image.shape[0]
        x0, y0 = left + (k % 3) * side, rect.top() + (k // 3) * side
        for r in range(image.shape[0]):
            for c in range(image.shape[1]):
                shade = int(255 - 215 * norm[r, c])
                painter.setBrush(QColor(shade, shade, shade))
                painter.drawRect(QRectF(x0 + c * cell, y0 + r * cell, cell + 0.5, cell + 0.5))


class ExampleCard(ClickableCard):
    """A clickable card for one example."""

    def __init__(self, example: Example, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.example = example
        layout = QVBoxLayout(self)
        self.thumb = QLabel()
        cached = cached_thumbnail(example)
        self.complete = cached is not None  # the data scatter is drawn
        self.thumb.setPixmap(cached if cached is not None else _placeholder())
        layout.addWidget(self.thumb)
        title = QLabel(f"<b>{example.name}</b>")
        title.setWordWrap(True)
        layout.addWidget(title)
        text = QLabel(example.description or f"Dataset: {example.dataset}")
        text.setWordWrap(True)
        text.setProperty("role", "muted")
        layout.addWidget(text)
        layout.addStretch(1)
        self.setFixedWidth(THUMB_W + 28)
        self.set_selected(False)

    def complete_thumbnail(self) -> None:
        """Draw the thumbnail with its data scatter (loads the dataset once per session)."""
        if not self.complete:
            self.thumb.setPixmap(draw_thumbnail(self.example))
            self.complete = True


class ExampleGallery(QDialog):
    """Pick a bundled example; after ``exec()`` returns Accepted, ``chosen_path`` is set."""

    def __init__(self, parent: QWidget | None = None, folder: str | Path | None = None,
                 cancel_text: str = "Cancel", lesson_progress: Progress | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("LayerLab — examples")
        self.chosen_path: Path | None = None
        self.examples = [e for e in list_examples(folder) if e.ok]
        layout = QVBoxLayout(self)
        head = QLabel("<h2>Pick a lesson or an example</h2>Lessons (first) guide you step by "
                      "step and check your work; examples: open one, press <b>Play</b> "
                      "(Space) and watch the network learn.")
        head.setWordWrap(True)
        layout.addWidget(head)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        holder = QWidget()
        grid = QGridLayout(holder)
        self.cards = [ExampleCard(e) for e in self.examples]
        self.lesson_cards = lesson_cards(lesson_progress)  # lessons first, in course order
        rows = (len(self.lesson_cards) + 2) // 3
        for i, card in enumerate(self._all_cards()):
            card.clicked.connect(self._on_card_clicked)
            card.double_clicked.connect(self._on_card_double_clicked)
            j = i if i < len(self.lesson_cards) else 3 * rows + i - len(self.lesson_cards)
            grid.addWidget(card, j // 3, j % 3)
        scroll.setWidget(holder)
        layout.addWidget(scroll, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(fitted_dialog_size(self, QSize(3 * (THUMB_W + 48) + 40, 760)))
        if self.cards:
            self.select(self.cards[0])
        self._pending = [card for card in self.cards if not card.complete]
        self._filler = QTimer(self, interval=0)
        self._filler.timeout.connect(self._complete_next)
        if self._pending:
            self._filler.start()

    def _complete_next(self) -> None:
        """One card's data scatter per event-loop turn, so the dialog answers meanwhile."""
        if self._pending:
            self._pending.pop(0).complete_thumbnail()
        if not self._pending:
            self._filler.stop()

    @property
    def thumbnails_pending(self) -> int:
        return len(self._pending)

    def _all_cards(self) -> list[ExampleCard | LessonCard]:
        """Every card of the gallery, lessons first."""
        return [*self.lesson_cards, *self.cards]

    def select(self, card: ExampleCard | LessonCard) -> None:
        for other in self._all_cards():
            other.set_selected(other is card)
        self.chosen_path = card.path if isinstance(card, LessonCard) else card.example.path

    def select_lesson(self, lesson_id: str) -> bool:
        card = next((c for c in self.lesson_cards if c.lesson.id == lesson_id), None)
        if card is not None:
            self.select(card)
        return card is not None

    def select_key(self, key: str) -> bool:
        for card in self.cards:
            if card.example.key == key:
                self.select(card)
                return True
        return False

    def _on_card_clicked(self, card: ExampleCard | LessonCard) -> None:
        self.select(card)

    def _on_card_double_clicked(self, card: ExampleCard | LessonCard) -> None:
        self.select(card)
        self.accept()
