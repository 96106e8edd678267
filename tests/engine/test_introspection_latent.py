"""LatentProjector: PCA to 2-D with a basis that neither flips nor spins between frames."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.introspection.latent import (
    LatentProjector,
    latent_points,
    principal_axes,
    procrustes,
)
from engine.model import Model
from engine.types import ConfigError


def frames(n_frames=30, seed=0):
    """Activations (200, 6) that change slowly; the top two variances cross midway, so the
    first principal axis of plain PCA jumps from one direction to the other."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(200, 6))
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    for t in np.linspace(0, 1, n_frames):
        scale = np.array([3.0 - t, 2.0 + t, 0.5, 0.3, 0.2, 0.1])
        yield (z * scale) @ q.T + 0.01 * t * z[:, ::-1]


def test_two_units_are_shown_directly_and_one_unit_on_a_line():
    p = LatentProjector()
    a = np.arange(10.0).reshape(5, 2)
    np.testing.assert_array_equal(p.project(a), a)
    np.testing.assert_array_equal(p.project(np.ones((3, 1))), [[1, 0]] * 3)


def test_first_frame_is_pca():
    a = next(frames())
    pts = LatentProjector().project(a)
    centred = a - a.mean(axis=0)
    _, s, _ = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.sort(np.var(pts, axis=0) * len(a)), np.sort(s[:2] ** 2))


def test_consecutive_frames_do_not_flip_or_spin():
    p, previous, worst = LatentProjector(), None, 1.0
    for a in frames():
        pts = p.project(a)
        if previous is not None:
            for axis in range(2):  # each axis keeps its meaning and its sign
                worst = min(worst, np.corrcoef(pts[:, axis], previous[:, axis])[0, 1])
        previous = pts
    assert worst > 0.95


def test_plain_pca_would_jump_on_the_same_frames():
    """The frames above do make unaligned PCA jump (so the test above can fail)."""
    jumps, previous = 0, None
    for a in frames():
        pts = LatentProjector().project(a)  # a fresh projector: no alignment
        if previous is not None:
            c = np.corrcoef(pts[:, 0], previous[:, 0])[0, 1]
            jumps += c < 0.9
        previous = pts
    assert jumps >= 1


def test_procrustes_undoes_a_rotation_and_a_reflection():
    rng = np.random.default_rng(1)
    basis, _ = np.linalg.qr(rng.normal(size=(5, 2)))
    angle = 0.7
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    turned = basis @ rot @ np.diag([1, -1])
    np.testing.assert_allclose(turned @ procrustes(turned, basis), basis, atol=1e-12)


def test_latent_points_of_a_model_layer():
    g = Graph.sequential([{"kind": "Input", "shape": [3]},
                          {"kind": "Dense", "name": "h", "units": 4, "activation": "tanh"},
                          {"kind": "Dense", "name": "out", "units": 2}])
    model = Model(g, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(20, 3))
    res = latent_points(model, x, "h", LatentProjector())
    assert res["points"].shape == (20, 2) and res["points"].dtype == np.float32
    assert 0 < res["explained"].sum() <= 1 + 1e-9
    with pytest.raises(ConfigError, match="nope"):
        latent_points(model, x, "nope", LatentProjector())


@pytest.mark.parametrize("shape", [(50, 6), (8, 30)])
def test_principal_axes_match_the_svd_for_tall_and_wide_activations(shape):
    a = np.random.default_rng(3).normal(size=shape) * np.linspace(3, 1, shape[1])
    centred = a - a.mean(axis=0)
    basis, values = principal_axes(centred)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(values, s[:2] ** 2, rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(basis * vt[:2].T, axis=0)), [1, 1], atol=1e-9)


def test_pca_of_points_on_a_line_has_one_non_zero_component():
    rng = np.random.default_rng(3)
    t = rng.normal(size=(100, 1))
    direction = np.array([[1.0, -2.0, 0.5, 3.0]])
    pts = LatentProjector().project(t @ direction + 0.7)  # (100, 4), all on one line
    assert np.var(pts[:, 0]) > 1.0
    np.testing.assert_allclose(pts[:, 1], 0.0, atol=1e-9)
