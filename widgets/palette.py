"""The layer palette: every registered layer kind, grouped by category, ready to drag.

Entries are generated from ``engine.layers`` (never hand-listed): a category glyph, the
display name and the blurb as tooltip. A search box filters by name, kind, category and blurb.
Dragging an entry starts a drag with MIME type ``application/x-layerlab-layer`` (payload = the
kind) that the canvas accepts; double-clicking emits ``layer_requested(kind)``.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.composites import COMPOSITES
from engine.layers import categories
from widgets.canvas import style as st
from widgets.canvas.view import BLOCK_PREFIX, MIME_LAYER

KIND_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_SIZE = 28


def ordered_categories() -> list[tuple[str, list[type]]]:
    """Registry categories in teaching order (unknown ones after, alphabetically)."""
    groups = categories()
    rank = {name: i for i, name in enumerate(st.CATEGORY_ORDER)}
    names = sorted(groups, key=lambda c: (rank.get(c, len(rank)), c))
    return [(name, groups[name]) for name in names]


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
        self.setStyleSheet("QTreeWidget::item { padding: 4px 2px; }")

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
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(ICON_SIZE * 2, ICON_SIZE * 2))
        drag.exec(Qt.DropAction.CopyAction)


class LayerPalette(QWidget):
    """Search box + categorised tree of layer kinds."""

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
                if not item.isHidden() and not item.parent().isHidden()]

    def _on_search_changed(self, text: str) -> None:
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            shown = 0
            for row in range(group.childCount()):
                item = group.child(row)
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
