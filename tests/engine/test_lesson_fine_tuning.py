"""The fine-tuning lesson really fine-tunes: its second step's 'train' action starts from the
pre-trained shapes CNN (``init_from``), so after the headless run the frozen convolutions hold
exactly the pre-trained weights and only the new head learned; a missing ``init_from``
project is a readable error that names the action."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from engine.lessons import LESSONS_DIR, LessonFileError, load_lesson
from engine.lessons.actions import apply
from engine.lessons.runner import HeadlessEditor
from engine.model import Model
from engine.weights_transfer import read_project_weights

LESSON = LESSONS_DIR / "23_fine_tuning.lesson.json"
PRETRAINED = LESSONS_DIR.parent / "examples" / "finetune_shapes_pretrained.layerlab.json"


def short_solution(step, epochs=2):
    """The step's solution with its run cut to ``epochs`` (the test stays fast)."""
    return tuple(replace(a, args={**a.args, "epochs": epochs}) if a.do == "train" else a
                 for a in step.solution)


def test_the_second_step_trains_the_head_on_the_pretrained_convolutions():
    lesson = load_lesson(LESSON)
    first, second = lesson.steps[:2]
    editor = HeadlessEditor()
    for action in first.setup + second.setup + short_solution(second):
        apply(action, editor, lesson.folder)
    assert editor.transfers == ["Loaded 2 layer(s) from finetune_shapes_pretrained.layerlab"
                                ".json (1,248 numbers): conv1, conv2."]
    pretrained = read_project_weights(PRETRAINED)
    fresh = Model(editor.project.graph, seed=editor.project.training.seed).get_weights()
    for key in ("conv1/kernel", "conv1/bias", "conv2/kernel", "conv2/bias"):
        np.testing.assert_array_equal(editor.weights[key], pretrained[key], err_msg=key)
        assert not np.allclose(fresh[key], pretrained[key]), key  # not a fresh start
    assert not np.allclose(editor.weights["digit/kernel"], fresh["digit/kernel"])
    assert editor.trained_epochs == 2


def test_the_first_step_still_trains_from_scratch():
    lesson = load_lesson(LESSON)
    first = lesson.steps[0]
    editor = HeadlessEditor()
    for action in first.setup + short_solution(first, epochs=1):
        apply(action, editor, lesson.folder)
    assert editor.transfers == []
    pretrained = read_project_weights(PRETRAINED)
    assert not np.allclose(editor.weights["conv1/kernel"], pretrained["conv1/kernel"])


def test_init_from_a_missing_project_names_the_action(tmp_path):
    data = json.loads(LESSON.read_text())
    data["steps"][1]["solution"][-1]["init_from"] = "examples/gone.layerlab.json"
    path = tmp_path / "mine.lesson.json"
    path.write_text(json.dumps(data))
    lesson = load_lesson(path)
    editor = HeadlessEditor()
    for action in lesson.steps[0].setup:
        apply(action, editor, lesson.folder)
    with pytest.raises(LessonFileError) as err:
        for action in lesson.steps[1].solution:
            apply(action, editor, lesson.folder)
    assert "gone.layerlab.json" in str(err.value) and "init_from" in str(err.value)


def test_init_from_is_only_a_text_on_train(tmp_path):
    data = json.loads(LESSON.read_text())
    data["steps"][1]["solution"][-1]["init_from"] = 3
    path = tmp_path / "mine.lesson.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LessonFileError) as err:
        load_lesson(path)
    assert "init_from" in str(err.value)
