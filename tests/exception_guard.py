"""The guard of the app and widget tests: a test fails when an exception gets away from it.

An exception can get away in three ways, and each one is a bug a learner would meet as a
traceback on the console, a raw Python message or a view that silently stops drawing:

- **into Qt's event loop** — a slot or a Qt virtual method raises. PySide prints it through
  ``sys.excepthook`` and carries on. pytest-qt replaces that hook during every test and fails
  the test when it was called (its default; ``qt_no_exception_capture`` must stay off, which
  ``guard`` checks);
- **in a thread** — a thread (the training worker's, any helper) ends with an exception:
  ``threading.excepthook``, wrapped here;
- **caught and logged** — the app catches an unexpected exception to keep running and logs it
  with its traceback at ERROR (``log.exception`` / ``exc_info``): the training worker crashed
  and shows "Training failed unexpectedly: TypeError: …" instead of a learner message, a
  probe crashed, a Look-inside view failed. A handler on the root logger records those from
  ``app``, ``widgets`` and ``engine``.

A test that provokes such an error on purpose (a probe made to crash, to check the run goes
on) says so with ``@pytest.mark.expect_logged_errors``; thread and Qt exceptions always fail.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

PACKAGES = ("app", "widgets", "engine")
MARKER = "expect_logged_errors"
MARKER_HELP = (f"{MARKER}: the test provokes an error the app catches and logs with its "
               "traceback (a crashing probe or view); the exception guard lets those pass")


class _LoggedErrors(logging.Handler):
    """Records ERROR log records with a traceback from the app's own packages."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.name.split(".")[0] in PACKAGES:
            lines = traceback.format_exception(*record.exc_info)  # type: ignore[misc]
            self.sink.append(f"logged by {record.name}: {record.getMessage()}\n"
                             + "".join(lines))


class EscapedExceptions:
    """Collects exceptions that escape into threads or are logged with a traceback."""

    def __init__(self, logged: bool = True) -> None:
        self.thread_errors: list[str] = []
        self.logged_errors: list[str] = []
        self._logged = logged
        self._handler = _LoggedErrors(self.logged_errors)
        self._old_thread_hook: Any = None

    def start(self) -> None:
        self._old_thread_hook = threading.excepthook
        threading.excepthook = self._on_thread_exception
        if self._logged:
            logging.getLogger().addHandler(self._handler)

    def stop(self) -> None:
        if self._old_thread_hook is not None:
            threading.excepthook = self._old_thread_hook
            self._old_thread_hook = None
        logging.getLogger().removeHandler(self._handler)

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        lines = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        self.thread_errors.append(f"in thread {name!r}:\n" + "".join(lines))

    @property
    def errors(self) -> list[str]:
        return [*self.thread_errors, *self.logged_errors]

    def report(self) -> str:
        return (f"{len(self.errors)} exception(s) escaped the test (a thread ended with one, "
                "or the app caught and logged one with its traceback):\n\n"
                + "\n".join(self.errors))


def guard(request: pytest.FixtureRequest) -> Iterator[EscapedExceptions]:
    """The autouse fixture's body (tests/app and tests/widgets conftest): fail the test when
    an exception escaped while it ran, its fixtures included."""
    config = request.config
    if config.getini("qt_no_exception_capture") or \
            request.node.get_closest_marker("qt_no_exception_capture"):
        pytest.fail("pytest-qt's exception capture is off: exceptions raised in Qt slots "
                    "would pass unnoticed. Remove qt_no_exception_capture.")
    watcher = EscapedExceptions(logged=request.node.get_closest_marker(MARKER) is None)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
    if watcher.errors:
        pytest.fail(watcher.report(), pytrace=False)
