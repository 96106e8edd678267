"""The exception guard itself (``tests.exception_guard``): what it catches, and that a test
where an exception escapes really fails (an inner pytest run, through ``pytester``)."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.exceptions import capture_exceptions

from tests.exception_guard import EscapedExceptions


class Emitter(QObject):
    fired = Signal()


def _boom() -> None:
    raise ValueError("The truth value of an array with more than one element is ambiguous")


def test_an_exception_in_a_slot_reaches_pytest_qts_capture(qtbot):
    emitter = Emitter()
    emitter.fired.connect(_boom)
    with capture_exceptions() as caught:
        emitter.fired.emit()  # PySide prints it through sys.excepthook and goes on
    assert [type(e[1]) for e in caught] == [ValueError]


@pytest.mark.expect_logged_errors  # the outer guard sees the deliberate log record too
def test_the_guard_records_thread_exceptions_and_logged_tracebacks():
    watcher = EscapedExceptions()
    watcher.start()
    try:
        thread = threading.Thread(target=_boom, name="training")
        thread.start()
        thread.join()
        try:
            _boom()
        except ValueError:
            logging.getLogger("app.worker").exception("training worker crashed")
            logging.getLogger("somebody.else").exception("not the app's")
        logging.getLogger("widgets.panels.inside_dock").error("an error without a traceback")
    finally:
        watcher.stop()
    assert len(watcher.thread_errors) == 1 and "'training'" in watcher.thread_errors[0]
    assert len(watcher.logged_errors) == 1 and "app.worker" in watcher.logged_errors[0]
    assert "ValueError" in watcher.report()
    assert threading.excepthook is not watcher._on_thread_exception  # restored


INNER_TESTS = '''
import logging
import threading

import pytest
from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    fired = Signal()


def boom():
    raise ValueError("boom")


def test_slot(qtbot):
    emitter = Emitter()
    emitter.fired.connect(boom)
    emitter.fired.emit()


def test_thread():
    thread = threading.Thread(target=boom)
    thread.start()
    thread.join()


def test_logged():
    try:
        boom()
    except ValueError:
        logging.getLogger("engine.probes").exception("introspection probe failed")


@pytest.mark.expect_logged_errors
def test_logged_on_purpose():
    test_logged()


def test_clean(qtbot):
    emitter = Emitter()
    emitter.fired.connect(lambda: None)
    emitter.fired.emit()
'''

INNER_CONFTEST = '''
import pytest

from tests.exception_guard import MARKER_HELP, guard


def pytest_configure(config):
    config.addinivalue_line("markers", MARKER_HELP)


@pytest.fixture(autouse=True)
def _guard(request):
    yield from guard(request)
'''


@pytest.mark.expect_logged_errors  # the inner tests' log records reach this guard too
def test_a_test_with_an_escaped_exception_fails(pytester: pytest.Pytester):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    outcomes = {r.nodeid.split("::")[-1]: r for r in
                result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
                if r.failed}
    assert set(outcomes) == {"test_slot", "test_thread", "test_logged"}, result.stdout.str()
    passed = [r.nodeid.split("::")[-1] for r in
              result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
              if r.passed and r.when == "call"]
    assert {"test_logged_on_purpose", "test_clean"} <= set(passed)
