"""End to end: recurrent networks learn the sequence datasets (engine.recipes.prepare)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.datasets.text import sentiment_vocabulary
from engine.graph import Graph
from engine.project import Project
from engine.recipes import prepare
from engine.text.generate import generate_text
from engine.text.tokenizer import Vocabulary
from engine.training import TrainConfig


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Small recurrent products: OpenBLAS threads on shared cores make them many times slower
    (main.py sets OPENBLAS_NUM_THREADS=1 for the app for the same reason)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def train(layers: list[dict[str, Any]], dataset: dict[str, Any], config: TrainConfig,
          stop: tuple[str, float] | None = None) -> tuple[Any, dict[str, float]]:
    """Train; stop early once ``metrics[stop[0]] > stop[1]``. Returns (prepared, metrics)."""
    prepared = prepare(Project(Graph.sequential(layers), dataset, config))
    metrics: dict[str, float] = {}
    for snap in prepared.trainer.run():
        if snap.epoch_rows:
            metrics = snap.metrics
            if stop is not None and metrics.get(stop[0], -np.inf) > stop[1]:
                break
    return prepared, metrics


def test_lstm_learns_to_copy_five_symbols():
    layers = [{"kind": "Input", "name": "tokens", "shape": [10]},
              {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 16},
              {"kind": "LSTM", "name": "lstm", "units": 64, "return_sequences": True},
              {"kind": "TimeDistributed", "name": "out", "units": 5, "activation": "softmax"}]
    config = TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.02},
                         batch_size=16, epochs=25, seed=0)
    dataset = {"name": "copy", "length": 5, "vocab_size": 4, "n_samples": 1000}
    prepared, metrics = train(layers, dataset, config, stop=("val_accuracy", 0.93))
    assert metrics["val_accuracy"] > 0.9, metrics
    # the answer half (positions 5..9) is really recalled, not just the blanks
    data = prepared.data
    predicted = prepared.model.predict(data.x_val).argmax(axis=-1)
    recall = (predicted[:, 5:] == data.y_val[:, 5:]).mean()
    assert recall > 0.8, recall


def test_simple_rnn_forecasts_a_sine():
    layers = [{"kind": "Input", "name": "window", "shape": [20, 1]},
              {"kind": "SimpleRNN", "name": "rnn", "units": 16},
              {"kind": "Dense", "name": "next", "units": 1, "activation": "linear"}]
    config = TrainConfig(loss="mse", optimizer="adam", optimizer_options={"learning_rate": 0.01},
                         batch_size=32, epochs=30, seed=0)
    dataset = {"name": "sine_forecast", "n_samples": 600, "window": 20, "noise": 0.02}
    _, metrics = train(layers, dataset, config, stop=("val_r2", 0.95))
    assert metrics["val_r2"] > 0.9, metrics


def test_lstm_reads_sentiment_above_chance():
    layers = [{"kind": "Input", "name": "words", "shape": [16]},
              {"kind": "Embedding", "name": "embed", "input_dim": len(sentiment_vocabulary()),
               "output_dim": 16},
              {"kind": "LSTM", "name": "lstm", "units": 24},
              {"kind": "Dense", "name": "label", "units": 1, "activation": "sigmoid"}]
    config = TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.01},
                         batch_size=32, epochs=15, seed=0)
    _, metrics = train(layers, {"name": "sentiment", "n_samples": 1200}, config,
                       stop=("val_accuracy", 0.85))
    assert metrics["val_accuracy"] > 0.75, metrics


def test_char_model_generates_text_from_its_vocabulary():
    layers = [{"kind": "Input", "name": "chars", "shape": [20]},
              {"kind": "Embedding", "name": "embed", "input_dim": 64, "output_dim": 16},
              {"kind": "LSTM", "name": "lstm", "units": 32, "return_sequences": True},
              {"kind": "TimeDistributed", "name": "next", "units": 64, "activation": "softmax"}]
    dataset = {"name": "char_text", "length": 20, "n_samples": 600}
    v = load_dataset(dataset).n_classes
    layers[1]["input_dim"] = layers[3]["units"] = v
    config = TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.01},
                         batch_size=32, epochs=10, seed=0)
    prepared, metrics = train(layers, dataset, config, stop=("val_accuracy", 0.3))
    assert metrics["val_accuracy"] > 0.25  # the most frequent character (space) is 19 %
    vocab = Vocabulary(prepared.data.class_names, "char")
    text = generate_text(prepared.model, vocab, "the fox", 30, temperature=0.8, top_k=5,
                         seed=1)
    assert text.startswith("the fox") and len(text) == 37
    assert generate_text(prepared.model, vocab, "the fox", 30, temperature=0.8, top_k=5,
                         seed=1) == text


@pytest.mark.slow
def test_simple_rnn_fails_where_lstm_copes_on_long_copies():
    """The lesson of the copy example: at length 10 a SimpleRNN stays near the guessing
    accuracy (blanks right, 1 symbol in 4 by luck: 62.5 %) while an LSTM recalls the symbols."""
    def run(cell: str) -> float:
        layers = [{"kind": "Input", "name": "tokens", "shape": [20]},
                  {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 16},
                  {"kind": cell, "name": "rnn", "units": 64, "return_sequences": True},
                  {"kind": "TimeDistributed", "name": "out", "units": 5,
                   "activation": "softmax"}]
        config = TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.02},
                             batch_size=16, epochs=30, seed=0)
        dataset = {"name": "copy", "length": 10, "vocab_size": 4, "n_samples": 2000}
        _, m = train(layers, dataset, config)
        return m["val_accuracy"]

    lstm, rnn = run("LSTM"), run("SimpleRNN")
    assert lstm > 0.85 and rnn < 0.75 and lstm - rnn > 0.15, (lstm, rnn)
