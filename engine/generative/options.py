"""The options of the generative recipes, kept in ``TrainConfig.recipe_options``.

Declared as ``ParamSpec``s so a GUI can build the form (``recipe_option_specs(recipe)``);
``resolve(recipe, given)`` fills in defaults and raises a learner-readable ``ConfigError`` on
an unknown option or a bad value. The trainers call it before every chunk of steps, so a value
changed live (β, the warm-up, the noise level, k) takes effect at the next chunk.
"""

from __future__ import annotations

from typing import Any

from engine.params import ParamSpec, validate_options
from engine.types import ConfigError

RECONSTRUCTION = (
    ParamSpec("reconstruction_loss", "choice", "mse", "How a reconstruction is compared with "
              "its input: mean squared error, or binary cross-entropy (inputs in [0, 1])",
              ("mse", "bce")),
    ParamSpec("input_noise", "choice", "none", "Denoising: corrupt the input (training only); "
              "the target stays the clean input", ("none", "gaussian", "masking")),
    ParamSpec("noise_level", "float", 0.2, "Gaussian: standard deviation; masking: share of "
              "inputs set to 0", min=0.0, max=5.0),
    ParamSpec("code_layer", "str", "", "Name of the code (bottleneck) layer; empty: the "
              "narrowest layer (a VAE: its Sampling layer)"),
    ParamSpec("sparsity", "float", 0.0, "Sparse autoencoder: weight λ of the L1 penalty "
              "λ·Σ|h| on the code layer's activations (mean over the batch)", min=0.0),
)
VAE_ONLY = (
    ParamSpec("beta", "float", 1.0, "Weight β of the KL term (β-VAE; 1 = the plain VAE)",
              min=0.0, max=1000.0),
    ParamSpec("kl_warmup_epochs", "float", 0.0, "Raise the KL weight linearly from 0 to β over "
              "this many epochs (0: full weight from the start)", min=0.0),
)
GAN = (
    ParamSpec("noise_distribution", "choice", "normal", "Distribution of the generator's noise "
              "z: standard normal or uniform in [-1, 1]", ("normal", "uniform")),
    ParamSpec("noise_dim", "int", 0, "Size of the noise vector z; 0: read from the generator's "
              "Input (minus the classes when conditional)", min=0, max=4096),
    ParamSpec("d_steps", "int", 1, "Discriminator steps per generator step (k)", min=1, max=100),
    ParamSpec("g_optimizer", "str", "", "Generator optimizer (empty: the training optimizer)"),
    ParamSpec("g_learning_rate", "float", 0.0, "Generator learning rate (0: the optimizer's "
              "default or the training options')", min=0.0, max=10.0),
    ParamSpec("d_optimizer", "str", "", "Discriminator optimizer (empty: the training "
              "optimizer)"),
    ParamSpec("d_learning_rate", "float", 0.0, "Discriminator learning rate (0: as above)",
              min=0.0, max=10.0),
    ParamSpec("conditional", "bool", False, "Conditional GAN: the one-hot class label is "
              "appended to the inputs of both networks"),
    ParamSpec("n_fixed", "int", 64, "How many fixed noise vectors the sample probes use",
              min=1, max=4096),
    ParamSpec("coverage_share", "float", 0.01, "Mode coverage: a mode counts as covered when at "
              "least this share of generated points lies within 3σ of it", min=0.0, max=1.0),
)
SPECS: dict[str, tuple[ParamSpec, ...]] = {
    "autoencoder": RECONSTRUCTION,
    "vae": RECONSTRUCTION + VAE_ONLY,
    "gan": GAN,
}


def recipe_option_specs(recipe: str) -> list[dict[str, Any]]:
    """Every option of ``recipe`` as a JSON-safe dict (name, type, default, help, bounds)."""
    return [{"name": s.name, "type": s.type, "default": s.default, "help": s.help,
             "choices": list(s.choices), "min": s.min, "max": s.max}
            for s in SPECS.get(recipe, ())]


def resolve(recipe: str, given: dict[str, Any] | None) -> dict[str, Any]:
    """``given`` checked and completed with defaults; ConfigError names the bad option."""
    if recipe not in SPECS:
        raise ConfigError(f"'{recipe}' is not a generative recipe; choose one of "
                          f"{', '.join(SPECS)}.")
    return validate_options(SPECS[recipe], dict(given or {}), f"The {recipe} recipe")
