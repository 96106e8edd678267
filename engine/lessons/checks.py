"""Checks: predicates on the live state, the same code headless (``runner``) and in the window
(``app.lesson_session``).

Every check reads a ``LessonState``: the project (graph, dataset, training settings), its shape
report, the epoch rows of the current run (``{"epoch": n, "train_loss": ..., "val_accuracy":
...}``, one per finished epoch since the network was last built or reset), the Coach cards
seen in that run, the answers the learner gave (check id -> value), the runs kept by earlier
steps (``compare``, ``engine.lessons.compare``) and the views on screen (``view_shown``).
``holds(check, state)`` is the verdict; ``parse_check`` turns a file's entry into a ``Check``
(``LessonFileError`` on a bad entry) and writes the learner's label when the author gave none.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from engine.coach import HEADLINES
from engine.graph import ShapeReport
from engine.lessons.compare import compare_holds, describe_compare, parse_compare
from engine.lessons.fields import Fields
from engine.lessons.gradients import start_gradient_ratio
from engine.lessons.model import Check, LessonFileError
from engine.lessons.views import VIEWS, view_words
from engine.project import Project

TYPES = ("metric", "params", "layer", "setting", "coach", "answer", "gradients", "compare",
         "view_shown")
ROLES = ("any", "hidden", "output")
SETTING_ROOTS = ("training", "dataset", "recipe")
METRIC_WORDS = {"train_accuracy": "training accuracy", "val_accuracy": "validation accuracy",
                "train_loss": "training loss", "val_loss": "validation loss",
                "val_r2": "validation R²", "train_r2": "training R²"}


class LessonState(Protocol):
    """What checks read. ``engine.lessons.runner.HeadlessState`` and
    ``app.lesson_session.LessonSession`` provide it."""

    @property
    def project(self) -> Project: ...

    @property
    def shapes(self) -> ShapeReport: ...

    @property
    def epoch_rows(self) -> Sequence[Mapping[str, float]]: ...

    @property
    def coach_cards(self) -> Collection[str]: ...

    @property
    def answers(self) -> Mapping[str, Any]: ...

    @property
    def recorded_runs(self) -> Mapping[str, Sequence[Mapping[str, float]]]:
        """Runs kept by steps with ``record`` (name -> epoch rows)."""

    @property
    def views_shown(self) -> Collection[str]:
        """The views on screen (window) or brought to the front during this step (headless),
        named as in ``engine.lessons.views``."""


# -- reading --------------------------------------------------------------------------------
def parse_check(raw: Any, where: str, default_id: str) -> Check:
    f = Fields(raw, where)
    kind = f.choice("type", TYPES)
    check_id = f.text("id", default_id)
    args = _check_args(kind, f, where)
    label = f.text("label", "") or describe(kind, args)
    f.done()
    return Check(check_id, kind, label, args)


def _check_args(kind: str, f: Fields, where: str) -> dict[str, Any]:
    """The entries of one ``kind`` of check, read and checked."""
    if kind == "metric":
        args: dict[str, Any] = {"metric": f.text("metric")}
        args.update(_bound(f))
        args["within_epochs"] = f.whole("within_epochs", None, low=1)
        args["after_epochs"] = f.whole("after_epochs", None, low=1)
    elif kind in ("params", "gradients"):
        args = _bound(f)
    elif kind == "layer":
        args = {"kind": f.text("kind"), "present": f.flag("present", True),
                "role": f.choice("role", ROLES, "any"), "options": f.mapping("options", {}),
                "count_at_least": f.whole("count_at_least", 1, low=1)}
    elif kind == "setting":
        args = {"setting": f.text("setting")}
        if args["setting"].split(".")[0] not in SETTING_ROOTS:
            raise LessonFileError(f"{where}: 'setting' must start with "
                                  f"{', '.join(SETTING_ROOTS)} (e.g. training.optimizer).")
        if "equals" in f.raw:
            args["equals"] = f.value("equals")
        else:
            args.update(_bound(f))
    elif kind == "coach":
        args = {"card": f.choice("card", tuple(HEADLINES))}
    elif kind == "compare":
        args = parse_compare(f)
    elif kind == "view_shown":
        args = {"view": f.choice("view", VIEWS)}
    else:
        args = {"question": f.text("question")}
        if "choices" in f.raw:
            choices = [str(c) for c in f.items("choices", min_items=2)]
            args["choices"] = choices
            args["correct"] = f.whole("correct", low=0, high=len(choices) - 1)
        else:
            args["number"] = f.real("number")
            args["tolerance"] = f.real("tolerance", 0.0, low=0.0)
    return args


def _bound(f: Fields) -> dict[str, Any]:
    if ("at_least" in f.raw) == ("at_most" in f.raw):
        raise LessonFileError(f"{f.where} needs exactly one of 'at_least' or 'at_most'.")
    key = "at_least" if "at_least" in f.raw else "at_most"
    return {key: f.real(key)}


def describe(kind: str, a: dict[str, Any]) -> str:
    """The label a learner reads when the author wrote none."""
    bound = ("≥ " + _num(a["at_least"])) if "at_least" in a else (
        "≤ " + _num(a["at_most"])) if "at_most" in a else ""
    if kind == "metric":
        words = METRIC_WORDS.get(a["metric"], a["metric"].replace("_", " "))
        if "accuracy" in a["metric"]:
            bound = bound[:2] + f"{float(bound[2:]) * 100:g} %"
        tail = (f" within {a['within_epochs']} epochs" if a.get("within_epochs") else
                f" after {a['after_epochs']} epochs" if a.get("after_epochs") else "")
        return f"{words[0].upper()}{words[1:]} {bound}{tail}"
    if kind == "params":
        return f"The network has {bound} trainable parameters"
    if kind == "gradients":
        return f"At fresh weights the first layer's gradient is {bound} × the last layer's"
    if kind == "layer":
        role = {"hidden": "hidden ", "output": "output ", "any": ""}[a["role"]]
        opts = ", ".join(f"{k} = {v}" for k, v in a["options"].items())
        what = f"{role}{a['kind']} layer" + (f" with {opts}" if opts else "")
        if not a["present"]:
            return f"The network has no {what}"
        if a["count_at_least"] > 1:
            return f"The network has at least {a['count_at_least']} × {what}"
        return f"The network has a {what}"
    if kind == "setting":
        name = a["setting"].split(".")[-1].replace("_", " ")
        return f"The {name} is {a['equals']}" if "equals" in a else f"The {name} is {bound}"
    if kind == "coach":
        return f"The Coach said: {HEADLINES[a['card']]}"
    if kind == "compare":
        words = METRIC_WORDS.get(a["metric"], a["metric"].replace("_", " "))
        return describe_compare(a, words[0].upper() + words[1:])
    if kind == "view_shown":
        return f"You opened {view_words(a['view'])}"
    return a["question"]


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:g}"


# -- judging --------------------------------------------------------------------------------
def holds(check: Check, state: LessonState) -> bool:
    """Whether ``check`` is true of ``state`` now (never raises for a well-read check)."""
    a = check.args
    if check.type == "metric":
        return _metric(a, state.epoch_rows)
    if check.type == "params":
        return state.shapes.ok and _within(state.shapes.total_params, a)
    if check.type == "layer":
        return _layers(a, state.project) >= a["count_at_least"] if a["present"] else \
            _layers(a, state.project) == 0
    if check.type == "setting":
        value = setting_value(state.project, a["setting"])
        if "equals" in a:
            return bool(value == a["equals"])
        return isinstance(value, (int, float)) and not isinstance(value, bool) and _within(
            float(value), a)
    if check.type == "coach":
        return a["card"] in state.coach_cards
    if check.type == "gradients":
        ratio = start_gradient_ratio(state.project)
        return ratio is not None and _within(ratio, a)
    if check.type == "compare":
        return compare_holds(a, state.epoch_rows, state.recorded_runs)
    if check.type == "view_shown":
        return a["view"] in state.views_shown
    return answer_is_right(check, state.answers.get(check.id))


def answer_is_right(check: Check, given: Any) -> bool:
    a = check.args
    if given is None:
        return False
    if "choices" in a:
        return bool(given == a["correct"])
    try:
        number = float(str(given).replace(",", "").strip())
    except ValueError:
        return False
    return math.isfinite(number) and abs(number - a["number"]) <= a["tolerance"] + 1e-9


def _within(value: float, a: Mapping[str, Any]) -> bool:
    if "at_least" in a:
        return value >= a["at_least"]
    return value <= a["at_most"]


def _metric(a: Mapping[str, Any], rows: Sequence[Mapping[str, float]]) -> bool:
    key = a["metric"]
    values = [(int(r.get("epoch", 0)), float(r[key])) for r in rows
              if key in r and math.isfinite(float(r[key]))]
    if not values:
        return False
    if a.get("within_epochs"):
        return any(_within(v, a) for e, v in values if e <= a["within_epochs"])
    epoch, last = values[-1]
    if a.get("after_epochs") and epoch < a["after_epochs"]:
        return False
    return _within(last, a)


def _layers(a: Mapping[str, Any], project: Project) -> int:
    graph, count = project.graph, 0
    for name, node in graph.nodes.items():
        if node.kind != a["kind"]:
            continue
        has_out = bool(graph.out_edges(name))
        if (a["role"] == "hidden" and not has_out) or (a["role"] == "output" and has_out):
            continue
        if a["role"] == "hidden" and not graph.in_edges(name):
            continue
        if all(node.options.get(k) == v for k, v in a["options"].items()):
            count += 1
    return count


def setting_value(project: Project, path: str) -> Any:
    """``"training.optimizer_options.learning_rate"``, ``"dataset.name"``, ``"recipe"`` ->
    the value now (None when it is not set)."""
    parts = path.split(".")
    roots: dict[str, Any] = {"training": project.training.to_dict(),
                             "dataset": project.dataset, "recipe": project.recipe}
    value: Any = roots.get(parts[0])
    for part in parts[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return value
