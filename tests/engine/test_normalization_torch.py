"""Normalization layers against PyTorch: forward, backward and running statistics.

PyTorch's ``momentum`` is Keras' ``1 − momentum``; PyTorch's running variance averages the
*unbiased* batch variance, ours (Keras) the biased one — the test recomputes that average.
"""

import numpy as np
import pytest

from engine.layers import create_layer

torch = pytest.importorskip("torch")


def to_channels(t, image):
    """(B, F) | (B, T, F) | (B, C, H, W) -> the (B, C, ...) layout torch's batch_norm wants."""
    return t if image or t.dim() == 2 else t.transpose(1, 2)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 3)])
def test_batch_norm_matches_torch_over_several_steps(shape):
    image, n = len(shape) == 3, (shape[0] if len(shape) == 3 else shape[-1])
    layer = create_layer({"kind": "BatchNormalization", "momentum": 0.8, "epsilon": 1e-5})
    layer.build([shape], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    gamma, beta = rng.normal(1, 0.3, n), rng.normal(0, 0.3, n)
    layer.params["gamma"][...], layer.params["beta"][...] = gamma, beta
    tg = torch.tensor(gamma, requires_grad=True)
    tb = torch.tensor(beta, requires_grad=True)
    run_mean, run_var = torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64)
    expected_var = np.ones(n)
    for _ in range(4):
        x = rng.normal(2.0, 3.0, (6, *shape))
        w = rng.normal(size=x.shape)
        y = layer.forward([x], training=True)
        gx = layer.backward(w)[0]
        tx = torch.tensor(x, requires_grad=True)
        ty = torch.nn.functional.batch_norm(
            to_channels(tx, image), run_mean, run_var, tg, tb, training=True, momentum=0.2,
            eps=1e-5)
        ty = to_channels(ty, image)
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(layer.grads["gamma"], tg.grad.numpy(), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(layer.grads["beta"], tb.grad.numpy(), rtol=1e-9, atol=1e-11)
        tg.grad = tb.grad = None
        dims = [d for d in range(to_channels(tx, image).dim()) if d != 1]
        batch_var = to_channels(tx, image).detach().var(dim=dims, unbiased=False).numpy()
        expected_var = 0.8 * expected_var + 0.2 * batch_var
    np.testing.assert_allclose(layer.state["moving_mean"], run_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_variance"], expected_var, rtol=1e-12)
    # inference with the running statistics
    layer.state["moving_variance"][...] = run_var.numpy()
    x = rng.normal(size=(3, *shape))
    ty = to_channels(torch.nn.functional.batch_norm(
        to_channels(torch.tensor(x), image), run_mean, run_var, tg.detach(), tb.detach(),
        training=False, eps=1e-5), image)
    np.testing.assert_allclose(layer.forward([x], training=False), ty.numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 3)])
def test_layer_norm_matches_torch(shape):
    image, n = len(shape) == 3, (shape[0] if len(shape) == 3 else shape[-1])
    layer = create_layer({"kind": "LayerNormalization", "epsilon": 1e-5})
    layer.build([shape], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    gamma, beta = rng.normal(1, 0.3, n), rng.normal(0, 0.3, n)
    layer.params["gamma"][...], layer.params["beta"][...] = gamma, beta
    x, w = rng.normal(2.0, 3.0, (5, *shape)), rng.normal(size=(5, *shape))
    y = layer.forward([x], training=True)
    gx = layer.backward(w)[0]
    tx = torch.tensor(x, requires_grad=True)
    tg = torch.tensor(gamma, requires_grad=True)
    tb = torch.tensor(beta, requires_grad=True)
    if image:  # statistics over (C, H, W), γ/β per channel: GroupNorm with one group
        ty = torch.nn.functional.group_norm(tx, 1, tg, tb, eps=1e-5)
    else:
        ty = torch.nn.functional.layer_norm(tx, (n,), tg, tb, eps=1e-5)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(layer.grads["gamma"], tg.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(layer.grads["beta"], tb.grad.numpy(), rtol=1e-9, atol=1e-11)
