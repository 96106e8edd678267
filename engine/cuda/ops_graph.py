"""Host-side launchers of ``engine.cuda.kernels_graph`` (Add, gradient sums, global average
pooling, batch normalization). Arrays are numba device arrays, activations ``(B, values)``
float32; nothing is copied to or from the host here.
"""

from __future__ import annotations

from typing import Any

from engine.cuda import kernels_graph as KG
from engine.cuda import kernels_sampling as KS
from engine.cuda.ops import _grid1


def add(a: Any, b: Any, out: Any) -> None:
    """out = a + b (out may be a)."""
    KG.add_rows[_grid1(out.size)](a, b, out)


def copy(a: Any, out: Any) -> None:
    KG.copy_rows[_grid1(out.size)](a, out)


def gap_forward(x: Any, hw: int, out: Any) -> None:
    """x (B, C·HW) -> out (B, C)."""
    KG.gap_forward[_grid1(out.size)](x, hw, out)


def gap_backward(g: Any, hw: int, dx: Any) -> None:
    KG.gap_backward[_grid1(dx.size)](g, hw, dx)


def bn_stats(x: Any, count: int, inner: int, features: int, momentum: float, mean: Any,
             var: Any, moving_mean: Any, moving_var: Any) -> None:
    """Batch statistics of the first ``count`` rows; running averages updated in place."""
    KG.bn_stats[_grid1(features)](x, count, inner, features, momentum, mean, var,
                                  moving_mean, moving_var)


def bn_forward(x: Any, mean: Any, var: Any, eps: float, gamma: Any | None, beta: Any | None,
               inner: int, features: int, inv_std: Any, xhat: Any, y: Any) -> None:
    """inv_std from ``var``; xhat and y = γ·xhat + β (γ, β None when switched off)."""
    KG.bn_inv_std[_grid1(features)](var, eps, inv_std)
    KG.bn_forward[_grid1(y.size)](x, mean, inv_std, mean if gamma is None else gamma,
                                  mean if beta is None else beta, gamma is not None,
                                  beta is not None, inner, features, xhat, y)


def bn_backward(g: Any, xhat: Any, gamma: Any | None, inv_std: Any, count: int, inner: int,
                features: int, training: bool, sum_g: Any, sum_gx: Any, dx: Any | None) -> None:
    """From dLoss/dy ``g``: Σg into ``sum_g`` (β's gradient), Σg·xhat into ``sum_gx`` (γ's)
    and, when ``dx`` is given, dLoss/dx."""
    has_gamma = gamma is not None
    gam = inv_std if gamma is None else gamma
    KG.bn_sums[_grid1(features)](g, xhat, gam, has_gamma, count, inner, features, sum_g,
                                 sum_gx)
    if dx is not None:
        KG.bn_input_grad[_grid1(dx.size)](g, xhat, gam, has_gamma, inv_std, sum_g, sum_gx,
                                          count, inner, features, training, dx)


def concat(xs: list[Any], count: int, outer: int, out: Any) -> None:
    """out (B, outer·Σ parts) = the inputs (B, outer·part_i) joined block by block."""
    total, offset = out.shape[1] // outer, 0
    for x in xs:
        KG.concat_part[_grid1(count * x.shape[1])](x, count, outer, offset, total, out)
        offset += x.shape[1] // outer


def split(g: Any, count: int, outer: int, dxs: list[Any | None], widths: list[int]) -> None:
    """Each input's slice of g into its gradient buffer (None: skipped)."""
    total, offset = g.shape[1] // outer, 0
    for dx, width in zip(dxs, widths):
        if dx is not None:
            KG.split_part[_grid1(count * width)](g, count, outer, offset, total, dx)
        offset += width // outer


def ln_forward(x: Any, count: int, group: int, inner: int, features: int, eps: float,
               gamma: Any | None, beta: Any | None, inv_std: Any, xhat: Any, y: Any) -> None:
    """LayerNormalization over runs of ``group`` values (γ, β None when switched off)."""
    groups, unused = x.shape[1] // group, xhat[0]  # a 1-D stand-in for a missing γ or β
    KG.ln_forward[_grid1(count * groups)](x, count, group, inner, features, eps,
                                          unused if gamma is None else gamma,
                                          unused if beta is None else beta, gamma is not None,
                                          beta is not None, inv_std, xhat, y)


def ln_backward(g: Any, xhat: Any, gamma: Any | None, inv_std: Any, count: int, group: int,
                inner: int, features: int, sum_g: Any, sum_gx: Any, dx: Any | None) -> None:
    """β's gradient Σg into ``sum_g``, γ's Σg·xhat into ``sum_gx`` (over the batch and every
    position of a feature), and dLoss/dx when ``dx`` is given."""
    gam = xhat[0] if gamma is None else gamma  # a 1-D stand-in for a missing γ
    KG.bn_sums[_grid1(features)](g, xhat, gam, gamma is not None, count, inner, features,
                                 sum_g, sum_gx)
    if dx is not None:
        groups = g.shape[1] // group
        KG.ln_input_grad[_grid1(count * groups)](g, xhat, gam, gamma is not None, inv_std,
                                                 count, group, inner, features, dx)


def sampling_forward(mu: Any, log_var: Any, eps: Any, at: int, count: int, z: Any) -> None:
    """z (B, d) = mu + exp(½·log_var)·eps[at:] for the first ``count`` rows."""
    KS.sampling_forward[_grid1(count * z.shape[1])](mu, log_var, eps, at, count, z)


def sampling_kl(mu: Any, log_var: Any, count: int, weight: float, losses: Any, step: int,
                kl: Any) -> None:
    """kl[0] = the batch's mean KL; ``losses[step]`` += weight·kl[0]."""
    KS.sampling_kl[1, 1](mu, log_var, count, weight, losses, step, kl)


def sampling_backward(g: Any, mu: Any, log_var: Any, eps: Any, at: int, count: int, w: float,
                      dmu: Any, dlv: Any) -> None:
    """Both inputs' gradients ``dmu``, ``dlv`` (B, d), the KL term's included."""
    KS.sampling_backward[_grid1(count * g.shape[1])](g, mu, log_var, eps, at, count, w, dmu,
                                                      dlv)
