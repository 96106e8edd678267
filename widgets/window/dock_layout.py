"""The right dock column of the main window: which views share it, and how tall each is.

The column holds the output view (decision boundary / fitted curve), *Look inside*, the loss
curves, the Network view and the confusion matrix. What a student at the back of a lecture
hall must read is the output (or Look inside) view and the loss curve; the rest may be one
click away. So the default layout depends on the window's height:

- ``roomy`` (``COMPACT_BELOW`` px tall or more, e.g. 1920×1080): three groups, top to bottom
  Output | Look inside, Loss, Network | Confusion matrix (``ROOMY_SHARES``);
- ``compact`` (a 1280×720 projector, a 1366×768 laptop): two groups, Output | Look inside on
  top (``COMPACT_SHARES``: most of the column) and Loss | Network | Confusion matrix under
  it with the loss curves in front. (One group of four views would elide its tab titles
  to "N…" in a 435 px column.)

Per kind of project (``plane``: 2-D or 1-D inputs with an output map; ``deep``: images and
other data without one; ``sequence``: token sequences; ``generative``) the most relevant view
comes to the front: the output map for ``plane``, Look inside otherwise; in the roomy layout
the bottom group shows the Network view for ``plane`` and the confusion matrix otherwise;
in the compact layout the loss curves stay in front of both.
The arrangement is read back from Qt (``is_compact``), so a restored or reset dock state
never disagrees with it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

COMPACT_BELOW = 800  # window heights (px) below this get the compact right column
KINDS = ("plane", "deep", "sequence", "generative")
# shares of the column's height: (views, loss, network/confusion) and (views, loss)
ROOMY_SHARES = {"plane": (0.42, 0.3, 0.28), "deep": (0.47, 0.23, 0.3),
                "sequence": (0.52, 0.22, 0.26), "generative": (0.62, 0.26, 0.12)}
# (compact: the loss dock also holds the timeline row; at the 13 pt font 0.49 keeps its plot
# >= 200 px at 1280x720 — 0.47 left it 190 px — and the output view ~277 px)
COMPACT_SHARES = {"plane": (0.51, 0.49), "deep": (0.51, 0.49), "sequence": (0.51, 0.49),
                  "generative": (0.51, 0.49)}
SECOND = ("network", "confusion")  # the views that move behind the loss curves when compact


class RightColumn:
    """Arranges and sizes the docks ``output``, ``inside``, ``loss``, ``network`` and
    ``confusion`` of ``window`` (all in its right dock area)."""

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
        self.window, self.docks = window, docks
        self.compact = False  # the last arrangement (Qt cannot tell while both are hidden)
        self.shown_for: tuple[str, bool] | None = None  # the last show_kind's arguments

    def _tabbed(self) -> bool | None:
        """Whether the shown one of network / confusion is tabbed with the loss curves (Qt
        lists no hidden docks: None when both are hidden, as for a generative model)."""
        win, d = self.window, self.docks
        shown = [d[k] for k in SECOND if d[k].isVisibleTo(win)]
        return shown[0] in win.tabifiedDockWidgets(d["loss"]) if shown else None

    def is_compact(self) -> bool:
        """Network and confusion matrix share the loss curves' tab group (else: their own)."""
        tabbed = self._tabbed()
        return self.compact if tabbed is None else tabbed

    def arrange(self, compact: bool) -> None:
        """Move the Network view and the confusion matrix behind the loss curves
        (``compact``) or into their own group under them."""
        tabbed, self.compact = self._tabbed(), compact
        if compact == tabbed:
            return
        d, win = self.docks, self.window
        if compact:
            win.tabifyDockWidget(d["loss"], d["network"])
            win.tabifyDockWidget(d["network"], d["confusion"])
        else:  # Qt keeps a split-off dock in its tab group: add the three again, in order
            keys = ("loss", *SECOND)
            shown = {key: d[key].isVisibleTo(win) for key in keys}
            for key in keys:
                win.removeDockWidget(d[key])
            for key in ("loss", "network"):
                win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d[key],
                                  Qt.Orientation.Vertical)
            win.tabifyDockWidget(d["network"], d["confusion"])
            for key in keys:
                d[key].setVisible(shown[key])

    def show_kind(self, kind: str, classifier: bool = True) -> None:
        """Views that exist for ``kind``: only a classifier has a confusion matrix (not a
        regression such as the sine forecast, nor a generative model, whose networks are not
        one chain either); a sequence model's neuron view would be a blob. A view that does
        not apply is hidden, its Panels-menu entry too; a call with the same kind and
        classifier as the last changes nothing (a panel the learner closed stays closed)."""
        if self.shown_for == (kind, classifier):
            return
        self.shown_for = (kind, classifier)
        for key, applies in (("confusion", classifier and kind != "generative"),
                             ("network", kind in ("plane", "deep"))):
            self.docks[key].setVisible(applies)
            self.docks[key].toggleViewAction().setVisible(applies)

    def raise_views(self, kind: str) -> None:
        """Bring the views ``kind`` needs most to the front of their groups."""
        top, bottom = self.fronts(kind)
        (bottom if not self.is_compact() else self.docks["loss"]).raise_()
        top.raise_()

    def fronts(self, kind: str) -> tuple[QDockWidget, QDockWidget]:
        """The docks ``raise_views`` puts in front: (top group, network/confusion group; the
        Network view when there is no confusion matrix)."""
        d, classifier = self.docks, self.shown_for is None or self.shown_for[1]
        return (d["output" if kind == "plane" else "inside"],
                d["network" if kind == "plane" or not classifier else "confusion"])

    def apply_shares(self, kind: str, height: int) -> None:
        """Heights of the groups for ``kind`` in a column ``height`` px tall (Qt resizes a
        tab group through the tab in front: ``fronts``)."""
        top, bottom = self.fronts(kind)
        if self.is_compact():
            docks = [top, self.docks["loss"]]
            shares: tuple[float, ...] = COMPACT_SHARES[kind]
        else:
            docks = [top, self.docks["loss"], bottom]
            shares = ROOMY_SHARES[kind]
            if not docks[2].isVisible():
                docks, shares = docks[:2], shares[:2]
        self.window.resizeDocks(docks, [int(f * height) for f in shares],
                                Qt.Orientation.Vertical)


def hide_stale_tab_bars(window: QMainWindow, docks: list[QDockWidget]) -> None:
    """Hide dock tab bars Qt left behind at old positions (seen with Qt 6.11 after two
    tabify calls): a live tab bar sits right under (or over) a dock whose title it shows."""
    shown = [d for d in docks if d.isVisible() and not d.isFloating()]
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        titles = {bar.tabText(i) for i in range(bar.count())}
        g = bar.geometry()
        live = any(d.windowTitle() in titles and abs(d.geometry().left() - g.left()) <= 3
                   and (abs(d.geometry().bottom() + 1 - g.top()) <= 3
                        or abs(g.bottom() + 1 - d.geometry().top()) <= 3) for d in shown)
        if not live and bar.isVisible():
            bar.hide()
