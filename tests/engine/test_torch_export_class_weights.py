"""Class-weighted losses in the PyTorch script beyond labels, and under torchrun: cross-entropy
on one-hot or soft rows weighs each row by Σ_k y_k·w_k as the engine does; a weighted mean
divides by the global batch's weight total, so processes holding shards of a batch with
different weight totals average to the one-process gradient (in-process with two shards, and
— slow — two torchrun processes ending an epoch on one process's weights)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_class_weights import weighted_loss
from engine.losses import get_loss
from tests.engine.export_helpers import example, load_script

torch = pytest.importorskip("torch")

WEIGHTS = "1, 2, 3, 4, 5, 0.5, 1, 1, 2, 9"


def weighted_digits(reduction="mean", class_weight=WEIGHTS):
    project = example("digits_mlp")
    project.training.loss_options = {"class_weight": class_weight, "reduction": reduction}
    return project


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_soft_rows_are_weighted_as_the_engine_weighs_them(reduction):
    import torch.distributed as dist
    import torch.nn.functional as F

    project = weighted_digits(reduction)
    plan = replace(make_plan(project, load_dataset(project.dataset)), encoding="onehot")
    source = weighted_loss(plan, "cross-entropy of the softmax", reduction == "sum")
    assert "y @ CLASS_WEIGHTS" in source
    space = {"torch": torch, "F": F, "dist": dist}
    exec(source, space)
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(12, 10))
    soft = rng.dirichlet(np.ones(10), size=12)  # soft rows; one-hot rows are a special case
    soft[:4] = np.eye(10)[[3, 9, 0, 5]]
    engine = get_loss("categorical_crossentropy", from_logits=True, class_weight=WEIGHTS,
                      reduction=reduction)
    value, grad = engine.value_and_grad(logits, soft)
    out = torch.from_numpy(logits).requires_grad_(True)
    theirs = space["loss_fn"](out, torch.from_numpy(soft))
    assert theirs.item() == pytest.approx(value, rel=1e-12)
    theirs.backward()
    np.testing.assert_allclose(out.grad.numpy(), grad, rtol=1e-10, atol=1e-14)


def test_two_shards_average_to_the_whole_batch(tmp_path):
    """Two halves of a batch with different weight totals: with global_weight (Σ w of the
    whole batch / 2, what all_reduce gives) the mean of the halves' gradients is the whole
    batch's gradient; each half's own Σ w would not give it."""
    script, _, _ = export_project(weighted_digits(), "torch", tmp_path)
    module = load_script(script)
    assert "/ global_weight(weight)" in script.read_text()
    rng = np.random.default_rng(5)
    logits, labels = rng.normal(size=(16, 10)), np.array([9] * 6 + list(range(10)))

    def grad_of(rows, ys):
        out = torch.from_numpy(rows).requires_grad_(True)
        module.loss_fn(out, torch.from_numpy(ys)).backward()
        return out.grad.numpy()

    whole = grad_of(logits, labels)
    total = float(module.CLASS_WEIGHTS[torch.from_numpy(labels)].sum())
    halves = (slice(0, 8), slice(8, 16))
    local = np.concatenate([grad_of(logits[h], labels[h]) for h in halves]) / 2
    assert np.max(np.abs(local - whole)) > 1e-3  # the shards' own totals: not the same step
    module.global_weight = lambda w: torch.tensor(total / 2, dtype=w.dtype)
    shared = np.concatenate([grad_of(logits[h], labels[h]) for h in halves]) / 2
    np.testing.assert_allclose(shared, whole, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_weighted_mean_under_torchrun_matches_one_process(tmp_path):
    from tests.engine.test_export_torch import run_script

    project = weighted_digits(class_weight="balanced")
    project.training.batch_mode, project.training.batch_size = "mini", 20
    project.graph.set_options("dropout", {**project.graph.nodes["dropout"].options,
                                          "rate": 0.0})  # no masks: the same in every split
    script, _, data_file = export_project(project, "torch", tmp_path)
    with np.load(data_file) as data:  # 400 samples: whole batches of 20 (10 per process)
        arrays = {k: data[k][:400] if k.endswith("_train") else data[k] for k in data.files}
    np.savez(data_file, **arrays)
    loopback = {"GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    run_script(script, "--epochs", "1", "--float64", "--out", str(one), env=loopback)
    run_script(script, "--epochs", "1", "--float64", "--out", str(two), env=loopback, nproc=2)
    a, b = np.load(one), np.load(two)
    assert set(a.files) == set(b.files)
    for key in a.files:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12, err_msg=key)
