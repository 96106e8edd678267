"""Optimizers: three hand-computed steps each, kernel == numpy reference, learning, config.

The worked examples use f(w) = ½·Σ a_i·w_i² with a = [1, 10] and w0 = [1, 1], so the gradient
is g = a·w. Every expected value below is arithmetic written out from the update formula in
the optimizer's docstring (PyTorch's), not a call to a second implementation.
"""

import json
import math

import numpy as np
import pytest

from engine import regularizers
from engine.kernels import optimizers as K
from engine.optimizers import (
    OPTIMIZER_NAMES,
    Optimizer,
    clip_by_global_norm,
    clip_by_value,
    get_optimizer,
)
from engine.schedules import get_schedule
from engine.types import ConfigError, TrainingError

A = np.array([1.0, 10.0])


def three_steps(name, **options):
    """The weights after each of the first three steps on f, as a (3, 2) array."""
    opt = get_optimizer(name, **options)
    w = np.array([1.0, 1.0])
    out = []
    for _ in range(3):
        opt.step([w], [A * w])
        out.append(w.copy())
    return np.array(out)


def test_sgd_by_hand():
    # w ← w − 0.05·g
    # step 1: g = [1, 10]      → w = [1 − 0.05, 1 − 0.5]            = [0.95, 0.5]
    # step 2: g = [0.95, 5]    → w = [0.95 − 0.0475, 0.5 − 0.25]     = [0.9025, 0.25]
    # step 3: g = [0.9025, 2.5] → w = [0.9025 − 0.045125, 0.25 − 0.125] = [0.857375, 0.125]
    expected = [[0.95, 0.5], [0.9025, 0.25], [0.857375, 0.125]]
    np.testing.assert_allclose(three_steps("sgd", learning_rate=0.05), expected, rtol=1e-12)


def test_momentum_by_hand():
    # v ← 0.9·v + g; w ← w − 0.05·v
    # 1: g = [1, 10];        v = [1, 10];                    w = [0.95, 0.5]
    # 2: g = [0.95, 5];      v = [0.9 + 0.95, 9 + 5] = [1.85, 14]
    #                        w = [0.95 − 0.0925, 0.5 − 0.7] = [0.8575, −0.2]
    # 3: g = [0.8575, −2];   v = [1.665 + 0.8575, 12.6 − 2] = [2.5225, 10.6]
    #                        w = [0.8575 − 0.126125, −0.2 − 0.53] = [0.731375, −0.73]
    expected = [[0.95, 0.5], [0.8575, -0.2], [0.731375, -0.73]]
    np.testing.assert_allclose(three_steps("momentum", learning_rate=0.05), expected,
                               rtol=1e-12)


def test_nesterov_by_hand():
    # v ← 0.9·v + g; w ← w − 0.05·(g + 0.9·v)
    # 1: g = [1, 10];  v = [1, 10];  g + 0.9v = [1.9, 19];  w = [0.905, 0.05]
    # 2: g = [0.905, 0.5];  v = [0.9 + 0.905, 9 + 0.5] = [1.805, 9.5]
    #    g + 0.9v = [0.905 + 1.6245, 0.5 + 8.55] = [2.5295, 9.05]
    #    w = [0.905 − 0.126475, 0.05 − 0.4525] = [0.778525, −0.4025]
    # 3: g = [0.778525, −4.025];  v = [1.6245 + 0.778525, 8.55 − 4.025] = [2.403025, 4.525]
    #    g + 0.9v = [0.778525 + 2.1627225, −4.025 + 4.0725] = [2.9412475, 0.0475]
    #    w = [0.778525 − 0.147062375, −0.4025 − 0.002375] = [0.631462625, −0.404875]
    expected = [[0.905, 0.05], [0.778525, -0.4025], [0.631462625, -0.404875]]
    np.testing.assert_allclose(three_steps("nesterov", learning_rate=0.05), expected,
                               rtol=1e-12)


def test_sgd_weight_decay_is_coupled_l2():
    # d = g + 0.1·w = [1.1, 10.1]; w = [1 − 0.055, 1 − 0.505]
    opt = get_optimizer("sgd", learning_rate=0.05, weight_decay=0.1)
    w = np.array([1.0, 1.0])
    opt.step([w], [A * w])
    np.testing.assert_allclose(w, [0.945, 0.495], rtol=1e-12)


def test_adagrad_by_hand():
    # s ← s + g²; w ← w − 0.1·g/(√s + 1e-10). With a = [1, 10] both coordinates move alike:
    # Adagrad divides out the gradient's scale (coordinate 2 has g and √s 10× larger).
    # 1: g = 1, s = 1:          w = 1 − 0.1·1/1 = 0.9
    # 2: g = 0.9, s = 1.81:     w = 0.9 − 0.09/√1.81 = 0.9 − 0.09/1.3453624047 = 0.8331035...
    # 3: g = w2, s = 1.81 + w2²: w = w2 − 0.1·w2/√s
    w2 = 0.9 - 0.09 / 1.3453624047073711
    s3 = 1.81 + w2 * w2
    w3 = w2 - 0.1 * w2 / math.sqrt(s3)
    expected = [[0.9, 0.9], [w2, w2], [w3, w3]]
    np.testing.assert_allclose(three_steps("adagrad", learning_rate=0.1), expected, rtol=1e-9)
    assert w2 == pytest.approx(0.8331035268, abs=1e-9)


def test_adagrad_initial_accumulator():
    # s starts at 3: s = 3 + 1 = 4; w = 1 − 0.1·1/2 = 0.95
    opt = get_optimizer("adagrad", learning_rate=0.1, initial_accumulator_value=3.0)
    w = np.array([1.0])
    opt.step([w], [w.copy()])
    assert w[0] == pytest.approx(0.95, rel=1e-9)


def test_rmsprop_by_hand():
    # s ← 0.99·s + 0.01·g²; w ← w − 0.01·g/(√s + 1e-8)   (defaults: lr 0.01, rho 0.99)
    # 1: g = [1, 10];   s = [0.01, 1];   w = 1 − 0.01·1/0.1 = 0.9 (both: 0.01·10/1 = 0.1)
    # 2: g = [0.9, 9];  s = [0.0099 + 0.0081, 0.99 + 0.81] = [0.018, 1.8]
    #    w = 0.9 − 0.009/√0.018 = 0.9 − 0.009/0.13416407865 = 0.83291796 (both)
    # 3: s = 0.99·0.018 + 0.01·w2² = 0.01782 + 0.01·w2²;  w = w2 − 0.01·w2/√s
    w2 = 0.9 - 0.009 / 0.1341640786499874
    w3 = w2 - 0.01 * w2 / math.sqrt(0.01782 + 0.01 * w2 * w2)
    expected = [[0.9, 0.9], [w2, w2], [w3, w3]]
    np.testing.assert_allclose(three_steps("rmsprop"), expected, rtol=1e-7)
    assert w2 == pytest.approx(0.832917961, abs=1e-9)


def test_adadelta_by_hand():
    # s ← 0.9·s + 0.1·g²; Δ = √(u + 1e-6)/√(s + 1e-6)·g; u ← 0.9·u + 0.1·Δ²; w ← w − Δ (lr 1)
    # Coordinate 1 (a = 1, g = w):
    # 1: s = 0.1;  Δ = 0.001/√0.100001 = 0.0031622619;  u = 0.1·Δ²;  w = 1 − Δ
    s1, d1 = 0.1, 0.001 / math.sqrt(0.100001)
    u1, w1 = 0.1 * d1 * d1, 1 - d1
    s2 = 0.9 * s1 + 0.1 * w1 * w1
    d2 = math.sqrt(u1 + 1e-6) / math.sqrt(s2 + 1e-6) * w1
    u2, w2 = 0.9 * u1 + 0.1 * d2 * d2, w1 - d2
    s3 = 0.9 * s2 + 0.1 * w2 * w2
    w3 = w2 - math.sqrt(u2 + 1e-6) / math.sqrt(s3 + 1e-6) * w2
    # Coordinate 2 (g = 10·w): 1: s = 10; Δ = 0.001·10/√10.000001 = 0.0031622776; w = 1 − Δ
    d1b = 0.01 / math.sqrt(10.000001)
    u1b, w1b = 0.1 * d1b * d1b, 1 - d1b
    s2b = 0.9 * 10 + 0.1 * 100 * w1b * w1b
    d2b = math.sqrt(u1b + 1e-6) / math.sqrt(s2b + 1e-6) * 10 * w1b
    u2b, w2b = 0.9 * u1b + 0.1 * d2b * d2b, w1b - d2b
    s3b = 0.9 * s2b + 0.1 * 100 * w2b * w2b
    w3b = w2b - math.sqrt(u2b + 1e-6) / math.sqrt(s3b + 1e-6) * 10 * w2b
    expected = [[w1, w1b], [w2, w2b], [w3, w3b]]
    np.testing.assert_allclose(three_steps("adadelta"), expected, rtol=1e-12)
    assert w1 == pytest.approx(0.9968377381, abs=1e-9)


def adam_second_step(lr):
    # 2: g = 0.9·[1, 10];  m = 0.9·0.1·g1 + 0.1·g2 = [0.18, 1.8];
    #    v = 0.999·0.001·g1² + 0.001·g2² = [0.001809, 0.1809]
    #    m̂ = 0.18/(1 − 0.81) = 0.18/0.19;  v̂ = 0.001809/(1 − 0.998001) = 0.001809/0.001999
    return lr * (0.18 / 0.19) / (math.sqrt(0.001809) / math.sqrt(0.001999) + 1e-8)


def test_adam_by_hand():
    # m ← 0.9m + 0.1g; v ← 0.999v + 0.001g²; w ← w − 0.1/(1−0.9ᵗ)·m/(√v/√(1−0.999ᵗ) + 1e-8)
    # 1: m = 0.1g, v = 0.001g²: m̂ = g, v̂ = g² → w = 1 − 0.1·g/(|g| + 1e-8) ≈ 0.9 (both)
    w1 = 1 - 0.1 / (1 + 1e-8)
    w2 = w1 - adam_second_step(0.1)  # ≈ 0.9 − 0.0995877 (both coordinates again)
    # 3: g3 = w2·[1, 10]; m = 0.9·[0.18, 1.8] + 0.1·g3; v = 0.999·[0.001809, 0.1809] + 0.001·g3²
    m3 = 0.162 + 0.1 * w2
    v3 = 0.999 * 0.001809 + 0.001 * w2 * w2
    w3 = w2 - 0.1 / (1 - 0.729) * m3 / (math.sqrt(v3) / math.sqrt(1 - 0.997002999) + 1e-8)
    expected = [[w1, w1], [w2, w2], [w3, w3]]
    np.testing.assert_allclose(three_steps("adam", learning_rate=0.1), expected, rtol=1e-7)
    assert w2 == pytest.approx(0.8004123, abs=1e-6)


def test_adamw_by_hand():
    # decoupled decay first: w ← w·(1 − 0.1·0.1) = 0.99·w, then the Adam step on g = a·w (g
    # taken before the decay). Step 1: w = 0.99 − 0.1 = 0.89 (Adam's first step is ±lr).
    opt = get_optimizer("adamw", learning_rate=0.1, weight_decay=0.1)
    w = np.array([1.0, 1.0])
    opt.step([w], [A * w])
    np.testing.assert_allclose(w, [0.89, 0.89], rtol=1e-7)
    # 2: g = 0.89·[1, 10]; m = [0.09 + 0.089, 0.9 + 0.89] = [0.179, 1.79];
    #    v = [0.000999 + 0.001·0.7921, 0.0999 + 0.07921] = [0.0017911, 0.17911]
    step = 0.1 * (0.179 / 0.19) / (math.sqrt(0.0017911) / math.sqrt(0.001999) + 1e-8)
    opt.step([w], [A * w])
    np.testing.assert_allclose(w, [0.89 * 0.99 - step] * 2, rtol=1e-7)


def test_adam_weight_decay_is_coupled():
    # Adam(weight_decay=0.5) on g equals Adam(0) on g + 0.5·w, at every step.
    a, b = get_optimizer("adam", weight_decay=0.5), get_optimizer("adam")
    wa, wb = np.array([1.0, -2.0]), np.array([1.0, -2.0])
    for _ in range(3):
        a.step([wa], [A * wa])
        b.step([wb], [A * wb + 0.5 * wb])
    np.testing.assert_allclose(wa, wb, rtol=1e-12)


# -- kernels against their numpy references ---------------------------------------------------
KERNEL_CASES = [
    (K.sgd_update, K.sgd_update_ref, 1, (0.05, 0.0, False, 0.0)),
    (K.sgd_update, K.sgd_update_ref, 1, (0.05, 0.9, False, 0.01)),
    (K.sgd_update, K.sgd_update_ref, 1, (0.05, 0.9, True, 0.01)),
    (K.adagrad_update, K.adagrad_update_ref, 1, (0.1, 1e-10, 0.01)),
    (K.rmsprop_update, K.rmsprop_update_ref, 1, (0.01, 0.9, 1e-8, 0.01)),
    (K.adadelta_update, K.adadelta_update_ref, 2, (1.0, 0.9, 1e-6, 0.01)),
    (K.adam_update, K.adam_update_ref, 2, (0.01, 0.9, 0.999, 1e-8, 0.01, False)),
    (K.adam_update, K.adam_update_ref, 2, (0.01, 0.9, 0.999, 1e-8, 0.1, True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(KERNEL_CASES)))
def test_kernel_matches_reference(case, dtype):
    kernel, ref, n_state, scalars = KERNEL_CASES[case]
    rng = np.random.default_rng(case)
    p = rng.normal(size=257).astype(dtype)
    pk, pr = p.copy(), p.copy()
    sk = [np.zeros_like(p) for _ in range(n_state)]
    sr = [np.zeros_like(p) for _ in range(n_state)]
    for t in range(1, 5):
        g = rng.normal(size=257).astype(dtype)
        extra = (t,) if kernel is K.adam_update else ()
        kernel(pk, g, *sk, *scalars, *extra)
        ref(pr, g, *sr, *scalars, *extra)
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-14)
    assert pk.dtype == dtype and pr.dtype == dtype
    assert not np.allclose(pk, p)  # the update did something
    np.testing.assert_allclose(pk, pr, rtol=rtol, atol=atol)
    for a, b in zip(sk, sr):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizer_kernel_and_reference_paths_agree(name):
    """Whole optimizer, several arrays of different shapes, kernel vs reference path."""
    rng = np.random.default_rng(1)
    shapes = [(3, 4), (5,), (2, 3, 2)]
    fast, slow = get_optimizer(name), get_optimizer(name)
    slow.use_reference = True
    pf = [rng.normal(size=s) for s in shapes]
    ps = [p.copy() for p in pf]
    for _ in range(4):
        grads = [rng.normal(size=s) for s in shapes]
        fast.step(pf, grads)
        slow.step(ps, grads)
    for a, b in zip(pf, ps):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert fast.iterations == 4


# -- behaviour --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_each_optimizer_decreases_the_quadratic(name, dtype):
    a = np.array([1.0, 10.0, 0.5, 3.0], dtype=dtype)
    w = np.array([1.0, 1.0, -2.0, 0.5], dtype=dtype)
    lr = {"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05}.get(name)
    opt = get_optimizer(name) if lr is None else get_optimizer(name, learning_rate=lr)
    f0 = 0.5 * float(np.sum(a * w * w))
    for _ in range(100):
        opt.step([w], [a * w])
    assert w.dtype == dtype
    assert 0.5 * float(np.sum(a * w * w)) < 0.9 * f0


def test_live_learning_rate_change():
    opt = get_optimizer("sgd", learning_rate=0.1)
    w = np.array([1.0])
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(0.9)
    opt.learning_rate = 0.0
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(0.9)
    opt.learning_rate = 0.5
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(0.4)
    with pytest.raises(ConfigError, match="at least 0"):
        opt.learning_rate = -1.0


def test_schedule_scales_the_live_rate():
    # step decay ×0.1 every 2 steps; step t uses lr·0.1^(t // 2)
    opt = get_optimizer("sgd", learning_rate=1.0, schedule={"name": "step_decay", "step_size": 2})
    w = np.array([0.0])
    seen = []
    for _ in range(4):
        seen.append(opt.current_lr())
        opt.step([w], [np.array([-1.0])])
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1])
    assert w[0] == pytest.approx(2.2)
    opt.learning_rate = 10.0  # the schedule applies to the new base rate: 10·0.1²
    assert opt.current_lr() == pytest.approx(0.1)


def test_reset_state_restarts_adam():
    opt = get_optimizer("adam", learning_rate=0.1)
    w = np.array([1.0])
    opt.step([w], [np.array([5.0])])
    opt.reset_state()
    assert opt.iterations == 0
    w[:] = 1.0
    opt.step([w], [np.array([5.0])])
    assert w[0] == pytest.approx(0.9, rel=1e-7)  # a first step again: exactly lr


def test_state_is_per_list_index_and_checked():
    opt = get_optimizer("momentum", learning_rate=0.1)
    a, b = np.ones(3, dtype=np.float32), np.ones((2, 2), dtype=np.float32)
    opt.step([a, b], [np.ones(3, dtype=np.float32), np.full((2, 2), 2.0, dtype=np.float32)])
    opt.step([a, b], [np.ones(3, dtype=np.float32), np.full((2, 2), 2.0, dtype=np.float32)])
    # v = 1 then 1.9 → a = 1 − 0.1 − 0.19; b gets twice that
    np.testing.assert_allclose(a, 0.71, rtol=1e-6)
    np.testing.assert_allclose(b, 0.42, rtol=1e-6)
    assert a.dtype == np.float32
    with pytest.raises(TrainingError, match="reset_state"):
        opt.step([np.ones(4, dtype=np.float32)], [np.ones(4, dtype=np.float32)])
    with pytest.raises(TrainingError, match="shape"):
        opt.step([a], [np.ones(4, dtype=np.float32)])
    with pytest.raises(TrainingError, match="contiguous"):
        opt.step([np.ones((4, 4))[:, 0]], [np.ones(4)])


# -- configuration ----------------------------------------------------------------------------
NON_DEFAULT = {
    "sgd": {"learning_rate": 0.2, "momentum": 0.5, "nesterov": True, "weight_decay": 0.01},
    "momentum": {"learning_rate": 0.03, "momentum": 0.8},
    "nesterov": {"learning_rate": 0.03, "momentum": 0.7},
    "adagrad": {"learning_rate": 0.5, "epsilon": 1e-7, "initial_accumulator_value": 0.1},
    "rmsprop": {"learning_rate": 0.002, "rho": 0.9, "epsilon": 1e-7},
    "adadelta": {"learning_rate": 0.5, "rho": 0.95},
    "adam": {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "weight_decay": 1e-4},
    "adamw": {"learning_rate": 0.01, "weight_decay": 0.05},
}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_config_round_trip(name):
    schedule = {"name": "warmup", "warmup_steps": 5,
                "after": {"name": "cosine", "t_max": 50, "min_lr": 1e-4}}
    opt = get_optimizer(name, schedule=schedule, **NON_DEFAULT[name])
    cfg = json.loads(json.dumps(opt.get_config()))
    assert cfg["name"] == name
    for key, value in NON_DEFAULT[name].items():
        assert cfg[key] == value
    assert cfg["schedule"] == schedule
    for again in (Optimizer.from_config(cfg), type(opt).from_config(cfg),
                  get_optimizer(name, **cfg)):
        assert type(again) is type(opt)
        assert again.get_config() == cfg
        assert again.current_lr() == opt.current_lr()


def test_named_variants_and_defaults():
    assert OPTIMIZER_NAMES == ("sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                               "adadelta", "adam", "adamw")
    cfg = {n: get_optimizer(n).get_config() for n in OPTIMIZER_NAMES}
    assert (cfg["sgd"]["learning_rate"], cfg["sgd"]["momentum"], cfg["sgd"]["nesterov"]) == (
        0.01, 0.0, False)
    assert (cfg["momentum"]["momentum"], cfg["momentum"]["nesterov"]) == (0.9, False)
    assert (cfg["nesterov"]["momentum"], cfg["nesterov"]["nesterov"]) == (0.9, True)
    assert (cfg["adagrad"]["learning_rate"], cfg["adagrad"]["epsilon"]) == (0.01, 1e-10)
    assert (cfg["rmsprop"]["learning_rate"], cfg["rmsprop"]["rho"],
            cfg["rmsprop"]["epsilon"]) == (0.01, 0.99, 1e-8)
    assert (cfg["adadelta"]["learning_rate"], cfg["adadelta"]["rho"],
            cfg["adadelta"]["epsilon"]) == (1.0, 0.9, 1e-6)
    assert (cfg["adam"]["learning_rate"], cfg["adam"]["beta_1"], cfg["adam"]["beta_2"],
            cfg["adam"]["epsilon"], cfg["adam"]["weight_decay"]) == (0.001, 0.9, 0.999, 1e-8, 0.0)
    assert cfg["adamw"]["weight_decay"] == 0.01
    assert get_optimizer(" Adam ").beta_1 == 0.9  # names are case-insensitive; hypers read as attrs


@pytest.mark.parametrize("name,options,match", [
    ("adamm", {}, "Choose one of: sgd, momentum"),
    ("sgd", {"learning_rate": -0.1}, "at least 0"),
    ("sgd", {"lr": 0.1}, "unknown option"),
    ("sgd", {"momentum": "fast"}, "must be a number"),
    ("sgd", {"nesterov": True}, "momentum above 0"),
    ("adam", {"beta_2": 1.0}, "below 1"),
    ("rmsprop", {"epsilon": float("nan")}, "finite"),
    ("sgd", {"name": "adam"}, "two different names"),
])
def test_bad_configs_are_readable(name, options, match):
    with pytest.raises(ConfigError, match=match):
        get_optimizer(name, **options)


# -- clipping and penalties -------------------------------------------------------------------
def test_clip_by_value():
    g = [np.array([-3.0, 0.5, 2.0], dtype=np.float32), np.array([[1.5, -0.2]])]
    clip_by_value(g, 1.0)
    np.testing.assert_array_equal(g[0], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(g[1], [[1.0, -0.2]])
    assert g[0].dtype == np.float32
    with pytest.raises(ConfigError):
        clip_by_value(g, 0.0)


def test_clip_by_global_norm():
    # norms: |[3, 4]| = 5 and |[12]| = 12 → global √(25 + 144) = 13; scale 6.5/13 = 0.5
    g = [np.array([3.0, 4.0]), np.array([[12.0]], dtype=np.float64)]
    norm = clip_by_global_norm(g, 6.5)
    assert norm == pytest.approx(13.0)
    np.testing.assert_allclose(g[0], [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(g[1], [[6.0]], rtol=1e-6)
    small = [np.array([0.3, 0.4], dtype=np.float32)]
    assert clip_by_global_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small[0], np.array([0.3, 0.4], dtype=np.float32))


def test_sum_squares_kernel_matches_reference():
    g = np.random.default_rng(0).normal(size=1001).astype(np.float32)
    assert K.sum_squares(g) == pytest.approx(K.sum_squares_ref(g), rel=1e-12)


def test_penalties_keras_convention():
    w = np.array([[1.0, -2.0], [0.0, 3.0]], dtype=np.float32)
    # l1·Σ|w| + l2·Σw² = 0.1·6 + 0.01·14 = 0.74
    assert regularizers.penalty(w, 0.1, 0.01) == pytest.approx(0.74)
    g = np.ones_like(w)
    regularizers.add_penalty_grad(w, g, 0.1, 0.01)
    # 1 + 0.1·sign(w) + 0.02·w
    np.testing.assert_allclose(g, [[1.12, 0.86], [1.0, 1.16]], rtol=1e-6)
    assert g.dtype == np.float32
    assert regularizers.penalty(w, 0.0, 0.0) == 0.0
    with pytest.raises(ConfigError):
        regularizers.penalty(w, -1.0, 0.0)


def test_schedule_object_accepted():
    opt = get_optimizer("sgd", schedule=get_schedule("exponential", gamma=0.5))
    opt.iterations = 3
    assert opt.current_lr() == pytest.approx(0.01 * 0.125)
