"""Learning-rate schedules: hand-computed values at chosen steps, configs, errors."""

import json
import math

import pytest

from engine.schedules import (
    SCHEDULE_NAMES,
    Schedule,
    get_schedule,
    schedule_from_config,
)
from engine.types import ConfigError


def test_constant():
    assert get_schedule("constant")(0.1, 0) == 0.1
    assert get_schedule("constant")(0.1, 12345) == 0.1


def test_step_decay():
    s = get_schedule("step_decay", step_size=10, gamma=0.5)
    # lr·0.5^floor(t/10)
    assert [s(0.8, t) for t in (0, 9, 10, 19, 20, 35)] == pytest.approx(
        [0.8, 0.8, 0.4, 0.4, 0.2, 0.1])


def test_exponential():
    s = get_schedule("exponential", gamma=0.9)
    # 0.1·0.9⁰, 0.1·0.9¹, 0.1·0.9² = 0.1, 0.09, 0.081
    assert [s(0.1, t) for t in (0, 1, 2)] == pytest.approx([0.1, 0.09, 0.081])


def test_cosine():
    s = get_schedule("cosine", t_max=100, min_lr=0.01)
    # 0.01 + (0.11 − 0.01)·(1 + cos(π·t/100))/2
    assert s(0.11, 0) == pytest.approx(0.11)
    assert s(0.11, 25) == pytest.approx(0.01 + 0.1 * (1 + 0.7071067812) / 2)  # 0.0953553
    assert s(0.11, 50) == pytest.approx(0.06)
    assert s(0.11, 100) == pytest.approx(0.01)
    assert s(0.11, 250) == pytest.approx(0.01)  # stays at min_lr after t_max


def test_inverse_time():
    s = get_schedule("inverse_time", k=0.5)
    # 0.3/(1 + 0.5·t): t = 0, 2, 4 → 0.3, 0.15, 0.1
    assert [s(0.3, t) for t in (0, 2, 4)] == pytest.approx([0.3, 0.15, 0.1])


def test_warmup_then_constant_and_then_another_schedule():
    ramp = get_schedule("warmup", warmup_steps=4)
    # 0.2·(t+1)/4 for t < 4 → 0.05, 0.1, 0.15, 0.2; then 0.2
    assert [ramp(0.2, t) for t in range(6)] == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.2, 0.2])
    chained = get_schedule("warmup", warmup_steps=4, after={"name": "exponential", "gamma": 0.5})
    # after the ramp, 0.2·0.5^(t − 4): t = 4, 5, 6 → 0.2, 0.1, 0.05
    assert [chained(0.2, t) for t in (3, 4, 5, 6)] == pytest.approx([0.2, 0.2, 0.1, 0.05])


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_every_schedule_has_defaults_and_round_trips(name):
    s = get_schedule(name)
    assert math.isfinite(s(0.1, 10)) and 0.0 <= s(0.1, 10) <= 0.1
    cfg = json.loads(json.dumps(s.get_config()))
    assert cfg["name"] == name
    again = Schedule.from_config(cfg)
    assert type(again) is type(s) and again.get_config() == cfg
    assert [again(0.1, t) for t in (0, 7, 500)] == [s(0.1, t) for t in (0, 7, 500)]


def test_nested_round_trip():
    cfg = {"name": "warmup", "warmup_steps": 3,
           "after": {"name": "step_decay", "step_size": 5, "gamma": 0.3}}
    s = schedule_from_config(cfg)
    assert s is not None and s.get_config() == cfg


def test_schedule_from_config_plain_rate():
    assert schedule_from_config(None) is None
    assert schedule_from_config({}) is None
    assert schedule_from_config({"name": "constant"}) is None
    assert schedule_from_config({"name": "cosine"})(1.0, 500) == pytest.approx(0.5)


@pytest.mark.parametrize("make,match", [
    (lambda: get_schedule("cosinus"), "Choose one of: constant"),
    (lambda: get_schedule("step_decay", step_size=0), "at least 1"),
    (lambda: get_schedule("exponential", rate=0.5), "unknown option"),
    (lambda: get_schedule("warmup", after={"name": "warmup"}), "another warm-up"),
    (lambda: schedule_from_config({"gamma": 0.5}), "name"),
])
def test_bad_schedules_are_readable(make, match):
    with pytest.raises(ConfigError, match=match):
        make()
