"""Per-position targets: a (T, V) softmax output with (T,) integer labels per sample (the next
token at every position) and a (T, 1) regression output, trained through the Trainer."""

import numpy as np
import pytest

from engine.datasets.base import Dataset
from engine.graph import Graph
from engine.losses import get_loss
from engine.metrics import accuracy, per_position
from engine.model import Model
from engine.targets import choose_loss, output_units
from engine.training import TrainConfig, Trainer

V, T = 6, 8


def markov(n, seed=0):
    """Token sequences where each token has one likely successor: x (n, T), y (n, T) next."""
    rng = np.random.default_rng(seed)
    succ = rng.permutation(V)
    seq = np.empty((n, T + 1), dtype=np.int64)
    seq[:, 0] = rng.integers(0, V, n)
    for t in range(1, T + 1):
        noise = rng.random(n) < 0.1
        seq[:, t] = np.where(noise, rng.integers(0, V, n), succ[seq[:, t - 1]])
    return seq[:, :-1].astype(np.float32), seq[:, 1:]


def dataset(x, y, task, n_classes):
    cut = int(len(x) * 0.8)
    return Dataset("seq", x[:cut], y[:cut], x[cut:], y[cut:], task, n_classes,
                   tuple(x.shape[1:]), n_classes or 1, [], [], "test sequences")


def test_per_position_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, T, V))
    labels = rng.integers(0, V, (3, T))
    value, grad = get_loss("categorical_crossentropy", from_logits=True).value_and_grad(
        logits, labels)
    tl = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tl.reshape(-1, V), torch.from_numpy(labels).reshape(-1))
    ref.backward()
    assert value == pytest.approx(float(ref.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, tl.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_targets_and_accuracy_are_per_position():
    assert output_units((T, V)) == V and output_units((5,)) == 5
    loss, coder, logits = choose_loss("auto", {}, "classification", V, V, "softmax")
    labels = np.array([[1, 2, 3], [0, 0, 5]])
    assert logits and coder.encode(labels).shape == (2, 3)
    scores = np.eye(V)[[[1, 2, 0], [0, 0, 5]]]  # (2, 3, V): 5 of 6 positions right
    assert accuracy(*per_position(labels, scores)) == pytest.approx(5 / 6)
    _, binary, _ = choose_loss("auto", {}, "classification", 2, 1, "sigmoid")
    assert binary.encode(np.array([[0, 1, 1]])).shape == (1, 3, 1)
    truth, s = per_position(np.array([[0, 1, 1]]), binary.scores(np.array([[[0.2], [0.9], [0.4]]])))
    assert accuracy(truth, s) == pytest.approx(2 / 3)
    flat_truth, flat_scores = per_position(np.array([1, 0]), np.eye(2))  # per sample: unchanged
    assert flat_truth.shape == (2,) and flat_scores.shape == (2, 2)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_trainer_learns_next_token_at_every_position(cell):
    x, y = markov(400)
    graph = Graph.sequential([
        {"kind": "Input", "shape": [T]},
        {"kind": "Embedding", "input_dim": V, "output_dim": 8},
        {"kind": cell, "units": 16, "return_sequences": True},
        {"kind": "TimeDistributed", "units": V, "activation": "softmax"},
    ])
    model = Model(graph, seed=0)
    trainer = Trainer(model, dataset(x, y, "classification", V),
                      TrainConfig(epochs=8, batch_size=32, optimizer="adam",
                                  optimizer_options={"learning_rate": 0.02}))
    snaps = list(trainer.run())
    losses = trainer.history["train_loss"]
    assert losses[-1] < 0.6 * losses[0]
    assert snaps[-1].metrics["val_accuracy"] > 0.7  # ~0.9 reachable, chance is 1/6


def test_trainer_regression_per_position_running_sum():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (300, T, 1)).astype(np.float32)
    y = np.cumsum(x, axis=1)[..., 0]  # (N, T): running sum at every position
    graph = Graph.sequential([
        {"kind": "Input", "shape": [T, 1]},
        {"kind": "SimpleRNN", "units": 8, "return_sequences": True},
        {"kind": "TimeDistributed", "units": 1},
    ])
    trainer = Trainer(Model(graph, seed=0), dataset(x, y, "regression", 0),
                      TrainConfig(epochs=10, batch_size=20, optimizer="adam",
                                  optimizer_options={"learning_rate": 0.01}))
    snaps = list(trainer.run())
    assert trainer.history["train_loss"][-1] < 0.2 * trainer.history["train_loss"][0]
    assert snaps[-1].metrics["val_r2"] > 0.8


def test_trainer_bidirectional_pooled_classifier_with_dropout():
    """Bidirectional GRU -> SequencePooling -> Dense: one label per sequence (is token 0 in
    the first half?). Runs through the model's flat parameter buffers and dropout masks."""
    rng = np.random.default_rng(2)
    x = rng.integers(1, V, (400, T)).astype(np.float32)
    y = (rng.random(400) < 0.5).astype(np.int64)
    x[y == 1, rng.integers(0, T // 2, int(y.sum()))] = 0
    graph = Graph.sequential([
        {"kind": "Input", "shape": [T]},
        {"kind": "OneHot", "depth": V},
        {"kind": "Bidirectional", "cell": "GRU", "units": 8, "return_sequences": True},
        {"kind": "SequencePooling", "mode": "max"},
        {"kind": "Dropout", "rate": 0.1},
        {"kind": "Dense", "units": 2, "activation": "softmax"},
    ])
    trainer = Trainer(Model(graph, seed=0), dataset(x, y, "classification", 2),
                      TrainConfig(epochs=15, batch_size=20, optimizer="adam",
                                  optimizer_options={"learning_rate": 0.02}))
    snaps = list(trainer.run())
    assert trainer.history["train_loss"][-1] < 0.5 * trainer.history["train_loss"][0]
    assert snaps[-1].metrics["val_accuracy"] > 0.85


def test_confusion_probe_counts_every_position_of_a_sequence():
    from pathlib import Path

    from engine.probes import QUICK_CONFUSIONS, QUICK_POSITIONS
    from engine.project import load_project
    from engine.recipes import prepare

    example = Path(__file__).resolve().parents[2] / "assets/examples/tiny_transformer.layerlab.json"
    prepared = prepare(load_project(example))
    grid, data = prepared.trainer.probe_grid, prepared.data
    t = data.y_val.shape[1]
    for _ in range(QUICK_CONFUSIONS):  # step 0 and the first frame: whole sequences, fewer
        quick = grid.compute(["confusion"])["confusion"]
        assert quick.sum() == (QUICK_POSITIONS // t) * t
    matrix = grid.compute(["confusion"])["confusion"]
    n = min(len(data.y_val), 2000)
    assert matrix.shape == (data.n_classes, data.n_classes)
    assert matrix.sum() == n * t  # one prediction per position
