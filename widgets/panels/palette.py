"""The layer palette: every registered layer kind, grouped by category, ready to drag.

Entries are generated from ``engine.layers`` (never hand-listed): a category glyph, the
display name and the blurb as tooltip. A search box filters by name, kind, category and blurb.
Above the tree, every category is a small button (wrapped in rows, so all of them show without
scrolling even on a 1280×720 projector): clicking one scrolls its layers to the top.
Dragging an entry starts a drag with MIME type ``application/x-layerlab-layer`` (payload = the
kind) that the canvas accepts; double-clicking emits ``layer_requested(kind)``.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.composites import COMPOSITES
from engine.layers import categories
from engine.layers.base import Layer
from widgets.canvas import style as st
from widgets.canvas.view import BLOCK_PREFIX, MIME_LAYER
from widgets.forms.flow_layout import FlowLayout

KIND_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_SIZE = 24
CHIP_POINT_SIZE = 10  # category buttons: small enough for all of them in a few rows


def ordered_categories() -> list[tuple[str, list[type[Layer]]]]:
    """Registry categories in teaching order (unknown ones after, alphabetically)."""
    groups = categories()
    rank = {name: i for i, name in enumerate(st.CATEGORY_ORDER)}
    names = sorted(groups, key=lambda c: (rank.get(c, len(rank)), c))
    return [(name, groups[name]) for name in names]


def _hidden(item: QTreeWidgetItem | None) -> bool:
    """A row that is hidden (a missing row counts as shown: top-level rows have no parent)."""
    return item is not None and item.isHidden()


class LayerTree(QTreeWidget):
    """The tree itself; starts a palette drag carrying the layer kind; Enter chooses a layer."""

    kind_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setRootIsDecorated(True)
        self.setIndentation(14)
        self.setUniformRowHeights(True)
        self.setStyleSheet("QTreeWidget::item { padding: 2px 2px; }")

    def mime_for(self, item: QTreeWidgetItem) -> QMimeData | None:
        kind = item.data(0, KIND_ROLE)
        if not kind:
            return None
        mime = QMimeData()
        mime.setData(MIME_LAYER, str(kind).encode("utf-8"))
        mime.setText(str(kind))
        return mime

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        item = self.currentItem()
        kind = item.data(0, KIND_ROLE) if item is not None else None
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and kind:
            self.kind_chosen.emit(str(kind))
            event.accept()
            return
        super().keyPressEvent(event)

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802 - Qt override
        item = self.currentItem()
        mime = self.mime_for(item) if item is not None else None
        if item is None or mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(ICON_SIZE * 2, ICON_SIZE * 2))
        drag.exec(Qt.DropAction.CopyAction)


class CategoryBar(QWidget):
    """One small button per category, wrapped in rows; ``chosen(name)`` when one is clicked."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self, spacing=3)
        self.buttons: dict[str, QToolButton] = {}

    def set_categories(self, names: list[str]) -> None:
        for button in self.buttons.values():
            self.flow.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for name in names:
            button = QToolButton(self)
            button.setText(name)
            button.setAutoRaise(True)
            button.setToolTip(f"Show the {name} layers")
            color = st.category_color(name).name()
            button.setStyleSheet(f"QToolButton {{ border-left: 4px solid {color}; "
                                 f"padding: 0px 3px; font-size: {CHIP_POINT_SIZE}pt; "
                                 f"font-weight: 400; }}")
            button.clicked.connect(lambda _c=False, n=name: self.chosen.emit(n))
            self.flow.addWidget(button)
            self.buttons[name] = button
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self.flow.heightForWidth(width)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        width = max(self.width(), 200)
        return QSize(width, self.heightForWidth(width))


class LayerPalette(QWidget):
    """Search box, category buttons and the categorised tree of layer kinds."""

    layer_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search, then drag a layer to the canvas")
        self.search.setToolTip("Drag a layer onto the canvas (onto a wire to insert it there), "
                               "or double-click it to add it in the middle of the view.")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_changed)
        layout.addWidget(self.search)
        self.category_bar = CategoryBar()
        self.category_bar.chosen.connect(self.show_category)
        layout.addWidget(self.category_bar)
        self.tree = LayerTree()
        self.tree.itemDoubleClicked.connect(self._on_item_double_clicked)
        self.tree.kind_chosen.connect(self.layer_requested)
        layout.addWidget(self.tree, 1)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.populate()

    def populate(self) -> None:
        """(Re)build the tree from the layer registry."""
        self.tree.clear()
        self.items = {}
        for category, classes in ordered_categories():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for cls in classes:
                item = QTreeWidgetItem(group, [cls.display_name or cls.kind])
                item.setData(0, KIND_ROLE, cls.kind)
                item.setData(0, SEARCH_ROLE, " ".join(
                    (cls.display_name, cls.kind, category, cls.blurb)).lower())
                item.setIcon(0, st.layer_icon(cls.icon, cls.category, 64))
                item.setToolTip(0, f"<b>{cls.display_name or cls.kind}</b><br>{cls.blurb}<br>"
                                   f"<i>Drag onto the canvas, or double-click.</i>")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self.items[cls.kind] = item
        self._add_blocks()
        self.tree.expandAll()
        self.category_bar.set_categories(list(self.groups()))

    def groups(self) -> dict[str, QTreeWidgetItem]:
        """Category name -> its header row in the tree."""
        groups = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return {group.text(0): group for group in groups if group is not None}

    def show_category(self, name: str) -> None:
        """Scroll so that category ``name``'s layers start at the top of the tree."""
        group = self.groups().get(name)
        if group is None or group.isHidden():
            return
        group.setExpanded(True)
        self.tree.scrollToItem(group, QAbstractItemView.ScrollHint.PositionAtTop)

    def row_height(self) -> int:
        """Height of one tree row in px (every row has the same height)."""
        first = self.tree.topLevelItem(0)
        rect = self.tree.visualItemRect(first) if first is not None else None
        return rect.height() if rect is not None and rect.height() > 0 else ICON_SIZE + 6

    def height_for_rows(self, rows: int) -> int:
        """Palette height (px) that shows search, category buttons and ``rows`` tree rows."""
        layout = self.layout()
        assert layout is not None  # built in __init__
        margins, spacing = layout.contentsMargins(), layout.spacing()
        width = max(self.width(), 200) - margins.left() - margins.right()
        return (margins.top() + margins.bottom() + self.search.sizeHint().height()
                + self.category_bar.heightForWidth(width) + 2 * spacing
                + rows * self.row_height() + 2 * self.tree.frameWidth() + 2)

    def visible_entries(self) -> int:
        """Tree rows (category headers and layers) wholly visible without scrolling."""
        view = self.tree.viewport().rect()
        count, item = 0, self.tree.topLevelItem(0)
        while item is not None:
            rect = self.tree.visualItemRect(item)
            if rect.isValid() and view.contains(rect):
                count += 1
            item = self.tree.itemBelow(item)
        return count

    def _add_blocks(self) -> None:
        """Ready-made blocks (``engine.composites``): dropped, each expands into its layers."""
        if not COMPOSITES:
            return
        group = QTreeWidgetItem(self.tree, ["Blocks"])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        for key, block in COMPOSITES.items():
            kind = f"{BLOCK_PREFIX}{key}"
            item = QTreeWidgetItem(group, [block.name])
            item.setData(0, KIND_ROLE, kind)
            item.setData(0, SEARCH_ROLE, " ".join((block.name, key, "block", block.blurb)).lower())
            item.setIcon(0, st.layer_icon("block", "Blocks", 64))
            item.setToolTip(0, f"<b>{block.name}</b><br>{block.blurb}<br><i>Drag onto the canvas "
                               f"(onto a wire to insert it there): it expands into its layers."
                               f"</i>")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            self.items[kind] = item

    def visible_kinds(self) -> list[str]:
        return [k for k, item in self.items.items()
                if not item.isHidden() and not _hidden(item.parent())]

    def _on_search_changed(self, text: str) -> None:
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            if group is None:
                continue
            shown = 0
            for row in range(group.childCount()):
                item = group.child(row)
                if item is None:
                    continue
                haystack = str(item.data(0, SEARCH_ROLE))
                match = all(w in haystack for w in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
        self.tree.expandAll()

    def _on_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.layer_requested.emit(str(kind))
