"""The bench command: workload registry, numpy competitor == engine, runner end to end."""

import json
import math

import numpy as np
import pytest

from engine.bench import numpy_reference, runner
from engine.bench.workloads import (
    WORKLOADS,
    build_engine,
    epoch_batches,
    get_workload,
    spiral,
    teacher_classification,
)
from engine.cli import main
from engine.types import ConfigError

EXPECTED = {"a": ([2, 8, 8, 1], 105), "b": ([784, 128, 64, 10], 109_386),
            "c": ([64, 32, 10], 2_410)}


@pytest.mark.parametrize("wid", ["a", "b", "c"])
def test_registry_builds_engine_networks(wid):
    wl = get_workload(wid)
    sizes, n_params = EXPECTED[wid]
    run = build_engine(wl)
    assert wl.mlp_sizes == sizes and wl.n_params() == n_params
    assert run.model.n_params == n_params
    assert run.model.input_shape == (sizes[0],) and run.model.output_shape == (sizes[-1],)
    assert run.stepper_name == "FusedMLPStepper"
    assert run.model.logits_mode == (wl.loss == "softmax_ce")


def test_spiral_worked_example():
    x, y = spiral(1000)
    assert x.shape == (1000, 2) and y.shape == (1000, 1) and x.dtype == np.float32
    assert set(np.unique(y)) == {-1.0, 1.0} and y[:500].min() == 1.0
    # point 250 of class +1: r = 2.5, t = 1.75π -> (2.5 sin t, 2.5 cos t) / 6
    r = 2.5 * math.sqrt(0.5) / 6
    np.testing.assert_allclose(x[250], [-r, r], rtol=1e-6)
    np.testing.assert_allclose(x[750], [r, -r], rtol=1e-5)  # class -1: t + π


def test_teacher_labels_and_digits_data():
    x, y = teacher_classification(300, 20, 4, seed=3)
    rng = np.random.default_rng(3)
    rng.random((300, 20), dtype=np.float32)
    w = rng.standard_normal((20, 4)).astype(np.float32)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() < 1 and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.argmax((x - 0.5) @ w, axis=1))
    dx, dy = get_workload("c").make_data()
    assert dx.shape == (1797, 64) and dx.max() == 1.0 and sorted(set(dy)) == list(range(10))


def _batch(wid, n=64, seed=1):
    wl = get_workload(wid)
    rng = np.random.default_rng(seed)
    x = rng.random((n, wl.mlp_sizes[0])).astype(np.float32)
    if wl.loss == "mse":
        y = np.where(rng.random((n, 1)) < 0.5, -1.0, 1.0).astype(np.float32)
    else:
        y = rng.integers(0, wl.mlp_sizes[-1], n).astype(np.int64)
    return wl, x, y


def _twin(wl, run, dtype):
    """A numpy reference net with the engine model's weights."""
    net = numpy_reference.NumpyMLP(wl.mlp_sizes, wl.activations, wl.loss, wl.optimizer,
                                   wl.learning_rate, dtype=dtype)
    dense = [run.model.layers[n] for n in run.model.order[1:]]
    net.set_weights([l.params["kernel"] for l in dense], [l.params["bias"] for l in dense])
    return net, dense


@pytest.mark.parametrize("wid", ["a", "b", "c"])
def test_numpy_reference_gradients_equal_engine(wid):
    wl, x, y = _batch(wid)
    run = build_engine(wl, dtype=np.float64)
    net, dense = _twin(wl, run, np.float64)
    out = run.model.forward(x.astype(np.float64), training=True)
    value, grad = run.loss.value_and_grad(out, y)
    run.model.backward(grad)
    ref_loss, ref_grads = net.loss_and_grads(x.astype(np.float64), y)
    assert ref_loss == pytest.approx(value, rel=1e-12)
    k = len(dense)
    for i, layer in enumerate(dense):
        np.testing.assert_allclose(ref_grads[i], layer.grads["kernel"], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(ref_grads[k + i], layer.grads["bias"], rtol=1e-9, atol=1e-14)
    assert np.abs(run.model.grads_flat).max() > 0


@pytest.mark.parametrize("wid", ["a", "c"])
def test_numpy_reference_steps_like_fused_stepper(wid):
    wl, x, y = _batch(wid, n=3 * wl_batch(wid))
    run = build_engine(wl)
    net, dense = _twin(wl, run, np.float32)
    batches = epoch_batches(len(x), wl.batch, np.random.default_rng(0))
    losses = run.stepper.run(x, y, batches)
    ref = [net.step(x[b], y[b]) for b in batches]
    np.testing.assert_allclose(losses, ref, rtol=1e-4)
    for i, layer in enumerate(dense):
        np.testing.assert_allclose(net.W[i], layer.params["kernel"], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(net.b[i], layer.params["bias"], rtol=1e-4, atol=1e-6)


def wl_batch(wid):
    return get_workload(wid).batch


def test_unknown_workload_and_competitor_are_readable_errors(capsys):
    with pytest.raises(ConfigError, match="Supported workloads: a, b, c"):
        get_workload("z")
    assert main(["bench", "--only", "a", "z"]) == 1
    err = capsys.readouterr().err
    assert "Unknown benchmark workload 'z'" in err and "a, b, c" in err
    assert main(["bench", "--only", "a", "--compare", "jax"]) == 1
    assert "Choose from: numpy, torch" in capsys.readouterr().err
    assert set("abc") <= set(WORKLOADS)


def test_time_epochs_quick_and_full_counts():
    calls = []

    def epoch():
        calls.append(1)
        return float(len(calls)), 7

    stats = runner.time_epochs(epoch, quick=True)
    assert stats["warmup_epochs"] == 1 and stats["timed_epochs"] >= 1
    assert stats["loss_after_warmup_epoch"] == 1.0 and stats["steps_per_epoch"] == 7
    assert len(calls) == stats["warmup_epochs"] + stats["timed_epochs"]


def test_summary_ratios_and_targets():
    wl = get_workload("b")  # targets: torch <= 0.85, numpy <= 1.0
    base = {"workload": "b", "variant": "default", "us_per_step": 1.0}
    rows = [{**base, "competitor": "engine", "threads": 1, "epoch_s_median": 0.6},
            {**base, "competitor": "engine", "threads": 2, "epoch_s_median": 0.5},
            {**base, "competitor": "numpy", "threads": 1, "epoch_s_median": 0.4},
            {**base, "competitor": "torch", "threads": 2, "epoch_s_median": 1.0},
            {**base, "competitor": "torch", "threads": 1, "error": "boom"}]
    s = runner.summarize(wl, rows)
    assert s["ratios"] == {"numpy": pytest.approx(1.25), "torch": pytest.approx(0.5)}
    status = {c["competitor"]: c["status"] for c in s["checks"]}
    assert status == {"torch": "PASS", "numpy": "MISS"}
    assert s["best"]["engine"]["config"] == "2 threads"
    text = "\n".join(runner.format_summary(s, None))
    assert "MISS" in text and "PASS" in text


def test_cmd_bench_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--only", "a", "--compare", "numpy", "--quick", "--json",
                 str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data) >= {"info", "rows", "ttfs", "summary"}
    by = {r["competitor"]: r for r in data["rows"]}
    assert set(by) == {"engine", "numpy"} and by["engine"]["stepper"] == "FusedMLPStepper"
    for row in by.values():
        assert row["epoch_s_median"] > 0 and row["steps_per_epoch"] == 100
        assert row["timed_epochs"] >= 1 and row["threads"] == 1
    summary = data["summary"][0]
    assert summary["workload"] == "a" and summary["ratios"]["numpy"] > 0
    assert data["ttfs"][0]["warm"]["total_s"] > 0
    assert "engine ÷ numpy" in capsys.readouterr().out
