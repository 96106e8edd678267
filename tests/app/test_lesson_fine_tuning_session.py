"""The fine-tuning lesson in the window's lesson session: "Show me" on its second step freezes
the convolutions, resets the run, asks the window to load the pre-trained shapes CNN's
matching layers, and only then starts training; the first step trains without loading
anything; a window that cannot load them shows the reason as the lesson's message."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from app.document import ProjectDocument
from app.lesson_session import LessonSession
from app.settings import Settings
from engine.lessons import LESSONS_DIR, load_lesson
from engine.types import LayerLabError

LESSON = LESSONS_DIR / "23_fine_tuning.lesson.json"


class Runs(QObject):
    snapshot_ready = Signal(object)
    history_cleared = Signal()
    advice_changed = Signal(list)
    run_finished = Signal(object)


class Window:
    """The ``LessonHost`` side: records what the lesson asked for, in order."""

    def __init__(self, doc: ProjectDocument, refuse: bool = False) -> None:
        self.doc, self.refuse, self.calls = doc, refuse, []

    def open_project(self, path: Path) -> bool:
        self.doc.open(path)
        self.calls.append(("open", path.name))
        return True

    def reset_run(self) -> None:
        self.calls.append(("reset",))

    def load_weights_from(self, path: Path) -> list[str]:
        frozen = [n for n in ("conv1", "conv2")
                  if not self.doc.graph.nodes[n].options.get("trainable", True)]
        self.calls.append(("load", path.name, tuple(frozen)))
        if self.refuse:
            raise LayerLabError("the saved weights of that project are missing")
        return ["Loaded 2 layer(s)."]

    def start_training(self) -> None:
        self.calls.append(("train",))

    def select_layer(self, name: str) -> None:
        self.calls.append(("select", name))

    def show_view(self, view: str) -> None:
        self.calls.append(("view", view))


def session(qapp, tmp_path, refuse=False):
    doc = ProjectDocument()
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = Window(doc, refuse)
    lesson = LessonSession(load_lesson(LESSON), doc, Runs(), settings, window)
    messages: list[str] = []
    lesson.message.connect(messages.append)
    lesson.start()
    return lesson, window, messages


def test_show_me_on_step_two_loads_the_pretrained_layers_before_training(qapp, tmp_path):
    lesson, window, messages = session(qapp, tmp_path)
    lesson.show_me()  # step 1: from scratch
    assert window.calls[-2:] == [("reset",), ("train",)]
    assert not any(call[0] == "load" for call in window.calls)
    lesson.next()
    window.calls.clear()
    lesson.show_me()
    assert window.calls == [("reset",), ("load", "finetune_shapes_pretrained.layerlab.json",
                                         ("conv1", "conv2")), ("train",)]
    assert messages == []
    lesson.close()


def test_a_refused_load_is_the_lessons_message_and_nothing_trains(qapp, tmp_path):
    lesson, window, messages = session(qapp, tmp_path, refuse=True)
    lesson.next()
    window.calls.clear()
    lesson.show_me()
    assert window.calls[-1][0] == "load"  # training did not start on fresh weights
    assert messages and "saved weights of that project are missing" in messages[0]
    lesson.close()
