"""The sequence family on the ``cuda`` backend: Embedding, SimpleRNN, LSTM, GRU and
TimeDistributed against the CPU engine's numpy reference (the layer itself under the
``numpy`` backend), whole training steps of tiny recurrent networks equal to the CPU
stepper, and the recurrent options that keep a network on the CPU.

Under numba's CUDA simulator (see ``test_cuda_kernels``): batch 2, 3 steps, 4 units.
"""

from pathlib import Path

import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS, one_layer

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.cuda.graph import twin_of  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig  # noqa: E402
from engine.types import DataError  # noqa: E402

RNG = np.random.default_rng(23)
EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
TOL = {"rtol": 1e-4, "atol": 1e-6}


def gpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    """Forward x and backward g = dLoss/dy through the layer's twin, in buffers one row wider
    than the batch: y, dx (zeros for token ids, which get no gradient) and the flat
    parameter gradients."""
    twin = twin_of(model.layers["layer"], model.slices)
    d_p, d_g = ops.to_device(model.params_flat), ops.to_device(np.zeros_like(model.grads_flat))
    twin.bind(d_p, d_g)
    n = len(x)
    xb = ops.to_device(np.vstack([x.reshape(n, -1), np.zeros((1, x[0].size), np.float32)]))
    y = twin.forward(xb, n).copy_to_host()[:n]
    twin.grad(n + 1)[:n].copy_to_device(np.ascontiguousarray(g.reshape(n, -1)))
    dx = ops.zeros((n + 1, x[0].size))
    twin.backward(xb, n, dx)
    return y, dx.copy_to_host()[:n], d_g.copy_to_host()


def cpu_pass(model: Model, x: np.ndarray, g: np.ndarray):
    layer = model.layers["layer"]
    with backend.using("numpy"):
        y = layer.forward([x], True).copy()
        dx = layer.backward(g)[0].copy()
    grads = np.concatenate([layer.grads[k].ravel() for k in layer.grads])
    return y.reshape(len(x), -1), dx.reshape(len(x), -1), grads


@pytest.mark.parametrize("spec", [
    {"kind": "SimpleRNN", "units": 4, "return_sequences": True},
    {"kind": "SimpleRNN", "units": 4, "activation": "relu", "use_bias": False},
    {"kind": "LSTM", "units": 4, "return_sequences": True},
    {"kind": "LSTM", "units": 4, "activation": "elu", "recurrent_activation": "hard_sigmoid"},
    {"kind": "GRU", "units": 4, "return_sequences": True},
    {"kind": "GRU", "units": 4, "use_bias": False},
    {"kind": "TimeDistributed", "units": 3, "activation": "softmax"},
], ids=["rnn-seq", "rnn-last-relu-nobias", "lstm-seq", "lstm-last-elu", "gru-seq",
        "gru-last-nobias", "time-distributed-softmax"])
def test_recurrent_kernels_match_the_numpy_reference(spec):
    """Batch 2, 3 steps of 2 features: outputs, dLoss/dx and every weight gradient (full
    backpropagation through time) equal the CPU layer's."""
    model = one_layer(spec, [3, 2])
    x = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    shape = model.layers["layer"].output_shape([(3, 2)])
    g = RNG.standard_normal((2, *shape)).astype(np.float32)
    for got, want in zip(gpu_pass(model, x, g), cpu_pass(model, x, g)):
        np.testing.assert_allclose(got, want, **TOL)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_gathers_rows_and_scatter_adds_repeated_ids(mask_zero):
    """Ids repeat within and across samples (their gradients add up); with mask_zero id 0
    reads zeros and its row gets no gradient."""
    model = one_layer({"kind": "Embedding", "input_dim": 5, "output_dim": 3,
                       "mask_zero": mask_zero}, [3])
    x = np.array([[1, 0, 1], [4, 1, 0]], dtype=np.float32)
    g = RNG.standard_normal((2, 3, 3)).astype(np.float32)
    y, _, grads = gpu_pass(model, x, g)
    y_ref, _, grads_ref = cpu_pass(model, x, g)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(grads, grads_ref, **TOL)


def train_both(graph: Graph, x: np.ndarray, y: np.ndarray, loss: str, chunks: int,
               **loss_opts):
    """One or two chunks (2 steps, the last batch short; then 1 step) of Adam on the generic
    CPU stepper and on the GPU: (losses of each chunk, params, grads) per engine. (Few
    steps: the simulator runs every GPU thread as a Python thread.)"""
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = Model(graph, seed=5)
        if loss_opts.get("from_logits"):
            model.set_logits_mode(True)
        lossf = get_loss(loss, **loss_opts)
        optimizer, config = get_optimizer("adam", learning_rate=0.05), TrainConfig()
        assert gpu_obstacles(model, lossf, optimizer, config) == []
        stepper = stepper_cls(model, lossf, optimizer, config)
        losses = [stepper.run(x, y, [np.arange(3), np.array([3, 4])])]
        if chunks == 2:
            losses.append(stepper.run(x, y, [np.array([4, 0, 2])]))
        runs.append((*losses, model.params_flat.copy(), model.grads_flat.copy()))
    return runs


def test_a_tiny_token_lstm_trains_the_same_on_the_gpu_as_on_the_cpu():
    """char_lstm in miniature: Embedding -> LSTM (every step) -> Dense per step with a
    softmax, cross-entropy against one label per step."""
    graph = Graph.sequential([
        {"kind": "Input", "name": "tokens", "shape": [3]},
        {"kind": "Embedding", "name": "embed", "input_dim": 5, "output_dim": 3},
        {"kind": "LSTM", "name": "lstm", "units": 3, "return_sequences": True},
        {"kind": "TimeDistributed", "name": "next", "units": 5, "activation": "softmax"},
    ])
    x = RNG.integers(0, 5, (5, 3)).astype(np.float32)
    y = RNG.integers(0, 5, (5, 3))
    cpu, gpu = train_both(graph, x, y, "categorical_crossentropy", 1, from_logits=True)
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, **TOL)


def test_a_tiny_simple_rnn_forecaster_trains_the_same_on_the_gpu_as_on_the_cpu():
    """sine_rnn in miniature: SimpleRNN (last state) -> Dense, mean squared error."""
    graph = Graph.sequential([
        {"kind": "Input", "name": "window", "shape": [3, 1]},
        {"kind": "SimpleRNN", "name": "rnn", "units": 4},
        {"kind": "Dense", "name": "next", "units": 1, "activation": "linear"},
    ])
    x = RNG.standard_normal((5, 3, 1)).astype(np.float32)
    y = RNG.standard_normal((5, 1)).astype(np.float32)
    cpu, gpu = train_both(graph, x, y, "mse", 2)
    for a, b in zip(gpu, cpu):
        np.testing.assert_allclose(a, b, **TOL)


def test_token_ids_out_of_range_get_the_cpu_layers_message():
    model = Model(Graph.sequential([
        {"kind": "Input", "shape": [3]},
        {"kind": "Embedding", "name": "embed", "input_dim": 4, "output_dim": 2},
        {"kind": "SimpleRNN", "units": 2},
        {"kind": "Dense", "units": 1}]), seed=1)
    stepper = CudaStepper(model, get_loss("mse"), get_optimizer("sgd"), TrainConfig())
    x = np.array([[0, 1, 7]], dtype=np.float32)
    with pytest.raises(DataError, match="token id 7"):
        stepper.run(x, np.zeros((1, 1), np.float32), [np.arange(1)])


@pytest.mark.parametrize("option, reason", [
    ({"mask_padding": True}, "Skip padding"),
    ({"recurrent_dropout": 0.2}, "dropout inside a recurrent layer"),
    ({"dropout": 0.1}, "dropout inside a recurrent layer"),
    ({"bptt_steps": 2}, "truncated backpropagation"),
    ({"kind": "GRU", "reset_after": False}, "reset_after off"),
])
def test_recurrent_options_without_gpu_kernels_keep_the_network_on_the_cpu(option, reason):
    spec = {"kind": "LSTM", "name": "memory", "units": 2, **option}
    model = Model(Graph.sequential([{"kind": "Input", "shape": [3, 2]}, spec,
                                    {"kind": "Dense", "units": 1}]), seed=1)
    loss, opt, cfg = get_loss("mse"), get_optimizer("adam"), TrainConfig()
    obstacles = gpu_obstacles(model, loss, opt, cfg)
    assert len(obstacles) == 1 and obstacles[0].startswith("layer 'memory'")
    assert reason in obstacles[0] and "CPU only" in obstacles[0]
    assert not CudaStepper.supports(model, loss, opt, cfg)


def test_an_initial_state_keeps_the_network_on_the_cpu():
    """An encoder's last state wired into a decoder's second port (seq2seq)."""
    graph = Graph.sequential([{"kind": "Input", "name": "seq", "shape": [3, 2]},
                              {"kind": "SimpleRNN", "name": "enc", "units": 2}])
    graph.add_node("SimpleRNN", "dec", {"units": 2})
    graph.add_node("Dense", "out", {"units": 1})
    for source, target in (("seq", "dec"), ("enc", "dec"), ("dec", "out")):
        graph.connect(source, target)
    obstacles = gpu_obstacles(Model(graph, seed=1), get_loss("mse"), get_optimizer("sgd"),
                              TrainConfig())
    assert obstacles == ["layer 'dec' (SimpleRNN): initial states wired into a recurrent layer "
                         "run on the CPU only (the GPU starts every sequence from a zero state)"]


@pytest.mark.parametrize("name", ["sine_rnn", "char_lstm", "copy_lstm_vs_rnn"])
def test_the_recurrent_examples_train_on_the_gpu(name):
    """Placement only (the layers and settings of the example files; no training here): the
    'auto' loss is softmax cross-entropy on logits after a softmax output, else MSE."""
    project = load_project(EXAMPLES / f"{name}.layerlab.json")
    model, cfg = Model(project.graph, seed=0), project.training
    logits = model.output_activation() == "softmax"
    model.set_logits_mode(logits)
    loss = get_loss("categorical_crossentropy", from_logits=True) if logits else get_loss("mse")
    optimizer = get_optimizer(cfg.optimizer, **cfg.optimizer_options)
    assert gpu_obstacles(model, loss, optimizer, cfg) == []
