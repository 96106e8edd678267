"""FGSM and the ``compute_probes`` entry point (on the digits MLP example)."""

from pathlib import Path

import numpy as np
import pytest

from engine.graph import Graph
from engine.introspection import ProbeState, compute_probes, probe_batch_from
from engine.introspection.adversarial import fgsm
from engine.model import Model
from engine.project import load_project
from engine.recipes import prepare

DIGITS = Path(__file__).resolve().parents[2] / "assets/examples/digits_mlp.layerlab.json"


def linear_model(units=3):
    g = Graph.sequential([{"kind": "Input", "shape": [4]},
                          {"kind": "Dense", "name": "out", "units": units,
                           "activation": "softmax" if units > 1 else "sigmoid"}])
    return Model(g, seed=1, dtype=np.float64)


def cross_entropy(model, x, y):
    p = model.predict(x[None])[0]
    return -np.log(p[y]) if p.size > 1 else -np.log(p[0] if y == 1 else 1 - p[0])


def test_fgsm_steps_along_the_sign_of_the_loss_gradient():
    model = linear_model()
    x, y, eps = np.array([0.2, 0.5, 0.1, 0.9]), 1, 0.05
    res = fgsm(model, x, y, eps, (0.0, 1.0))
    w = model.layers["out"].params["kernel"]
    p = model.predict(x[None])[0]
    grad = w @ (p - np.eye(3)[y])  # d CE / d x
    np.testing.assert_allclose(res["perturbation"], eps * np.sign(grad), atol=1e-12)
    np.testing.assert_allclose(res["original_probs"], p)
    assert int(res["original_pred"]) == int(np.argmax(p))
    assert res["original_conf"] == pytest.approx(p.max())
    assert cross_entropy(model, res["adversarial"], y) > cross_entropy(model, x, y)


def test_fgsm_stays_in_the_data_range_and_leaves_gradients_alone():
    model = linear_model()
    model.grads_flat[...] = 3.0
    res = fgsm(model, np.array([0.0, 1.0, 0.5, 0.99]), 0, 0.5, (0.0, 1.0))
    assert res["adversarial"].min() >= 0.0 and res["adversarial"].max() <= 1.0
    assert np.all(model.grads_flat == 3.0)


def test_fgsm_with_one_sigmoid_unit():
    model = linear_model(units=1)
    x = np.array([0.2, 0.5, 0.1, 0.9])
    res = fgsm(model, x, 1, 0.1, (-5.0, 5.0))
    assert cross_entropy(model, res["adversarial"], 1) > cross_entropy(model, x, 1)
    p1 = model.predict(x[None])[0, 0]
    assert res["original_conf"] == pytest.approx(max(p1, 1 - p1))


@pytest.fixture(scope="module")
def digits():
    return prepare(load_project(DIGITS))


ALL = {"saliency": {"method": "smoothgrad", "index": 3, "n": 8},
       "fgsm": {"index": 3}, "latent": {"layer": "hidden"}, "dynamics": {},
       "evaluation": {"limit": 5}}


def test_every_probe_runs_on_digits_and_changes_nothing(digits):
    model, state = digits.model, ProbeState()
    batch = probe_batch_from(digits.trainer, size=64)
    assert batch.x.shape == (64, 64) and batch.data_range == (0.0, 1.0)
    model.grads_flat[...] = 0.25
    params = model.params_flat.copy()
    out = compute_probes(model, batch, ALL, state)
    assert set(out) == set(ALL) and not any("error" in v for v in out.values())
    assert out["saliency"]["attribution"].shape == (64,)
    assert out["latent"]["points"].shape == (64, 2)
    assert out["evaluation"]["confusion"].sum() == 64
    assert len(out["evaluation"]["misclassified"]["index"]) <= 5
    assert out["fgsm"]["label"] == batch.labels[3]
    assert set(state.seconds) == set(ALL)
    assert np.all(model.grads_flat == 0.25) and np.array_equal(model.params_flat, params)
    again = compute_probes(model, batch, {"dynamics": {}}, state)
    assert again["dynamics"]["update_ratio"] == {"hidden": 0.0, "digit": 0.0}


def test_bad_requests_come_back_as_messages(digits):
    batch, state = probe_batch_from(digits.trainer, size=16), ProbeState()
    out = compute_probes(digits.model, batch, {"grad_cam": {"layer": "hidden"},
                                               "latent": {}, "saliency": {"index": 99},
                                               "telepathy": {}}, state)
    assert "C, H, W" in out["grad_cam"]["error"]
    assert "layer" in out["latent"]["error"]
    assert "99" in out["saliency"]["error"]
    assert "Unknown probe" in out["telepathy"]["error"]


def test_probes_between_chunks_do_not_change_training():
    def run(with_probes):
        prepared = prepare(load_project(DIGITS))
        trainer = prepared.trainer
        trainer.config.epochs, trainer.config.snapshot_every = 1, 5
        batch, state = probe_batch_from(trainer, size=32), ProbeState()
        for _ in trainer.run():
            if with_probes:
                compute_probes(prepared.model, batch, ALL, state)
        return prepared.model.params_flat.copy()

    np.testing.assert_array_equal(run(True), run(False))


def test_a_budget_rotates_the_probes(digits):
    batch, state = probe_batch_from(digits.trainer, size=16), ProbeState()
    requests = {"latent": {"layer": "hidden"}, "dynamics": {}, "evaluation": {}}
    assert set(compute_probes(digits.model, batch, requests, state)) == set(requests)
    state.seconds = {"latent": 1.0, "dynamics": 1.0, "evaluation": 1.0}  # pretend: slow
    seen = []
    for _ in range(3):
        out = compute_probes(digits.model, batch, requests, state, budget_s=0.5)
        assert len(out) == 1  # one probe per call, the least recently run
        seen += list(out)
        state.seconds = dict.fromkeys(requests, 1.0)
    assert sorted(seen) == sorted(requests)
    assert len(compute_probes(digits.model, batch, requests, state, budget_s=10.0)) == 3
