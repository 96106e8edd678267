"""Lessons headless: every shipped lesson is solvable by its reference solution (each check
false at the start of its step, true after), malformed files name the place, checks judge the
state as documented, and ``main.py lesson`` prints the verdicts."""

import copy
import json

import pytest

from engine.cli import main
from engine.lessons import LESSONS_DIR, LessonFileError, bundled_lessons, load_lesson
from engine.lessons.checks import holds, parse_check
from engine.lessons.richtext import formula, to_html
from engine.lessons.runner import HeadlessEditor, run_lesson

SHIPPED = bundled_lessons()


def test_the_course_starts_with_three_readable_lessons():
    assert len(SHIPPED) >= 3
    assert all(lesson is not None for _, lesson, _ in SHIPPED), [p for p, _, p in SHIPPED if p]
    ids = [lesson.id for _, lesson, _ in SHIPPED]
    assert ids[:3] == ["01_perceptron", "02_xor_hidden_layer", "03_learning_rate"]
    for _, lesson, _ in SHIPPED:
        assert len(lesson.check_ids()) >= 2 and lesson.goals


@pytest.mark.parametrize("path", [p for p, _, _ in SHIPPED], ids=lambda p: p.name)
def test_every_shipped_lesson_is_solved_by_its_reference_solution(path):
    report = run_lesson(load_lesson(path))
    assert report.error is None, report.error
    for step in report.steps:
        for c in step.checks:
            assert not c.at_start, f"step {step.number}: '{c.check.label}' true from the start"
            assert c.after_solution, f"step {step.number}: '{c.check.label}' not reached"
    assert report.ok


# -- malformed files ---------------------------------------------------------------------------
def _lesson_json() -> dict:
    return json.loads((LESSONS_DIR / "01_perceptron.lesson.json").read_text())


def _broken(tmp_path, change):
    data = _lesson_json()
    change(data)
    path = tmp_path / "mine.lesson.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LessonFileError) as err:
        load_lesson(path)
    return str(err.value)


@pytest.mark.parametrize("change, words", [
    (lambda d: d["steps"][1]["checks"][0].update(at_lest=1), ["step 2, check 1", "at_lest"]),
    (lambda d: d["steps"][2]["checks"][0].update(type="magic"), ["step 3, check 1", "type"]),
    (lambda d: d["steps"][1]["checks"][0].pop("at_least"), ["step 2, check 1", "at_least"]),
    (lambda d: d["steps"][1]["solution"].append({"do": "answer", "check": "x", "value": 1}),
     ["'train' must be the last"]),
    (lambda d: d["steps"][0]["solution"][0].update(check="nope"), ["'nope'", "answer"]),
    (lambda d: d["steps"][0]["setup"].append({"do": "train"}), ["step 1, setup action 4",
                                                                 "solution"]),
    (lambda d: d["steps"][1].pop("solution"), ["step 2", "solution"]),
    (lambda d: d.update(version=7), ["newer LayerLab"]),
    (lambda d: d.pop("steps"), ["'steps'"]),
    (lambda d: d["steps"][3]["checks"][0].update(correct=9), ["step 4, check 1", "correct"]),
])
def test_a_malformed_lesson_names_the_file_and_the_place(tmp_path, change, words):
    message = _broken(tmp_path, change)
    assert message.startswith("The lesson file 'mine.lesson.json'")
    for word in words:
        assert word.lower() in message.lower(), message
    assert "Traceback" not in message


def test_broken_json_and_huge_numbers_use_the_guarded_parser(tmp_path):
    path = tmp_path / "x.lesson.json"
    path.write_text('{"format": "layerlab-lesson", "version": 1, "title": "x",')
    with pytest.raises(LessonFileError, match="line 1"):
        load_lesson(path)
    path.write_text('{"format": "layerlab-lesson", "version": 1, "order": ' + "9" * 60 + "}")
    with pytest.raises(LessonFileError, match="digits long"):
        load_lesson(path)


def test_an_open_action_naming_a_missing_project_is_a_readable_error(tmp_path):
    data = _lesson_json()
    data["steps"][0]["setup"][0]["project"] = "examples/gone.layerlab.json"
    path = tmp_path / "gone.lesson.json"
    path.write_text(json.dumps(data))
    report = run_lesson(load_lesson(path))
    assert not report.ok and "step 1" in report.error and "gone.layerlab.json" in report.error


# -- checks ------------------------------------------------------------------------------------
def _editor(example="xor"):
    from pathlib import Path

    editor = HeadlessEditor()
    editor.open_project(Path(f"assets/examples/{example}.layerlab.json"))
    return editor


def test_metric_checks_read_the_current_run():
    editor = _editor()
    within = parse_check({"type": "metric", "metric": "train_accuracy", "at_least": 1.0,
                          "within_epochs": 3}, "c", "a")
    after = parse_check({"type": "metric", "metric": "train_accuracy", "at_most": 0.75,
                         "after_epochs": 4}, "c", "b")
    editor._rows = [{"epoch": 1, "train_accuracy": 0.5}, {"epoch": 2, "train_accuracy": 0.75},
                    {"epoch": 3, "train_accuracy": 0.75}]
    assert not holds(within, editor) and not holds(after, editor)  # epoch 3 < 4
    editor._rows.append({"epoch": 4, "train_accuracy": 0.75})
    assert holds(after, editor)
    editor._rows[1]["train_accuracy"] = 1.0
    assert holds(within, editor)
    editor.set_options("hidden", {"units": 3})  # a new network: the old run no longer counts
    assert not holds(within, editor) and not holds(after, editor)


def test_layer_setting_params_and_answer_checks():
    editor = _editor()
    hidden = parse_check({"type": "layer", "kind": "Dense", "role": "hidden"}, "c", "h")
    no_relu = parse_check({"type": "layer", "kind": "Dense", "present": False,
                           "options": {"activation": "relu"}}, "c", "r")
    assert holds(hidden, editor) and holds(no_relu, editor)
    assert hidden.label == "The network has a hidden Dense layer"
    editor.set_options("hidden", {"activation": "relu"})
    assert not holds(no_relu, editor)
    params = parse_check({"type": "params", "at_most": 9}, "c", "p")
    assert holds(params, editor)
    editor.set_options("hidden", {"units": 3})
    assert not holds(params, editor)
    lr = parse_check({"type": "setting", "setting": "training.optimizer_options.learning_rate",
                      "at_most": 0.01}, "c", "l")
    assert not holds(lr, editor)
    editor.set_training({"optimizer_options": {"learning_rate": 0.001}})
    assert holds(lr, editor)
    number = parse_check({"type": "answer", "question": "How many?", "number": 6.4,
                          "tolerance": 0.5}, "c", "n")
    for given, right in ((None, False), ("6", True), ("7", False), ("abc", False), (6.8, True)):
        editor.answer("n", given)
        assert holds(number, editor) is right
    with pytest.raises(LessonFileError, match="setting"):
        parse_check({"type": "setting", "setting": "graph.x", "equals": 1}, "check 1", "s")


def test_training_headless_fills_rows_and_coach_cards():
    editor = _editor("spiral")
    editor.set_training({"optimizer": "sgd", "optimizer_options": {"learning_rate": 1e-4},
                         "batch_size": 10})  # 1,200 flat steps: enough for the Coach
    editor.train(30)
    assert len(editor.epoch_rows) == 30 and "flat_loss" in editor.coach_cards
    before = copy.deepcopy(editor.project.training.to_dict())
    assert before["epochs"] == 30


# -- rich text ---------------------------------------------------------------------------------
def test_formulas_become_sub_and_superscripts_and_text_is_escaped():
    assert formula(r"w_i \leftarrow w_i + \eta x_i") == (
        "<i>w<sub>i</sub> ← w<sub>i</sub> + η x<sub>i</sub></i>")
    assert "e<sup>-z</sup>" in formula(r"\frac{1}{1+e^{-z}}")
    assert "y\u0302" in formula(r"\hat{y}")
    html = to_html("a <b>tag</b> and **bold**\n\n- one\n- two $x^2$")
    assert "&lt;b&gt;" in html and "<b>bold</b>" in html and "<li>two <i>x<sup>2</sup></i>" in html
    assert "not found" in to_html("![p](nowhere.png)")


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_lesson_prints_every_check_and_fails_on_a_check_true_from_the_start(tmp_path, capsys):
    assert main(["lesson", str(LESSONS_DIR / "01_perceptron.lesson.json")]) == 0
    out = capsys.readouterr().out
    assert "All 5 checks" in out and out.count(" ok ") == 5
    data = _lesson_json()
    data["steps"][0]["checks"].append({"type": "layer", "kind": "Dense"})
    path = tmp_path / "easy.lesson.json"
    path.write_text(json.dumps(data))
    assert main(["lesson", str(path)]) == 1
    assert "TRUE FROM THE START" in capsys.readouterr().out
