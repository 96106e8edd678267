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
                  {"kind": "Dense", "name": "output", "units": 2, "activation": "softmax"}),
            {"name": "spiral", "n_samples": 500, "noise": 0.0, "val_split": 0.2},
            # a classifier: softmax + cross-entropy (loss "auto"), as Keras/PyTorch would; with
            # batches of 100 every seed 0-7 passes 90 % validation by epoch 44-162 (seed 0: 56)
            TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.1},
                        batch_size=100, epochs=300, probes=["decision_grid"],
                        max_steps_per_second=60.0),
            name="Spiral — 2 hidden layers",
            description="TensorFlow-Playground-style 2-8-8-2 tanh network on two spirals.",
            lesson="Two spirals wind around each other: no single bend separates them. Each "
                   "tanh layer folds the plane once more, so the two hidden layers can follow "
                   "the arms. Watch the decision view: the boundary first cuts straight, then "
                   "curls. The softmax output gives each arm's probability and the loss is "
                   "the cross-entropy, as for any classifier. Remove hidden2 and train again: "
                   "one layer of 8 needs far longer, or never finds the spiral.",
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
            lesson="A ring of one class around a disc of the other. A single straight line "
                   "cannot separate them; each ReLU neuron of the hidden layer draws one line "
                   "and the output combines them into a closed shape. Try 1, 2 and 3 hidden "
                   "units: how many lines does it take to fence in the disc?",
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
            lesson="Regression: the output is a number, not a class, so the last layer is "
                   "linear and the loss is the mean squared error. Watch the curve view: the "
                   "network bends its line into the sine wave. The points scatter by 0.1 "
                   "around the true curve, so the loss cannot fall to zero.",
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
            lesson="Each 8×8 image becomes a list of 64 pixel values; the hidden layer of 64 "
                   "ReLU neurons learns stroke detectors and the softmax output gives one "
                   "probability per digit. Open the confusion view to see which digits it "
                   "mixes up (often 8 with 1 or 9). Dropout switches off 10 % of the hidden "
                   "neurons at each step so no single neuron is relied upon.",
        ),
    }


def main() -> None:
    save_examples(examples(), OUT)


if __name__ == "__main__":
    main()
