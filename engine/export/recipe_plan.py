"""What the exported scripts need to know about the reconstruction recipes (autoencoder, VAE).

The target is the input itself (reshaped to the output), the loss is the engine's
reconstruction loss (``engine.generative.autoencoder.reconstruction_loss``: MSE, or binary
cross-entropy on logits when the decoder ends in a sigmoid), summed over the output values for
a VAE (``recon_scale`` = values per sample, the ELBO's scale) and averaged for a plain
autoencoder. A VAE adds ``kl_weight(step) · Σ KL`` of its Sampling layers, with
``kl_weight(step) = β · min(1, step / kl_warmup_steps)`` (β from the start when no warm-up).
Denoising and sparse autoencoders are not written: ``ExportError`` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.datasets.base import Dataset
from engine.export.plan_steps import ExportError
from engine.generative.autoencoder import reconstruction_loss
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


def reconstruction_plan(project: Project, model: Model,
                        data: Dataset) -> tuple[str, bool, Reconstruction]:
    """(engine loss name, logits mode, Reconstruction) of an autoencoder or VAE project."""
    try:
        opts = resolve(project.recipe, project.training.recipe_options)
        loss, logits = reconstruction_loss(opts["reconstruction_loss"], model)
    except LayerLabError as exc:
        raise ExportError(str(exc)) from exc
    if opts["input_noise"] != "none" and opts["noise_level"] > 0 or opts["sparsity"] > 0:
        raise ExportError(
            "Code export writes plain autoencoders and VAEs; this project adds input noise or a "
            "sparsity penalty, which the exported scripts do not cover yet. Set the noise to "
            "none and the sparsity to 0 in the recipe options to export it.")
    n_out = int(np.prod(model.output_shape))
    n_train = len(data.x_train)
    per_epoch = math.ceil(n_train / max(project.training.effective_batch(n_train), 1))
    warm = float(opts.get("kl_warmup_epochs", 0.0))
    return loss.name, logits, Reconstruction(
        recipe=project.recipe, recon_scale=float(n_out) if project.recipe == "vae" else 1.0,
        beta=float(opts.get("beta", 1.0)), kl_warmup_steps=warm * max(per_epoch, 1))
