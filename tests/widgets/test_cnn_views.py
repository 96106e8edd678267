"""CNN views: filter grid, feature maps, kernel playground, misclassified gallery."""

from types import SimpleNamespace

import numpy as np
import pytest

from engine.graph import Graph
from engine.introspection.feature_maps import apply_kernel, cnn_probes, preset_kernel
from engine.model import Model
from widgets.plots.palette import hex_rgb, plot_style
from widgets.views.feature_maps import MAX_CHANNELS, FeatureMapView
from widgets.views.filter_grid import MEAN, FilterGridView
from widgets.views.kernel_playground import CUSTOM, KernelPlayground
from widgets.views.misclassified import MisclassifiedGallery


def dataset(n=12, shape=(1, 8, 8), task="classification"):
    rng = np.random.default_rng(0)
    return SimpleNamespace(x_train=rng.random((n, *shape), dtype=np.float32),
                           y_train=np.arange(n) % 3, x_val=rng.random((n, *shape),
                                                                      dtype=np.float32),
                           y_val=np.arange(n) % 3, task=task, class_names=["a", "b", "c"])


def snap(**probes):
    return SimpleNamespace(probes=probes)


def shown_image(panel):
    return panel.image.image


# -- filter grid --------------------------------------------------------------------------------
def test_filter_grid_layers_channels_and_live_update(qtbot):
    view = FilterGridView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(1)
    filters = {"conv1": rng.normal(size=(4, 1, 3, 3)), "conv2": rng.normal(size=(6, 3, 3, 3))}
    view.update(snap(cnn_filters=filters))
    assert not view.showing_hint
    assert [view.layer_box.itemText(i) for i in range(2)] == ["conv1", "conv2"]
    np.testing.assert_array_equal(view.shown, filters["conv1"][:, 0])
    assert not view.channel_box.isEnabled()  # one input channel: nothing to choose
    with qtbot.waitSignal(view.layer_changed) as sig:
        view.set_layer("conv2")
    assert sig.args == ["conv2"]
    assert view.channel == MEAN and view.channel_box.count() == 4
    np.testing.assert_allclose(view.shown, filters["conv2"].mean(axis=1))
    view.set_channel(2)
    np.testing.assert_array_equal(view.shown, filters["conv2"][:, 2])
    item = view.panel.image
    newer = {k: v * 2 for k, v in filters.items()}
    view.show_filters(newer)  # same layers: same item, same choices, new values
    assert view.panel.image is item and view.layer == "conv2" and view.channel == 2
    np.testing.assert_array_equal(view.shown, newer["conv2"][:, 2])


def test_filter_grid_levels_are_symmetric_around_zero(qtbot):
    view = FilterGridView()
    qtbot.addWidget(view)
    view.set_theme("light")
    kernel = np.zeros((1, 1, 3, 3))
    kernel[0, 0, 0, 0], kernel[0, 0, 2, 2] = 2.0, -0.5
    view.show_filters({"c": kernel})
    img = shown_image(view.panel)  # one 3×3 tile enlarged to 24×24 pixels
    assert img.shape[:2] == (24, 24)
    background = hex_rgb(plot_style("light").background)
    np.testing.assert_allclose(img[12, 12, :3], background, atol=2)  # 0 -> background
    assert img[0, 0, 2] > img[0, 0, 0]  # +2 -> blue
    assert img[-1, -1, 0] > img[-1, -1, 2]  # -0.5 -> orange, but lighter than full
    assert img[-1, -1, :3].sum() > img[0, 0, :3].sum()
    assert "±2" in view.scale_label.text()


def test_filter_grid_without_conv_layers_shows_a_hint(qtbot):
    view = FilterGridView()
    qtbot.addWidget(view)
    view.show_filters({"c": np.ones((2, 1, 3, 3))})
    view.update(snap(cnn_filters={}))
    assert view.showing_hint and "Conv2D" in view.hint.text()
    view.update(snap(cnn_filters={"dense": np.ones((3, 4))}))  # wrong shape: ignored
    assert view.showing_hint
    view.update(snap())  # probe absent this frame: keep what is shown
    assert view.showing_hint
    view.update(snap(**{"introspection:cnn_filters": {"c": np.ones((2, 1, 3, 3))}}))
    assert not view.showing_hint
    view.update(snap(**{"introspection:cnn_filters": {"error": "Broken."}}))
    assert view.showing_hint and view.hint.text() == "Broken."


# -- feature maps -------------------------------------------------------------------------------
def test_feature_maps_rows_cap_and_in_place_updates(qtbot):
    view = FeatureMapView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(2)
    maps = {"conv1": rng.random((20, 8, 8)), "pool1": rng.random((20, 4, 4)) - 0.5}
    image = rng.random((1, 8, 8))
    view.show_maps(maps, image, index=0)
    assert not view.showing_hint
    assert [row[0] for row in view.rows] == ["conv1", "pool1"]
    label, panel = view.rows[0][2], view.rows[0][3]
    assert f"+{20 - MAX_CHANNELS} more" in label.text()
    assert shown_image(panel).shape[1] > shown_image(panel).shape[0]  # 2 rows of 8 tiles
    view.update(snap(cnn_maps={"index": 0, "input": image, "layers": maps}))
    assert view.rows[0][3] is panel  # same layers: no rebuild
    view.show_maps({"conv1": rng.random((4, 8, 8))}, image, 0)
    assert len(view.rows) == 1 and view.rows[0][3] is not panel
    assert "more" not in view.rows[0][2].text()


def test_feature_maps_colour_maps_follow_the_sign(qtbot):
    view = FeatureMapView()
    qtbot.addWidget(view)
    positive = np.zeros((1, 4, 4))
    positive[0, 0, 0] = 3.0
    view.show_maps({"relu": positive, "signed": -positive})
    relu, signed = (shown_image(row[3]) for row in view.rows)
    assert relu[0, 0, :3].tolist() != signed[0, 0, :3].tolist()
    assert signed[0, 0, 0] > signed[0, 0, 2]  # negative -> orange


def test_feature_maps_sample_selector_and_dataset(qtbot):
    view = FeatureMapView()
    qtbot.addWidget(view)
    data = dataset()
    view.set_dataset(data)
    assert view.spin.maximum() == len(data.x_val) - 1
    with qtbot.waitSignal(view.sample_changed) as sig:
        view.set_sample(5)
    assert sig.args == [5]
    assert "sample 5" in view.input_label.text() and "class <b>c</b>" in view.input_label.text()
    view.show_maps({"conv": np.ones((2, 8, 8))}, data.x_val[3], index=3)
    assert "waiting for sample 5" in view.status.text()
    view.set_sample(3)
    assert view.status.text() == ""
    view.update(snap(cnn_maps={"index": 7, "split": "probe", "input": data.x_val[0],
                               "layers": {"conv": np.ones((2, 8, 8))}}))
    assert view.status.text() == "" and "class" not in view.input_label.text()


def test_feature_maps_without_image_layers_shows_a_hint(qtbot):
    view = FeatureMapView()
    qtbot.addWidget(view)
    view.update(snap(cnn_maps={"index": 0, "input": None, "layers": {"dense": np.ones(4)}}))
    assert view.showing_hint
    view.update(snap(cnn_maps="garbage"))
    assert view.showing_hint
    view.update(snap(**{"introspection:cnn_maps": {"error": "Not an image."}}))
    assert view.hint.text() == "Not an image."


# -- kernel playground --------------------------------------------------------------------------
def test_kernel_playground_presets_and_edits(qtbot):
    view = KernelPlayground()
    qtbot.addWidget(view)
    view.set_preset("Sharpen")
    np.testing.assert_array_equal(view.kernel, preset_kernel("Sharpen"))
    np.testing.assert_allclose(view.output, apply_kernel(view.image, view.kernel))
    with qtbot.waitSignal(view.kernel_changed):
        view.table.item(0, 0).setText("2.5")  # what typing into the cell does
    assert view.kernel[0, 0] == 2.5 and view.preset_box.currentText() == CUSTOM
    np.testing.assert_allclose(view.output, apply_kernel(view.image, view.kernel))
    np.testing.assert_allclose(shown_image(view.output_panel).shape[:2], view.image.shape)
    view.table.item(1, 1).setText("lots")  # not a number: the old value comes back
    assert view.table.item(1, 1).text() == "5" and view.kernel[1, 1] == 5


def test_kernel_playground_sizes(qtbot):
    view = KernelPlayground()
    qtbot.addWidget(view)
    view.set_preset("Laplacian (edges)")
    view.set_size(5)
    assert view.kernel.shape == (5, 5) and view.table.rowCount() == 5
    np.testing.assert_array_equal(view.kernel[1:4, 1:4], preset_kernel("Laplacian (edges)"))
    view.set_preset("Gaussian blur 5×5")
    view.set_size(3)  # a 5×5 preset cannot be 3×3: the centre is kept, now Custom
    assert view.kernel.shape == (3, 3) and view.preset_box.currentText() == CUSTOM
    np.testing.assert_array_equal(view.kernel, preset_kernel("Gaussian blur 5×5")[1:4, 1:4])


def test_kernel_playground_uses_dataset_images(qtbot):
    view = KernelPlayground()
    qtbot.addWidget(view)
    assert view.image.shape == (28, 28) and not view.spin.isEnabled()  # test pattern
    data = dataset(shape=(3, 10, 10))
    view.set_dataset(data)
    view.set_sample(4)
    np.testing.assert_allclose(view.image, data.x_train[4].mean(axis=0), rtol=1e-6)
    assert "class b" in view.input_panel.title
    view.set_dataset(SimpleNamespace(x_train=np.zeros((5, 2)), task="classification"))
    assert view.image.shape == (28, 28)  # points, not images: the pattern again
    view.update(snap())  # nothing to read, no crash


# -- misclassified gallery ----------------------------------------------------------------------
def mistakes(n=5, images=True):
    rng = np.random.default_rng(3)
    result = {"index": np.arange(n) * 2, "true": np.arange(n) % 3,
              "predicted": (np.arange(n) + 1) % 3,
              "confidence": np.linspace(0.9, 0.5, n), "n_wrong": n, "n_total": 12,
              "split": "val"}
    if images:
        result["images"] = rng.random((n, 1, 8, 8))
    return result


def test_gallery_captions_in_order(qtbot):
    view = MisclassifiedGallery()
    qtbot.addWidget(view)
    view.set_dataset(dataset())
    view.update(snap(cnn_misclassified=mistakes()))
    assert not view.showing_hint
    texts = [cell[2].text for cell in view.cells]
    assert texts[0] == "a → b (90%)" and texts[4] == "b → c (50%)"
    assert "5 of 12 validation images wrong" in view.summary.text()
    items = [cell[1] for cell in view.cells]
    view.show_mistakes(mistakes(3))
    assert [cell[1] for cell in view.cells] == items  # cells are reused
    assert [cell[1].isVisible() for cell in view.cells] == [True] * 3 + [False] * 2


def test_gallery_takes_images_from_the_dataset_and_emits_clicks(qtbot):
    view = MisclassifiedGallery()
    qtbot.addWidget(view)
    data = dataset()
    view.set_dataset(data)
    view.show_mistakes(mistakes(images=False))
    assert not view.showing_hint and len(view.indices) == 5
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    box = view.cells[1][0]
    with qtbot.waitSignal(view.sample_clicked) as sig, \
            qtbot.waitSignal(view.image_clicked) as image:
        view._clicked(SimpleNamespace(scenePos=lambda: box.sceneBoundingRect().center()))
    assert sig.args == [2]
    np.testing.assert_array_equal(image.args[0], data.x_val[2])


def test_gallery_hints(qtbot):
    view = MisclassifiedGallery()
    qtbot.addWidget(view)
    assert view.showing_hint
    view.show_mistakes({**mistakes(0), "n_wrong": 0, "n_total": 12})
    assert view.showing_hint and "No mistakes among the 12" in view.hint.text()
    view.show_mistakes(mistakes(images=False))  # no images and no dataset
    assert view.showing_hint
    view.update(snap(**{"introspection:cnn_misclassified": mistakes()}))
    assert not view.showing_hint and "sampled" not in view.summary.text()
    view.update(snap(**{"introspection:cnn_misclassified": {"error": "Needs labels."}}))
    assert view.showing_hint and view.hint.text() == "Needs labels."


# -- all together, on a real model --------------------------------------------------------------
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_views_draw_real_cnn_probes(qtbot, theme):
    graph = Graph.sequential([
        {"kind": "Input", "name": "input", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv1", "filters": 8, "kernel_size": 3, "padding": "same",
         "activation": "relu"},
        {"kind": "MaxPool2D", "name": "pool1", "pool_size": 2},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    model, data = Model(graph), dataset()
    frame = snap(**cnn_probes(model, data.x_val[1], 1, images=data.x_val, labels=data.y_val))
    views = [FilterGridView(), FeatureMapView(), MisclassifiedGallery(), KernelPlayground()]
    for view in views:
        qtbot.addWidget(view)
        view.set_theme(theme)
        if hasattr(view, "set_dataset"):
            view.set_dataset(data)
        view.update(frame)
    assert views[0].layer == "conv1" and views[0].shown.shape == (8, 3, 3)
    assert [row[0] for row in views[1].rows] == ["conv1", "pool1"]
    assert len(views[2].indices) == frame.probes["cnn_misclassified"]["n_wrong"]


def test_filters_and_maps_follow_training_live(qtbot):
    from engine.training import TrainConfig, Trainer

    graph = Graph.sequential([
        {"kind": "Input", "name": "input", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv1", "filters": 4, "kernel_size": 3, "padding": "same",
         "activation": "relu"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax"}])
    model, data = Model(graph), dataset(n=24)
    data.n_classes, data.input_shape = 3, (1, 8, 8)
    trainer = Trainer(model, data, TrainConfig(epochs=3, batch_size=8, optimizer_options={
        "learning_rate": 0.05}))
    filters, maps = FilterGridView(), FeatureMapView()
    for view in (filters, maps):
        qtbot.addWidget(view)
    frames = []
    for snapshot in trainer.run():
        frame = snap(**cnn_probes(model, data.x_val[0], 0))
        filters.update(frame)
        maps.update(frame)
        frames.append((filters.panel.image, filters.panel.image.image.copy(), maps.rows[0][3]))
    assert len(frames) == 3
    assert all(f[0] is frames[0][0] and f[2] is frames[0][2] for f in frames)  # in place
    assert not np.array_equal(frames[0][1], frames[-1][1])  # the filters moved
