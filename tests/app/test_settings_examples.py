"""Settings (recent files, theme, layout, first run), the example list and autosave/recovery."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from app.examples import list_examples, read_example, structure_columns
from app.settings import MAX_RECENT, Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def _touch(path: Path) -> Path:
    path.write_text("{}", encoding="utf-8")
    return path


# -- settings ------------------------------------------------------------------------------------
def test_recent_files_most_recent_first_without_duplicates(settings, tmp_path):
    a, b = _touch(tmp_path / "a.layerlab.json"), _touch(tmp_path / "b.layerlab.json")
    settings.add_recent(a)
    settings.add_recent(b)
    settings.add_recent(a)
    assert settings.recent_files() == [str(a.resolve()), str(b.resolve())]
    assert settings.last_project() == str(a.resolve())
    settings.remove_recent(a)
    assert settings.recent_files() == [str(b.resolve())]


def test_recent_files_are_capped_and_skip_missing_files(settings, tmp_path):
    paths = [_touch(tmp_path / f"p{i}.layerlab.json") for i in range(MAX_RECENT + 3)]
    for path in paths:
        settings.add_recent(path)
    assert len(settings.recent_files()) == MAX_RECENT
    paths[-1].unlink()
    assert str(paths[-1].resolve()) not in settings.recent_files()


def test_single_recent_file_survives_a_reload(tmp_path):
    ini = str(tmp_path / "s.ini")
    path = _touch(tmp_path / "only.layerlab.json")
    first = Settings(QSettings(ini, QSettings.Format.IniFormat))
    first.add_recent(path)
    first.sync()
    again = Settings(QSettings(ini, QSettings.Format.IniFormat))
    assert again.recent_files() == [str(path.resolve())]  # one entry is still a list


def test_theme_layout_and_first_run(settings):
    assert settings.theme == "light"
    settings.theme = "dark"
    assert settings.theme == "dark"
    settings.theme = "purple"
    assert settings.theme == "light"
    assert settings.window_state() is None
    settings.save_window(QByteArray(b"geom"), QByteArray(b"state"))
    assert bytes(settings.window_state().data()) == b"state"
    settings.clear_window()
    assert settings.window_geometry() is None
    assert settings.first_run and not settings.engine_prepared
    settings.mark_first_run_done()
    settings.mark_engine_prepared()
    assert not settings.first_run and settings.engine_prepared


# -- examples ------------------------------------------------------------------------------------
def _write_example(folder: Path, key: str, name: str, layers: list, edges: list) -> None:
    data = {"format": "layerlab-project", "version": 1, "name": name,
            "description": f"About {name}.", "dataset": {"name": "spiral"},
            "graph": {"layers": layers, "edges": edges}}
    (folder / f"{key}.layerlab.json").write_text(json.dumps(data), encoding="utf-8")


def test_examples_are_listed_in_course_order_with_their_text(tmp_path):
    chain = [{"kind": "Input", "name": "in", "shape": [2], "position": [0, 0]},
             {"kind": "Dense", "name": "h", "units": 8, "position": [240, 0]},
             {"kind": "Dense", "name": "out", "units": 1, "position": [480, 0]}]
    edges = [["in", "h", 0], ["h", "out", 0]]
    _write_example(tmp_path, "zebra", "Zebra", chain, edges)
    _write_example(tmp_path, "spiral", "Spiral", chain, edges)
    _write_example(tmp_path, "xor", "XOR", chain, edges)
    (tmp_path / "broken.layerlab.json").write_text("{not json", encoding="utf-8")
    examples = list_examples(tmp_path)
    assert [e.key for e in examples] == ["xor", "spiral", "broken", "zebra"]
    spiral = examples[1]
    assert spiral.name == "Spiral" and spiral.description == "About Spiral."
    assert spiral.dataset == "spiral" and spiral.columns == (("Input", 2), ("Dense", 8),
                                                             ("Dense", 1))
    broken = read_example(tmp_path / "broken.layerlab.json")
    assert not broken.ok and "cannot be read" in broken.description


def test_structure_columns_follow_the_wires_not_the_file_order():
    graph = {"layers": [{"kind": "Dense", "name": "out", "units": 3, "position": [0, 0]},
                        {"kind": "Dropout", "name": "drop", "rate": 0.1},
                        {"kind": "Input", "name": "x", "shape": [8, 8]},
                        {"kind": "Dense", "name": "h", "units": 16}],
             "edges": [["x", "h", 0], ["h", "drop", 0], ["drop", "out", 0]]}
    assert structure_columns(graph) == [("Input", 64), ("Dense", 16), ("Dense", 3)]


def test_bundled_examples_all_have_a_name_and_description():
    examples = list_examples()
    for example in examples:
        assert example.ok, example.description
        assert example.name and example.description and example.columns


def test_bundled_examples_are_all_in_course_order_parts_in_sequence():
    from app.examples import PREFERRED_ORDER
    keys = [e.key for e in list_examples()]
    assert set(keys) <= set(PREFERRED_ORDER)  # none falls to the end by its file name
    assert keys == [k for k in PREFERRED_ORDER if k in keys]
    names = [e.name for e in list_examples()]
    parts = [n for n in names if n.startswith("Fine-tuning")]
    assert [p[:17] for p in parts] == ["Fine-tuning (1/2)", "Fine-tuning (2/2)"]


# -- autosave ------------------------------------------------------------------------------------
def test_autosave_writes_recovery_and_discards_it_after_save(qtbot, tmp_path):
    from app.autosave import Autosaver, find_recovery, load_recovery
    from app.document import ProjectDocument

    doc = ProjectDocument()
    project_file = tmp_path / "net.layerlab.json"
    doc.save(project_file)
    saver = Autosaver(doc, tmp_path / "recovery", interval_ms=50)
    assert saver.save_now() is None  # clean: nothing to recover
    doc.add_layer("Input", (0.0, 0.0))
    saver.start()
    qtbot.waitUntil(lambda: saver.current_path.is_file(), timeout=2000)
    saver.stop()
    future = time.time() + 5
    os.utime(saver.current_path, (future, future))
    found = find_recovery(project_file, tmp_path / "recovery")
    assert found == saver.current_path
    recovered = load_recovery(found)
    assert list(recovered.graph.nodes) == list(doc.graph.nodes)
    doc.save()
    assert not saver.current_path.exists()
    assert find_recovery(project_file, tmp_path / "recovery") is None


def test_recovery_older_than_the_project_is_not_offered(tmp_path):
    from app.autosave import find_recovery, recovery_path

    project_file = _touch(tmp_path / "p.layerlab.json")
    rec = recovery_path(tmp_path / "rec", project_file)
    rec.parent.mkdir(parents=True)
    rec.write_text("{}", encoding="utf-8")
    past = time.time() - 100
    os.utime(rec, (past, past))
    assert find_recovery(project_file, tmp_path / "rec") is None
    assert recovery_path(tmp_path, None).name == "untitled.recovery.json"
