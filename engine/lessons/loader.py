"""Reading lesson files (``*.lesson.json``): the guarded JSON parser and limits of
``engine.validation``, then every entry checked, so a malformed file gives one message that
names the file, the place ("step 2, check 1") and the fix — never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import validation
from engine.lessons.actions import check_order, parse_action
from engine.lessons.checks import parse_check
from engine.lessons.fields import Fields
from engine.lessons.model import FORMAT, SUFFIX, VERSION, Action, Lesson, LessonFileError, Step
from engine.resources import lessons_dir

LESSONS_DIR = lessons_dir()
MAX_STEPS = 200


def load_lesson(path: str | Path) -> Lesson:
    path = Path(path)
    name = f"The lesson file '{validation.describe(path.name)[1:-1]}'"
    try:
        if path.stat().st_size > validation.MAX_PROJECT_BYTES:
            raise LessonFileError(f"{name} is larger than "
                                  f"{validation.MAX_PROJECT_BYTES // 2**20} MB; it is not a "
                                  "lesson file.")
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonFileError(f"{name} does not exist.") from None
    except UnicodeDecodeError:
        raise LessonFileError(f"{name} is not text; open a .lesson.json file.") from None
    except OSError as err:
        raise LessonFileError(f"{name} cannot be read ({(err.strerror or 'error').lower()})."
                              ) from None
    data = validation.parse_json(raw, name, LessonFileError)
    return parse_lesson(data, name, path)


def parse_lesson(data: Any, source: str = "The lesson", path: Path | None = None) -> Lesson:
    """A ``Lesson`` from parsed JSON; ``LessonFileError`` names ``source`` and the place."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LessonFileError(f"{source} is not a LayerLab lesson (its \"format\" must be "
                              f"\"{FORMAT}\").")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LessonFileError(f"{source} has no valid \"version\" (write 1).")
    if version > VERSION:
        raise LessonFileError(f"{source} was written for a newer LayerLab (lesson format "
                              f"{version}); this version reads up to {VERSION}. Update LayerLab.")
    try:
        return _lesson(data, path)
    except LessonFileError as err:
        raise LessonFileError(f"{source}: {err}") from None


def _lesson(data: dict[str, Any], path: Path | None) -> Lesson:
    f = Fields(data, "the lesson")
    f.used.update(("format", "version"))
    stem = path.name[: -len(SUFFIX)] if path and path.name.endswith(SUFFIX) else "lesson"
    lesson_id = f.text("id", stem, validation.MAX_NAME_CHARS)
    title = f.text("title", limit=validation.MAX_NAME_CHARS)
    goals = tuple(validation.text(g, f"Learning goal {i + 1}", validation.MAX_TEXT_CHARS,
                                  LessonFileError)
                  for i, g in enumerate(f.items("goals", min_items=1)))
    order = f.whole("order", 0, low=0, high=10_000)
    minutes = f.whole("minutes", 10, low=1, high=600)
    summary = f.text("summary", "", lines=True)
    steps = tuple(_step(raw, i + 1) for i, raw in
                  enumerate(f.items("steps", min_items=1, max_items=MAX_STEPS)))
    f.done()
    lesson = Lesson(lesson_id, title, goals, steps, order, minutes, summary, path)
    _cross_check(lesson)
    return lesson


def _step(raw: Any, number: int) -> Step:
    where = f"step {number}"
    f = Fields(raw, where)
    title = f.text("title", f"Step {number}", validation.MAX_NAME_CHARS)
    text = f.text("text", lines=True)
    setup = [parse_action(a, f"{where}, setup action {i + 1}", False)
             for i, a in enumerate(f.items("setup", []))]
    checks = tuple(parse_check(c, f"{where}, check {i + 1}", f"s{number}c{i + 1}")
                   for i, c in enumerate(f.items("checks", [])))
    hints = tuple(validation.text(h, f"{f.where}, hint {i + 1}", validation.MAX_TEXT_CHARS,
                                  LessonFileError) for i, h in enumerate(f.items("hints", [])))
    solution: list[Action] = [parse_action(a, f"{where}, solution action {i + 1}", True)
                              for i, a in enumerate(f.items("solution", []))]
    check_order(solution, f"{f.where}'s solution")
    record = f.text("record", "", validation.MAX_NAME_CHARS)
    if checks and not solution:
        raise LessonFileError(f"{f.where} has checks but no 'solution' (the actions that pass "
                              "them); add one so the lesson can be tested and 'Show me' works.")
    f.done()
    return Step(title, text, tuple(setup), checks, hints, tuple(solution), record)


def _cross_check(lesson: Lesson) -> None:
    ids = lesson.check_ids()
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise LessonFileError(f"two checks have the id '{twice[0]}'; give each a unique 'id'.")
    answers = {c.id for s in lesson.steps for c in s.checks if c.type == "answer"}
    kept: set[str] = set()
    for n, step in enumerate(lesson.steps, 1):
        for check in step.checks:
            if check.type == "compare" and check.args["against"] not in kept:
                raise LessonFileError(
                    f"step {n}'s check '{check.id}' compares with the run "
                    f"'{check.args['against']}', which no earlier step keeps; add "
                    f"\"record\": \"{check.args['against']}\" to the step that trains it.")
        if step.record:
            kept.add(step.record)
        for action in step.solution:
            if action.do == "answer" and action.args["check"] not in answers:
                raise LessonFileError(f"step {n}'s solution answers '{action.args['check']}', "
                                      "which is not the id of an 'answer' check.")


def bundled_lessons(folder: Path = LESSONS_DIR) -> list[tuple[Path, Lesson | None, str]]:
    """Every ``*.lesson.json`` in ``folder`` in course order: ``(path, lesson, "")`` or
    ``(path, None, problem)`` for a file that cannot be read (listed, never fatal)."""
    found: list[tuple[Path, Lesson | None, str]] = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            found.append((path, load_lesson(path), ""))
        except LessonFileError as err:
            found.append((path, None, str(err)))
    return sorted(found, key=lambda t: (t[1].order if t[1] else 10_001, t[0].name))
