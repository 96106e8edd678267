"""Recurrent dropout, input dropout and truncated BPTT in the PyTorch script (``run_cells``):
with the engine's dropout masks handed to both, a training-mode forward pass gives the
engine's outputs, loss and gradients (float64); in evaluation mode no mask applies; truncated
BPTT cuts the gradient as the engine does (and differs from full BPTT)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch
from engine.model import Model
from engine.training import Trainer
from tests.engine.export_helpers import example, load_script, random_weights

torch = pytest.importorskip("torch")


def recurrent_project(name: str, kind: str, **options):
    """``name``'s example with its recurrent layer turned into ``kind`` and given ``options``."""
    project = example(name)
    for node_name, node in project.graph.nodes.items():
        if node.kind in ("SimpleRNN", "LSTM", "GRU"):
            node.kind = kind
            keep = {k: v for k, v in node.options.items() if k != "unit_forget_bias"}
            project.graph.set_options(node_name, {**keep, **options})
            return project, node_name
    raise AssertionError(name)


def keras_mask(rng, shape, rate):
    """A dropout mask as the engine's recurrent layers draw one (rate 0: None)."""
    return None if not rate else (rng.random(shape) < 1.0 - rate) / (1.0 - rate)


def engine_training_pass(project, layer_name, weights, n, masks):
    """The engine's training-mode outputs, loss and gradients on n samples with the
    recurrent layer's dropout masks fixed to ``masks`` (input, state)."""
    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = Trainer(model, data, project.training)
    given = iter(masks)
    model.layers[layer_name]._mask = lambda shape, rate, training: next(given)
    x = np.asarray(data.x_train[:n], np.float64)
    y = trainer.y_train[:n]
    out = model.forward(x, training=True).copy()
    loss, grad = trainer.loss.value_and_grad(out, y)
    model.backward(grad, input_grad=False)
    grads = {f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
             for key, g in layer.grads.items()}
    return data, x, y, out, loss, grads


CASES = [("sine_rnn", "SimpleRNN", {"dropout": 0.3, "recurrent_dropout": 0.4, "bptt_steps": 7}),
         ("sine_rnn", "GRU", {"recurrent_dropout": 0.5, "bptt_steps": 4}),
         ("sine_rnn", "GRU", {"dropout": 0.2, "recurrent_dropout": 0.3}),
         ("copy_lstm_vs_rnn", "LSTM", {"dropout": 0.25, "recurrent_dropout": 0.35,
                                       "bptt_steps": 3}),
         ("copy_lstm_vs_rnn", "LSTM", {"bptt_steps": 4})]


@pytest.mark.parametrize("name, kind, options", CASES)
def test_run_cells_reproduces_the_engines_training_pass(name, kind, options, tmp_path):
    check_training_pass(name, kind, options, tmp_path)


def check_training_pass(name, kind, options, tmp_path, grad_atol=1e-12):
    """``name``'s recurrent layer as ``kind`` with ``options``, exported through ``run_cells``:
    with the engine's dropout masks the script's training-mode outputs, loss and gradients
    (rtol 1e-7, ``grad_atol``) equal the engine's (float64), and in evaluation mode its
    outputs. Returns the largest gradient difference relative to the largest gradient."""
    project, layer = recurrent_project(name, kind, **options)
    weights = random_weights(project)
    data = load_dataset(project.dataset)
    plan = make_plan(project, data)
    step = plan.step(layer)
    features, units = step.in_shapes[0][-1], int(step.options["units"])
    rng = np.random.default_rng(7)
    n = 6
    masks = (keras_mask(rng, (n, features), options.get("dropout", 0.0)),
             keras_mask(rng, (n, units), options.get("recurrent_dropout", 0.0)))
    data, x, y, out, loss, grads = engine_training_pass(project, layer, weights, n, masks)
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    assert "run_cells(self." in script.read_text()
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    net.train()
    getattr(net, step.var).fixed_masks = tuple(
        None if m is None else torch.from_numpy(m) for m in masks)
    theirs = net(torch.from_numpy(x))
    np.testing.assert_allclose(theirs.detach().numpy(), out, rtol=1e-10, atol=1e-10)
    value = module.loss_fn(theirs, torch.from_numpy(np.asarray(y)))
    assert value.item() == pytest.approx(loss, rel=1e-10)
    value.backward()
    mapped = from_torch(plan, {k: p.grad.numpy() for k, p in net.named_parameters()
                               if p.grad is not None})
    assert set(mapped) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(mapped[key], g, rtol=1e-7, atol=grad_atol, err_msg=key)
    # evaluation: no masks, the plain network
    net.eval()
    evaluated = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    evaluated.set_weights(weights, strict=True)
    Trainer(evaluated, data, project.training)  # logits mode, as the script's network
    np.testing.assert_allclose(net(torch.from_numpy(x)).detach().numpy(),
                               evaluated.forward(x, training=False), rtol=1e-10, atol=1e-10)
    largest = max(float(np.max(np.abs(g))) for g in grads.values())
    return max(float(np.max(np.abs(mapped[k] - g))) for k, g in grads.items()) / largest


def test_truncation_changes_the_gradient_and_fresh_masks_are_drawn(tmp_path):
    project, layer = recurrent_project("sine_rnn", "LSTM", bptt_steps=5)
    weights = random_weights(project)
    full, _ = recurrent_project("sine_rnn", "LSTM")
    *_, cut_grads = engine_training_pass(project, layer, weights, 6, (None, None))
    *_, full_grads = engine_training_pass(full, layer, weights, 6, (None, None))
    gap = max(float(np.max(np.abs(cut_grads[k] - full_grads[k]))) for k in cut_grads)
    assert gap > 1e-4  # truncation matters here, so the test above can see it
    project, layer = recurrent_project("sine_rnn", "GRU", dropout=0.5, recurrent_dropout=0.5)
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    x = torch.from_numpy(np.asarray(load_dataset(project.dataset).x_train[:6], np.float64))
    net.train()
    torch.manual_seed(0)
    a, b = net(x), net(x)
    assert not torch.allclose(a, b)  # each call draws its own masks
    net.eval()
    assert torch.equal(net(x), net(x))
