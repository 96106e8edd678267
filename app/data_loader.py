"""Loading the document's dataset off the GUI thread (the dataset panel's reload).

``DataLoader.start(spec)`` loads ``spec`` (a dataset spec dict, e.g. ``{"name": "digits28",
"n_samples": 400}``) on a daemon thread; the newest ``start`` wins (an older result is
dropped by its generation number) and ``on_loaded(data, error)`` is called on the GUI thread
by a ``QTimer`` (``data``: an ``engine.datasets.base.Dataset`` or None, ``error``: the
learner's message or ""). ``load_now(spec)`` loads at once (a caller that needs the data
right away) and drops whatever is pending. Both keep the last loaded spec and its dataset:
the same spec again is not loaded twice (Play right after the background load, or an undo
back to the data shown); a spec that reads a file (``path``) is always read again.
digits28 (500 samples) took ~0.3 s of GUI-thread CPU per load, image folders and big CSV
files seconds. The thread never touches Qt.
"""

from __future__ import annotations

import copy
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.types import DataError, LayerLabError

POLL_MS = 10
NO_FOLDER = ("Choose the image folder (Browse… below, or “Import image folder…”): it needs one "
             "sub-folder of images per class.")

Result = tuple[Dataset | None, str]


def load_spec(spec: dict[str, Any]) -> Result:
    """``(dataset, "")``, or ``(None, message)`` when ``spec`` cannot be loaded."""
    try:
        if spec.get("name") == "image_folder" and not str(spec.get("path", "")).strip():
            raise DataError(NO_FOLDER)  # an empty path would read the working folder
        return load_dataset(spec), ""
    except LayerLabError as err:
        return None, str(err)
    except (OSError, ValueError, MemoryError) as err:
        return None, f"The data cannot be loaded: {err}"


def spec_key(spec: dict[str, Any]) -> str:
    """A text that is equal for equal specs (key order ignored)."""
    return json.dumps(spec, sort_keys=True, default=repr)


class DataLoader(QObject):
    """Background loads of dataset specs, newest wins; see the module docstring."""

    def __init__(self, on_loaded: Callable[[Dataset | None, str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_loaded = on_loaded
        self._token = 0  # the newest load's number (GUI thread only)
        self._last: tuple[str, Dataset] | None = None  # the spec loaded last, and its data
        self._results: queue.SimpleQueue[tuple[int, str, Result]] = queue.SimpleQueue()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._collect)

    @property
    def pending(self) -> bool:
        """A background load was started and its result not handed over yet."""
        return self._timer.isActive()

    def start(self, spec: dict[str, Any]) -> None:
        """Load ``spec`` in the background (at once from the cache when it was loaded last)."""
        self._token += 1
        token, key = self._token, spec_key(spec)
        if self._cached(key) and self._last is not None:
            self._results.put((token, key, (self._last[1], "")))
        else:
            job = copy.deepcopy(spec)
            threading.Thread(target=lambda: self._results.put((token, key, load_spec(job))),
                             name="layerlab-data", daemon=True).start()
        self._timer.start()

    def load_now(self, spec: dict[str, Any]) -> Result:
        """Load ``spec`` on the calling thread (cached as ``start``); drops a pending load."""
        self._token += 1
        self._timer.stop()
        key = spec_key(spec)
        if self._cached(key) and self._last is not None:
            return self._last[1], ""
        result = load_spec(spec)
        self._remember(key, result)
        return result

    def _cached(self, key: str) -> bool:
        return self._last is not None and self._last[0] == key

    def _remember(self, key: str, result: Result) -> None:
        """Keep a loaded dataset for its spec; not one read from a file (``path``: the file
        may have changed on disk since) nor a failure."""
        keep = result[0] is not None and '"path"' not in key
        self._last = (key, result[0]) if keep and result[0] is not None else None

    def _collect(self) -> None:
        """GUI thread: hand over the newest load's result; older ones are dropped."""
        while True:
            try:
                token, key, result = self._results.get_nowait()
            except queue.Empty:
                return
            if token != self._token:
                continue
            self._timer.stop()
            self._remember(key, result)
            self._on_loaded(*result)
            return
