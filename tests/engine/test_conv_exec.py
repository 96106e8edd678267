"""Chunked / threaded convolution passes (engine.layers.conv_exec) and the skipped input
gradient of layers fed by the data (Model.backward(input_grad=False))."""

import numpy as np
import pytest

from engine import backend
from engine.graph import Graph
from engine.layers import conv_exec
from engine.layers.registry import create_layer
from engine.losses import get_loss
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.stepper import GenericStepper
from engine.training import TrainConfig


@pytest.fixture
def settings():
    """Restore the thread count and chunk size after a test changes them."""
    old = conv_exec.threads(), conv_exec.chunk_bytes()
    yield
    conv_exec.set_threads(old[0])
    conv_exec.set_chunk_bytes(old[1])


@pytest.mark.parametrize("nb, sample_bytes, macs, threads", [
    (64, 28_224, 10**8, 1), (64, 28_224, 10**8, 2), (7, 100_000, 10**8, 2), (5, 10, 10**8, 2),
    (64, 41_472, 10, 2), (1, 10**7, 10**8, 2), (3, 200_000, 10**8, 4)])
def test_plan_covers_the_batch_once_and_ignores_the_thread_count(settings, nb, sample_bytes,
                                                                macs, threads):
    conv_exec.set_threads(1)
    alone, _ = conv_exec.plan(nb, sample_bytes, macs)
    conv_exec.set_threads(threads)
    chunks, groups = conv_exec.plan(nb, sample_bytes, macs)
    assert chunks == alone  # the chunks, hence the sums, never depend on the thread count
    assert chunks[0][0] == 0 and chunks[-1][1] == nb
    assert all(a < b for a, b in chunks) and all(chunks[i][1] == chunks[i + 1][0]
                                                 for i in range(len(chunks) - 1))
    assert sorted(c for g in groups for c in g) == list(range(len(chunks)))
    assert len(groups) <= threads and (macs >= conv_exec.MIN_PARALLEL_MACS or len(groups) == 1)
    per = max(1, conv_exec.CHUNK_BYTES // sample_bytes)
    assert conv_exec.largest(chunks) <= per


def test_plan_splits_the_benchmark_layers_into_even_cache_sized_chunks(settings):
    conv_exec.set_threads(2)
    chunks, groups = conv_exec.plan(64, 9 * 784 * 4, 8 * 9 * 64 * 784)  # first conv of (d)
    assert len(chunks) == 8 and conv_exec.largest(chunks) == 8
    assert [len(g) for g in groups] == [4, 4]
    conv_exec.set_chunk_bytes(0)
    assert conv_exec.plan(64, 9 * 784 * 4, 10**8)[0] == ((0, 64),)


CASES = [
    ({"filters": 3, "kernel_size": 3, "padding": "1", "activation": "relu"}, (2, 9, 8)),
    ({"filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same",
      "dilation_rate": [1, 2], "activation": "tanh"}, (3, 10, 9)),
    ({"filters": 2, "kernel_size": 2, "strides": 3, "activation": "linear"}, (1, 11, 7)),
]


def run_layer(options, shape, x, g, input_grad=True):
    layer = create_layer({"kind": "Conv2D", **options})
    layer.build([shape], np.random.default_rng(1), np.float64)
    layer.input_grad_needed = input_grad
    y = layer.forward([x], training=True).copy()
    gx = layer.backward(g)[0].copy()
    return y, gx, layer.grads["kernel"].copy(), layer.grads["bias"].copy()


@pytest.mark.parametrize("kernels", ["numba", "numpy"])
@pytest.mark.parametrize("options, shape", CASES)
def test_chunks_and_threads_give_the_whole_batch_result(settings, kernels, options, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((13, *shape))
    probe = create_layer({"kind": "Conv2D", **options})
    out_shape = probe.output_shape([shape])
    g = rng.standard_normal((13, *out_shape))
    with backend.using(kernels):
        conv_exec.set_chunk_bytes(0)
        whole = run_layer(options, shape, x, g)
        conv_exec.set_chunk_bytes(1)  # one sample per chunk: 13 chunks (odd batch)
        conv_exec.set_threads(1)
        one = run_layer(options, shape, x, g)
        conv_exec.set_threads(3)
        monkey = conv_exec.MIN_PARALLEL_MACS
        conv_exec.MIN_PARALLEL_MACS = 0  # thread even this tiny layer
        try:
            many = run_layer(options, shape, x, g)
        finally:
            conv_exec.MIN_PARALLEL_MACS = monkey
    for a, b in zip(whole, one):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(b, a)  # same chunks, same sums, any thread count


def test_chunked_threaded_layer_matches_torch(settings):
    torch = pytest.importorskip("torch")
    conv_exec.set_chunk_bytes(1)
    conv_exec.set_threads(2)
    conv_exec.MIN_PARALLEL_MACS, saved = 0, conv_exec.MIN_PARALLEL_MACS
    try:
        rng = np.random.default_rng(3)
        x = rng.standard_normal((5, 2, 7, 6))
        options = {"filters": 3, "kernel_size": 3, "padding": "1", "activation": "linear"}
        g = rng.standard_normal((5, 3, 7, 6))
        y, gx, gw, gb = run_layer(options, (2, 7, 6), x, g)
        layer = create_layer({"kind": "Conv2D", **options})
        layer.build([(2, 7, 6)], np.random.default_rng(1), np.float64)
    finally:
        conv_exec.MIN_PARALLEL_MACS = saved
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["kernel"].copy(), requires_grad=True)
    tb = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=1)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_worker_errors_reach_the_caller(settings):
    conv_exec.set_threads(2)

    def work(w, mine):
        if w == 1:
            raise ValueError("boom in worker 1")

    with pytest.raises(ValueError, match="boom"):
        conv_exec.run(work, ((0,), (1,)))


# -- Model.backward(input_grad=...) ------------------------------------------------------------
def cnn(dtype=np.float64):
    g = Graph.sequential([
        {"kind": "Input", "shape": [1, 6, 6]},
        {"kind": "Conv2D", "name": "c1", "filters": 3, "kernel_size": 3, "activation": "relu"},
        {"kind": "Flatten"},
        {"kind": "Dense", "name": "out", "units": 4, "activation": "softmax"}])
    model = Model(g, seed=2, dtype=dtype)
    model.set_logits_mode(True)
    return model


def test_model_finds_the_layers_fed_by_the_data():
    assert cnn().input_fed == ["c1"]


def test_training_backward_skips_the_input_gradient_but_not_the_weight_gradients():
    model = cnn()
    x = np.random.default_rng(0).standard_normal((4, 1, 6, 6))
    g = np.random.default_rng(1).standard_normal((4, 4))
    results = []
    for input_grad in (True, False, True):
        model.forward(x, training=True)
        gx = np.array(model.backward(g, input_grad=input_grad), copy=True)
        results.append((gx, model.grads_flat.copy()))
    assert not results[1][0].any() and model.layers["c1"].input_grad_needed is True
    np.testing.assert_array_equal(results[0][1], results[1][1])
    # probes after a training step get the true input gradient again
    np.testing.assert_array_equal(results[2][0], results[0][0])
    assert np.abs(results[0][0]).sum() > 0
    eps, i = 1e-6, (1, 0, 2, 3)  # finite difference of sum(out * g) w.r.t. one pixel
    xp, xm = x.copy(), x.copy()
    xp[i] += eps
    xm[i] -= eps
    num = ((model.forward(xp) * g).sum() - (model.forward(xm) * g).sum()) / (2 * eps)
    assert abs(num - results[0][0][i]) < 1e-6


def test_generic_stepper_trains_without_input_gradient_then_saliency_still_works():
    from engine.introspection.saliency import saliency

    model = cnn()
    loss = get_loss("categorical_crossentropy", from_logits=True)
    stepper = GenericStepper(model, loss, get_optimizer("adam", learning_rate=1e-2),
                             TrainConfig(batch_size=8))
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 1, 6, 6)), rng.integers(0, 4, 16)
    losses = stepper.run(x, y, [np.arange(8), np.arange(8, 16)] * 5)
    assert losses[-1] < losses[0]
    assert model.layers["c1"].input_grad_needed is False  # the last training step skipped it
    att = saliency(model, x[0], "vanilla", target=1)["attribution"]
    eps = 1e-6
    num = np.zeros_like(x[0])
    for i in np.ndindex(*x[0].shape):
        xp, xm = x[0].copy(), x[0].copy()
        xp[i] += eps
        xm[i] -= eps
        num[i] = (model.forward(xp[None])[0, 1] - model.forward(xm[None])[0, 1]) / (2 * eps)
    np.testing.assert_allclose(att, num, rtol=1e-5, atol=1e-7)
    assert np.abs(att).sum() > 0
