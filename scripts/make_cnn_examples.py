"""Regenerate the convolutional example projects in assets/examples/ (run from the repo root).

Each is a lesson of issue 5: a CNN on digits that beats the MLP, one on drawn shapes, a tiny
ResNet (one residual block wired with Add) and a CNN that overfits on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.graph import Edge, Graph  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.training import TrainConfig  # noqa: E402
from scripts.example_layout import save_examples  # noqa: E402

OUT = "assets/examples"


def column(*layers: dict) -> Graph:
    """A chain laid out in bands of 4 columns (readable on a projector)."""
    graph = Graph.sequential(list(layers))
    for i, node in enumerate(graph.nodes.values()):
        node.position = (270.0 * (i % 4), 170.0 * (i // 4))
    return graph


def conv(name: str, filters: int, **extra) -> dict:
    return {"kind": "Conv2D", "name": name, "filters": filters, "kernel_size": 3,
            "padding": "same", "activation": "relu", "kernel_initializer": "he_uniform",
            **extra}


def digits_cnn() -> Project:
    return Project(
        column({"kind": "Input", "name": "image", "shape": [1, 8, 8]},
               conv("conv1", 16), {"kind": "MaxPool2D", "name": "pool1", "pool_size": 2},
               conv("conv2", 32), {"kind": "Flatten", "name": "flat"},
               {"kind": "Dropout", "name": "dropout", "rate": 0.25},
               {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"}),
        {"name": "digits", "as_image": True},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=15),
        name="Digits — CNN",
        description="Two convolutions on the 8×8 digits: better than the MLP with fewer weights.",
        lesson="Each Conv2D slides small 3×3 filters over the image; the same filter looks "
               "everywhere, so the network needs far fewer weights than an MLP. Pause after a "
               "few epochs and open Look inside → Filters and Feature maps.")


def shapes_cnn() -> Project:
    return Project(
        column({"kind": "Input", "name": "image", "shape": [1, 28, 28]},
               conv("conv1", 8), {"kind": "MaxPool2D", "name": "pool1", "pool_size": 2},
               conv("conv2", 16), {"kind": "MaxPool2D", "name": "pool2", "pool_size": 2},
               {"kind": "Flatten", "name": "flat"},
               {"kind": "Dense", "name": "shape", "units": 10, "activation": "softmax"}),
        {"name": "shapes", "n_samples": 3000},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.002},
                    batch_size=32, epochs=8),
        name="Shapes — CNN",
        description="Circles, squares, stars... drawn at random places: a CNN finds them anywhere.",
        lesson="Pooling makes the network care less about exactly where a shape is. Try removing "
               "the pooling layers: training slows and needs more weights.")


def resnet_tiny() -> Project:
    graph = column({"kind": "Input", "name": "image", "shape": [1, 8, 8]},
                   conv("stem", 16),
                   conv("res_conv1", 16),
                   {"kind": "Conv2D", "name": "res_conv2", "filters": 16, "kernel_size": 3,
                    "padding": "same", "kernel_initializer": "he_uniform"},
                   {"kind": "Add", "name": "skip_add"},
                   {"kind": "Activation", "name": "res_relu", "activation": "relu"},
                   {"kind": "GlobalAveragePool2D", "name": "gap"},
                   {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"})
    graph.edges.append(Edge("stem", "skip_add", 1))  # the shortcut: x + F(x)
    return Project(
        graph, {"name": "digits", "as_image": True},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=15),
        name="Tiny ResNet — one residual block",
        description="A residual block: the Add layer sums the block's input and its output.",
        lesson="The extra wire from 'stem' to 'skip_add' lets the signal (and the gradient) skip "
               "the two convolutions. Delete that wire and compare the loss curves.")


def overfitting_cnn() -> Project:
    return Project(
        column({"kind": "Input", "name": "image", "shape": [1, 8, 8]},
               conv("conv1", 32), conv("conv2", 64), {"kind": "Flatten", "name": "flat"},
               {"kind": "Dense", "name": "hidden", "units": 128, "activation": "relu"},
               {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"}),
        {"name": "digits", "as_image": True, "n_samples": 150, "val_split": 0.4},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=16, epochs=60),
        name="Overfitting — a big CNN on 90 images",
        description="Many weights, little data: training accuracy reaches 100 %, validation lags.",
        lesson="Watch the validation loss turn upwards while the training loss keeps falling: "
               "the network memorises the 90 training images. Add a Dropout layer, an L2 "
               "penalty, or more data (n_samples), and compare the runs.")


def examples() -> dict[str, Project]:
    return {"digits_cnn": digits_cnn(), "shapes_cnn": shapes_cnn(),
            "resnet_tiny": resnet_tiny(), "overfitting_cnn": overfitting_cnn()}


def main() -> None:
    save_examples(examples(), OUT)


if __name__ == "__main__":
    main()
