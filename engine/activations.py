"""The activation functions of LayerLab: their registry (names, formulas, teaching blurbs) and a
shape-agnostic forward/backward API over the numba kernels of ``engine.kernels.activations``.

``forward(name, x)`` takes ``x: (B, ...)`` (any shape, float32 or float64, dtype preserved) and
applies the activation elementwise, except softmax, which normalises over the LAST axis.
``backward(name, x, y, grad_y)`` returns ``grad_x`` of the same shape from the cached input and
output. ``derivative(name, x)`` gives the slope curve for plots. Names are case-insensitive and
accept aliases (``"swish"`` → ``"silu"``); conventions follow PyTorch/Keras (leaky ReLU slope
0.01, ELU alpha 1, exact-erf GELU, hard sigmoid ``relu6(x + 3) / 6``, ReLU slope 0 at 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.backend import pick
from engine.kernels import activations as K
from engine.types import ConfigError, TrainingError


@dataclass(frozen=True)
class ActivationInfo:
    """What the GUI shows about an activation and what the kernels need to run it."""

    name: str
    display_name: str
    formula: str
    blurb: str
    has_gradient: bool
    params: dict[str, float] = field(default_factory=dict)
    act_id: int = 0


_INFOS: tuple[ActivationInfo, ...] = (
    ActivationInfo("linear", "Linear (none)", "f(x) = x",
                   "Passes values through unchanged: use it for regression outputs; between "
                   "layers it makes a stack of layers collapse into one linear map.",
                   True, {}, K.LINEAR),
    ActivationInfo("sigmoid", "Sigmoid", "σ(x) = 1 / (1 + e⁻ˣ)",
                   "Squashes any value into (0, 1), ideal for a yes/no probability output; in "
                   "hidden layers its slope (at most 0.25) makes gradients vanish.",
                   True, {}, K.SIGMOID),
    ActivationInfo("tanh", "Tanh", "tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)",
                   "Like sigmoid but centred on 0, with outputs in (−1, 1); it still saturates "
                   "for large |x|, so deep stacks learn slowly.",
                   True, {}, K.TANH),
    ActivationInfo("relu", "ReLU", "max(0, x)",
                   "The default for hidden layers: cheap and does not saturate for x > 0, but a "
                   "neuron whose input stays negative gets zero gradient and can 'die'.",
                   True, {}, K.RELU),
    ActivationInfo("leaky_relu", "Leaky ReLU", "max(αx, x)   (α = 0.01)",
                   "ReLU with a small slope α for negative inputs, so neurons never stop "
                   "learning completely.",
                   True, {"alpha": 0.01}, K.LEAKY_RELU),
    ActivationInfo("elu", "ELU", "x if x > 0, else α(eˣ − 1)   (α = 1)",
                   "Smooth for x < 0 and saturating at −α, which pushes mean activations toward "
                   "0 and often speeds up learning compared to ReLU.",
                   True, {"alpha": 1.0}, K.ELU),
    ActivationInfo("selu", "SELU", "λ·(x if x > 0, else α(eˣ − 1))   (λ ≈ 1.0507, α ≈ 1.6733)",
                   "Scaled ELU whose fixed constants keep activations normalised through deep "
                   "plain stacks, if weights use LeCun-normal initialisation.",
                   True, {}, K.SELU),
    ActivationInfo("softplus", "Softplus", "log(1 + eˣ)",
                   "A smooth version of ReLU that is always positive; handy when an output must "
                   "be > 0 (a scale or a rate).",
                   True, {}, K.SOFTPLUS),
    ActivationInfo("silu", "SiLU (Swish)", "x · σ(x)",
                   "Smooth, slightly non-monotonic ReLU-like curve used in modern networks; it "
                   "lets small negative values through.",
                   True, {}, K.SILU),
    ActivationInfo("gelu", "GELU", "x · Φ(x) = 0.5x(1 + erf(x / √2))",
                   "Weighs each input by the chance a standard normal value is below it; the "
                   "usual choice inside Transformers (exact erf form, as in PyTorch).",
                   True, {}, K.GELU),
    ActivationInfo("hard_sigmoid", "Hard sigmoid", "relu6(x + 3) / 6 = min(max(x + 3, 0), 6) / 6",
                   "A cheap piecewise-linear sigmoid, relu6(x + 3) / 6 as in PyTorch and Keras 3: "
                   "0 below −3, 1 above 3, and zero gradient outside (−3, 3).",
                   True, {}, K.HARD_SIGMOID),
    ActivationInfo("step", "Step (Heaviside)", "1 if x ≥ 0, else 0",
                   "The original perceptron's all-or-nothing output; its slope is zero "
                   "everywhere, so it trains only with the perceptron rule, not backpropagation.",
                   False, {}, K.STEP),
    ActivationInfo("softmax", "Softmax", "softmax(x)ᵢ = eˣⁱ / Σⱼ eˣʲ",
                   "Turns a vector of scores into probabilities that sum to 1, for the output of "
                   "a multi-class classifier; it acts on the last axis, not elementwise.",
                   True, {}, K.SOFTMAX),
)

REGISTRY: dict[str, ActivationInfo] = {info.name: info for info in _INFOS}
NAMES: list[str] = [info.name for info in _INFOS]
ALIASES: dict[str, str] = {
    "none": "linear", "identity": "linear", "id": "linear",
    "logistic": "sigmoid", "sigm": "sigmoid",
    "leakyrelu": "leaky_relu", "lrelu": "leaky_relu",
    "swish": "silu",
    "hardsigmoid": "hard_sigmoid",
    "heaviside": "step", "binary_step": "step", "binarystep": "step", "threshold": "step",
    "soft_plus": "softplus",
}

_STEP_NO_GRADIENT = (
    "The step activation has no gradient (its slope is 0 everywhere and undefined at 0), so "
    "backpropagation cannot train through it. Train a single neuron with the perceptron rule, "
    "or switch to a differentiable activation such as sigmoid."
)


def get(name: str) -> ActivationInfo:
    """The activation for a name or alias (case, spaces and dashes ignored), else ConfigError."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in REGISTRY:
        raise ConfigError(
            f"Unknown activation {name!r}. Choose one of: {', '.join(NAMES)}."
        )
    return REGISTRY[key]


def _alpha(info: ActivationInfo, alpha: float | None) -> float:
    return float(info.params.get("alpha", 0.0) if alpha is None else alpha)


def _float_dtype(x: np.ndarray) -> np.dtype:
    """float64 stays float64; everything else (ints, float16, float32) computes in float32."""
    return np.dtype(np.float64) if x.dtype == np.float64 else np.dtype(np.float32)


def _as_2d(a: np.ndarray, dtype: np.dtype, copy: bool) -> np.ndarray:
    """a: (B, ..., N) -> C-contiguous (prod(B, ...), N) view or copy; a 0-d/1-d a -> (1, N).

    The last axis stays last, so softmax over rows is softmax over the original last axis.
    """
    flat = np.array(a, dtype=dtype, order="C", copy=True if copy else None)
    return flat.reshape(-1, flat.shape[-1]) if flat.ndim > 0 else flat.reshape(1, 1)


def forward(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """x: (B, ...) -> y: same shape and float dtype; softmax over the last axis."""
    info = get(name)
    x = np.asarray(x)
    dtype = _float_dtype(x)
    if x.size == 0:
        return np.empty(x.shape, dtype=dtype)
    y = _as_2d(x, dtype, copy=True)  # (rows, N)
    pick(K.act_forward_inplace, K.act_forward_ref)(y, info.act_id, _alpha(info, alpha))
    return y.reshape(x.shape)


def backward(name: str, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray,
             alpha: float | None = None) -> np.ndarray:
    """x: (B, ...) cached input, y: its output, grad_y: dLoss/dy -> grad_x: dLoss/dx, same shape.

    Softmax applies its full Jacobian along the last axis; step raises ``TrainingError``.
    """
    info = get(name)
    if not info.has_gradient:
        raise TrainingError(_STEP_NO_GRADIENT)
    x, y, grad_y = np.asarray(x), np.asarray(y), np.asarray(grad_y)
    if not x.shape == y.shape == grad_y.shape:
        raise ValueError(
            f"backward of {info.name}: x {x.shape}, y {y.shape} and grad_y {grad_y.shape} "
            "must have the same shape"
        )
    dtype = _float_dtype(x)
    if x.size == 0:
        return np.zeros(x.shape, dtype=dtype)
    g = _as_2d(grad_y, dtype, copy=True)  # (rows, N), overwritten with dLoss/dx
    pick(K.act_backward_inplace, K.act_backward_ref)(
        _as_2d(x, dtype, False), _as_2d(y, dtype, False), g, info.act_id, _alpha(info, alpha))
    return g.reshape(x.shape)


def derivative(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """x: (...) -> dy/dx elementwise, same shape, for plotting an activation's slope.

    Softmax gives the diagonal of its Jacobian, s(1 − s), over the last axis (a 1-D x is one
    vector); step gives zeros (its slope is 0 wherever it is defined).
    """
    info = get(name)
    x = np.asarray(x)
    y = forward(info.name, x, alpha)
    if info.name == "softmax":
        return y * (1 - y)
    if x.size == 0:
        return np.zeros_like(y)
    g = np.ones((y.size // y.shape[-1], y.shape[-1]) if y.ndim else (1, 1), dtype=y.dtype)
    K.act_backward_inplace(_as_2d(x, y.dtype, False), _as_2d(y, y.dtype, False), g, info.act_id,
                           _alpha(info, alpha))
    return g.reshape(x.shape)
