"""Generative views fed by the real engine: latent scatter, traversal, reconstructions, GAN, form.

A tiny VAE (digits, 2-D code) and tiny GANs (8 Gaussians; 8×8 digit images) train for a step
or two per module; the views get the snapshots the trainers yield.
"""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.latent_decoder import LatentDecoder
from engine.generative import latent
from engine.graph import Graph
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig
from widgets.plots.palette import class_color
from widgets.views.gan_view import GANView
from widgets.views.latent_scatter import LatentScatterView
from widgets.views.latent_traversal import LatentTraversalView
from widgets.views.recipe_options_form import RecipeOptionsForm, option_rows
from widgets.views.reconstruction_view import ReconstructionView

LATENT_PROBES = ["latent_codes", "latent_grid", "reconstructions", "interpolation"]
GAN_PROBES = ["gan_samples", "gan_surface", "mode_coverage"]


def wire(graph, *pairs):
    for a, b in pairs:
        graph.connect(a, b)
    return graph


def vae_graph(d=2):
    g = Graph()
    for kind, name, opts in [("Input", "inp", {"shape": [64]}),
                             ("Dense", "enc", {"units": 16, "activation": "relu"}),
                             ("Dense", "mu", {"units": d}), ("Dense", "log_var", {"units": d}),
                             ("Sampling", "z", {}),
                             ("Dense", "dec", {"units": 16, "activation": "relu"}),
                             ("Dense", "out", {"units": 64, "activation": "sigmoid"})]:
        g.add_node(kind, name, opts)
    return wire(g, ("inp", "enc"), ("enc", "mu"), ("enc", "log_var"), ("mu", "z"),
                ("log_var", "z"), ("z", "dec"), ("dec", "out"))


def gan_graph(images=False):
    g = Graph()
    out = [("Dense", {"units": 64, "activation": "sigmoid"}),
           ("Reshape", {"target_shape": [1, 8, 8]})] if images else [("Dense", {"units": 2})]
    d_in = [("Input", {"shape": [1, 8, 8]}), ("Flatten", {})] if images else \
        [("Input", {"shape": [2]})]
    parts = {"g": [("Input", {"shape": [4]}), ("Dense", {"units": 16, "activation": "relu"}),
                   *out],
             "d": [*d_in, ("Dense", {"units": 16, "activation": "relu"}),
                   ("Dense", {"units": 1, "activation": "sigmoid"})]}
    for prefix, specs in parts.items():
        names = [g.add_node(kind, f"{prefix}{i}", o).name for i, (kind, o) in enumerate(specs)]
        wire(g, *zip(names, names[1:]))
    return g


def vae_project(d=2, probes=LATENT_PROBES):
    return Project(graph=vae_graph(d), dataset={"name": "digits", "n_samples": 300},
                   recipe="vae", training=TrainConfig(
                       epochs=2, batch_size=32, probes=list(probes),
                       recipe_options={"reconstruction_loss": "bce"}))


@pytest.fixture(scope="module")
def vae():
    trainer = prepare(vae_project()).trainer
    return trainer, list(trainer.run())[-1]


def gan_run(images=False):
    dataset = {"name": "digits", "n_samples": 200, "as_image": True} if images else \
        {"name": "gaussian_ring", "noise": 0.05}
    project = Project(graph=gan_graph(images), dataset=dataset, recipe="gan",
                      training=TrainConfig(epochs=2, batch_size=64, probes=GAN_PROBES,
                                           snapshot_every=5))
    trainer = prepare(project).trainer
    return trainer, list(trainer.run())


def test_scatter_shows_every_code_coloured_by_class_and_click_shows_the_sample(qtbot, vae):
    trainer, snap = vae
    view = LatentScatterView()
    qtbot.addWidget(view)
    view.set_dataset(trainer.data)
    view.reconstruct_sample = lambda x: latent.reconstruct(trainer.model, x[None])[0]
    view.update(snap)
    codes, labels = snap.probes["latent_codes"], snap.probes["latent_labels"]
    assert sum(len(item.data) for item in view.items.values()) == len(codes) == 60
    for k, item in view.items.items():
        assert np.allclose(item.data["x"], codes[labels == k, 0])
        assert item.opts["brush"].color().name().upper() == class_color(k).upper()
    assert view.stack.currentWidget() is view.plot_widget
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.update(snap)
    with qtbot.waitSignal(view.sample_clicked) as signal:
        click(view, codes[3])
    index = signal.args[0]
    span = np.ptp(codes, axis=0)
    assert np.all(np.abs(codes[index] - codes[3]) < 0.03 * span)  # the dot under the mouse
    view.select(3)
    assert np.allclose(view.in_image.image, trainer.data.x_val[3].reshape(8, 8))
    expected = latent.reconstruct(trainer.model, trainer.data.x_val[3:4])[0].reshape(8, 8)
    assert np.allclose(view.out_image.image, expected, atol=1e-6)


def test_scatter_without_probes_shows_a_hint(qtbot):
    view = LatentScatterView()
    qtbot.addWidget(view)
    view.update({})
    view.update({"latent_codes": np.zeros((0, 2))})
    assert view.stack.currentWidget() is view.hint


def test_traversal_grid_tiles_the_decodes_and_the_cross_decodes_where_dragged(qtbot, vae):
    trainer, snap = vae
    view = LatentTraversalView()
    qtbot.addWidget(view)
    view.set_dataset(trainer.data)
    calls = []

    def decode(point):
        calls.append(np.array(point))
        return latent.decode_point(trainer.model, trainer.code, point)

    view.decode_point = decode
    view.update(snap)
    grid = snap.probes["latent_grid"]  # (10, 10, 64)
    assert view.grid_image_array.shape == (10 * 9 - 1, 10 * 9 - 1)
    # tile (row r from the bottom, column c) holds decode (r, c), flipped so its top is up
    assert np.allclose(view.grid_image_array[9 * 2: 9 * 2 + 8, 9 * 5: 9 * 5 + 8],
                       grid[2, 5].reshape(8, 8)[::-1])
    calls.clear()
    view.move_point(0.3, -0.4)  # what a drag does to the TargetItem
    assert calls and np.allclose(calls[-1], [0.3, -0.4])
    expected = latent.decode_point(trainer.model, trainer.code, np.array([0.3, -0.4]))
    assert np.allclose(view.point_image, expected)
    assert np.allclose(view.point_item.image, expected.reshape(8, 8))
    assert view.last_decode_ms < 10.0  # fast enough to follow the mouse


def send_mouse(view, kind, point, buttons):
    """A mouse event at the data point ``point`` (x, y) of ``view.plot``."""
    vp = view.plot_widget.viewport()
    scene = view.plot.getViewBox().mapViewToScene(QPointF(float(point[0]), float(point[1])))
    pos = QPointF(view.plot_widget.mapFromScene(scene))
    QApplication.sendEvent(vp, QMouseEvent(kind, pos, QPointF(vp.mapToGlobal(pos)),
                                           Qt.MouseButton.LeftButton, buttons,
                                           Qt.KeyboardModifier.NoModifier))


def click(view, point):
    send_mouse(view, QEvent.Type.MouseButtonPress, point, Qt.MouseButton.LeftButton)
    send_mouse(view, QEvent.Type.MouseButtonRelease, point, Qt.MouseButton.NoButton)


def drag(view, path):
    """A real left-button drag through the latent points ``path`` [(x, y), ...]."""
    left = Qt.MouseButton.LeftButton
    send_mouse(view, QEvent.Type.MouseButtonPress, path[0], left)
    for point in path[1:]:
        send_mouse(view, QEvent.Type.MouseMove, point, left)
    send_mouse(view, QEvent.Type.MouseButtonRelease, path[-1], Qt.MouseButton.NoButton)


def test_dragging_the_cross_with_the_mouse_decodes_along_the_way(qtbot, vae):
    trainer, snap = vae
    view = LatentTraversalView()
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    view.set_dataset(trainer.data)
    calls = []
    view.decode_point = lambda p: calls.append(np.array(p)) or latent.decode_point(
        trainer.model, trainer.code, p)
    view.update(snap)
    start = view.target.pos()
    calls.clear()
    end = (start.x() + 0.3, start.y() - 0.2)
    drag(view, [(start.x(), start.y()), (start.x() + 0.1, start.y()), end])
    assert len(calls) >= 2 and np.allclose(calls[-1], end, atol=0.02)
    expected = latent.decode_point(trainer.model, trainer.code, calls[-1]).reshape(8, 8)
    assert np.allclose(view.point_item.image, expected)


def test_traversal_interpolates_between_two_chosen_samples(qtbot, vae):
    trainer, snap = vae
    view = LatentTraversalView()
    qtbot.addWidget(view)
    view.set_dataset(trainer.data)
    view.update(snap)  # no decoder: the probe's strip
    assert view.strip.shape == (8, 8 * 9 - 1)
    view.decode_point = lambda p: latent.decode_point(trainer.model, trainer.code, p)
    view.choose_sample(1)
    view.choose_sample(4)
    codes = snap.probes["latent_codes"]
    last = latent.decode_point(trainer.model, trainer.code, codes[4]).reshape(8, 8)
    assert np.allclose(view.strip[:, -8:], last, atol=1e-6)
    assert len(view.line.xData) == 2


def test_reconstruction_view_pairs_inputs_with_outputs(qtbot, vae):
    _, snap = vae
    view = ReconstructionView()
    qtbot.addWidget(view)
    view.update(snap)
    x, y = snap.probes["recon_inputs"], snap.probes["recon_outputs"]
    assert view.image.shape == (2 * 9 - 1, 8 * 9 - 1)
    assert np.allclose(view.image[:8, 9:17], x[1].reshape(8, 8))
    assert np.allclose(view.image[9:, 9:17], y[1].reshape(8, 8))
    assert view.error == pytest.approx(float(np.mean((x - y) ** 2)))
    assert "Mean squared error" in view.readout.text()


def test_gan_view_on_the_ring_has_three_layers_curves_and_coverage(qtbot):
    trainer, snaps = gan_run()
    view = GANView()
    qtbot.addWidget(view)
    view.set_dataset(trainer.data)
    for snap in snaps:
        view.update(snap)
    p = snaps[-1].probes
    plotted = view.plot.listDataItems() + [view.surface_item]
    assert all(layer in plotted for layer in view.layers) and len(view.layers) == 3
    assert np.allclose(view.surface_item.image, p["d_surface"])
    assert len(view.fake.data) == len(p["gan_samples"]) == 64
    assert len(view.real.data) > 500
    expected = f"{int(p['modes_covered'])} of 8 modes covered"
    assert view.coverage.text().startswith(expected) and "% of samples near a mode" in \
        view.coverage.text()
    curves = view.curves
    assert len(curves.steps) == len(snaps)
    assert np.allclose(curves.values["d_real"][-1], snaps[-1].extra["d_real"])
    curves.add(1, {"d_loss": 1.0})  # a new run starts again at step 1
    assert curves.steps == [1.0]


def test_gan_view_on_images_shows_a_grid_of_samples(qtbot):
    trainer, snaps = gan_run(images=True)
    view = GANView()
    qtbot.addWidget(view)
    view.set_dataset(trainer.data)
    view.update(snaps[-1])
    samples = snaps[-1].probes["gan_samples"]  # (64, 1, 8, 8)
    assert view.stack.currentWidget() is view.images_widget
    assert view.samples_image.shape == (8 * 9 - 1, 8 * 9 - 1)
    assert np.allclose(view.samples_image[9:17, 18:26], samples[8 + 2, 0])
    assert view.coverage.text() == ""


def test_recipe_form_edits_recipe_options_undoably(qtbot, doc):
    doc.project.recipe = "vae"
    form = RecipeOptionsForm(doc)
    qtbot.addWidget(form)
    rows = option_rows(form)
    assert "β (KL weight) ●" in rows and "Code layer" in rows
    form.form.editors["beta"].setValue(4.0)
    assert doc.project.training.recipe_options == {"beta": 4.0}
    doc.undo_stack.undo()
    assert doc.project.training.recipe_options == {}
    assert form.form.editors["beta"].value() == 1.0
    doc.project.recipe = "gan"
    form.refresh()
    form.form.editors["g_learning_rate"].setValue(0.0002)
    assert doc.project.training.recipe_options == {"g_learning_rate": pytest.approx(0.0002)}
    assert "D learning rate ●" in option_rows(form)


@pytest.mark.parametrize("d", [2, 4])
def test_latent_decoder_follows_the_weights_probe_not_the_live_model(d):
    project = vae_project(d, LATENT_PROBES + ["weights"])
    trainer = prepare(project).trainer
    decoder = LatentDecoder(project, trainer.model)
    snap = list(trainer.run())[-1]
    point = np.array([0.2, -0.3])
    before = decoder.decode_point(point)
    assert decoder.sync(snap)
    after = decoder.decode_point(point)
    assert not np.allclose(before, after)  # the copy took the trained weights
    mean, axes = (snap.probes["latent_mean"], snap.probes["latent_axes"]) if d > 2 else (None,
                                                                                          None)
    expected = latent.decode_point(trainer.model, trainer.code, point, mean, axes)
    assert np.allclose(after, expected, atol=1e-5)
    x = trainer.data.x_val[0]
    assert np.allclose(decoder.reconstruct(x), latent.reconstruct(trainer.model, x[None])[0],
                       atol=1e-5)
