"""The action vocabulary shared by a step's ``setup`` and its ``solution``.

An action is ``{"do": VERB, ...named values}`` (docs/LESSONS.md lists them). ``parse_action``
checks an entry (``LessonFileError`` naming the place); ``apply(action, editor, folder)``
performs it on an ``Editor`` — ``engine.lessons.runner.HeadlessEditor`` (a ``Project`` plus the
engine, no Qt) or ``app.lesson_session``'s editor (the document and the training session,
undoable) — so the same files drive both. Project paths are looked up beside the lesson file
first, then in the bundled ``assets/`` folder. ``train`` with ``init_from`` starts the run
from another project's saved weights (the layers whose names and shapes match, as File → Load
weights from another project does): the fine-tuning lesson trains from a pre-trained CNN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from engine.lessons.fields import Fields
from engine.lessons.model import Action, LessonFileError
from engine.lessons.views import VIEWS
from engine.resources import assets_dir

ASSETS = assets_dir()
# verb -> its entries: (name, kind, required); kind: text | whole | mapping | position | view
# (a name of engine.lessons.views) | any
ACTIONS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "open": (("project", "text", True),),
    "add_layer": (("kind", "text", True), ("name", "text", False),
                  ("options", "mapping", False), ("position", "position", False)),
    "remove_layer": (("layer", "text", True),),
    "set_options": (("layer", "text", True), ("options", "mapping", True)),
    "connect": (("from", "text", True), ("to", "text", True)),
    "disconnect": (("from", "text", True), ("to", "text", True)),
    "set_training": (("values", "mapping", True),),
    "set_dataset": (("spec", "mapping", True),),
    "set_recipe": (("recipe", "text", True),),
    "reset": (),
    "train": (("epochs", "whole", False), ("init_from", "text", False)),
    "answer": (("check", "text", True), ("value", "any", True)),
    "select": (("layer", "text", True),),
    "show_view": (("view", "view", True),),
}
SOLUTION_ONLY = ("train", "answer")


class Editor(Protocol):
    """Where actions land. Layer and setting edits raise ``LayerLabError`` when refused."""

    def open_project(self, path: Path) -> None: ...
    def add_layer(self, kind: str, name: str | None, options: dict[str, Any],
                  position: tuple[float, float]) -> None: ...
    def remove_layer(self, name: str) -> None: ...
    def set_options(self, name: str, options: dict[str, Any]) -> None: ...
    def connect(self, source: str, target: str) -> None: ...
    def disconnect(self, source: str, target: str) -> None: ...
    def set_training(self, values: dict[str, Any]) -> None: ...
    def set_dataset(self, spec: dict[str, Any]) -> None: ...
    def set_recipe(self, recipe: str) -> None: ...
    def reset(self) -> None: ...
    def train(self, epochs: int | None, init_from: Path | None = None) -> None:
        """Reset and train; ``init_from``: a project whose saved weights the layers with
        matching names and shapes start from (File → Load weights from another project)."""
    def answer(self, check_id: str, value: Any) -> None: ...
    def select(self, layer: str) -> None: ...
    def show_view(self, view: str) -> None: ...


def parse_action(raw: Any, where: str, solution: bool) -> Action:
    f = Fields(raw, where)
    verb = f.choice("do", tuple(ACTIONS))
    if verb in SOLUTION_ONLY and not solution:
        raise LessonFileError(f"{f.where}: '{verb}' can only be part of a step's solution "
                              "(the learner does it); move it there.")
    args: dict[str, Any] = {}
    for name, kind, required in ACTIONS[verb]:
        if not required and name not in f.raw:
            f.used.add(name)
            continue
        if kind == "text":
            args[name] = f.text(name)
        elif kind == "whole":
            args[name] = f.whole(name, low=1, high=1_000_000)
        elif kind == "mapping":
            args[name] = f.mapping(name)
        elif kind == "view":
            args[name] = f.choice(name, VIEWS)
        elif kind == "position":
            pos = f.items(name, min_items=2, max_items=2)
            args[name] = (float(f.real_of(pos[0], name)), float(f.real_of(pos[1], name)))
        else:
            args[name] = f.value(name)
    f.done()
    return Action(verb, args)


def check_order(actions: list[Action], where: str) -> None:
    """'train' starts a run the learner watches: it must come last in a solution."""
    trains = [i for i, a in enumerate(actions) if a.do == "train"]
    if trains and trains != [len(actions) - 1]:
        raise LessonFileError(f"{where}: 'train' must be the last action of a solution, and "
                              "only once; split the work into two steps.")


def resolve(path_text: str, folder: Path, where: str = "its 'open' action") -> Path:
    """A project named in a lesson: beside the lesson file, else in the bundled assets."""
    for base in (folder, ASSETS):
        candidate = (base / path_text).resolve()
        if candidate.is_file():
            return candidate
    raise LessonFileError(f"The lesson names the project '{path_text}', which is neither "
                          f"beside the lesson file ({folder}) nor among the bundled files "
                          f"({ASSETS}). Check the path in {where}.")


def apply(action: Action, editor: Editor, folder: Path) -> None:
    """Perform one action (its values were checked by ``parse_action``)."""
    a, verb = action.args, action.do
    if verb == "open":
        editor.open_project(resolve(a["project"], folder))
    elif verb == "add_layer":
        editor.add_layer(a["kind"], a.get("name"), dict(a.get("options", {})),
                         a.get("position", (0.0, 0.0)))
    elif verb == "remove_layer":
        editor.remove_layer(a["layer"])
    elif verb == "set_options":
        editor.set_options(a["layer"], dict(a["options"]))
    elif verb == "connect":
        editor.connect(a["from"], a["to"])
    elif verb == "disconnect":
        editor.disconnect(a["from"], a["to"])
    elif verb == "set_training":
        editor.set_training(dict(a["values"]))
    elif verb == "set_dataset":
        editor.set_dataset(dict(a["spec"]))
    elif verb == "set_recipe":
        editor.set_recipe(a["recipe"])
    elif verb == "reset":
        editor.reset()
    elif verb == "train":
        init = a.get("init_from")
        editor.train(a.get("epochs"), None if init is None else resolve(
            init, folder, "the 'init_from' of its 'train' action"))
    elif verb == "answer":
        editor.answer(a["check"], a["value"])
    elif verb == "select":
        editor.select(a["layer"])
    else:
        editor.show_view(a["view"])
