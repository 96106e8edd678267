"""One computation of a tool dialog off the GUI thread (capacity sweep, learning-rate finder).

The work runs on the dialog's own one-thread pool; it reports progress as two plain ints
(``report(done, total)``) and checks ``stop`` to end early. A GUI-thread timer shows the
progress, and when the work is over re-enables Run, turns Cancel back into Close and hands the
result to ``on_result`` (an engine error becomes a plain sentence in the dialog's info label).
``tool_buttons`` makes the dialog's Run / Close / Apply row: the middle button reads "Cancel"
(stop the work) while it runs and "Close" (close the dialog) otherwise, so a finished sweep
never leaves its dialog without a way out over the window's toolbar.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from engine.types import LayerLabError

T = TypeVar("T")
CANCEL, CLOSE = "Cancel", "Close"  # the middle button: stop the work / close the dialog


def tool_buttons(run_text: str) -> tuple[QHBoxLayout, QPushButton, QPushButton, QPushButton]:
    """A tool dialog's button row -> (row, Run, Cancel/Close, Apply): Apply starts disabled
    (the dialog enables it when a result can be applied); the middle button reads "Close"
    until ``BackgroundRun`` runs the work."""
    run, cancel, apply = QPushButton(run_text), QPushButton(CLOSE), QPushButton("Apply")
    apply.setEnabled(False)
    row = QHBoxLayout()
    for button in (run, cancel, apply):
        row.addWidget(button)
    return row, run, cancel, apply


class BackgroundRun(Generic[T]):
    """Runs ``fn(*args)`` (returning a T) for ``owner``; its widgets show the state."""

    def __init__(self, owner: QWidget, progress: QProgressBar, run_button: QPushButton,
                 cancel_button: QPushButton, info: QLabel,
                 on_result: Callable[[T], None]) -> None:
        self.progress, self.info, self.on_result = progress, info, on_result
        self.run_button, self.cancel_button = run_button, cancel_button
        self.stop = threading.Event()
        self.counts = [0, 1]  # [done, total]: plain ints written by the worker, read by the timer
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._future: Future[T] | None = None
        self._poll = QTimer(owner, interval=50)
        self._poll.timeout.connect(self._check)
        self._owner = owner
        cancel_button.clicked.connect(self._cancel_or_close)

    @property
    def running(self) -> bool:
        return self._future is not None

    def report(self, done: int, total: int) -> None:
        self.counts[:] = [done, total]

    def submit(self, fn: Callable[..., T], *args: Any) -> None:
        """Start ``fn(*args)`` on the worker thread (the caller checked ``running``)."""
        self.stop.clear()
        self.run_button.setEnabled(False)
        self.cancel_button.setText(CANCEL)
        self._future = self._pool.submit(fn, *args)
        self._poll.start()

    def _check(self) -> None:
        done, total = self.counts
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if self._future is None or not self._future.done():
            return
        self._poll.stop()
        future, self._future = self._future, None
        self.run_button.setEnabled(True)
        self.cancel_button.setText(CLOSE)
        try:
            self.on_result(future.result())
        except LayerLabError as err:
            self.info.setText(f"The sweep could not run. {err}")  # err is a whole sentence

    def _cancel_or_close(self) -> None:
        """Cancel stops the running work; Close (nothing running) closes the dialog."""
        if self.running:
            self.stop.set()
        else:
            self._owner.close()

    def shutdown(self) -> None:
        """Ask the work to stop and wait for it (the dialog is closing)."""
        self.stop.set()
        self._poll.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
