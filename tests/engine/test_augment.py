"""Image augmentation: each operation's effect in numbers, determinism, and the training hook
(training batches augmented, validation data untouched)."""

import numpy as np
import pytest

from engine.datasets.augment import augment, check_augment, is_active, make_augmenter, preview
from engine.datasets.base import Dataset
from engine.datasets.imaging import resize_bilinear
from engine.types import ConfigError


def dot_image(b=1, c=1, h=9, w=9, at=(4, 4)):
    x = np.zeros((b, c, h, w), np.float32)
    x[:, :, at[0], at[1]] = 1.0
    return x


def test_shift_moves_a_pixel_by_whole_pixels():
    x = dot_image(b=200)
    y = augment(x, {"shift": 2}, np.random.default_rng(0))
    moves = set()
    for img in y[:, 0]:
        (r,), (c,) = np.nonzero(img)
        assert img[r, c] == 1.0 and img.sum() == 1.0  # exact copy, nothing blurred
        moves.add((r - 4, c - 4))
    assert moves == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


def test_shift_brings_in_zeros_at_the_border():
    x = np.ones((50, 1, 6, 6), np.float32)
    y = augment(x, {"shift": 2}, np.random.default_rng(1))
    assert np.all((y == 0) | (y == 1)) and y.min() == 0


def test_flip_mirrors_half_and_twice_is_identity():
    x = np.random.default_rng(0).random((400, 2, 5, 7)).astype(np.float32)
    y = augment(x, {"flip": True}, np.random.default_rng(3))
    flipped = np.all(y == x[..., ::-1], axis=(1, 2, 3))
    kept = np.all(y == x, axis=(1, 2, 3))
    assert np.all(flipped | kept) and 150 < flipped.sum() < 250
    np.testing.assert_array_equal(y[flipped][..., ::-1], x[flipped])  # flip twice = identity


def test_rotation_turns_a_dot_about_the_centre():
    x = dot_image(h=15, w=15, at=(2, 7))  # 5 pixels above the centre (7, 7)
    for seed in range(20):
        y = augment(x, {"rotation": 90.0}, np.random.default_rng(seed))[0, 0]
        theta = np.deg2rad(np.random.default_rng(seed).uniform(-90.0, 90.0))
        rows, cols = np.mgrid[0:15, 0:15]
        centroid = np.array([(y * rows).sum(), (y * cols).sum()]) / y.sum()
        # the source of output p is c + M·(p − c), M = [[cos, −sin], [sin, cos]]
        m = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        expected = 7 + np.linalg.solve(m, np.array([-5.0, 0.0]))
        np.testing.assert_allclose(centroid, expected, atol=0.3)


def test_zoom_scales_distances_from_the_centre():
    x = dot_image(h=21, w=21, at=(10, 18))  # 8 pixels right of the centre
    for seed in range(10):
        rng = np.random.default_rng(seed)
        y = augment(x, {"zoom": 0.25}, rng)
        scale = np.random.default_rng(seed).uniform(0.75, 1.25)
        cols = np.arange(21)
        centre = (y[0, 0].sum(axis=0) * cols).sum() / y[0, 0].sum()
        assert abs((centre - 10) - 8 * scale) < 0.5


def test_noise_has_the_requested_spread():
    x = np.zeros((64, 1, 16, 16), np.float32)
    y = augment(x, {"noise": 0.3}, np.random.default_rng(0))
    assert abs(y.std() - 0.3) < 0.01 and abs(y.mean()) < 0.01 and y.dtype == np.float32


def test_cutout_zeroes_one_square_of_the_size_asked():
    x = np.ones((30, 3, 10, 12), np.float32)
    y = augment(x, {"cutout": 4}, np.random.default_rng(0))
    for img in y:
        assert np.all(img[0] == img[1])  # the same square in every channel
        rows, cols = np.nonzero(img[0] == 0)
        assert len(rows) == 16
        assert rows.max() - rows.min() == 3 and cols.max() - cols.min() == 3


def test_deterministic_under_a_seed_and_input_untouched():
    x = np.random.default_rng(0).random((8, 1, 12, 12)).astype(np.float32)
    before = x.copy()
    opts = {"shift": 2, "rotation": 15, "flip": True, "zoom": 0.1, "noise": 0.05, "cutout": 3}
    a, b = preview(x, opts, seed=5), preview(x, opts, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, preview(x, opts, seed=6))
    np.testing.assert_array_equal(x, before)
    assert a.shape == x.shape and a.dtype == x.dtype


def test_options_are_checked():
    assert check_augment({})["shift"] == 0 and not is_active({}) and not is_active({"shift": 0})
    assert is_active({"flip": True})
    with pytest.raises(ConfigError, match="Augmentation has no option 'shear'"):
        check_augment({"shear": 3})
    with pytest.raises(ConfigError, match="'rotation' of augmentation"):
        check_augment({"rotation": -5})
    with pytest.raises(ConfigError, match="images"):
        make_augmenter({"shift": 1}, (64,), seed=0)


def test_resize_matches_torch_bilinear():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 8, 5))
    for size in [(28, 28), (4, 3), (8, 11)]:
        expected = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode="bilinear",
                                                   align_corners=False).numpy()
        np.testing.assert_allclose(resize_bilinear(x, *size), expected, rtol=1e-12, atol=1e-12)


def test_trainer_augments_training_batches_only():
    from engine.graph import Graph
    from engine.model import Model
    from engine.training import TrainConfig, Trainer

    rng = np.random.default_rng(0)
    x = rng.random((40, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    data = Dataset("t", x[:32], y[:32], x[32:], y[32:], "classification", 2, (1, 6, 6), 2, [],
                   ["0", "1"], "")
    train_before, val_before = data.x_train.copy(), data.x_val.copy()
    graph = Graph.sequential([{"kind": "Input", "shape": [1, 6, 6]}, {"kind": "Flatten"},
                              {"kind": "Dense", "units": 2, "activation": "softmax"}])
    config = TrainConfig(epochs=2, batch_size=8, augment={"flip": True, "noise": 0.5})
    trainer = Trainer(Model(graph), data, config)
    seen, evaluated = [], []
    step = trainer.stepper.train_batch
    trainer.stepper.train_batch = lambda xb, yb: seen.append(xb.copy()) or step(xb, yb)
    forward = trainer.model.forward

    def spy(xb, training=False):
        if not training:
            evaluated.append(xb.copy())
        return forward(xb, training)

    trainer.model.forward = spy
    list(trainer.run())
    assert len(seen) == 8 and all(b.shape == (8, 1, 6, 6) for b in seen)
    assert not any(np.any(np.all(np.isclose(b[:, None], x[None, :32]), axis=(2, 3, 4)))
                   for b in seen)  # noise: no training batch reaches the network unchanged
    assert any(np.array_equal(e, val_before) for e in evaluated)  # validation as it is
    np.testing.assert_array_equal(data.x_train, train_before)
    np.testing.assert_array_equal(data.x_val, val_before)
    assert TrainConfig.from_dict(config.to_dict()).augment == {"flip": True, "noise": 0.5}
    with pytest.raises(ConfigError, match="no option"):
        TrainConfig(augment={"bogus": 1}).check()
