"""Every bundled example has lesson text: the paragraph the app shows beside the canvas when a
student opens it (issue 12: "Every bundled example has lesson text"). The generator scripts
hold the same text, so a regeneration keeps it."""

import json
import sys
from pathlib import Path

import pytest

from engine.project import load_project

EXAMPLES = sorted(Path("assets/examples").glob("*.layerlab.json"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_every_example_has_a_lesson_paragraph(path):
    lesson = load_project(path).lesson.strip()
    assert len(lesson.split()) >= 15, f"{path.name}: lesson text missing or too short"
    assert lesson[-1] in ".!?", f"{path.name}: lesson text ends mid-sentence"


def test_the_generator_writes_the_same_lesson_text_for_the_basic_examples():
    sys.path.insert(0, "scripts")
    try:
        import make_examples
    finally:
        sys.path.remove("scripts")
    for name, project in make_examples.examples().items():
        saved = json.loads(Path(f"assets/examples/{name}.layerlab.json").read_text())
        assert project.lesson == saved["lesson"], name
