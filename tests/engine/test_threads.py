"""The engine's thread budget (engine.threads): where it comes from, how BLAS follows it per
call, which steps get threads, and that threaded training gives the same numbers."""

import threading

import numpy as np
import pytest

from engine import threads
from engine.bench.workloads import Workload, build_engine, mlp
from engine.layers import conv_exec
from layerlab.cli import main as layerlab_main
from layerlab.cli import take_threads


@pytest.fixture
def budget_state():
    """Each test starts from the default budget, conv threads following it, BLAS baseline 1."""
    saved = dict(threads._state)
    conv_saved = conv_exec._settings["threads"]
    threads.set_budget(None)
    conv_exec.set_threads(None)
    threads.install(1)
    yield
    threads.set_budget(saved["budget"])
    conv_exec._settings["threads"] = conv_saved
    threads.install(saved["baseline"] or 1)


def test_budget_default_env_and_override(budget_state, monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    assert threads.budget() == 7  # one core stays with the GUI thread
    monkeypatch.setattr(threads, "available_cores", lambda: 1)
    assert threads.budget() == 1  # never below one
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.budget() == 3
    monkeypatch.setenv(threads.ENV, "lots")
    assert threads.budget() == 1  # an unusable value falls back to cores − 1
    threads.set_budget(5)
    assert threads.budget() == 5 and conv_exec.threads() == 5  # convolutions follow it
    threads.set_budget(None)
    assert threads.budget() == 1


def test_parse_threads_names_the_fix():
    assert threads.parse_threads(" 4 ") == 4
    for bad in ("0", "-2", "two", ""):
        with pytest.raises(ValueError, match="whole number of threads"):
            threads.parse_threads(bad)


def test_blas_block_raises_threads_and_puts_them_back(budget_state):
    assert threads.blas_threads() == 1
    with threads.blas(2):
        assert threads.blas_threads() == 2
        with threads.blas(1):  # a smaller request inside keeps the larger one
            assert threads.blas_threads() == 2
        assert threads.blas_threads() == 2
    assert threads.blas_threads() == 1


def test_blas_blocks_on_two_threads_keep_the_larger_until_both_end(budget_state):
    inside, release = threading.Event(), threading.Event()

    def other():
        with threads.blas(3):
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other)
    worker.start()
    assert inside.wait(5)
    with threads.blas(2):
        assert threads.blas_threads() == 3  # the other thread's block is still open
        release.set()
        worker.join(5)
        assert threads.blas_threads() == 2  # ours now
    assert threads.blas_threads() == 1


def _workload(layers, batch=64, n=256, loss="softmax_ce"):
    def data():
        rng = np.random.default_rng(0)
        shape = layers[0]["shape"]
        x = rng.random((n, *shape), dtype=np.float32)
        return x, rng.integers(0, 10, n).astype(np.int64)

    return Workload("t", "test", tuple(layers), loss, "adam", 1e-3, batch, data, 0)


WIDE = mlp([512, 512, 10], "relu", "softmax")  # 267k parameters × 64 = 17M MACs per step
TINY = mlp([2, 8, 8, 10], "tanh", "softmax")
CONV = ({"kind": "Input", "shape": [2, 12, 12]},
        {"kind": "Conv2D", "filters": 8, "kernel_size": [3, 3], "padding": "1",
         "activation": "relu"},
        {"kind": "MaxPool2D", "pool_size": [2, 2]},
        {"kind": "Conv2D", "filters": 16, "kernel_size": [3, 3], "activation": "tanh"},
        {"kind": "Flatten"},
        {"kind": "Dense", "units": 10, "activation": "softmax"})


def test_policy_threads_only_large_dense_steps(budget_state):
    threads.set_budget(3)
    assert threads.blas_threads_for(build_engine(_workload(WIDE)).model, 64) == 3
    assert threads.blas_threads_for(build_engine(_workload(WIDE)).model, 8) == 1  # 2M MACs
    assert threads.blas_threads_for(build_engine(_workload(TINY)).model, 64) == 1
    conv = build_engine(_workload(CONV)).model
    assert threads.has_chunked_layers(conv)
    assert threads.blas_threads_for(conv, 4096) == 1  # its chunk threads use the budget
    with threads.training(build_engine(_workload(WIDE)).model, 64) as n:
        assert n == 3 and threads.blas_threads() == 3
    assert threads.blas_threads() == 1
    threads.set_budget(1)
    assert threads.blas_threads_for(build_engine(_workload(WIDE)).model, 64) == 1


def test_default_budget_keeps_blas_off_cores_other_programs_use(budget_state, monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 4)
    model = build_engine(_workload(WIDE)).model
    for others, expected in ((0.0, 3), (None, 3), (1.2, 2), (2.6, 1), (3.9, 1)):
        monkeypatch.setattr(threads._meter, "sample", lambda others=others: others)
        assert threads.blas_threads_for(model, 64) == expected
    threads.set_budget(3)  # a chosen count is used as it is: reproducible runs
    assert threads.blas_threads_for(model, 64) == 3
    threads.set_budget(None)
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.blas_threads_for(model, 64) == 3


def test_others_meter_counts_other_processes_only():
    from engine import thread_load

    meter = thread_load.OthersMeter()
    if thread_load.busy_seconds() is None:
        pytest.skip("no /proc/stat here")
    assert meter.sample() is None  # one sample: nothing to compare yet
    meter._last = (meter._last[0] - 1.0, meter._last[1], meter._last[2])  # a second ago
    sum(i * i for i in range(300_000))  # our own work is not "others"
    others = meter.sample()
    assert others is not None and 0.0 <= others <= threads.available_cores() + 0.5


def test_every_convolution_kind_counts_as_chunked():
    import engine.layers.conv_transpose  # noqa: F401  (registers Conv2DTranspose)
    from engine.layers.conv import ConvBase
    from engine.layers.registry import layer_class

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    kinds = {c.kind for c in subclasses(ConvBase) if "kind" in vars(c)}
    assert kinds and kinds <= threads.CHUNKED_KINDS
    assert all(issubclass(layer_class(k), ConvBase) for k in threads.CHUNKED_KINDS)


def _train(layers, budget, steps=4):
    """Weights after ``steps`` Adam steps with the given thread budget (fixed seeds)."""
    threads.set_budget(budget)
    wl = _workload(layers)
    run = build_engine(wl)
    x, y = wl.make_data()
    batches = [np.arange(i * wl.batch, (i + 1) * wl.batch) for i in range(steps)]
    with threads.training(run.model, wl.batch):
        losses = run.stepper.run(x, y, batches)
    return run.model.params_flat.copy(), np.asarray(losses)


@pytest.mark.parametrize("layers", [WIDE, CONV], ids=["dense-blas", "conv-chunks"])
def test_threaded_training_gives_the_same_numbers(budget_state, monkeypatch, layers):
    if layers is CONV:  # small enough to run in tests, large enough to be split and threaded
        monkeypatch.setattr(conv_exec, "MIN_PARALLEL_MACS", 1)
        monkeypatch.setattr(conv_exec, "CHUNK_BYTES", 4096)
        conv_exec.set_chunk_bytes(4096)
    one, loss1 = _train(layers, 1)
    two, loss2 = _train(layers, 2)
    again, loss_again = _train(layers, 2)
    conv_exec.set_chunk_bytes(conv_exec.CHUNK_BYTES)
    np.testing.assert_array_equal(two, again)  # same thread count and seed: bit-identical
    np.testing.assert_array_equal(loss2, loss_again)
    # another thread count: equal within float32 reduction-order tolerance
    np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss2, loss1, rtol=1e-5)
    assert np.abs(one).sum() > 0


def test_conv_passes_really_split_across_threads(budget_state, monkeypatch):
    monkeypatch.setattr(conv_exec, "MIN_PARALLEL_MACS", 1)
    conv_exec.set_chunk_bytes(4096)
    try:
        threads.set_budget(2)
        _, groups = conv_exec.plan(64, 2 * 9 * 144 * 4, 10**7)
        assert len(groups) == 2
        threads.set_budget(1)
        _, groups = conv_exec.plan(64, 2 * 9 * 144 * 4, 10**7)
        assert len(groups) == 1
    finally:
        conv_exec.set_chunk_bytes(conv_exec.CHUNK_BYTES)


def test_cli_threads_flag_sets_the_budget(budget_state, capsys):
    assert take_threads(["train", "p.json", "--threads", "3", "--epochs", "2"]) == [
        "train", "p.json", "--epochs", "2"]
    assert threads.budget() == 3
    assert take_threads(["check", "--threads=2", "p.json"]) == ["check", "p.json"]
    assert threads.budget() == 2
    assert take_threads(["bench", "--threads", "1,2"]) == ["bench", "--threads", "1,2"]
    assert layerlab_main(["train", "p.json", "--threads", "none"]) == 2
    err = capsys.readouterr().err
    assert "--threads must be a whole number of threads" in err and "Traceback" not in err


def _sequence_workload(cell):
    def data():
        rng = np.random.default_rng(1)
        x = rng.integers(1, 20, size=(96, 12)).astype(np.int64)
        x[::3, 8:] = 0  # padded tails: masked steps carry the state through
        return x, rng.integers(0, 20, size=(96, 12)).astype(np.int64)

    layers = ({"kind": "Input", "shape": [12]},
              {"kind": "Embedding", "input_dim": 20, "output_dim": 8, "mask_zero": True},
              {"units": 16, "return_sequences": True, **cell},
              {"kind": "TimeDistributed", "units": 20, "activation": "softmax"})
    return Workload("s", "seq", layers, "softmax_ce", "adam", 3e-3, 32, data, 0)


CELLS = {"lstm-tanh": {"kind": "LSTM"},
         "lstm-relu-truncated": {"kind": "LSTM", "bptt_steps": 5, "activation": "relu"},
         "gru": {"kind": "GRU", "recurrent_dropout": 0.25},
         "gru-classic-truncated": {"kind": "GRU", "reset_after": False, "bptt_steps": 5},
         "rnn": {"kind": "SimpleRNN"},
         "rnn-relu-dropout": {"kind": "SimpleRNN", "activation": "relu",
                              "recurrent_dropout": 0.25, "bptt_steps": 4}}


@pytest.mark.parametrize("cell", CELLS.values(), ids=CELLS.keys())
def test_recurrent_batch_parts_give_the_same_numbers(budget_state, monkeypatch, cell):
    """Every cell splits its batch across the threads (each part runs every step for its own
    samples); training gives the same numbers: bit-identical for the same thread count and
    seed, within float32 reduction order for another count."""
    monkeypatch.setattr(threads, "PART_MIN_MACS", 1)  # small test shapes: split anyway
    calls = []
    monkeypatch.setattr(threads, "run_parts",
                        lambda work, parts, run=threads.run_parts: (calls.append(len(parts)),
                                                                     run(work, parts)))
    wl = _sequence_workload(cell)
    x, y = wl.make_data()
    out = {}
    for budget in (1, 3, 3):
        threads.set_budget(budget)
        calls.clear()
        run = build_engine(wl)
        batches = [np.arange(i * 32, (i + 1) * 32) for i in range(3)]
        losses = run.stepper.run(x, y, batches)
        out.setdefault(budget, []).append((run.model.params_flat.copy(), losses))
        assert set(calls) == ({3} if budget == 3 else set(calls) & {1})  # 3 parts: each pass
    assert threads.batch_parts(32, 10) == [(0, 10), (10, 21), (21, 32)]
    (w3, l3), (w3b, l3b) = out[3]
    np.testing.assert_array_equal(w3, w3b)  # same thread count and seed: bit-identical
    np.testing.assert_array_equal(l3, l3b)
    (w1, l1), = out[1]
    np.testing.assert_allclose(w3, w1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(l3, l1, rtol=1e-5)
    assert not np.array_equal(w1, build_engine(wl).model.params_flat)  # it did train


def test_run_parts_uses_other_threads_and_reraises(budget_state):
    seen = []
    threads.run_parts(lambda b0, b1: seen.append((b0, b1, threading.get_ident())),
                      [(0, 2), (2, 4), (4, 6)])
    assert sorted(s[:2] for s in seen) == [(0, 2), (2, 4), (4, 6)]
    assert len({s[2] for s in seen}) >= 2  # not all on the calling thread

    def boom(b0, b1):
        if b0:
            raise RuntimeError("part failed")

    with pytest.raises(RuntimeError, match="part failed"):
        threads.run_parts(boom, [(0, 1), (1, 2)])
    threads.set_budget(1)
    assert threads.batch_parts(64, 10**9) == [(0, 64)]  # budget 1: one part
    threads.set_budget(8)
    assert threads.batch_parts(64, 10) == [(0, 64)]  # a small call: one part
    assert len(threads.batch_parts(64, 10**9)) == 8 and len(threads.batch_parts(17, 10**9)) == 2


@pytest.mark.parametrize("causal, masked, dropped", [(False, False, False), (True, True, True)])
def test_attention_batch_parts_are_bit_identical(budget_state, monkeypatch, causal, masked,
                                                 dropped):
    from engine.kernels.attention import NO_MASK, attend, attend_backward

    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((10, 2, 6, 4)).astype(np.float32) for _ in range(3))
    keep = (rng.random((10, 6)) > 0.3).astype(np.uint8) if masked else NO_MASK
    drop = (rng.random((10, 2, 6, 6)) > 0.2).astype(np.float32) * 1.25 if dropped else None
    g = rng.standard_normal((10, 2, 6, 4)).astype(np.float32)
    monkeypatch.setattr(threads, "PART_MIN_SAMPLES", 1)
    monkeypatch.setattr(threads, "PART_MIN_MACS", 1)
    results = []
    for budget in (1, 3):
        threads.set_budget(budget)
        out, weights = attend(q, k, v, causal, keep, drop)
        results.append((out, weights, *attend_backward(q, k, v, weights, drop, g)))
    assert threads.batch_parts(10, 10) == [(0, 3), (3, 6), (6, 10)]
    for one, three in zip(*results):
        np.testing.assert_array_equal(one, three)  # samples never mix: the same numbers


@pytest.mark.parametrize("kind, geo", [("MaxPool2D", {"pool_size": [2, 2]}),
                                       ("MaxPool2D", {"pool_size": [3, 3], "strides": [2, 2],
                                                      "padding": "same"}),
                                       ("AvgPool2D", {"pool_size": [2, 2]})])
def test_pooling_batch_parts_are_bit_identical(budget_state, monkeypatch, kind, geo):
    from engine.layers import pooling
    from engine.layers.registry import create_layer

    monkeypatch.setattr(pooling, "POOL_MIN_ELEMENTS", 1)
    x = np.random.default_rng(4).standard_normal((24, 3, 9, 9)).astype(np.float32)
    g = np.random.default_rng(5).standard_normal((24, 3, 5, 5)).astype(np.float32)
    results, calls = [], []
    monkeypatch.setattr(threads, "run_parts",
                        lambda work, parts, run=threads.run_parts: (calls.append(len(parts)),
                                                                     run(work, parts)))
    for budget in (1, 3):
        threads.set_budget(budget)
        layer = create_layer({"kind": kind, "name": "p", **geo})
        layer.build([(3, 9, 9)], np.random.default_rng(0))
        y = layer.forward([x], training=True).copy()
        gy = np.ascontiguousarray(g[:, :, : y.shape[2], : y.shape[3]])
        results.append((y, layer.backward(gy)[0].copy()))
    assert calls == [1, 1, 3, 3]  # forward and backward, one part then three
    for one, three in zip(*results):
        np.testing.assert_array_equal(one, three)


@pytest.mark.parametrize("kind, extra", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                         ("GRU", {"reset_after": False})])
def test_recurrent_parts_read_each_samples_own_state(budget_state, monkeypatch, kind, extra):
    """Initial states, padding and recurrent dropout differ per sample: each part must read
    its own rows of every one (layer level, forward and backward)."""
    from engine.layers.registry import create_layer

    monkeypatch.setattr(threads, "PART_MIN_MACS", 1)
    monkeypatch.setattr(threads, "PART_MIN_SAMPLES", 1)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((10, 5, 3)).astype(np.float32)
    x[::3, 3:] = 0  # padded tails
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((10, 4)).astype(np.float32) for _ in range(n_states)]
    g = rng.standard_normal((10, 5, 4)).astype(np.float32)
    results = []
    for budget in (1, 3, 3):
        threads.set_budget(budget)
        layer = create_layer({"kind": kind, "name": "r", "units": 4, "return_sequences": True,
                              "mask_padding": True, "recurrent_dropout": 0.3, **extra})
        layer.build([(5, 3)] + [(4,)] * n_states, np.random.default_rng(0))
        y = layer.forward([x, *states], training=True).copy()
        grads = [a.copy() for a in layer.backward(g)]
        results.append([y, *grads, *(v.copy() for v in layer.grads.values())])
    for one, three, again in zip(*results):
        np.testing.assert_array_equal(three, again)
        np.testing.assert_allclose(three, one, rtol=1e-5, atol=1e-6)
