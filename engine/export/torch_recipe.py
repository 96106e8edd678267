"""The PyTorch export's parts for the autoencoder and VAE recipes (``recipe_plan``).

``SAMPLING`` is the composite module written for a Sampling layer (the reparameterisation
trick; it keeps the batch-mean KL of its last forward pass), ``kl_method`` the
``Network.kl`` that sums those, ``kl_weight_source`` the β·warm-up schedule, and
``reconstruction_loss`` the loss expression scaled as the engine scales it. A denoising
autoencoder gets ``corrupt`` (the engine's noise rule on a numpy generator seeded as the
trainer's), a sparse one ``sparsity_penalty`` (the L1 term on the code layer's activations,
which ``Network.forward`` keeps as ``self.code_activations``); ``recipe_sources``,
``code_line`` and ``noise_lines`` place them in the script.
"""

from __future__ import annotations

from engine.export.plan import Plan

SAMPLING = '''class Sampling(nn.Module):
    """z = μ + σ·ε with σ = exp(½·log σ²) and ε ~ N(0, 1) while training (the
    reparameterisation trick: the gradient flows to μ and log σ², not through the draw); z = μ
    in evaluation. mu, log_var: (B, d) -> z (B, d). ``self.kl`` keeps the batch mean of
    KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ (1 + log σ² − μ² − σ²) of the last call, for the loss.
    Set ``self.noise`` to a (B, d) tensor to use fixed ε instead of fresh draws."""

    def __init__(self):
        super().__init__()
        self.kl, self.noise = None, None

    def forward(self, mu, log_var):
        self.kl = (-0.5 * (1.0 + log_var - mu ** 2 - log_var.exp()).sum(dim=1)).mean()
        if not self.training:
            return mu
        eps = self.noise if self.noise is not None else torch.randn_like(mu)
        return mu + torch.exp(0.5 * log_var) * eps'''


def sampling_vars(plan: Plan) -> list[str]:
    return [s.var for s in plan.steps if s.kind == "Sampling"]


def kl_method(plan: Plan) -> list[str]:
    """``Network.kl`` (lines at class level), or nothing when the network samples nothing."""
    names = sampling_vars(plan)
    if not names:
        return []
    total = " + ".join(f"self.{v}.kl" for v in names)
    return ["", "    def kl(self):",
            '        """KL term of the last forward pass (batch mean, summed over the Sampling '
            'layers)."""', f"        return {total}"]


def kl_weight_source(plan: Plan) -> str:
    """``kl_weight(step)``: β raised linearly over the warm-up (counted in optimizer steps)."""
    recon = plan.reconstruction
    beta, warm = (1.0, 0.0) if recon is None else (recon.beta, recon.kl_warmup_steps)
    note = ("# a supervised network: LayerLab adds the KL term at full weight" if recon is None
            else "# kl_warmup_epochs × steps per epoch")
    return (f"BETA = {beta!r}\nKL_WARMUP_STEPS = {warm!r}  {note}\n\n\n"
            "def kl_weight(step):\n"
            '    """The weight of the KL term at optimizer step ``step`` (0, 1, …)."""\n'
            "    if KL_WARMUP_STEPS <= 0:\n        return BETA\n"
            "    return BETA * min(1.0, step / KL_WARMUP_STEPS)")


def reconstruction_loss(plan: Plan, expr: str, words: str) -> tuple[str, str]:
    """(expression, words) of the reconstruction loss: ``expr`` scaled like the engine."""
    recon = plan.reconstruction
    assert recon is not None
    if recon.recon_scale == 1.0:
        return expr, f"{words} of the reconstruction against the input"
    return (f"{recon.recon_scale!r} * {expr}",
            f"{words} of the reconstruction against the input, summed over its "
            f"{int(recon.recon_scale)} values (mean over the batch)")


CORRUPT = '''def corrupt(x, rng, rank=0, world=1):
    """Denoising: the training input x (B, ...) with LayerLab's noise (the target stays the
    clean input). NOISE "gaussian": x + NOISE_LEVEL·ε with ε ~ N(0, 1); "masking": each value
    zeroed with probability NOISE_LEVEL. rng: a numpy generator seeded as LayerLab's
    ([SEED, 7]); under torchrun every process draws the noise of the global batch
    (world × B rows) and takes its every world-th row from its rank on."""
    shape = (x.shape[0] * world, *x.shape[1:])
    if NOISE == "gaussian":
        return x + NOISE_LEVEL * torch.from_numpy(rng.standard_normal(shape)[rank::world]).to(x)
    return x * torch.from_numpy(rng.random(shape)[rank::world] >= NOISE_LEVEL).to(x)'''

SPARSITY_PENALTY = '''def sparsity_penalty(net):
    """Sparse autoencoder: SPARSITY · Σ|h| / B over the code layer's activations h (B, ...)
    of the last forward pass; its gradient SPARSITY · sign(h) / B joins h's."""
    h = net.code_activations
    return SPARSITY * h.abs().sum() / h.shape[0]'''


def recipe_sources(plan: Plan) -> list[str]:
    """The script's recipe parts: ``kl_weight`` (Sampling layers), ``corrupt`` (denoising),
    ``sparsity_penalty`` (a sparsity weight), each with its constants."""
    recon = plan.reconstruction
    parts = [kl_weight_source(plan)] if sampling_vars(plan) else []
    if recon is not None and recon.noise != "none":
        parts.append(f"NOISE, NOISE_LEVEL = {recon.noise!r}, {recon.noise_level!r}  "
                     f"# denoising: the training inputs' noise\n\n\n{CORRUPT}")
    if recon is not None and recon.sparsity > 0:
        parts.append(f"SPARSITY = {recon.sparsity!r}  # the L1 weight on the code layer "
                     f"'{recon.code}'\n\n\n{SPARSITY_PENALTY}")
    return parts


def code_line(plan: Plan, name: str, var: str) -> list[str]:
    """``Network.forward``'s line keeping the code layer's activations (sparse autoencoder)."""
    recon = plan.reconstruction
    if recon is None or recon.sparsity <= 0 or recon.code != name:
        return []
    return [f"self.code_activations = {var}  # the code: its sparsity penalty reads it"]


def noise_lines(plan: Plan) -> tuple[str, str]:
    """(the training loop's noise generator line, the per-batch corrupting line), each with
    its leading newline, or empty strings without denoising."""
    recon = plan.reconstruction
    if recon is None or recon.noise == "none":
        return "", ""
    return ("\n    noise_rng = np.random.default_rng([SEED, 7])  # the input noise, as LayerLab",
            "\n            xb = corrupt(xb, noise_rng, rank, world)  # noisy input, clean target")


def extra_loss(plan: Plan) -> str:
    """What the training loop adds to ``loss_fn``: the weighted KL of a VAE, the sparsity
    penalty of a sparse autoencoder."""
    recon = plan.reconstruction
    return ((" + kl_weight(step) * net.kl()" if sampling_vars(plan) else "")
            + (" + sparsity_penalty(net)" if recon is not None and recon.sparsity > 0 else ""))
