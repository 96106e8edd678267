"""Whole training steps on the ``cuda`` backend equal the CPU engine (float32 tolerance:
rtol 1e-4, room for a GPU's other summation order and fused multiply-adds; the simulator
agrees to ~1e-7), and the project says before training which layers keep it on the CPU.

Under numba's CUDA simulator (see ``test_cuda_kernels``); tiny networks and datasets.
"""


import numpy as np
import pytest

from tests.engine.cuda_helpers import CUDA_MARKS

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.datasets.registry import load_dataset  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig, Trainer  # noqa: E402


def mlp(out=3, act_out="softmax", hidden_act="relu") -> Graph:
    return Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 4, "activation": hidden_act},
        {"kind": "Dense", "name": "out", "units": out, "activation": act_out},
    ])


def train(backend_name: str, **cfg):
    data = load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 20})
    with backend.using(backend_name):
        trainer = Trainer(Model(mlp(), seed=0), data, TrainConfig(**cfg))
        snaps = list(trainer.run())
    return trainer, snaps


def test_an_mlp_project_trains_the_same_on_the_gpu_as_on_the_cpu():
    """Two epochs of Adam with a live update after every step (so weights come back and the
    probes run on them each time): losses, weights and the decision map agree."""
    cfg = dict(epochs=2, batch_size=8, snapshot_every=1, optimizer="adam",
               optimizer_options={"learning_rate": 0.05}, probes=["decision_grid"])
    gpu, gpu_snaps = train("cuda", **cfg)
    cpu, cpu_snaps = train("numba", **cfg)
    assert isinstance(gpu.stepper, CudaStepper)
    assert not isinstance(cpu.stepper, CudaStepper)
    np.testing.assert_allclose(gpu.history["train_loss"], cpu.history["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(gpu.model.params_flat, cpu.model.params_flat, rtol=1e-4,
                               atol=1e-5)
    assert gpu.optimizer.iterations == cpu.optimizer.iterations == 4  # 16 training samples, batch 8
    np.testing.assert_allclose(gpu_snaps[-1].probes["decision_grid"],
                               cpu_snaps[-1].probes["decision_grid"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("loss_name, out, act_out", [("mse", 2, "tanh"),
                                                     ("binary_crossentropy", 1, "sigmoid")])
def test_weights_changed_on_the_host_between_chunks_reach_the_gpu(loss_name, out, act_out):
    """SGD with Nesterov momentum and clipping; between two chunks the weights are changed on
    the host (as loading weights or restoring the best epoch does): both steppers go on from
    the changed weights."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 2)).astype(np.float32)
    y = (rng.standard_normal((6, out)) if loss_name == "mse"
         else rng.integers(0, 2, (6, out))).astype(np.float32)
    config = TrainConfig(clip_norm=0.5, clip_value=0.8)
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = Model(mlp(out, act_out, hidden_act="tanh"), seed=2)
        loss = get_loss(loss_name, **({} if loss_name == "mse" else {"from_logits": True}))
        model.set_logits_mode(loss_name != "mse")
        stepper = stepper_cls(model, loss, get_optimizer("nesterov", learning_rate=0.1), config)
        first = stepper.run(x, y, [np.arange(2), np.arange(2, 6)])
        model.params_flat[:] *= 0.5
        second = stepper.run(x, y, [np.arange(6)])
        runs.append((first, second, model.params_flat.copy()))
    (f1, s1, p1), (f2, s2, p2) = runs
    np.testing.assert_allclose(f2, f1, rtol=1e-4)
    np.testing.assert_allclose(s2, s1, rtol=1e-4)
    np.testing.assert_allclose(p2, p1, rtol=1e-4, atol=1e-6)


def test_layers_without_gpu_kernels_keep_the_network_on_the_cpu():
    graph = Graph.sequential([
        {"kind": "Input", "shape": [1, 6, 6]},
        {"kind": "Conv2D", "name": "conv", "filters": 2, "kernel_size": [3, 3]},
        {"kind": "SpatialDropout2D", "name": "drop"},
        {"kind": "GlobalMaxPool2D", "name": "gmp"},
        {"kind": "Dense", "name": "out", "units": 3, "activation": "step"},
    ])
    model = Model(graph, seed=0)
    reasons = gpu_obstacles(model, get_loss("mse"), get_optimizer("adam"), TrainConfig())
    assert not any("'conv'" in r for r in reasons)  # Conv2D has GPU kernels now
    assert any("'drop' (SpatialDropout2D): spatial dropout" in r for r in reasons)
    assert any("'gmp' (GlobalMaxPool2D): pooling" in r for r in reasons)
    assert any("'out': the step activation has no gradient" in r for r in reasons)
    assert gpu_obstacles(Model(mlp(), seed=0), get_loss("mse"), get_optimizer("adadelta"),
                         TrainConfig()) == []


def test_penalties_and_a_frozen_layer_match_the_generic_stepper():
    """L1 + L2 on the hidden layer, the output layer frozen, AdamW (weight decay would move
    frozen weights if they were not put back): losses include the penalty, frozen weights
    stay exactly as they were."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2)).astype(np.float32)
    labels = rng.integers(0, 3, 6)
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        graph = Graph.sequential([
            {"kind": "Input", "shape": [2]},
            {"kind": "Dense", "name": "hidden", "units": 4, "activation": "silu", "l1": 0.01,
             "l2": 0.02},
            {"kind": "Dense", "name": "out", "units": 3, "activation": "softmax",
             "trainable": False},
        ])
        model = Model(graph, seed=4)
        model.set_logits_mode(True)
        frozen_before = model.layers["out"].params["kernel"].copy()
        loss = get_loss("categorical_crossentropy", from_logits=True)
        stepper = stepper_cls(model, loss, get_optimizer("adamw", learning_rate=0.05),
                              TrainConfig())
        losses = stepper.run(x, labels, [np.arange(3), np.arange(3, 6)])
        np.testing.assert_array_equal(model.layers["out"].params["kernel"], frozen_before)
        runs.append((losses, model.params_flat.copy()))
    (l1, p1), (l2, p2) = runs
    np.testing.assert_allclose(l2, l1, rtol=1e-4)
    np.testing.assert_allclose(p2, p1, rtol=1e-4, atol=1e-6)


def test_a_dense_autoencoder_trains_on_the_gpu_like_on_the_cpu():
    """The autoencoder recipe (sigmoid output, BCE against the input) through its own
    trainer: its plain chunks run on the GPU stepper, with the CPU engine's numbers."""
    import dataclasses

    from engine.bench.workloads import build_engine, get_workload
    from engine.cuda.stepper import runs_on_gpu

    rng = np.random.default_rng(6)
    x = rng.uniform(0, 1, (6, 4)).astype(np.float32)
    tiny = dataclasses.replace(get_workload("f"), layers=(
        {"kind": "Input", "shape": [4]}, {"kind": "Dense", "units": 2, "activation": "relu"},
        {"kind": "Dense", "units": 4, "activation": "sigmoid"}), batch=3)
    runs = []
    for name in ("cuda", "numba"):
        with backend.using(name):
            run = build_engine(tiny)
        assert runs_on_gpu(run.stepper) == (name == "cuda")
        runs.append(run.stepper.run(x, x, [np.arange(3), np.arange(3, 6)]))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-4)
