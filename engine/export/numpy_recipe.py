"""The NumPy export's parts for the autoencoder and VAE recipes (``recipe_plan``), mirroring
``torch_recipe``: the Sampling layer's blocks and template (the reparameterisation trick and
the gradient of its KL term), the reconstruction loss scaled as the engine scales it, and the
lines the training loop adds for a VAE (``kl_weight(step) · KL`` in the objective, the same
weight handed to ``backward``), a denoising autoencoder's input noise (the engine's own
``corrupt``, pasted, on a generator seeded as the trainer's) and a sparse one's L1 penalty on
the code layer's activations (``cache["sparsity:h"]``; its gradient joins that layer's in
``backward``).

The blocks ``sampling_forward`` / ``sampling_backward`` are pasted into the script like those
of ``numpy_blocks`` (plain numpy, shapes in the docstrings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.export.numpy_template_base import Lines, template
from engine.export.plan_steps import Plan, Step
from engine.export.torch_recipe import kl_weight_source
from engine.generative.autoencoder import corrupt  # noqa: F401  (pasted into a denoising script)


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


def _denoising(plan: Plan) -> bool:
    return plan.reconstruction is not None and plan.reconstruction.noise != "none"


def _sparse(plan: Plan) -> bool:
    return plan.reconstruction is not None and plan.reconstruction.sparsity > 0


def recipe_blocks(plan: Plan) -> list[str]:
    """The blocks a training script adds: the engine's ``corrupt`` for a denoising one."""
    return ["corrupt"] if _denoising(plan) else []


def recipe_constants(plan: Plan) -> list[str]:
    """``NOISE, NOISE_LEVEL`` (denoising) and ``SPARSITY`` (sparse) lines, or nothing."""
    recon = plan.reconstruction
    out = []
    if recon is not None and _denoising(plan):
        out.append(f"NOISE, NOISE_LEVEL = {recon.noise!r}, {recon.noise_level!r}  # denoising: "
                   "the training inputs' noise (the targets stay clean)")
    if recon is not None and _sparse(plan):
        out.append(f"SPARSITY = {recon.sparsity!r}  # the L1 weight on the code layer "
                   f"'{recon.code}': SPARSITY · Σ|h| / B")
    return out


def code_cache_line(plan: Plan, step: Step) -> list[str]:
    """``forward``'s line keeping the code layer's activations for the sparsity penalty."""
    if not _sparse(plan) or plan.reconstruction is None or plan.reconstruction.code != step.name:
        return []
    return [f'cache["sparsity:h"] = {step.var}  # the code: the sparsity penalty reads it']


def sparsity_grad_line(plan: Plan, step: Step) -> list[str]:
    """``backward``'s line adding the sparsity penalty's gradient at the code layer, once
    every layer it feeds has passed its gradient back."""
    if not code_cache_line(plan, step):
        return []
    return [f'd_{step.var} = d_{step.var} + SPARSITY * np.sign(cache["sparsity:h"]) / '
            'len(cache["sparsity:h"])  # the sparsity penalty']


@dataclass
class LoopParts:
    """What a reconstruction adds to the training loop (each a full line or "")."""

    setup: str  # before the epochs: the noise generator
    batch: str  # the batch's input expression
    value: str  # after the loss: the KL and sparsity terms
    backward: str  # backward's extra argument (the KL weight)


def loop_parts(plan: Plan) -> LoopParts:
    """The training loop's lines for noise (the engine's generator ``[seed, 7]``), the VAE's
    β·KL (its weight handed to ``backward`` too) and the sparsity penalty."""
    noise = _denoising(plan)
    kl = bool(sampling_names(plan))
    return LoopParts(
        setup=("    noise_rng = np.random.default_rng([seed, 7])  # the input noise, as "
               "LayerLab draws it\n") if noise else "",
        batch="corrupt(x[idx], NOISE, NOISE_LEVEL, noise_rng)" if noise else "x[idx]",
        value=(("            value += kl_weight(step) * kl_total(cache)  # the VAE's β·KL\n"
                if kl else "")
               + ('            value += SPARSITY * np.abs(cache["sparsity:h"]).sum() / '
                  'len(cache["sparsity:h"])\n' if _sparse(plan) else "")),
        backward=", kl_weight(step)" if kl else "")
