"""Reading a sweep's curve (engine.lr_reading) on made-up losses: no lag, the more cautious of
steepest and min/10, never past where the loss starts to rise, the start of the fall when it
never turns up, nothing on a flat curve."""

import numpy as np
import pytest

from engine.lr_reading import centred_average, read_sweep, window_slope
from engine.lr_words import summary

LRS = np.geomspace(1e-6, 10.0, 200)
X = np.log10(LRS)
NOISE = 0.01 * np.sin(np.arange(200) * 2.1)  # batch-to-batch wiggle, deterministic


def fall(centre: float, width: float = 0.4) -> np.ndarray:
    """(200,) 1 → 0 around log10(lr) = ``centre``, steepest exactly there."""
    return 1.0 / (1.0 + np.exp((X - centre) / width))


def rise(at: float, height: float = 3.0) -> np.ndarray:
    return height * np.clip(X - at, 0, None) ** 2


def test_the_centred_average_has_no_lag():
    step = (np.arange(200) >= 100).astype(float)
    smoothed = centred_average(step, 0.9)
    assert smoothed[100] == pytest.approx(0.5, abs=0.06)  # a running average: ~0.0 here
    assert np.argmin(np.abs(smoothed - 0.5)) in (99, 100)


def test_steepest_is_read_where_the_loss_really_falls_fastest():
    """The curve falls fastest at 0.001 and bottoms out near 0.02: the lag-free reading
    finds the steepest point; the running average the finder used to read put it ~×3
    higher."""
    losses = 0.2 + 0.5 * fall(-3.0) + rise(-1.0) + NOISE
    r = read_sweep(LRS, losses, diverged=False)
    assert r.turned and r.steepest == pytest.approx(1e-3, rel=0.5)
    assert r.min_lr == pytest.approx(0.02, rel=0.6)
    assert r.rule == "steepest" and r.suggestion == r.steepest  # 0.001 < min/10 ≈ 0.002
    lagged = np.empty(200)
    avg = 0.0
    for i, v in enumerate(losses):  # the old bias-corrected running average (0.95)
        avg = 0.95 * avg + 0.05 * v
        lagged[i] = avg / (1 - 0.95 ** (i + 1))
    slope = window_slope(X, lagged, 25)
    assert LRS[20 + int(np.argmin(slope[20:150]))] > 2 * r.steepest


def test_min_over_ten_wins_when_it_is_more_cautious():
    losses = 0.2 + 0.5 * fall(-1.3) + rise(-1.0) + NOISE  # steep at 0.05, lowest near 0.1
    r = read_sweep(LRS, losses, diverged=False)
    assert r.rule == "min/10" and r.suggestion == pytest.approx(r.min_lr / 10)
    assert r.suggestion < r.steepest
    assert "a tenth of where it is lowest" in summary_of(r)


def test_never_past_where_the_loss_starts_to_rise():
    """Falls to a first low at ~0.003, rises, then falls deeper at 1 (the sweep's own
    progress): everything is read before the first rise."""
    bump = 0.5 * np.exp(-((X + 1.5) / 0.6) ** 2)
    losses = 0.1 + 0.5 * fall(-3.5) + 0.3 * fall(0.0) + bump + NOISE
    r = read_sweep(LRS, losses, diverged=False)
    assert r.turned and r.min_lr < 0.03 and r.suggestion is not None
    assert r.suggestion <= r.min_lr / 10


def test_a_loss_still_falling_at_the_end_gets_where_it_starts_to_fall():
    losses = 0.9 * fall(0.3, 0.5) + NOISE  # like xor: learned during the sweep
    r = read_sweep(LRS, losses, diverged=False)
    assert not r.turned and r.rule == "onset" and r.rise_lr is None
    level, low = r.smoothed[0], r.smoothed.min()
    i = int(np.searchsorted(LRS, r.suggestion))
    assert r.smoothed[i] <= level - 0.2 * (level - low) + 1e-9 < r.smoothed[i - 1]
    assert r.suggestion < 0.5  # well before the steepest point (2)


def test_a_flat_curve_that_blows_up_names_the_rate_and_suggests_nothing():
    losses = 0.7 + NOISE + rise(-0.7, 5.0)
    r = read_sweep(LRS[:190], losses[:190], diverged=True)
    assert r.suggestion is None and r.rule == "none" and r.drop < 0.1
    assert r.rise_lr is not None and 0.05 < r.rise_lr < 0.5  # 10 % above the start at 0.26;
    # the centred average carries a blow-up back a little (clipped at twice the start)
    words = summary_of(r)
    assert "no learning rate to suggest" in words and f"{r.rise_lr:.3g}" in words


def summary_of(r) -> str:
    class View:  # the fields an LRFinderResult gives the words
        lrs, suggestion, min_lr, drop = LRS, r.suggestion, r.min_lr, r.drop
        steepest, rise_lr, rule = r.steepest, r.rise_lr, r.rule
    return summary(View())
