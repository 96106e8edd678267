"""Every hostile project, weights and data file named in issue 21 gives a learner-readable
``LayerLabError`` (what, where, what to do) — through the one validation path."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine import validation
from engine.datasets.importers import load_csv, load_idx, load_numpy
from engine.fileio import atomic_write_bytes, clean_folder_temps
from engine.fuzz import INTERNALS
from engine.graph import Graph
from engine.project import Project, load_project, load_weights, save_project, save_weights
from engine.types import DataError, LayerLabError, ProjectFileError

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def _spiral() -> dict:
    return json.loads((EXAMPLES / "spiral.layerlab.json").read_text(encoding="utf-8"))


def _refused(path, *words, error=ProjectFileError, opener=load_project):
    with pytest.raises(error) as info:
        opener(path)
    message = str(info.value)
    assert not INTERNALS.search(message), message
    for word in words:
        assert word in message, message
    return message


def _write(tmp_path, text, name="p.layerlab.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('"units": 8', '"units": 1e400', 1), ["1e400"]),
    (lambda t: t.replace('"units": 8', '"units": Infinity', 1), ["Infinity"]),
    (lambda t: t.replace('"units": 8', '"units": ' + "9" * 5000, 1), ["5,000 digits"]),
    (lambda t: t.replace('"lesson": ', '"deep": ' + "[" * 1000 + "]" * 1000 + ', "lesson": ',
                         1), ["1,001 levels", "100"]),
    (lambda t: t.replace('"name": "Spiral', '"name": "\\ud800Spiral', 1), ["broken character"]),
])
def test_hostile_project_texts_are_refused_with_the_limit(tmp_path, edit, words):
    text = json.dumps(_spiral(), indent=1)
    _refused(_write(tmp_path, edit(text)), *words)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d["graph"]["edges"][0].__setitem__(2, -1), ["Wire 1", "at least 0"]),
    (lambda d: d["graph"]["edges"][0].__setitem__(2, 1.5), ["Wire 1", "whole number"]),
    (lambda d: d["graph"]["layers"][0].__setitem__("shape", [-1]), []),
    (lambda d: d["graph"]["layers"][0].__setitem__("shape", [1e30]), ["at most 10,000,000"]),
    (lambda d: d["graph"]["layers"][1].__setitem__("units", 1.5), ["whole number"]),
    (lambda d: d["training"].__setitem__("batch_size", 1.5), ["batch_size", "whole number"]),
    (lambda d: d["training"].__setitem__("epochs", 10**12), ["epochs", "1,000,000"]),
    (lambda d: d["training"].__setitem__("seed", -7), ["seed", "at least 0"]),
    (lambda d: d["training"].__setitem__("snapshot_every", 0.5), ["snapshot_every"]),
    (lambda d: d["training"].__setitem__("optimizer_options", {"learning_rate": "x"}),
     ["learning_rate"]),
    (lambda d: d.__setitem__("dataset", None), ["'dataset' section"]),
    (lambda d: d.__setitem__("graph", {"layers": [None]}), ["Layer 1"]),
    (lambda d: d.__setitem__("lesson", "word " * 100_000), ["200,000"]),
])
def test_bad_values_name_the_entry(tmp_path, mutate, words):
    data = _spiral()
    mutate(data)
    path = _write(tmp_path, json.dumps(data))
    layers = (data.get("graph") or {}).get("layers") or [None]
    if isinstance(layers[0], dict) and layers[0].get("shape") == [-1]:
        report = load_project(path).graph.infer_shapes()  # a free length loads; check says why
        assert not report.ok and not any(INTERNALS.search(m) for m in report.errors.values())
        return
    _refused(path, *words)


def test_huge_layers_are_reported_by_check_not_counted_silently(tmp_path):
    data = _spiral()
    data["graph"]["layers"][0]["shape"] = [4000]
    data["graph"]["layers"][1]["units"] = 60_000
    report = load_project(_write(tmp_path, json.dumps(data))).graph.infer_shapes()
    assert any("200,000,000" in m for m in report.errors.values()), report.errors


def test_long_chains_load_and_check_in_linear_time(tmp_path):
    """MAX_LAYERS layers (10,000 took 20 s when graph look-ups were quadratic) load and check
    well inside the margin; one layer over is refused with the limit stated."""
    def chain(n):
        layers = [{"kind": "Input", "name": "in", "shape": [4]}]
        layers += [{"kind": "Dense", "name": f"d{i}", "units": 4} for i in range(n)]
        edges = [["in", "d0", 0]] + [[f"d{i}", f"d{i + 1}", 0] for i in range(n - 1)]
        data = Project().to_dict()
        data["graph"] = {"layers": layers, "edges": edges}
        return _write(tmp_path, json.dumps(data), f"chain{n}.layerlab.json")
    start = time.process_time()
    project = load_project(chain(validation.MAX_LAYERS - 1))  # + the Input: at the limit
    assert project.graph.infer_shapes().ok
    assert time.process_time() - start < 2.0  # CPU time; ~0.1 s here, seconds when quadratic
    _refused(chain(validation.MAX_LAYERS), f"{validation.MAX_LAYERS:,}")


def test_graph_edge_index_follows_every_kind_of_edit():
    graph = Graph.sequential([{"kind": "Input", "shape": [2], "name": "i"},
                              {"kind": "Dense", "units": 2, "name": "a"},
                              {"kind": "Dense", "units": 2, "name": "b"}])
    edge = graph.in_edges("b")[0]
    graph.disconnect(edge)
    assert graph.in_edges("b") == [] and graph.out_edges("a") == []
    graph.edges.append(edge)  # external code appends directly
    assert graph.in_edges("b") == [edge]
    graph.edges = [e for e in graph.edges if e.target != "a"]
    assert graph.in_edges("a") == [] and graph.out_edges("i") == []
    graph.rename("b", "c")
    assert [e.target for e in graph.out_edges("a")] == ["c"]
    import copy
    clone = copy.deepcopy(graph)
    assert clone.in_edges("c") == graph.in_edges("c") and len(clone.edges) == 1


# -- weights sidecar ---------------------------------------------------------------------------
def test_weights_sidecar_problems_are_named(tmp_path):
    good = {"dense/kernel": np.ones((2, 2), np.float32)}
    path = tmp_path / "w.layerlab.npz"
    _refused(path, "does not exist", opener=load_weights)
    path.write_bytes(b"")
    _refused(path, "damaged", opener=load_weights)
    path.write_text("hello, I am text\n")
    assert "allow_pickle" not in _refused(path, "damaged", opener=load_weights)
    save_weights(path, good)
    path.write_bytes(path.read_bytes()[:-30])
    _refused(path, "damaged", opener=load_weights)
    save_weights(path, {"dense/kernel": np.full((2, 2), np.nan, np.float32)})
    _refused(path, "NaN", opener=load_weights)
    np.savez(path, **{"w:dense/kernel": np.full((2, 2), "x")})
    _refused(path, "plain numbers", opener=load_weights)
    save_weights(path, good, {"train_loss": [1.0, 0.5], "val_loss": [float("nan")] * 2})
    weights, history = load_weights(path)
    assert weights["dense/kernel"].shape == (2, 2) and history["train_loss"] == [1.0, 0.5]


# -- data importers ----------------------------------------------------------------------------
def _npy_with_shape(path, shape):
    np.save(path, np.zeros((3, 3)))
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"(3, 3)", shape.encode().ljust(6)[:len(shape)], 1)
                     if len(shape) <= 6 else raw.replace(b"'shape': (3, 3), ",
                                                         f"'shape': {shape},".encode(), 1))


def test_data_files_problems_are_named(tmp_path):
    npz = tmp_path / "d.npz"
    np.savez(npz, x=np.array([object(), 1], dtype=object), y=np.arange(2))
    _refused(npz, "Python objects", error=DataError, opener=load_numpy)
    np.savez(npz, x=np.ones((4, 2)), y=np.array(3))
    _refused(npz, "single number", error=DataError, opener=load_numpy)
    np.savez(npz, x=np.ones((4, 2)), y=np.arange(4))
    raw = bytearray(npz.read_bytes())
    raw[60] ^= 0xFF  # inside the stored data: the checksum breaks
    npz.write_bytes(bytes(raw))
    with pytest.raises(DataError):
        load_numpy(npz)
    npy = tmp_path / "t.npy"
    np.save(npy, np.ones((50, 3)))
    npy.write_bytes(npy.read_bytes()[:-100])
    _refused(npy, "cut short", error=DataError, opener=load_numpy)
    np.save(npy, np.zeros((3, 3)))
    npy.write_bytes(npy.read_bytes().replace(b"(3, 3), }", b"(300000000000,), }"[:9], 1))
    header = npy.read_bytes()[:128].replace(b"'shape': (3, 3)", b"'shape': (3, 300000000000)")
    npy.write_bytes(header[:128] + np.zeros(9).tobytes())
    with pytest.raises(DataError):
        load_numpy(npy)
    csv = tmp_path / "big.csv"
    csv.write_text("a,b,label\n1,2,0\n1e300,2,1\n")
    _refused(csv, "Row 3", "too large", error=DataError, opener=load_csv)


def test_idx_dimensions_that_overflow_are_refused(tmp_path):
    images, labels = tmp_path / "i.idx", tmp_path / "l.idx"
    header = (2051).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (2**31, 2**31, 4))
    images.write_bytes(header)
    labels.write_bytes((2049).to_bytes(4, "big") + (0).to_bytes(4, "big"))
    with pytest.raises(DataError) as info:
        load_idx(images, labels)
    assert "imports at most" in str(info.value)


# -- atomic saves ------------------------------------------------------------------------------
KILLED_SAVE = """
import sys
from engine.fileio import atomic_write_bytes
atomic_write_bytes(sys.argv[1], b"x" * 200_000_000)
"""


def test_a_save_killed_midway_leaves_the_file_and_its_temp_is_cleaned(tmp_path):
    target = tmp_path / "big.layerlab.npz"
    atomic_write_bytes(target, b"old contents")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target)], cwd=root)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".big.layerlab.npz.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert target.read_bytes() == b"old contents"  # the old file is intact
    leftovers = list(tmp_path.glob(".big.layerlab.npz.*.tmp"))
    assert leftovers, "the save finished before it was killed"
    assert clean_folder_temps(tmp_path) == leftovers  # the next start cleans it
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target)], cwd=root)
    while not list(tmp_path.glob(".big.layerlab.npz.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    atomic_write_bytes(target, b"new contents")  # ... and so does the next save
    assert target.read_bytes() == b"new contents"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_live_save_of_another_process_is_not_touched(tmp_path):
    target = tmp_path / "p.layerlab.json"
    live = tmp_path / f".p.layerlab.json.{os.getppid()}-abc.tmp"  # the parent is alive
    live.write_bytes(b"in progress")
    save_project(Project(), target)
    assert live.exists() and load_project(target).name == "Untitled"


def test_every_message_is_a_layerlab_error_subclass():
    assert issubclass(ProjectFileError, LayerLabError) and issubclass(DataError, LayerLabError)
