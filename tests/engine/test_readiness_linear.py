"""A network with hidden layers but no activation function: a warning with a fix (Play still
starts), and a Coach that says the network is linear instead of blaming the learning rate."""

from __future__ import annotations

from engine.coach import History, coach
from engine.datasets import load_dataset
from engine.graph import Graph
from engine.project import Project
from engine.readiness import check_ready, errors, refusal
from engine.readiness_linear import is_linear, linear_warning


def stack(*layers: tuple[str, dict]) -> Graph:
    """Input 2 → the given (kind, options) layers, wired in a chain."""
    graph = Graph.from_dict({"layers": [{"kind": "Input", "name": "input_1", "shape": [2]}]
                            + [{"kind": kind, "name": f"l{i}", **opts}
                               for i, (kind, opts) in enumerate(layers)],
                            "edges": [["input_1", "l0", 0]]
                            + [[f"l{i}", f"l{i + 1}", 0] for i in range(len(layers) - 1)]})
    return graph


def dense(units: int, activation: str = "linear") -> tuple[str, dict]:
    return "Dense", {"units": units, "activation": activation}


def test_hidden_layers_without_activation_are_linear_and_warned_with_a_fix():
    graph = stack(dense(8), dense(8), dense(2, "softmax"))
    assert is_linear(graph)
    problem = linear_warning(graph, "classification")
    assert problem is not None and problem.level == "warning"
    assert problem.message.startswith("Your network has no activation function: it can only "
                                      "draw straight boundaries")
    assert "ReLU" in problem.message and problem.layer == "l0"
    assert problem.fix is not None and problem.fix.label == "Set l0 and l1 to ReLU"
    edits = {e.layer: e.options["activation"] for e in problem.fix.edits}  # type: ignore[union-attr]
    assert edits == {"l0": "relu", "l1": "relu"}  # the output keeps its softmax


def test_any_non_linearity_or_no_hidden_layer_means_no_warning():
    assert not is_linear(stack(dense(2)))  # logistic regression: no hidden layer to fix
    assert not is_linear(stack(dense(8, "tanh"), dense(8), dense(2)))
    assert not is_linear(stack(dense(8), ("LeakyReLU", {}), dense(2)))
    assert not is_linear(stack(dense(8), ("LayerNormalization", {}), dense(2)))
    assert is_linear(stack(dense(8), ("Dropout", {"rate": 0.1}), dense(1, "sigmoid")))
    words = linear_warning(stack(dense(8), dense(1)), "regression")
    assert words is not None and "straight lines" in words.message


def test_the_warning_does_not_stop_play():
    project = Project(graph=stack(dense(8), dense(8), dense(2)))
    data = load_dataset(project.dataset)
    problems = check_ready(project, data)
    assert [p.level for p in problems] == ["warning"]
    assert errors(problems) == [] and refusal(problems) == ""
    relu = Project(graph=stack(dense(8, "relu"), dense(8, "relu"), dense(2)))
    assert check_ready(relu, data) == []


def plateau(linear: bool, lr: float = 0.03) -> History:
    """A full-batch run stuck at a linear model's ~58 % for 300 steps, loss flat."""
    rows = [{"epoch": float(e), "step": float(e), "train_loss": 0.68, "val_loss": 0.69,
             "train_accuracy": 0.58, "val_accuracy": 0.58} for e in range(1, 301)]
    return History(rows, [0.68] * 300, (), lr, 1, 0.5, linear_model=linear)


def test_the_coach_says_linear_instead_of_blaming_the_learning_rate():
    for lr in (0.03, 0.001):
        kinds = [a.kind for a in coach(plateau(True, lr))]
        assert "linear_model" in kinds and "flat_loss" not in kinds \
            and "underfitting" not in kinds, kinds
        text = next(a.message for a in coach(plateau(True, lr)) if a.kind == "linear_model")
        assert "linear" in text and "58%" in text and "not the learning rate" in text
    # the same curve from a network that can bend: the old cards, no linear card
    kinds = [a.kind for a in coach(plateau(False, 0.001))]
    assert "linear_model" not in kinds and "flat_loss" in kinds
