"""Attention-family layers and the merges on the ``cuda`` backend: PositionalEncoding,
MultiHeadAttention (self- and cross-attention, causal and padding masks), LayerNormalization
and Concatenate against the CPU layer's numpy reference, whole training steps of tiny
transformer and two-branch networks equal to the CPU stepper, and the tiny_transformer
example trained on both engines.

Under numba's CUDA simulator (see ``test_cuda_kernels``): batch 2, 3 steps, a few features.
"""

from pathlib import Path

import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.cuda.device_layers import ListInputs  # noqa: E402
from engine.cuda.graph import twin_of  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.recipes import prepare  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig, Trainer  # noqa: E402

RNG = np.random.default_rng(29)
EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
TOL = {"rtol": 1e-4, "atol": 2e-6}


def layer_model(spec: dict, shapes: list[list[int]]) -> Model:
    """One Input per shape, all wired (in order) into one layer named "layer" (seed 3)."""
    layers = [{"kind": "Input", "name": f"in{i}", "shape": s, "part": f"part {i}"}
              for i, s in enumerate(shapes)]
    layers.append({"name": "layer", **spec})
    edges = [[f"in{i}", "layer", i] for i in range(len(shapes))]
    graph = Graph.from_dict({"layers": layers, "edges": edges})
    return Model(graph, seed=3)


def gpu_pass(model: Model, xs: list[np.ndarray], g: np.ndarray):
    """Forward and backward through the layer's twin, in buffers one row wider than the
    batch: y, each input's gradient and the flat parameter gradients."""
    twin = twin_of(model.layers["layer"], model.slices)
    d_p, d_g = ops.to_device(model.params_flat), ops.to_device(np.zeros_like(model.grads_flat))
    twin.bind(d_p, d_g)
    n = len(xs[0])
    xbs = [ops.to_device(np.vstack([x.reshape(n, -1), np.zeros((1, x[0].size), np.float32)]))
           for x in xs]
    dxs = [ops.zeros((n + 1, x[0].size)) for x in xs]
    listed = isinstance(twin, ListInputs)
    y = twin.forward(xbs if listed else xbs[0], n).copy_to_host()[:n]
    twin.grad(n + 1)[:n].copy_to_device(np.ascontiguousarray(g.reshape(n, -1)))
    if listed:
        twin.backward(xbs, n, dxs)
    else:
        twin.backward(xbs[0], n, dxs[0])
    return y, [d.copy_to_host()[:n] for d in dxs], d_g.copy_to_host()


def cpu_pass(model: Model, xs: list[np.ndarray], g: np.ndarray):
    layer = model.layers["layer"]
    with backend.using("numpy"):
        y = layer.forward(xs, True).copy()
        dxs = [d.copy() for d in layer.backward(g)]
    grads = np.concatenate([layer.grads[k].ravel() for k in layer.grads]) if layer.grads \
        else np.zeros(0, np.float32)
    return y.reshape(len(g), -1), [d.reshape(len(g), -1) for d in dxs], grads


def check_layer(spec: dict, shapes: list[list[int]], xs: list[np.ndarray] | None = None):
    model = layer_model(spec, shapes)
    xs = xs or [RNG.standard_normal((2, *s)).astype(np.float32) for s in shapes]
    out_shape = model.layers["layer"].output_shape([tuple(s) for s in shapes])
    g = RNG.standard_normal((2, *out_shape)).astype(np.float32)
    (y, dxs, grads), (y_ref, dxs_ref, grads_ref) = gpu_pass(model, xs, g), cpu_pass(model, xs, g)
    np.testing.assert_allclose(y, y_ref, **TOL)
    assert len(dxs) == len(dxs_ref)
    for dx, dx_ref in zip(dxs, dxs_ref):
        np.testing.assert_allclose(dx, dx_ref, **TOL)
    np.testing.assert_allclose(grads, grads_ref, **TOL)


@pytest.mark.parametrize("spec, shapes", [
    ({"kind": "Concatenate"}, [[2, 3], [2, 1]]),
    ({"kind": "Concatenate", "axis": 0}, [[2, 3], [1, 3], [1, 3]]),
    ({"kind": "PositionalEncoding"}, [[3, 4]]),
    ({"kind": "PositionalEncoding", "mode": "learned", "max_len": 5}, [[3, 2]]),
    ({"kind": "LayerNormalization"}, [[3, 4]]),
    ({"kind": "LayerNormalization", "center": False, "epsilon": 0.01}, [[5]]),
    ({"kind": "LayerNormalization", "scale": False}, [[2, 2, 3]]),
], ids=["concat-last", "concat-steps", "pe-sine", "pe-learned-longer", "ln-sequence",
        "ln-flat-no-beta", "ln-image-no-gamma"])
def test_merge_position_and_norm_kernels_match_the_numpy_reference(spec, shapes):
    """Outputs, each input's gradient and every parameter gradient (learned positions past
    the sequence's length get zero) equal the CPU layer's."""
    check_layer(spec, shapes)


@pytest.mark.parametrize("options, shapes", [
    ({}, [[3, 4]]),
    ({"use_causal_mask": True, "value_dim": 3, "num_heads": 1}, [[3, 4]]),
    ({"use_bias": False}, [[3, 2], [4, 3]]),
], ids=["self", "self-causal", "cross-no-bias"])
def test_multi_head_attention_matches_the_numpy_reference(options, shapes):
    """Two heads of key size 2 (unless stated): output, dQuery (and dContext) and the eight
    projection gradients."""
    check_layer({"kind": "MultiHeadAttention", "num_heads": 2, "key_dim": 2, **options}, shapes)


def test_padding_mask_hides_all_zero_context_steps():
    """Cross-attention with mask_padding: sample 0's last context step and sample 1's first
    two are zero vectors (padding), so no query looks at them."""
    context = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    context[0, 2] = 0.0
    context[1, :2] = 0.0
    query = RNG.standard_normal((2, 2, 3)).astype(np.float32)
    check_layer({"kind": "MultiHeadAttention", "num_heads": 2, "key_dim": 2,
                 "mask_padding": True, "use_causal_mask": True}, [[2, 3], [3, 2]],
                [query, context])


def train_both(make_model, x: np.ndarray, y: np.ndarray, loss: str, chunks: list,
               **loss_opts):
    """Chunks of Adam (lists of index batches) on the generic CPU stepper and on the GPU:
    (losses of each chunk..., params, grads) per engine. (Few steps: the simulator runs every
    GPU thread as a Python thread.)"""
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = make_model()
        if loss_opts.get("from_logits"):
            model.set_logits_mode(True)
        lossf = get_loss(loss, **loss_opts)
        optimizer, config = get_optimizer("adam", learning_rate=0.05), TrainConfig()
        assert gpu_obstacles(model, lossf, optimizer, config) == []
        stepper = stepper_cls(model, lossf, optimizer, config)
        losses = [stepper.run(x, y, batches) for batches in chunks]
        runs.append((*losses, comparable_params(model, 0.05 * sum(map(len, chunks))),
                     model.grads_flat.copy()))
    return runs


def comparable_params(model: Model, most: float) -> np.ndarray:
    """The flat parameters with each attention layer's key bias set aside: its gradient is
    zero in exact arithmetic (adding q·b_k to every score of a row leaves the softmax as it
    is), so Adam turns float32 rounding noise into steps of ±lr that differ between engines
    without changing anything else. Checked instead: it moved at most ``most`` (steps × lr)
    from its zero start."""
    params = model.params_flat.copy()
    for (name, key), part in model.slices.items():
        if key == "key_bias":
            assert np.abs(params[part]).max() <= most * 1.001
            params[part] = 0.0
    return params


def mini_transformer(causal: bool) -> Graph:
    """tiny_transformer in miniature: Embedding -> PositionalEncoding -> self-attention,
    a residual Add, LayerNormalization, a Dense per step with a softmax."""
    layers = [
        {"kind": "Input", "name": "tokens", "shape": [3]},
        {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 4},
        {"kind": "PositionalEncoding", "name": "positions", "mode": "learned"},
        {"kind": "MultiHeadAttention", "name": "attention", "num_heads": 2, "key_dim": 2,
         "use_causal_mask": causal},
        {"kind": "Add", "name": "residual"},
        {"kind": "LayerNormalization", "name": "norm"},
        {"kind": "TimeDistributed", "name": "token", "units": 5, "activation": "softmax"},
    ]
    edges = [["tokens", "embed", 0], ["embed", "positions", 0], ["positions", "attention", 0],
             ["positions", "residual", 0], ["attention", "residual", 1],
             ["residual", "norm", 0], ["norm", "token", 0]]
    return Graph.from_dict({"layers": layers, "edges": edges})


def test_a_mini_causal_transformer_trains_the_same_on_the_gpu_as_on_the_cpu():
    """Two steps (the last batch short), one label per step: losses, weights and gradients
    equal the generic CPU stepper's. (The bidirectional case: the kernel tests above.)"""
    x = RNG.integers(0, 5, (5, 3)).astype(np.float32)
    y = RNG.integers(0, 5, (5, 3))
    cpu, gpu = train_both(lambda: Model(mini_transformer(True), seed=5), x, y,
                          "categorical_crossentropy", [[np.arange(3), np.array([3, 4])]],
                          from_logits=True)
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, **TOL)


def test_a_two_branch_concatenating_network_trains_the_same_on_the_gpu_as_on_the_cpu():
    """Two Dense branches of one input joined by Concatenate, then a Dense; MSE."""
    layers = [{"kind": "Input", "name": "x", "shape": [3]},
              {"kind": "Dense", "name": "a", "units": 2, "activation": "tanh"},
              {"kind": "Dense", "name": "b", "units": 3, "activation": "relu"},
              {"kind": "Concatenate", "name": "cat"},
              {"kind": "Dense", "name": "out", "units": 2}]
    edges = [["x", "a", 0], ["x", "b", 0], ["a", "cat", 0], ["b", "cat", 1], ["cat", "out", 0]]
    graph = Graph.from_dict({"layers": layers, "edges": edges})
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    y = RNG.standard_normal((5, 2)).astype(np.float32)
    cpu, gpu = train_both(lambda: Model(graph, seed=2), x, y, "mse",
                          [[np.arange(3), np.array([3, 4])]])
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.slow
def test_the_tiny_transformer_example_trains_on_the_gpu_like_on_the_cpu():
    """The example file as the window prepares it, backend ``cuda``: every layer on the GPU;
    three steps (two chunks) of 3, 2 and 2 sorting samples (10 tokens, 32-wide embedding,
    two heads) give the CPU engine's losses, weights and gradients within float32 rounding.
    Slow: ~1 minute of CPU under the simulator (its matrix products run 256 Python threads a
    block)."""
    runs = []
    for name in ("numba", "cuda"):
        project = load_project(EXAMPLES / "tiny_transformer.layerlab.json")
        project.training.backend = name
        trainer = prepare(project).trainer
        assert isinstance(trainer, Trainer)
        assert isinstance(trainer.stepper, CudaStepper) == (name == "cuda")
        x, y = trainer.data.x_train, trainer.y_train
        first = trainer.stepper.run(x, y, [np.arange(3), np.array([3, 4])])
        second = trainer.stepper.run(x, y, [np.array([9, 1])])
        model = trainer.model
        runs.append((first, second, comparable_params(model, 3 * 0.003),
                     model.grads_flat.copy()))
    for gpu, cpu in zip(runs[1], runs[0]):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("spec, reason", [
    ({"kind": "MultiHeadAttention", "dropout": 0.1}, "'attention' (MultiHeadAttention): "
     "dropout on the attention weights runs on the CPU only"),
    ({"kind": "ScaledDotProductAttention"}, "'attention' (ScaledDotProductAttention): "
     "attention layers have no GPU kernels yet"),
])
def test_attention_without_gpu_kernels_keeps_the_network_on_the_cpu(spec, reason):
    model = Model(Graph.sequential([{"kind": "Input", "shape": [3, 2]},
                                    {"name": "attention", **spec},
                                    {"kind": "Flatten"}, {"kind": "Dense", "units": 1}]),
                  seed=1)
    obstacles = gpu_obstacles(model, get_loss("mse"), get_optimizer("adam"), TrainConfig())
    assert len(obstacles) == 1 and reason in obstacles[0]
