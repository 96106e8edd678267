"""Loss functions: a value and its gradient with respect to the network's output.

Each loss is one class with Keras-style names (``get_loss("mse")``), options described by
``config_spec`` (the training panel's form is generated from it) and a JSON-safe config that
round-trips exactly. ``value_and_grad(pred, target)`` takes ``pred: (B, ...)`` (float32, or
float64 in gradient checks) and returns ``(float, grad)`` with ``grad`` shaped and typed like
``pred``. Reduction ``"mean"`` averages over *every element* for the elementwise losses (mse,
mae, huber, binary cross-entropy, hinge, gaussian NLL — as PyTorch and Keras do) and over the
*samples* for categorical cross-entropy (per-sample loss summed over classes, then averaged);
``"sum"`` adds instead.

NOTE for the model code: when a network ends in a softmax (or sigmoid) activation and the loss
is categorical (binary) cross-entropy, the model skips that activation and feeds the raw
*logits* to a loss built with ``from_logits=True`` (``wants_logits`` is then True). That is the
fused, numerically stable path (``softmax_cross_entropy`` / ``sigmoid_binary_cross_entropy``):
``log(softmax(z))`` is never formed from rounded probabilities, and the gradient is simply
``softmax(z) - onehot(y)`` (divided by B for the mean).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from engine import class_weights as cw
from engine.backend import pick
from engine.kernels import losses as kernels
from engine.params import ParamSpec, validate_options
from engine.types import ConfigError, DataError, format_shape

EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1 - EPSILON] (Keras' default)
REDUCTIONS = ("mean", "sum")
REDUCTION_SPEC = ParamSpec("reduction", "choice", "mean", "Average or add the per-item losses",
                           choices=REDUCTIONS, label="Reduction")
FROM_LOGITS_SPEC = ParamSpec("from_logits", "bool", False,
                             "The outputs are raw scores (logits); the loss applies the "
                             "activation itself, in a stable way", label="From logits")
CLASS_WEIGHT_SPEC = ParamSpec("class_weight", "str", "none",
                              "'balanced' weighs each class by N / (K · its count), or give one "
                              "weight per class such as '1, 4' (class 0 first)",
                              label="Class weights")


# -- fused, numerically stable cross-entropies ------------------------------------------------
def softmax_cross_entropy(
    logits: np.ndarray, target: np.ndarray, reduction: str = "mean"
) -> tuple[float, np.ndarray, np.ndarray]:
    """Softmax + categorical cross-entropy in one stable pass (log-sum-exp).

    logits: (B, K) or (B, ..., K); target: integer labels (B, ...) or one-hot/soft (B, ..., K).
    Returns ``(loss, grad_logits, probs)``; grad_logits and probs are shaped like ``logits``.
    ``grad = (softmax - onehot) / N`` for "mean" (N = number of rows, i.e. B for 2-D logits).
    """
    _check_reduction(reduction)
    logits = _as_float(logits)
    k = logits.shape[-1]
    rows = np.ascontiguousarray(logits.reshape(-1, k))  # (N, K)
    labels, soft = _class_targets(logits, target, "Categorical cross-entropy")
    scale = 1.0 / max(len(rows), 1) if reduction == "mean" else 1.0
    if labels is not None:
        total, grad, probs = pick(kernels.softmax_ce_labels,
                                  kernels.softmax_ce_labels_reference)(rows, labels, scale)
    else:
        total, grad, probs = pick(kernels.softmax_ce_onehot,
                                  kernels.softmax_ce_onehot_reference)(rows, soft, scale)
    return float(total) * scale, grad.reshape(logits.shape), probs.reshape(logits.shape)


def sigmoid_binary_cross_entropy(
    logits: np.ndarray, target: np.ndarray, reduction: str = "mean"
) -> tuple[float, np.ndarray, np.ndarray]:
    """Sigmoid + binary cross-entropy, stable for any logit.

    logits: (B, ...); target: 0/1 (or soft) values of the same size. Per element
    ``max(z, 0) - z·y + log(1 + exp(-|z|))``; grad ``(sigmoid(z) - y) / n`` for "mean" with n
    the number of elements. Returns ``(loss, grad_logits, probs)`` shaped like ``logits``.
    """
    _check_reduction(reduction)
    z = _as_float(logits)
    y = _match_target(z, target, "Binary cross-entropy")
    e = np.exp(-np.abs(z))  # (B, ...) in (0, 1]: never overflows
    per = np.maximum(z, 0) - z * y + np.log1p(e)
    probs = np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)
    scale = 1.0 / max(z.size, 1) if reduction == "mean" else 1.0
    grad = ((probs - y) * scale).astype(z.dtype)
    return float(np.sum(per, dtype=np.float64)) * scale, grad, probs


# -- the base class ---------------------------------------------------------------------------
class Loss:
    """Base of every loss. Subclasses set the class attributes and ``_elementwise`` (or
    override ``value_and_grad``). Options are validated with ``config_spec`` and are also
    attributes (``loss.from_logits``, ``loss.delta``)."""

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    blurb: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    config_spec: ClassVar[tuple[ParamSpec, ...]] = ()  # options besides ``reduction``

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        self.reduction: str = REDUCTION_SPEC.validate(reduction, self.display_name)
        self.options = validate_options(self.config_spec, options, self.display_name,
                                        also_known=("reduction",))
        for key, value in self.options.items():
            setattr(self, key, value)
        # (K,) weights of the classes (engine.class_weights), or None: unweighted
        self.class_weights: np.ndarray | None = None
        self._class_setting = cw.parse_class_weight(self.options.get("class_weight"),
                                                    self.display_name)
        if isinstance(self._class_setting, list):
            self.class_weights = np.asarray(self._class_setting, dtype=np.float64)

    def fit_class_weights(self, labels: np.ndarray, n_classes: int) -> None:
        """Resolve the ``class_weight`` option for training labels ``(N,)`` (needed for
        "balanced"; checks a list's length). Losses without the option ignore it."""
        if "class_weight" in self.options:
            self.class_weights = cw.resolve(self._class_setting, labels, n_classes,
                                            self.display_name)

    @property
    def wants_logits(self) -> bool:
        """True when the loss applies its own final activation (``from_logits=True``)."""
        return bool(self.options.get("from_logits", False))

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        """pred: (B, ...), target: matching targets -> (loss, dLoss/dpred shaped like pred)."""
        pred = _as_float(pred)
        y = _match_target(pred, target, self.display_name)
        per, dper = self._elementwise(pred, y)  # both (B, ...)
        scale = 1.0 / max(per.size, 1) if self.reduction == "mean" else 1.0
        value = float(np.sum(per, dtype=np.float64)) * scale
        return value, (dper * scale).astype(pred.dtype)

    def value(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The reduced loss alone."""
        return self.value_and_grad(pred, target)[0]

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """pred, y: (B, ...) -> (per-element loss, its derivative wrt pred), same shape."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """JSON-safe ``{"name", "reduction", **options}``; ``from_config`` inverts it."""
        return {"name": self.name, "reduction": self.reduction, **self.options}

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Loss:
        """Rebuild a loss from ``get_config()``; on the base class the name picks the class."""
        options = {k: v for k, v in cfg.items() if k != "name"}
        if cls is Loss:
            return get_loss(str(cfg.get("name", "")), **options)
        return cls(**options)

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({opts})"


# -- the losses -------------------------------------------------------------------------------
class MeanSquaredError(Loss):
    """``(pred - y)²`` per element; mean over all B×D elements for "mean"."""

    name, display_name = "mse", "Mean squared error"
    aliases = ("mean_squared_error",)
    blurb = "Average of the squared differences. Big mistakes count much more than small ones."

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = pred - y  # (B, ...)
        return r * r, 2 * r


class MeanAbsoluteError(Loss):
    """``|pred - y|`` per element (gradient ``sign``, 0 at a tie); mean over all elements."""

    name, display_name = "mae", "Mean absolute error"
    aliases = ("l1", "mean_absolute_error")
    blurb = "Average of the absolute differences. Less swayed by a few outliers than MSE."

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = pred - y  # (B, ...)
        return np.abs(r), np.sign(r)


class Huber(Loss):
    """``0.5·r²`` where ``|r| <= delta`` else ``delta·(|r| - 0.5·delta)``; mean over elements."""

    name, display_name = "huber", "Huber"
    aliases = ("huber_loss",)
    blurb = "Squared error for small mistakes, absolute error for large ones: robust to outliers."
    config_spec = (ParamSpec("delta", "float", 1.0, "Where the loss turns from squared to "
                             "linear", min=1e-6, label="Delta"),)

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = self.options["delta"]
        r = pred - y  # (B, ...)
        a = np.abs(r)
        per = np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))
        return per, np.clip(r, -d, d)


class BinaryCrossentropy(Loss):
    """``-(y·log p + (1-y)·log(1-p))`` per element, p clipped to [1e-7, 1 - 1e-7] (gradient 0
    where clipped); with ``from_logits`` the stable sigmoid form. Mean over all elements."""

    name, display_name = "binary_crossentropy", "Binary cross-entropy"
    aliases = ("bce", "binary_cross_entropy")
    blurb = "For yes/no outputs: punishes confident wrong answers hardest. Pairs with sigmoid."
    config_spec = (FROM_LOGITS_SPEC, CLASS_WEIGHT_SPEC)

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        if self._class_setting != cw.NONE:  # class-weighted (engine.class_weights)
            z = _as_float(pred)
            y = _match_target(z, target, self.display_name)
            k = 2 if z.ndim < 2 or z.shape[-1] == 1 else z.shape[-1]
            labels = np.round(y).astype(np.int64).reshape(-1) if k == 2 else None
            soft = None if k == 2 else y.reshape(-1, k)
            weights = cw.batch_weights(self.class_weights, labels, soft, k)
            return cw.weighted_bce(z, y, weights, self.reduction,
                                   bool(self.options["from_logits"]), EPSILON)
        if self.options["from_logits"]:
            value, grad, _ = sigmoid_binary_cross_entropy(pred, target, self.reduction)
            return value, grad
        return super().value_and_grad(pred, target)

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.clip(pred, EPSILON, 1 - EPSILON)  # (B, ...)
        per = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        inside = (pred > EPSILON) & (pred < 1 - EPSILON)
        return per, np.where(inside, (p - y) / (p * (1 - p)), 0)


class CategoricalCrossentropy(Loss):
    """``-Σ_k y_k·log p_k`` per sample (p clipped to [1e-7, 1 - 1e-7], not renormalized), mean
    over samples. pred: (B, K) (or (B, ..., K)); targets: integer labels (B,) or one-hot (B, K),
    told apart by shape. With ``from_logits`` it is ``softmax_cross_entropy``."""

    name, display_name = "categorical_crossentropy", "Categorical cross-entropy"
    aliases = ("sparse_categorical_crossentropy", "cce", "cross_entropy", "crossentropy")
    blurb = "For choosing one class among many: the surprise at the true class. Pairs with softmax."
    config_spec = (FROM_LOGITS_SPEC, CLASS_WEIGHT_SPEC)

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        if self._class_setting != cw.NONE:  # class-weighted (engine.class_weights)
            z = _as_float(pred)
            k = z.shape[-1]
            labels, soft = _class_targets(z, target, self.display_name)
            weights = cw.batch_weights(self.class_weights, labels, soft, k)
            rows = z.reshape(-1, k)
            value, grad = (cw.weighted_softmax_ce(rows, labels, soft, weights, self.reduction)
                           if self.options["from_logits"] else
                           cw.weighted_probs_ce(rows, labels, soft, weights, self.reduction,
                                                EPSILON))
            return value, grad.reshape(z.shape)
        if self.options["from_logits"]:
            value, grad, _ = softmax_cross_entropy(pred, target, self.reduction)
            return value, grad
        pred = _as_float(pred)
        k = pred.shape[-1]
        rows = pred.reshape(-1, k)  # (N, K)
        labels, soft = _class_targets(pred, target, self.display_name)
        if soft is None:  # integer labels -> one-hot rows (N, K)
            soft = np.eye(k, dtype=rows.dtype)[labels]
        p = np.clip(rows, EPSILON, 1 - EPSILON)  # (N, K)
        per = -np.where(soft != 0, soft * np.log(p), 0)
        scale = 1.0 / max(len(rows), 1) if self.reduction == "mean" else 1.0
        inside = (rows > EPSILON) & (rows < 1 - EPSILON)
        grad = np.where(inside, -soft / p, 0) * scale  # (N, K)
        value = float(np.sum(per, dtype=np.float64)) * scale
        return value, grad.astype(pred.dtype).reshape(pred.shape)


class Hinge(Loss):
    """``max(0, 1 - y·pred)`` per element with y in {-1, 1} (0/1 targets are mapped to ±1 when
    every target is 0 or 1, as Keras does); mean over all elements."""

    name, display_name = "hinge", "Hinge"
    blurb = "The SVM loss: zero once an answer is right by a margin of 1, linear otherwise."

    def _elementwise(self, pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if np.all((y == 0) | (y == 1)):
            y = 2 * y - 1  # {0, 1} -> {-1, 1}
        margin = 1 - y * pred  # (B, ...)
        return np.maximum(margin, 0), np.where(margin > 0, -y, 0)


class GaussianNLL(Loss):
    """Gaussian negative log-likelihood. pred: (B, 2·D) = [mean μ (B, D) | log-variance s (B, D)],
    target: (B, D). Per target ``0.5·(s + (y-μ)²·exp(-s))`` (+ ``0.5·log 2π`` if ``full``); mean
    over the B×D targets. NOTE: exp(-s) overflows for s < -88 in float32."""

    name, display_name = "gaussian_nll", "Gaussian negative log-likelihood"
    aliases = ("gaussian_nll_loss",)
    blurb = ("Predicts a mean and an uncertainty for each target: being unsure costs a little, "
             "being wrong while sure costs a lot.")
    config_spec = (ParamSpec("full", "bool", False, "Add the constant 0.5·log(2π) per target",
                             label="Full"),)

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        pred = _as_float(pred)
        if pred.ndim < 2 or pred.shape[-1] % 2:
            raise DataError(
                f"{self.display_name} needs an even number of outputs per sample (a mean and a "
                f"log-variance for each target), but the network gives "
                f"{format_shape(pred.shape[1:])}. Make the last layer's units twice the targets."
            )
        d = pred.shape[-1] // 2
        y = _match_target(pred[..., :d], target, self.display_name)
        mu, s = pred[..., :d], pred[..., d:]  # (B, D) each
        r2_inv = (y - mu) ** 2 * np.exp(-s)  # (B, D)
        per = 0.5 * (s + r2_inv) + (0.5 * math.log(2 * math.pi) if self.options["full"] else 0)
        dmu = -(y - mu) * np.exp(-s)  # (B, D)
        ds = 0.5 * (1 - r2_inv)  # (B, D)
        scale = 1.0 / max(per.size, 1) if self.reduction == "mean" else 1.0
        grad = np.concatenate([dmu, ds], axis=-1) * scale  # (B, 2D)
        return float(np.sum(per, dtype=np.float64)) * scale, grad.astype(pred.dtype)


# -- registry ---------------------------------------------------------------------------------
LOSSES: dict[str, type[Loss]] = {cls.name: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy,
    Hinge, GaussianNLL)}
LOSS_NAMES: list[str] = list(LOSSES)
_ALIASES: dict[str, str] = {a: cls.name for cls in LOSSES.values() for a in cls.aliases}


def loss_class(name: str) -> type[Loss]:
    """The class for a loss name or alias (case, spaces and dashes ignored), else ConfigError."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in LOSSES:
        raise ConfigError(f"Unknown loss {name!r}. Choose one of: {', '.join(LOSS_NAMES)}.")
    return LOSSES[key]


def get_loss(name: str, **config: Any) -> Loss:
    """Build a loss by name or alias with its options, e.g. ``get_loss("huber", delta=2.0)``."""
    return loss_class(name)(**config)


# -- helpers ----------------------------------------------------------------------------------
def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ConfigError(f"Reduction must be 'mean' or 'sum', not {reduction!r}.")


def _as_float(pred: Any) -> np.ndarray:
    """Predictions as a float array (float32/float64 kept, anything else becomes float32)."""
    pred = np.asarray(pred)
    return pred if pred.dtype in (np.float32, np.float64) else pred.astype(np.float32)


def _match_target(pred: np.ndarray, target: Any, what: str) -> np.ndarray:
    """Targets reshaped to ``pred.shape`` (same sample count and size) in pred's dtype."""
    y = np.asarray(target)
    if y.shape != pred.shape:
        if y.ndim == 0 or pred.ndim == 0 or y.shape[0] != pred.shape[0] or y.size != pred.size:
            raise DataError(
                f"{what} compares each output with a target, but the network gives "
                f"{_per_sample(pred.shape)} per sample and the targets have "
                f"{_per_sample(y.shape)}. Set the last layer's units to match the targets."
            )
        y = y.reshape(pred.shape)
    return y.astype(pred.dtype, copy=False)


def _per_sample(shape: tuple[int, ...]) -> str:
    return "1 value" if len(shape) <= 1 else f"{format_shape(shape[1:])} values"


def _class_targets(
    pred: np.ndarray, target: Any, what: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """pred: (..., K); target labels (...) or (..., 1) -> (labels (N,) int64, None);
    target (..., K) -> (None, one-hot/soft rows (N, K) in pred's dtype). Checks label range."""
    y, k = np.asarray(target), pred.shape[-1]
    if y.shape == pred.shape and not (k == 1 and np.issubdtype(y.dtype, np.integer)):
        return None, np.ascontiguousarray(y.reshape(-1, k), dtype=pred.dtype)
    if y.shape == pred.shape[:-1] or y.shape == pred.shape[:-1] + (1,):
        whole = y.dtype.kind in "iub"  # integer labels need no finiteness/roundness check
        if not whole and (not np.all(np.isfinite(y)) or np.any(y != np.round(y))):
            raise DataError(f"{what}: class labels must be whole numbers 0, 1, 2, …")
        labels = y.reshape(-1).astype(np.int64, copy=False)
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise DataError(
                f"{what}: class label {int(labels.max() if labels.max() >= k else labels.min())}"
                f" does not fit a network with {k} output units (labels must be 0 to {k - 1}). "
                f"Set the last layer's units to the number of classes."
            )
        return labels, None
    raise DataError(
        f"{what} needs one integer label or one one-hot row of {k} values per sample, but the "
        f"network gives {_per_sample(pred.shape)} and the targets have {_per_sample(y.shape)}."
    )
