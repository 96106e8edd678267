"""Regenerate the bundled example projects in assets/examples/ (run from the repo root).

Each example is a small, deliberate lesson; its settings were tuned so that
``main.py train`` reaches the accuracy the tests require.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.graph import Graph  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.training import TrainConfig  # noqa: E402
from scripts.example_layout import save_examples  # noqa: E402

OUT = "assets/examples"


def chain(*layers: dict) -> Graph:
    graph = Graph.sequential(list(layers))
    for i, node in enumerate(graph.nodes.values()):
        node.position = (270.0 * i, 0.0)
    return graph


def examples() -> dict[str, Project]:
    return {
        "perceptron_and": Project(
            chain({"kind": "Input", "name": "inputs", "shape": [2]},
                  {"kind": "Dense", "name": "neuron", "units": 1, "activation": "step",
                   "kernel_initializer": "zeros"}),
            {"name": "and"},
            TrainConfig(optimizer="sgd", optimizer_options={"learning_rate": 0.1}, epochs=20,
                        batch_mode="single", max_steps_per_second=5.0),
            recipe="perceptron", name="Perceptron learns AND",
            description="One neuron with a step activation, trained by Rosenblatt's rule.",
            lesson="The perceptron rule moves the line after every mistake. AND is linearly "
                   "separable, so it converges. Change the dataset to 'xor_gate': no line "
                   "separates XOR, and the perceptron never converges.",
        ),
        "xor": Project(
            chain({"kind": "Input", "name": "inputs", "shape": [2]},
                  {"kind": "Dense", "name": "hidden", "units": 2, "activation": "tanh"},
                  {"kind": "Dense", "name": "output", "units": 1, "activation": "sigmoid"}),
            {"name": "xor_gate"},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.1},
                        batch_mode="full", epochs=500, seed=0, probes=["decision_grid"],
                        max_steps_per_second=100.0),
            name="XOR with one hidden layer",
            description="Two hidden neurons are enough to solve XOR.",
            lesson="Try seed 1: the same network gets stuck at 75 % accuracy. With only two "
                   "hidden neurons the loss surface has bad local minima; more neurons (or a "
                   "different start) avoid them.",
        ),
        "spiral": Project(
            chain({"kind": "Input", "name": "inputs", "shape": [2]},
                  {"kind": "Dense", "name": "hidden1", "units": 8, "activation": "tanh"},
                  {"kind": "Dense", "name": "hidden2", "units": 8, "activation": "tanh"},
                  {"kind": "Dense", "name": "output", "units": 1, "activation": "tanh"}),
            {"name": "spiral", "n_samples": 500, "noise": 0.0, "val_split": 0.2},
            TrainConfig(loss="mse", optimizer="adam", optimizer_options={"learning_rate": 0.01},
                        batch_size=10, epochs=300, probes=["decision_grid"],
                        max_steps_per_second=1000.0),
            name="Spiral — 2 hidden layers",
            description="TensorFlow-Playground-style 2-8-8-1 tanh network on two spirals.",
        ),
        "circles": Project(
            chain({"kind": "Input", "name": "inputs", "shape": [2]},
                  {"kind": "Dense", "name": "hidden", "units": 4, "activation": "relu"},
                  {"kind": "Dense", "name": "output", "units": 1, "activation": "sigmoid"}),
            {"name": "circles", "n_samples": 400, "noise": 0.05},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.03},
                        batch_size=16, epochs=100, probes=["decision_grid"],
                        max_steps_per_second=300.0),
            name="Circles — one hidden layer",
            description="A ring around a disc: one hidden layer bends the boundary.",
        ),
        "regression_sine": Project(
            chain({"kind": "Input", "name": "x", "shape": [1]},
                  {"kind": "Dense", "name": "hidden1", "units": 16, "activation": "tanh"},
                  {"kind": "Dense", "name": "hidden2", "units": 16, "activation": "tanh"},
                  {"kind": "Dense", "name": "y", "units": 1, "activation": "linear"}),
            {"name": "sine", "n_samples": 300, "noise": 0.1},
            TrainConfig(loss="mse", optimizer="adam", optimizer_options={"learning_rate": 0.01},
                        batch_size=16, epochs=200, probes=["curve"],
                        max_steps_per_second=300.0),
            name="Regression — a noisy sine",
            description="Fit y = sin(x) + noise with a small tanh network.",
        ),
        "digits_mlp": Project(
            chain({"kind": "Input", "name": "pixels", "shape": [64]},
                  {"kind": "Dense", "name": "hidden", "units": 64, "activation": "relu",
                   "kernel_initializer": "he_uniform"},
                  {"kind": "Dropout", "name": "dropout", "rate": 0.1},
                  {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"}),
            {"name": "digits"},
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.001},
                        batch_size=32, epochs=40),
            name="Digits — MLP",
            description="scikit-learn's 8×8 handwritten digits with one hidden layer.",
        ),
    }


def main() -> None:
    save_examples(examples(), OUT)


if __name__ == "__main__":
    main()
