"""Loss landscapes: race steps are the engine optimizers' updates on the analytic gradient,
the learning-rate verdicts, and a network's filter-normalized surface around its weights."""

import json

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.landscape import RACERS, SURFACES, Race, filter_normalized_direction
from engine.landscape.network import project_path
from engine.landscape.project import project_surface
from engine.lessons import LESSONS_DIR
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.project import load_project
from engine.recipes import prepare


@pytest.mark.parametrize("key", list(SURFACES))
def test_analytic_gradients_match_finite_differences(key):
    s = SURFACES[key]
    rng = np.random.default_rng(1)
    x0, x1, y0, y1 = s.extent
    for _ in range(5):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        h = 1e-6
        num = [(s.f(p + h * e) - s.f(p - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(s.grad(p), num, rtol=1e-5, atol=1e-5)
    for m in s.minima:
        np.testing.assert_allclose(s.grad(np.array(m)), 0, atol=1e-4)


@pytest.mark.parametrize("name", RACERS)
def test_a_race_step_is_the_optimizers_own_update(name):
    s = SURFACES["rosenbrock"]
    race = Race(s, lr_scale=0.5)
    ref = get_optimizer(name, learning_rate=race.racer(name).optimizer.learning_rate)
    p = np.array(s.start)
    for _ in range(5):
        race.step()
        ref.step([p], [s.grad(p)])
        assert race.racer(name).stopped is None
        assert race.racer(name).path[-1] == pytest.approx(tuple(p), abs=1e-15)
    assert len(race.racer(name).path) == 6 and race.steps == 5


def test_the_slider_shows_too_small_good_too_large_and_diverging():
    verdicts = {}
    for scale in (0.01, 1.0, 10.0, 100.0):
        race = Race(SURFACES["bowl"], lr_scale=scale, names=("sgd",))
        race.step(300)
        verdicts[scale] = race.verdict("sgd")
    assert verdicts == {0.01: "too small", 1.0: "good", 10.0: "too large", 100.0: "diverging"}
    race = Race(SURFACES["ravine"], lr_scale=100.0)
    race.step(200)
    sgd = race.racer("sgd")
    assert sgd.stopped == "diverged" and len(sgd.path) < 200  # stopped, path kept to the marker
    assert np.all(np.isfinite(sgd.path))
    assert race.racer("adam").stopped is None and race.verdict("adam") == "good"


def test_momentum_beats_sgd_along_the_ravine():
    race = Race(SURFACES["ravine"])
    race.step(100)
    assert race.racer("momentum").losses[-1] < 0.01 * race.racer("sgd").losses[-1]


def _xor():
    project = load_project(LESSONS_DIR.parent / "examples" / "xor.layerlab.json")
    return project, load_dataset(project.dataset)


def test_filter_normalized_directions_match_each_neurons_norm_and_skip_biases():
    project, _ = _xor()
    model = Model(project.graph, seed=0)
    d = filter_normalized_direction(model, np.random.default_rng(0))
    for layer in model.layers.values():
        for key, w in layer.params.items():
            part = d[model.slices[(layer.name, key)]].reshape(w.shape)
            if key == "bias":
                assert not part.any()
            else:
                np.testing.assert_allclose(np.linalg.norm(part, axis=0),
                                           np.linalg.norm(w, axis=0), rtol=1e-5)


def test_network_surface_is_centred_on_the_trained_weights_and_projects_the_path():
    project, data = _xor()
    project.training.epochs = 30
    prepared = prepare(project, data)
    path = [prepared.model.params_flat.copy()]
    for snap in prepared.trainer.run():
        if snap.event != "step":
            path.append(prepared.model.params_flat.copy())
    surface = project_surface(project.graph, prepared.model.get_weights(), data,
                              project.training, path=path, n=11, budget_s=5.0)
    n = len(surface.alphas)
    assert surface.losses.shape == (n, n) and n >= 7 and n % 2 == 1
    centre = surface.losses[n // 2, n // 2]
    assert centre == pytest.approx(surface.centre_loss, rel=1e-5)
    assert centre == pytest.approx(prepared.trainer.loss.value(
        prepared.model.forward(data.x_train), prepared.trainer.y_train), rel=1e-4)
    assert surface.path.shape == (len(path), 2)
    assert np.allclose(surface.path[-1], 0, atol=1e-4)  # the last weights are the centre
    # projection is exact for a point in the plane
    d1, d2 = np.eye(4)[0], np.eye(4)[1]
    coords = project_path(np.array([[0.5, -2.0, 0, 0]]), np.zeros(4), d1, d2)
    np.testing.assert_allclose(coords, [[0.5, -2.0]])


def test_optimizer_race_lesson_answers_are_what_the_race_shows():
    lesson = json.loads((LESSONS_DIR / "12_optimizer_race.lesson.json").read_text())
    checks = {c["id"]: c for step in lesson["steps"] for c in step["checks"]}
    race = Race(SURFACES["ravine"])
    race.step(100)
    dist = {n: np.linalg.norm(race.racer(n).point) for n in ("sgd", "momentum")}
    ravine = checks["race_ravine"]
    assert ravine["choices"][ravine["correct"]] == "SGD + momentum"
    assert dist["momentum"] < 0.5 * dist["sgd"]
    bowl = Race(SURFACES["bowl"], lr_scale=100.0, names=("sgd",))
    bowl.step(100)
    big = checks["race_big_lr"]
    assert big["choices"][big["correct"]].startswith("diverges")
    assert bowl.verdict("sgd") == "diverging"


def test_network_surface_shrinks_its_grid_and_batch_to_fit_the_time_budget():
    big = load_project(LESSONS_DIR.parent / "examples" / "circles.layerlab.json")
    big_data = load_dataset(big.dataset)
    weights = Model(big.graph, seed=0).get_weights()
    roomy = project_surface(big.graph, weights, big_data, big.training, n=11, budget_s=30.0)
    tight = project_surface(big.graph, weights, big_data, big.training, n=11, budget_s=1e-5)
    assert len(roomy.alphas) == 11 and len(tight.alphas) == 7
    # the tight budget also cuts the probe batch (not timed: wall clocks wobble on a busy machine)
    assert tight.samples < roomy.samples and tight.samples >= 16
