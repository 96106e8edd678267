"""The ``compare`` and ``view_shown`` check kinds: each holds for the action a step teaches
and fails without it — on hand-made runs, on the headless runner, and on the shipped lessons
that use them (23: the fine-tuned run is ahead of the from-scratch run only when the
pre-trained weights are loaded; 06: cross-entropy reaches 95 % sooner than the kept mse run)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from engine.lessons import LESSONS_DIR, LessonFileError, load_lesson
from engine.lessons.checks import holds, parse_check
from engine.lessons.runner import HeadlessEditor, run_lesson


def rows(values, key="val_accuracy"):
    return [{"epoch": i + 1, key: v} for i, v in enumerate(values)]


@dataclass
class RunState:
    """The two run fields ``compare`` reads (the rest of ``LessonState`` is unused)."""

    epoch_rows: list = field(default_factory=list)
    recorded_runs: dict = field(default_factory=dict)
    views_shown: set = field(default_factory=set)


def compare(**entries: Any):
    return parse_check({"type": "compare", "against": "before", "metric": "val_accuracy",
                        **entries}, "step 2, check 1", "s2c1")


SCRATCH = rows([0.24, 0.34, 0.47, 0.68, 0.75, 0.77, 0.85])
TUNED = rows([0.29, 0.61, 0.71, 0.77, 0.81, 0.85, 0.86])


@pytest.mark.parametrize("entries, tuned_passes", [
    ({"measure": "at_epoch", "epoch": 3, "at_least": 0.15}, True),
    ({"measure": "epochs_to", "reach": 0.7, "at_most": -2}, True),
    ({"measure": "best", "at_least": 0.01}, True),
    ({"measure": "last", "at_least": 0.05}, False),  # 0.86 - 0.85: only one point
    ({"measure": "epochs_to", "reach": 0.9, "at_most": -1}, False),  # neither reaches 90 %
])
def test_compare_measures_this_run_against_the_kept_one(entries, tuned_passes):
    check = compare(**entries)
    assert holds(check, RunState(TUNED, {"before": SCRATCH})) is tuned_passes
    # the same run compared with itself never beats it by a positive margin
    assert not holds(check, RunState(SCRATCH, {"before": SCRATCH}))


def test_compare_needs_both_runs_and_counts_a_goal_never_reached_as_infinitely_late():
    check = compare(measure="epochs_to", reach=0.8, at_most=-1)
    assert not holds(check, RunState(TUNED, {}))  # nothing kept yet
    assert not holds(check, RunState([], {"before": SCRATCH}))  # no run now
    never = rows([0.3, 0.5, 0.6])
    assert holds(check, RunState(TUNED, {"before": never}))  # only this run reaches 80 %
    assert not holds(check, RunState(never, {"before": TUNED}))  # only the kept one does
    assert not holds(compare(measure="at_epoch", epoch=9, at_least=0),
                     RunState(TUNED, {"before": SCRATCH}))  # no epoch 9 in either run


def test_compare_on_a_loss_takes_the_lowest_and_reaches_downwards():
    slow, fast = rows([0.7, 0.5, 0.3, 0.2], "val_loss"), rows([0.6, 0.25, 0.2, 0.1], "val_loss")
    best = compare(metric="val_loss", measure="best", at_most=-0.05)
    sooner = compare(metric="val_loss", measure="epochs_to", reach=0.3, at_most=-1)
    for check in (best, sooner):
        assert holds(check, RunState(fast, {"before": slow}))
        assert not holds(check, RunState(slow, {"before": fast}))


def test_compare_entries_are_checked_and_labelled():
    assert "at epoch 3" in compare(measure="at_epoch", epoch=3, at_least=0.1).label
    with pytest.raises(LessonFileError, match="epoch"):
        compare(measure="at_epoch", at_least=0.1)
    with pytest.raises(LessonFileError, match="at_least"):
        compare(measure="best")
    with pytest.raises(LessonFileError, match="measure"):
        compare(measure="median", at_least=0)


def test_view_shown_headless_counts_the_views_brought_to_the_front_in_this_step():
    check = parse_check({"type": "view_shown", "view": "saliency"}, "step 1, check 1", "c")
    dock = parse_check({"type": "view_shown", "view": "inside"}, "step 1, check 2", "d")
    assert check.label == "You opened Look inside → Saliency"
    editor = HeadlessEditor()
    assert not holds(check, editor) and not holds(dock, editor)
    editor.show_view("loss")
    assert not holds(check, editor)
    editor.show_view("saliency")
    assert holds(check, editor) and holds(dock, editor)  # the tab's dock is shown with it
    editor.begin_step()
    assert not holds(check, editor)
    with pytest.raises(LessonFileError, match="view"):
        parse_check({"type": "view_shown", "view": "salency"}, "step 1, check 1", "c")


def _lesson_file(tmp_path, name, change):
    data = json.loads((LESSONS_DIR / name).read_text())
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_a_compare_against_a_run_no_earlier_step_keeps_is_refused(tmp_path):
    path = _lesson_file(tmp_path, "23_fine_tuning.lesson.json",
                        lambda d: d["steps"][0].pop("record"))
    with pytest.raises(LessonFileError, match="record"):
        load_lesson(path)
    path = _lesson_file(tmp_path, "06_losses.lesson.json",
                        lambda d: d["steps"][0]["solution"].insert(
                            0, {"do": "show_view", "view": "nowhere"}))
    with pytest.raises(LessonFileError, match="(?i)step 1, solution action 1: 'view'"):
        load_lesson(path)


def _short(lesson, epochs, drop=lambda action: False, change=lambda action: action):
    """``lesson`` with every run cut to ``epochs`` and some solution actions dropped or
    changed (a learner who skips what the step teaches)."""
    steps = []
    for step in lesson.steps:
        solution = tuple(change(replace(a, args={**a.args, "epochs": epochs})
                                if a.do == "train" else a)
                         for a in step.solution if not drop(a))
        steps.append(replace(step, solution=solution))
    return replace(lesson, steps=tuple(steps))


def _verdicts(report, check_id):
    found = [c for s in report.steps for c in s.checks if c.check.id == check_id]
    assert len(found) == 1 and report.error is None, report.error
    return found[0].at_start, found[0].after_solution


def test_lesson_23_is_ahead_only_with_the_pretrained_weights():
    lesson = load_lesson(LESSONS_DIR / "23_fine_tuning.lesson.json")
    tuned = run_lesson(_short(lesson, 3))
    assert _verdicts(tuned, "tuned_ahead") == (False, True)
    no_init = _short(lesson, 3, change=lambda a: replace(
        a, args={k: v for k, v in a.args.items() if k != "init_from"}))
    report = run_lesson(no_init)
    assert report.transfers == []  # frozen random convolutions
    assert _verdicts(report, "tuned_ahead") == (False, False)
    assert _verdicts(report, "convs_frozen") == (False, True)


def test_lesson_06_cross_entropy_beats_only_a_kept_mse_run():
    lesson = load_lesson(LESSONS_DIR / "06_losses.lesson.json")
    assert _verdicts(run_lesson(lesson), "loss_sooner") == (False, True)
    stays_mse = _short(lesson, 30, change=lambda a: replace(
        a, args={"values": {"loss": "mse"}}) if a.do == "set_training" else a)
    assert _verdicts(run_lesson(stays_mse), "loss_sooner") == (False, False)


def test_a_view_shown_check_is_not_reached_without_the_show_view_action():
    lesson = load_lesson(LESSONS_DIR / "16_convolutions.lesson.json")
    report = run_lesson(_short(lesson, 1, drop=lambda a: a.do == "show_view"))
    assert _verdicts(report, "view_kernel") == (False, False)
