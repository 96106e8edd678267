"""Initializers: scale rules checked on the statistics of large draws, determinism, names."""

import math

import numpy as np
import pytest

from engine.initializers import INITIALIZER_NAMES, describe, get_initializer
from engine.types import ConfigError


def draw(name, shape=(100, 200), fan_in=100, fan_out=200, seed=0, dtype=np.float32, **cfg):
    return get_initializer(name, **cfg)(shape, fan_in, fan_out, np.random.default_rng(seed),
                                        dtype)


@pytest.mark.parametrize("name,limit", [
    ("glorot_uniform", math.sqrt(6 / 300)),  # 0.1414
    ("he_uniform", math.sqrt(6 / 100)),      # 0.2449
    ("lecun_uniform", math.sqrt(3 / 100)),   # 0.1732
    ("random_uniform", 0.05),
])
def test_uniform_limits_and_spread(name, limit):
    w = draw(name)
    assert w.shape == (100, 200) and w.dtype == np.float32
    assert np.max(np.abs(w)) <= limit
    assert np.max(np.abs(w)) > 0.99 * limit  # fills the whole range
    assert np.std(w) == pytest.approx(limit / math.sqrt(3), rel=0.05)  # uniform: limit/√3
    assert abs(np.mean(w)) < 0.02 * limit


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", math.sqrt(2 / 300)),  # 0.0816
    ("he_normal", math.sqrt(2 / 100)),      # 0.1414
    ("lecun_normal", math.sqrt(1 / 100)),   # 0.1
    ("random_normal", 0.05),
])
def test_normal_std(name, std):
    w = draw(name)
    assert np.std(w) == pytest.approx(std, rel=0.05)
    assert abs(np.mean(w)) < 0.02 * std
    assert np.max(np.abs(w)) > 3 * std  # plain normal, not truncated at 2σ


def test_constants_and_options():
    assert np.array_equal(draw("zeros", shape=(2, 3)), np.zeros((2, 3)))
    assert np.array_equal(draw("ones", shape=(4,)), np.ones(4))
    assert np.array_equal(draw("constant", shape=(3,), value=0.3), np.full(3, 0.3, np.float32))
    w = draw("random_uniform", minval=2.0, maxval=3.0)
    assert 2.0 <= w.min() and w.max() < 3.0
    w = draw("random_normal", mean=5.0, stddev=0.5)
    assert np.mean(w) == pytest.approx(5.0, abs=0.01)
    assert np.std(w) == pytest.approx(0.5, rel=0.05)


def test_deterministic_from_the_seed_in_any_dtype():
    a, b = draw("glorot_uniform", seed=3), draw("glorot_uniform", seed=3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw("glorot_uniform", seed=4))
    d = draw("glorot_uniform", seed=3, dtype=np.float64)
    assert d.dtype == np.float64
    assert np.array_equal(d.astype(np.float32), a)  # same draws, only cast differently


def test_aliases_are_the_same_rule():
    for alias, name in [("xavier_uniform", "glorot_uniform"), ("xavier_normal", "glorot_normal"),
                        ("kaiming_uniform", "he_uniform"), ("kaiming_normal", "he_normal")]:
        assert np.array_equal(draw(alias), draw(name))
        assert describe(alias) == describe(name)


def test_names_and_descriptions():
    assert set(INITIALIZER_NAMES) >= {"zeros", "ones", "constant", "random_uniform",
                                      "random_normal", "glorot_uniform", "glorot_normal",
                                      "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"}
    for name in INITIALIZER_NAMES:
        text = describe(name)
        assert isinstance(text, str) and 10 < len(text) < 120 and "\n" not in text
    assert get_initializer("constant", value=2.0).get_config() == {"name": "constant",
                                                                   "value": 2.0}


@pytest.mark.parametrize("make,match", [
    (lambda: get_initializer("glorot"), "Choose one of"),
    (lambda: get_initializer("zeros", value=1.0), "unknown option"),
    (lambda: get_initializer("random_uniform", minval=1.0, maxval=0.0), "minval"),
    (lambda: draw("he_normal", fan_in=0), "fan-in"),
])
def test_bad_initializers_are_readable(make, match):
    with pytest.raises(ConfigError, match=match):
        make()
