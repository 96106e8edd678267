"""The NumPy export's parts for the autoencoder and VAE recipes (``recipe_plan``), mirroring
``torch_recipe``: the Sampling layer's blocks and template (the reparameterisation trick and
the gradient of its KL term), the reconstruction loss scaled as the engine scales it, and the
lines the training loop adds for a VAE (``kl_weight(step) · KL`` in the objective, the same
weight handed to ``backward``).

The blocks ``sampling_forward`` / ``sampling_backward`` are pasted into the script like those
of ``numpy_blocks`` (plain numpy, shapes in the docstrings).
"""

from __future__ import annotations

import numpy as np

from engine.export.numpy_template_base import Lines, template
from engine.export.plan_steps import Plan, Step
from engine.export.torch_recipe import kl_weight_source


def sampling_forward(mu, log_var, training, rng):
    """VAE reparameterisation. mu, log_var: (B, d) -> z (B, d) and a cache:
    z = mu + exp(½·log_var)·eps with eps ~ N(0, 1) drawn from rng while training, z = mu
    otherwise. The cache keeps the batch mean of KL(N(mu, σ²) ‖ N(0, 1)) =
    −½ Σ_j (1 + log σ²_j − mu_j² − σ²_j), the term the VAE adds to its loss."""
    kl = float(np.mean(-0.5 * np.sum(1.0 + log_var - mu ** 2 - np.exp(log_var), axis=1)))
    if not training:
        return mu, (mu, log_var, None, kl)
    eps = rng.standard_normal(mu.shape)
    return mu + np.exp(0.5 * log_var) * eps, (mu, log_var, eps, kl)


def sampling_backward(g, cache, kl_weight):
    """g: (B, d) -> (d_mu, d_log_var). While training the gradient of kl_weight·KL is added:
    dKL/dmu = mu / B, dKL/dlog_var = ½(exp(log_var) − 1) / B (KL is a batch mean)."""
    mu, log_var, eps, _ = cache
    if eps is None:  # evaluation: z = mu
        return g, np.zeros_like(log_var)
    w = kl_weight / len(mu)
    d_mu = g + w * mu
    d_log_var = g * eps * 0.5 * np.exp(0.5 * log_var) + w * 0.5 * (np.exp(log_var) - 1.0)
    return d_mu, d_log_var


def _sampling_backward(step: Step, targets: list[str]) -> Lines:
    return [f"{targets[0]}, {targets[1]} = sampling_backward(d_{step.var}, "
            f'cache["{step.name}"], kl_weight)']


@template("Sampling", blocks=("sampling_forward", "sampling_backward"),
          backward=_sampling_backward)
def _sampling(step: Step) -> Lines:
    mu, log_var = step.inputs[0], step.inputs[1]
    return [f'{step.var}, cache["{step.name}"] = sampling_forward({mu}, {log_var}, training, '
            "rng)  # z = mu + sigma * eps while training, z = mu otherwise"]


def sampling_names(plan: Plan) -> list[str]:
    return [s.name for s in plan.steps if s.kind == "Sampling"]


def loss_block(plan: Plan, function: str, words: str) -> str:
    """``loss_fn`` of a reconstruction: the engine's loss, times the VAE's number of output
    values (the reconstruction summed over them, a mean over the batch)."""
    recon = plan.reconstruction
    assert recon is not None
    scale = recon.recon_scale
    if scale == 1.0:
        return (f"def loss_fn(out, y):\n"
                f'    """The reconstruction loss: {words} of the output against the input."""\n'
                f"    return {function}(out, y)")
    return (f"def loss_fn(out, y):\n"
            f'    """The reconstruction loss: {words} of the output against the input,\n'
            f"    summed over its {int(scale)} values (a mean over the batch), the scale of the "
            'VAE\'s objective."""\n'
            f"    value, grad = {function}(out, y)\n"
            f"    return {scale!r} * value, {scale!r} * grad")


def vae_parts(plan: Plan) -> list[str]:
    """``kl_weight(step)`` and ``kl_total(cache)`` for a network with Sampling layers."""
    names = sampling_names(plan)
    if not names:
        return []
    total = " + ".join(f'cache["{n}"][3]' for n in names)
    return [kl_weight_source(plan),
            "def kl_total(cache):\n"
            '    """The KL terms of the last forward pass (batch means, summed over the Sampling '
            'layers)."""\n'
            f"    return {total}"]


def kl_loop_lines(plan: Plan) -> tuple[str, str]:
    """(the training loop's line adding β·KL to the objective, backward's extra argument)."""
    if not sampling_names(plan):
        return "", ""
    return ("            value += kl_weight(step) * kl_total(cache)  # the VAE's β·KL\n",
            ", kl_weight(step)")
