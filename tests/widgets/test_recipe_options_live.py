"""Changing a recipe option in Look inside while a VAE trains: the running trainer takes the
new value before its next chunk, and only the training thread ever writes it (issue 21:
widgets never mutate engine objects while training runs)."""

from __future__ import annotations

import threading

import pytest

from engine.project import Project
from engine.training import TrainConfig
from tests.widgets.test_generative_views import vae_graph
from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True)
    yield win
    win.session.stop()
    win.session.wait_for_worker(5.0)
    close_test_window(win)


def test_recipe_option_reaches_the_running_trainer_on_the_training_thread(
        window, qtbot, monkeypatch):
    window.doc.load(Project(
        graph=vae_graph(), dataset={"name": "digits", "n_samples": 300}, recipe="vae",
        training=TrainConfig(epochs=500, batch_size=32, max_steps_per_second=30,
                             recipe_options={"reconstruction_loss": "bce"})))
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.session.state == "running", timeout=20_000)
    trainer = window.session.trainer
    assert trainer is not None
    writers: list[str] = []
    plain_setattr = TrainConfig.__setattr__

    def recording_setattr(config, name, value):
        if config is trainer.config and name == "recipe_options":
            writers.append(threading.current_thread().name)
        plain_setattr(config, name, value)

    monkeypatch.setattr(TrainConfig, "__setattr__", recording_setattr)
    window.doc.set_training({"recipe_options": {"reconstruction_loss": "bce", "beta": 4.0}})
    qtbot.waitUntil(lambda: trainer.config.recipe_options.get("beta") == 4.0, timeout=10_000)
    assert window.session.state == "running"
    assert writers == ["training"]
