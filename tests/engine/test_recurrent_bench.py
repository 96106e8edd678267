"""Benchmark workload (e): data as the shared reference makes it, engine and torch networks
of the same shape, the per-position loss, the fast float32 tanh/sigmoid kernels."""

import sys
from pathlib import Path

import numpy as np
import pytest

from engine.bench.workloads import build_engine, engine_epoch, get_workload
from engine.layers import create_layer

# the shared reference sits beside the clone (../shared), here and in CI
SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"


def test_data_is_the_shared_reference_markov_chain():
    x, y = get_workload("e").make_data()
    assert x.shape == y.shape == (5000, 32) and x.dtype == y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x shifted by one
    assert (SHARED / "bench_data.py").exists(), f"the shared reference is missing: {SHARED}"
    sys.path.insert(0, str(SHARED))
    try:
        from bench_data import markov_tokens
    finally:
        sys.path.remove(str(SHARED))
    seq = markov_tokens(5000, 33, 50)
    np.testing.assert_array_equal(x, seq[:, :-1])
    np.testing.assert_array_equal(y, seq[:, 1:])


def test_engine_network_and_one_step():
    wl = get_workload("e")
    run = build_engine(wl)
    assert run.model.input_shape == (32,) and run.model.output_shape == (32, 50)
    assert run.model.n_params == 50 * 16 + 4 * 64 * (16 + 64 + 1) + 64 * 50 + 50
    assert run.model.logits_mode
    x, y = wl.make_data()
    loss, steps = engine_epoch(run, x[:64], y[:64], wl.batch, np.random.default_rng(0))
    assert steps == 2 and abs(loss - np.log(50)) < 0.5  # near chance at the start


def test_torch_network_has_the_same_shapes():
    torch = pytest.importorskip("torch")
    from engine.bench import torch_reference

    wl = get_workload("e")
    parts = torch_reference.build(wl)
    x, y = wl.make_data()
    out = parts["model"](torch.from_numpy(x[:4]))
    assert tuple(out.shape) == (4, 32, 50)
    n_torch = sum(p.numel() for p in parts["model"].parameters())
    assert n_torch == build_engine(wl).model.n_params + 4 * 64  # torch has a second LSTM bias
    value = parts["loss"](out, torch.from_numpy(y[:4]))
    assert abs(float(value.detach()) - np.log(50)) < 0.5


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_fast_float32_kernels_stay_close_to_float64(kind):
    """float32 runs tanh/sigmoid as a rational approximation (error < 4e-7): check it."""
    results = []
    for dtype in (np.float32, np.float64):
        layer = create_layer({"kind": kind, "name": "r", "units": 16, "return_sequences": True})
        layer.build([(20, 8)], np.random.default_rng(0), dtype)
        x = np.random.default_rng(1).normal(0, 2.0, (4, 20, 8)).astype(dtype)
        y = layer.forward([x], False)
        gx = layer.backward(np.ones_like(y))[0]
        results.append((y, gx, layer.grads["recurrent_kernel"].copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)
