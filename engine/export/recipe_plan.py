"""What the exported scripts need to know about the reconstruction recipes (autoencoder, VAE).

The target is the input itself (reshaped to the output), the loss is the engine's
reconstruction loss (``engine.generative.autoencoder.reconstruction_loss``: MSE, or binary
cross-entropy on logits when the decoder ends in a sigmoid), summed over the output values for
a VAE (``recon_scale`` = values per sample, the ELBO's scale) and averaged for a plain
autoencoder. A VAE adds ``kl_weight(step) · Σ KL`` of its Sampling layers, with
``kl_weight(step) = β · min(1, step / kl_warmup_steps)`` (β from the start when no warm-up).
A denoising autoencoder corrupts each training batch's input as
``engine.generative.autoencoder.corrupt`` does (Gaussian ``x + σ·ε`` or masking, from a
generator seeded ``[seed, 7]`` as the trainer's), the target staying the clean input; a sparse
one adds ``sparsity · Σ|h| / B`` of the code layer's activations h (``code``: the layer the
trainer picks, ``engine.generative.graph_tools.code_layer``), whose gradient
``sparsity · sign(h) / B`` enters the backward pass at that layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.datasets.base import Dataset
from engine.export.plan_steps import ExportError
from engine.generative.autoencoder import reconstruction_loss
from engine.generative.graph_tools import code_layer
from engine.generative.options import resolve
from engine.model import Model
from engine.project import Project
from engine.types import LayerLabError

RECONSTRUCTION_RECIPES = ("autoencoder", "vae")


@dataclass
class Reconstruction:
    """How an autoencoder or VAE project trains, beyond the layers."""

    recipe: str  # "autoencoder" or "vae"
    recon_scale: float  # the reconstruction loss (a mean per value) is multiplied by this
    beta: float  # the KL weight after the warm-up (VAE)
    kl_warmup_steps: float  # optimizer steps of the linear warm-up; 0: none
    noise: str = "none"  # denoising: "gaussian" or "masking" noise on training inputs
    noise_level: float = 0.0  # Gaussian σ, or the share of inputs zeroed
    sparsity: float = 0.0  # λ of the L1 penalty on the code layer's activations
    code: str = ""  # the code layer's canvas name (the sparsity penalty's layer)


def reconstruction_plan(project: Project, model: Model,
                        data: Dataset) -> tuple[str, bool, Reconstruction]:
    """(engine loss name, logits mode, Reconstruction) of an autoencoder or VAE project."""
    try:
        opts = resolve(project.recipe, project.training.recipe_options)
        loss, logits = reconstruction_loss(opts["reconstruction_loss"], model)
        code = code_layer(model, opts["code_layer"])
    except LayerLabError as exc:
        raise ExportError(str(exc)) from exc
    noisy = opts["input_noise"] != "none" and opts["noise_level"] > 0
    n_out = int(np.prod(model.output_shape))
    n_train = len(data.x_train)
    per_epoch = math.ceil(n_train / max(project.training.effective_batch(n_train), 1))
    warm = float(opts.get("kl_warmup_epochs", 0.0))
    return loss.name, logits, Reconstruction(
        recipe=project.recipe, recon_scale=float(n_out) if project.recipe == "vae" else 1.0,
        beta=float(opts.get("beta", 1.0)), kl_warmup_steps=warm * max(per_epoch, 1),
        noise=opts["input_noise"] if noisy else "none",
        noise_level=float(opts["noise_level"]) if noisy else 0.0,
        sparsity=float(opts["sparsity"]), code=code)
