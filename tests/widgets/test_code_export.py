"""File → Export as NumPy / PyTorch script writes the trained network as code; File → Import
weights from PyTorch brings weights trained by that script back into the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from engine.datasets.registry import load_dataset
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch, to_torch
from tests.widgets.test_weights_roundtrip import make_window, messages, train_xor  # noqa: F401
from tests.widgets.window_helpers import file_menu_action


def test_export_writes_the_trained_weights_and_import_loads_them_back(
        make_window, qtbot, tmp_path, monkeypatch, messages):  # noqa: F811
    win = make_window()
    train_xor(win, qtbot, epochs=20)
    trained = win.session.weights_snapshot()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "code")))
    file_menu_action(win, "Export as NumPy script").trigger()
    file_menu_action(win, "Export as PyTorch script").trigger()
    assert not messages
    written = {p.name for p in (tmp_path / "code").iterdir()}
    stem = "xor_with_one_hidden_layer"  # from the project name
    assert {n for n in written if n.endswith(".py")} == {f"{stem}_numpy.py", f"{stem}_torch.py"}
    plan = make_plan(win.doc.snapshot_project(), load_dataset(win.doc.snapshot_project().dataset))
    state = dict(np.load(tmp_path / "code" / f"{stem}_weights.npz"))  # torch layout: last
    back = from_torch(plan, state)
    for key, value in trained.items():
        np.testing.assert_allclose(back[key], value, rtol=1e-6)

    elsewhere = {k: v * 0.5 + 0.25 for k, v in state.items()}  # "trained by torchrun"
    np.savez(tmp_path / "trained.npz", **elsewhere)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "trained.npz"), "")))
    file_menu_action(win, "Import weights from PyTorch").trigger()
    assert not messages
    now = win.session.weights_snapshot()
    for key, value in from_torch(plan, elsewhere).items():
        np.testing.assert_allclose(now[key], value, rtol=1e-6)
    assert to_torch(plan, now).keys() == state.keys()


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_importing_a_bad_file_says_so_and_keeps_the_weights(  # noqa: F811
        make_window, qtbot, tmp_path, monkeypatch, messages, content):  # noqa: F811
    win = make_window()
    train_xor(win, qtbot, epochs=5)
    before = win.session.weights_snapshot()
    bad = tmp_path / "bad.npz"
    if content is None:
        np.savez(bad, unrelated=np.ones(3))
    else:
        bad.write_bytes(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    file_menu_action(win, "Import weights from PyTorch").trigger()
    assert len(messages) == 1 and "Traceback" not in messages[0][1]
    after = win.session.weights_snapshot()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value)


@pytest.mark.parametrize("name", ["vae_digits_2d", "gan_ring_of_gaussians"])
def test_a_generative_example_exports_as_a_numpy_script(  # noqa: F811
        make_window, qtbot, tmp_path, monkeypatch, messages, name):  # noqa: F811
    """File → Export as NumPy script on a VAE or a GAN writes a script that trains (it used
    to refuse: 'Export it as a PyTorch script instead')."""
    from app.examples import example_path
    from tests.engine.export_helpers import load_script

    win = make_window()
    assert win.files.open_example(example_path(name))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "code")))
    file_menu_action(win, "Export as NumPy script").trigger()
    assert not messages
    script = next((tmp_path / "code").glob("*_numpy.py"))
    module = load_script(script)
    P = dict(np.load(next((tmp_path / "code").glob("*_weights.npz"))))
    before = {k: v.copy() for k, v in P.items()}
    with np.load(next((tmp_path / "code").glob("*_data.npz"))) as data:
        second = data["labels_train"][:64] if name.startswith("gan") else data["y_train"][:64]
        module.train(P, data["x_train"][:64], second, 1, 0)
    assert all(np.all(np.isfinite(v)) for v in P.values())
    assert any(not np.array_equal(P[k], before[k]) for k in P)


def test_import_reads_a_numpy_scripts_trained_weights_with_the_matching_report(
        make_window, qtbot, tmp_path, monkeypatch, messages):  # noqa: F811
    """The NumPy script trains on (its --train saves NAME_numpy_trained.npz, LayerLab's
    names); File → Import weights loads it by name and shape and reports what matched."""
    import subprocess
    import sys

    from widgets.controllers import weights_import

    win = make_window()
    train_xor(win, qtbot, epochs=5)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "code")))
    file_menu_action(win, "Export as NumPy script").trigger()
    stem = "xor_with_one_hidden_layer"
    subprocess.run([sys.executable, str(tmp_path / "code" / f"{stem}_numpy.py"), "--train",
                    "--epochs", "3"], check=True, capture_output=True, timeout=60)
    trained_file = tmp_path / "code" / f"{stem}_numpy_trained.npz"
    trained = dict(np.load(trained_file))
    before = win.session.weights_snapshot()
    assert set(trained) == set(before)
    assert any(not np.array_equal(trained[k], before[k]) for k in before)  # it trained on
    first = next(n for n, node in win.doc.graph.nodes.items() if node.kind == "Dense")
    win.doc.rename_layer(first, "renamed")  # this layer cannot match by name
    reports: list[list[str]] = []
    monkeypatch.setattr(weights_import, "show_report",
                        lambda _w, _t, lines: reports.append(lines))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(trained_file), "")))
    file_menu_action(win, "Import weights from PyTorch or NumPy").trigger()
    assert not messages
    now = win.session.weights_snapshot()
    others = [k for k in trained if not k.startswith(f"{first}/")]
    assert others
    for key in others:  # the window's network is float32
        np.testing.assert_allclose(now[key], trained[key], rtol=1e-6)
    assert not np.allclose(now["renamed/kernel"], trained[f"{first}/kernel"])
    text = "\n".join(reports[0])
    assert f"{stem}_numpy_trained.npz" in text
    assert "Skipped renamed: the other project has no layer with this name." in text
    assert f"Not used (no layer of that name here): {first}." in text
