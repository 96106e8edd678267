"""The VAE's Sampling layer on the ``cuda`` backend: z, the β·KL term and both inputs'
gradients against the CPU layer (numpy reference), a supervised network with a Sampling
layer trained on both engines (the noise drawn by the CPU layer's generator on both), and the
VAE recipe still said to train on the CPU.

Under numba's CUDA simulator (see ``test_cuda_kernels``): batch 3, a 2-value code.
"""

from pathlib import Path

import numpy as np

from tests.engine.cuda_helpers import CUDA_MARKS

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.cuda import ops  # noqa: E402
from engine.cuda.graph import twin_of  # noqa: E402
from engine.cuda.placement import gpu_obstacles  # noqa: E402
from engine.cuda.report import expected_placement  # noqa: E402
from engine.cuda.runtime import CudaStatus  # noqa: E402
from engine.cuda.stepper import CudaStepper  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.losses import get_loss  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.optimizers import get_optimizer  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.recipes import prepare  # noqa: E402
from engine.stepper import GenericStepper  # noqa: E402
from engine.training import TrainConfig  # noqa: E402

RNG = np.random.default_rng(31)
EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
TOL = {"rtol": 1e-5, "atol": 1e-6}


def vae_like() -> Graph:
    """x (4,) -> mean and log-variance Dense layers (2 each) -> Sampling -> Dense (4)."""
    layers = [{"kind": "Input", "name": "x", "shape": [4]},
              {"kind": "Dense", "name": "mu", "units": 2},
              {"kind": "Dense", "name": "log_var", "units": 2},
              {"kind": "Sampling", "name": "z"},
              {"kind": "Dense", "name": "out", "units": 4, "activation": "tanh"}]
    edges = [["x", "mu", 0], ["x", "log_var", 0], ["mu", "z", 0], ["log_var", "z", 1],
             ["z", "out", 0]]
    return Graph.from_dict({"layers": layers, "edges": edges})


def test_sampling_matches_the_numpy_reference_with_its_kl_term():
    """Fixed noise, β = 0.5: z, β·KL added to the step's loss slot, dLoss/dmu and
    dLoss/dlog_var (the KL's gradient included) equal the CPU layer's; the layer's ``kl``
    afterwards is the batch's."""
    model = Model(vae_like(), seed=1)
    layer = model.layers["z"]
    mu = RNG.standard_normal((3, 2)).astype(np.float32)
    log_var = (RNG.standard_normal((3, 2)) * 0.5).astype(np.float32)
    g = RNG.standard_normal((3, 2)).astype(np.float32)
    layer.noise = RNG.standard_normal((3, 2))
    layer.aux_weight = 0.5
    with backend.using("numpy"):
        z_ref = layer.forward([mu, log_var], True).copy()
        dmu_ref, dlv_ref = (d.copy() for d in layer.backward(g))
    aux_ref, kl_ref = layer.aux_loss, layer.kl

    twin = twin_of(layer, model.slices)
    twin.draw([3])
    xs = [ops.to_device(np.vstack([a, np.zeros((1, 2), np.float32)])) for a in (mu, log_var)]
    z = twin.forward(xs, 3).copy_to_host()[:3]
    losses = ops.zeros(2, np.float64)
    twin.add_aux(xs, 3, losses, 1)
    twin.grad(4)[:3].copy_to_device(g)
    dxs = [ops.zeros((4, 2)), ops.zeros((4, 2))]
    twin.backward(xs, 3, dxs)
    layer.kl = layer.aux_loss = 0.0
    twin.download()
    np.testing.assert_allclose(z, z_ref, **TOL)
    np.testing.assert_allclose(losses.copy_to_host(), [0.0, aux_ref], **TOL)
    np.testing.assert_allclose(dxs[0].copy_to_host()[:3], dmu_ref, **TOL)
    np.testing.assert_allclose(dxs[1].copy_to_host()[:3], dlv_ref, **TOL)
    assert abs(layer.kl - kl_ref) < 1e-6 and abs(layer.aux_loss - aux_ref) < 1e-6


def test_a_network_with_a_sampling_layer_trains_the_same_on_the_gpu_as_on_the_cpu():
    """Two chunks (2 steps, the last batch short; then 1 step) of Adam, MSE plus the
    Sampling layer's KL: the GPU draws the same noise from the layer's generator, so losses,
    weights, gradients and the last KL equal the generic CPU stepper's."""
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    y = np.tanh(x[:, ::-1]).astype(np.float32)
    runs = []
    for stepper_cls in (GenericStepper, CudaStepper):
        model = Model(vae_like(), seed=6)
        loss, optimizer, config = get_loss("mse"), get_optimizer("adam", learning_rate=0.05), \
            TrainConfig()
        assert gpu_obstacles(model, loss, optimizer, config) == []
        stepper = stepper_cls(model, loss, optimizer, config)
        first = stepper.run(x, y, [np.arange(3), np.array([3, 4])])
        second = stepper.run(x, y, [np.array([4, 0, 2])])
        runs.append((first, second, model.params_flat.copy(), model.grads_flat.copy(),
                     np.array([model.layers["z"].kl])))
    for cpu, gpu in zip(*runs):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-6)
    assert runs[0][0][0] > 0.0


def test_the_vae_recipe_is_said_to_train_on_the_cpu():
    """Its stepper weights the KL per step and sums the reconstruction: no GPU path yet,
    so the panel and the CLI say so instead of listing layers."""
    project = load_project(EXAMPLES / "vae_digits_2d.layerlab.json")
    project.training.backend = "cuda"
    lines = expected_placement(prepare(project), CudaStatus(True, "Test GPU", ""))
    assert lines == ["CUDA backend: the VAE recipe trains on the CPU engine (its training "
                     "steps have no GPU path yet)."]
