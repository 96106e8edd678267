"""Views that do not apply to the project are hidden, not shown empty or disabled (issue 18
item 4): a regression (the sine forecast) has no confusion matrix, an autoencoder or a GAN no
accuracy; opening a project that has them shows them again."""

from __future__ import annotations

from app.examples import example_path


def _open(window, name: str) -> None:
    assert window.files.open_example(example_path(name))
    window.dataset_panel.ensure_current()


def _confusion_offered(window) -> bool:
    dock = window.docks["confusion"]
    return not dock.isHidden() and dock.toggleViewAction().isVisible()


def test_confusion_matrix_only_for_classifiers(window) -> None:
    assert _confusion_offered(window)  # the spiral: two classes
    _open(window, "sine_rnn")  # a regression: no classes to confuse
    assert not _confusion_offered(window)
    assert not window.docks["network"].isHidden()  # the deep views it does have stay
    _open(window, "digits_mlp")
    assert _confusion_offered(window)
    _open(window, "regression_sine")
    assert not _confusion_offered(window)
    _open(window, "spiral")
    assert _confusion_offered(window)


def test_a_closed_confusion_matrix_stays_closed_on_the_next_classifier(window) -> None:
    window.docks["confusion"].close()  # the learner closed it
    window.dataset_panel.ensure_current()
    _open(window, "circles")
    assert window.docks["confusion"].isHidden()
    assert window.docks["confusion"].toggleViewAction().isVisible()  # and can bring it back


def test_the_loss_panel_offers_only_the_metric_the_project_has(window) -> None:
    loss = window.plots.loss
    assert not loss.acc_box.isHidden() and loss.acc_box.text() == "Accuracy"
    for example in ("ae_digits_2d", "gan_ring_of_gaussians", "vae_digits_2d"):
        _open(window, example)
        assert loss.acc_box.isHidden(), example
        assert loss.metric_plot.scene() is None
    _open(window, "regression_sine")
    assert not loss.acc_box.isHidden() and loss.acc_box.text() == "R²"
    _open(window, "digits_mlp")
    assert not loss.acc_box.isHidden() and loss.acc_box.text() == "Accuracy"


def test_reset_layout_keeps_views_that_do_not_apply_hidden(window) -> None:
    _open(window, "sine_rnn")
    window.reset_layout()
    assert not _confusion_offered(window) and not window.docks["loss"].isHidden()
