"""The "Look inside" dock: tabs of deep views (filters, saliency, latent space, attention, ...).

``InsideViews`` holds every deep view as a tab and shows only the tabs that make sense for
the current project (a Filters tab needs a conv layer, a GAN tab the GAN recipe...): each view
is registered with a ``relevant(context)`` predicate over a ``ViewContext``. Only the visible
tab receives snapshots (a hidden view costs nothing) — except views that keep a history
(``always``: the GAN curves, the dynamics over time), which see every snapshot — and the
probes the training thread computes follow the visible tab: ``requests_changed(dict)``
carries the merged ``probe_requests()`` of the shown view (``{}`` when it needs none), so a
probe nobody looks at is never computed. Views implement ``update(snapshot)`` and may
implement ``set_dataset``, ``set_theme``, ``set_model_context``, ``probe_requests`` and
``reset_view`` (``ResettableView``: called by ``reset_views`` when another project opens).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

EMPTY_HINT = ("Nothing to look inside yet: views appear here for the network you build — "
              "filters and feature maps for Conv2D layers, attention for attention layers, "
              "the latent space for autoencoders, saliency for any classifier.")


@dataclass
class ViewContext:
    """What decides which deep views are relevant."""

    layer_kinds: dict[str, str] = field(default_factory=dict)  # layer name -> kind
    recipe: str = "supervised"
    task: str = ""  # "classification" | "regression" | ""
    input_shape: tuple[int, ...] = ()
    n_classes: int = 0
    input_parts: tuple[str, ...] = ()  # the parts the Inputs receive ("Receives"; "" = whole)
    dataset: str = ""  # the dataset's registry name ("dates", "spiral"...)

    def has(self, *kinds: str) -> bool:
        return any(k in kinds for k in self.layer_kinds.values())

    @property
    def image_input(self) -> bool:
        return len(self.input_shape) == 3


@runtime_checkable
class ResettableView(Protocol):
    """A view that can forget what it drew for the previous project."""

    def reset_view(self) -> None: ...


@dataclass
class _Entry:
    key: str
    title: str
    widget: QWidget
    relevant: Callable[[ViewContext], bool]
    always: bool = False  # fed every snapshot even when hidden (views that keep a history)
    badge: int = 0  # a count shown after the title ("Coach (2)"), 0 = none

    @property
    def label(self) -> str:
        return f"{self.title} ({self.badge})" if self.badge else self.title


class InsideViews(QWidget):
    """Tabs of the deep views relevant to the project; routes snapshots to the visible one."""

    requests_changed = Signal(object)  # dict: probe requests of the visible view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: dict[str, _Entry] = {}
        self.context = ViewContext()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.tabs.tabBarClicked.connect(self._on_tab_clicked)
        self._chosen: str | None = None  # the tab the learner picked; kept across projects
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.hint, 1)
        self._last_snapshot: Any = None
        self._theme: str | None = None  # the last theme set; views restyle when shown
        self._themed: set[str] = set()  # keys of the views already in ``_theme``
        self._policies: dict[str, QSizePolicy] = {}  # each view's own, while hidden
        self._refresh_tabs()

    # -- registration ----------------------------------------------------------------------------
    def add_view(self, key: str, title: str, widget: QWidget,
                 relevant: Callable[[ViewContext], bool], always: bool = False) -> None:
        """``always``: the view keeps a history (GAN curves, dynamics over time), so it gets
        every snapshot while relevant, not only while its tab is on screen."""
        self.entries[key] = _Entry(key, title, widget, relevant, always)
        self._refresh_tabs()

    def view(self, key: str) -> QWidget:
        return self.entries[key].widget

    def set_badge(self, key: str, count: int) -> None:
        """Show ``count`` after the tab's title ("Coach (2)"); 0 removes it."""
        entry = self.entries[key]
        entry.badge = max(0, int(count))
        index = self.tabs.indexOf(entry.widget)
        if index >= 0:
            self.tabs.setTabText(index, entry.label)

    def tab_text(self, key: str) -> str:
        """The text of ``key``'s tab as shown ("" when the tab is not relevant now)."""
        index = self.tabs.indexOf(self.entries[key].widget)
        return self.tabs.tabText(index) if index >= 0 else ""

    # -- project → views -------------------------------------------------------------------------
    def set_context(self, context: ViewContext) -> None:
        """The project changed shape: show the relevant tabs and tell the views."""
        self.context = context
        for entry in self.entries.values():
            hook = getattr(entry.widget, "set_model_context", None)
            if hook is not None:
                _safely(hook, context)
        self._refresh_tabs()

    def reset_views(self) -> None:
        """Another project: the last snapshot is forgotten (a tab change must not replay
        it) and every ``ResettableView`` starts over with its first caption and hint."""
        self._last_snapshot = None
        for entry in self.entries.values():
            if isinstance(entry.widget, ResettableView):
                entry.widget.reset_view()

    def set_dataset(self, data: Any) -> None:
        for entry in self.entries.values():
            hook = getattr(entry.widget, "set_dataset", None)
            if hook is not None:
                _safely(hook, data)

    def set_theme(self, name: str) -> None:
        """Restyle the view in front now, each other view when it comes to the front (19
        views restyled at once were a third of a theme switch's time)."""
        self._theme, self._themed = name, set()
        self._restyle_current()

    def _restyle_current(self) -> None:
        widget = self.current_view()
        key = widget.property("inside_key") if widget is not None else None
        if self._theme is None or key is None or key in self._themed:
            return
        self._themed.add(key)
        hook = getattr(widget, "set_theme", None)
        if hook is not None:
            _safely(hook, self._theme)

    def add_snapshot(self, snap: Any) -> None:
        """Forward to the visible view (hidden views catch up when shown) and to the
        history-keeping views of the relevant tabs."""
        self._last_snapshot = snap
        widget = self.current_view()
        if widget is not None and self.isVisible():
            _safely(widget.update, snap)
        for entry in self.entries.values():
            if entry.always and entry.widget is not widget and \
                    self.tabs.indexOf(entry.widget) >= 0:
                _safely(entry.widget.update, snap)

    # -- tabs ------------------------------------------------------------------------------------
    def visible_keys(self) -> list[str]:
        tabs = (self.tabs.widget(i) for i in range(self.tabs.count()))
        return [tab.property("inside_key") for tab in tabs if tab is not None]

    def current_view(self) -> QWidget | None:
        return self.tabs.currentWidget()

    def probe_requests(self) -> dict[str, Any]:
        widget = self.current_view()
        hook = getattr(widget, "probe_requests", None) if widget is not None else None
        return dict(hook() or {}) if hook is not None else {}

    def show_view(self, key: str) -> bool:
        """Bring the tab ``key`` to the front; False when it is not relevant now."""
        widget = self.entries[key].widget if key in self.entries else None
        index = self.tabs.indexOf(widget) if widget is not None else -1
        if index >= 0:
            self._chosen = key
            self.tabs.setCurrentIndex(index)
        return index >= 0

    def _on_tab_clicked(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is not None:
            self._chosen = widget.property("inside_key")

    def _refresh_tabs(self) -> None:
        """Rebuild the tabs; the learner's chosen tab stays in front when still relevant,
        otherwise the first (most specific) one comes to the front."""
        chosen = self.entries[self._chosen].widget if self._chosen in self.entries else None
        self.tabs.blockSignals(True)
        self.tabs.clear()
        for entry in self.entries.values():
            if _safely(entry.relevant, self.context):
                entry.widget.setProperty("inside_key", entry.key)
                self.tabs.addTab(entry.widget, entry.label)
        if chosen is not None and self.tabs.indexOf(chosen) >= 0:
            self.tabs.setCurrentWidget(chosen)
        elif self.tabs.count():
            self.tabs.setCurrentIndex(0)
        self.tabs.blockSignals(False)
        empty = self.tabs.count() == 0
        self.tabs.setVisible(not empty)
        self.hint.setVisible(empty)
        self._on_tab_changed()

    def _on_tab_changed(self, _index: int = -1) -> None:
        self._size_to_current()
        self._restyle_current()
        self.requests_changed.emit(self.probe_requests())
        widget = self.current_view()
        if widget is not None and self._last_snapshot is not None:
            _safely(widget.update, self._last_snapshot)

    def _size_to_current(self) -> None:
        """Only the shown tab's minimum size counts: a QTabWidget takes the largest of all its
        pages', so a hidden wide page (the recipe form: 500 px) made a 460 px dock scroll
        sideways and cut off the view in front. Hidden pages get an Ignored size policy."""
        current = self.current_view()
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if page is None:
                continue
            own = self._policies.setdefault(str(page.property("inside_key")), page.sizePolicy())
            ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            page.setSizePolicy(own if page is current else ignored)


def _safely(call: Callable[..., Any], *args: Any) -> Any:
    """A view that fails on odd data must not take the window down: log and carry on."""
    try:
        return call(*args)
    except Exception:  # noqa: BLE001 - a view's bug is logged, never shown as a traceback
        import logging

        logging.getLogger(__name__).exception("a 'Look inside' view failed")
        return None
