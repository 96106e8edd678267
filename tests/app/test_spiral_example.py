"""The bundled spiral example teaches as a classifier should: softmax output and
cross-entropy (as Keras/PyTorch would), and it separates the spiral (≥ 90 % validation)
well within its epochs, a few seconds into the run at its own watch speed."""

from __future__ import annotations

from app.examples import example_path
from engine.project import load_project
from engine.recipes import prepare


def test_the_spiral_example_is_a_softmax_classifier_that_learns_watchably() -> None:
    project = load_project(example_path("spiral"))
    output = project.graph.nodes["output"].options
    assert (output["units"], output["activation"]) == (2, "softmax")
    prepared = prepare(project)
    assert "entropy" in type(prepared.trainer.loss).__name__.lower()
    config = project.training
    rows = [row for snap in prepared.trainer.run() for row in snap.epoch_rows]
    accuracy = [row["val_accuracy"] for row in rows]
    assert len(accuracy) == config.epochs and accuracy[-1] >= 0.95
    formed = next(i for i, a in enumerate(accuracy) if a >= 0.9)
    assert formed < config.epochs / 2  # comfortably within its epochs
    seconds = rows[formed]["step"] / config.max_steps_per_second
    assert 2.0 <= seconds <= 10.0, seconds  # watchable: not instant, not a long wait
