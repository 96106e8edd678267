"""The PyTorch export's parts for the autoencoder and VAE recipes (``recipe_plan``).

``SAMPLING`` is the composite module written for a Sampling layer (the reparameterisation
trick; it keeps the batch-mean KL of its last forward pass), ``kl_method`` the
``Network.kl`` that sums those, ``kl_weight_source`` the β·warm-up schedule, and
``reconstruction_loss`` the loss expression scaled as the engine scales it.
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


def extra_loss(plan: Plan) -> str:
    """What the training loop adds to ``loss_fn``: the weighted KL of a VAE."""
    return " + kl_weight(step) * net.kl()" if sampling_vars(plan) else ""
