"""Sequence helpers: Bidirectional (an RNN each way), TimeDistributed (a Dense layer at every
time step) and SequencePooling (a whole sequence -> one vector).

All take ``x: (B, T, F)``. Bidirectional runs one recurrent layer left-to-right and a second
one on the reversed sequence; with ``return_sequences`` the second one's outputs are reversed
back so position t sees both directions, as in Keras.
"""

from __future__ import annotations

import numpy as np

from engine import activations
from engine.backend import pick
from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.kernels.activations import (
    act_backward_inplace,
    act_backward_ref,
    add_bias_inplace,
    add_bias_inplace_ref,
    bias_act_forward,
    bias_act_forward_ref,
)
from engine.kernels.colsum import column_sum
from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.core import ActivatedLayer
from engine.layers.recurrent import CELLS, RecurrentLayer, expect_sequence, make_cell
from engine.layers.registry import register
from engine.types import Shape, TrainingError

ACTIVATION_CHOICES = tuple(activations.NAMES)
PREFIXES = ("forward_", "backward_")


@register
class Bidirectional(SingleInputLayer):
    kind = "Bidirectional"
    display_name = "Bidirectional RNN"
    category = "Recurrent"
    icon = "recurrent"
    blurb = ("Runs one recurrent layer forwards and another backwards over the sequence and "
             "merges them, so every step sees both its past and its future.")
    regularized_params = ("forward_kernel", "backward_kernel")
    config_spec = (
        ParamSpec("cell", "choice", "LSTM", "The recurrent layer used each way", tuple(CELLS)),
        ParamSpec("units", "int", 16, "Hidden size of each direction", min=1, max=4096),
        ParamSpec("merge_mode", "choice", "concat", "Join the two directions side by side "
                  "(2·units) or add them (units)", ("concat", "sum")),
        ParamSpec("return_sequences", "bool", False, "Output every step (T × ...) instead of "
                  "the final states"),
        ParamSpec("mask_padding", "bool", False, "Skip time steps whose input is all zeros "
                  "(padding, e.g. from an Embedding with mask_zero) in both directions",
                  label="Skip padding"),
    )
    example = ({"cell": "GRU", "units": 2, "return_sequences": True, "mask_padding": True},
               [(3, 2)])

    def _cells(self) -> tuple[RecurrentLayer, RecurrentLayer]:
        if not hasattr(self, "_pair"):
            opts = {"units": self.config["units"],
                    "return_sequences": self.config["return_sequences"],
                    "mask_padding": self.config["mask_padding"]}
            self._pair = tuple(make_cell(self.config["cell"], f"{self.name}_{p[:-1]}", opts)
                               for p in PREFIXES)
        return self._pair  # type: ignore[return-value]

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        shape = self._cells()[0].output_shape(input_shapes)
        if self.config["merge_mode"] == "concat":
            return (*shape[:-1], 2 * shape[-1])
        return shape

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        return {p + k: s for p, cell in zip(PREFIXES, self._cells())
                for k, s in cell.param_shapes(input_shapes).items()}

    def build(self, input_shapes, rng, dtype=np.float32):
        self.input_shapes, self.dtype = list(input_shapes), np.dtype(dtype)
        self.params, self.grads = {}, {}
        for p, cell in zip(PREFIXES, self._cells()):
            cell.build(input_shapes, rng, dtype)
            self.params.update({p + k: v for k, v in cell.params.items()})
            self.grads.update({p + k: v for k, v in cell.grads.items()})

    def _sync(self) -> None:
        """Point the cells at this layer's arrays (the model repacks them into flat buffers)."""
        for p, cell in zip(PREFIXES, self._cells()):
            cell.params = {k: self.params[p + k] for k in cell.params}
            cell.grads = {k: self.grads[p + k] for k in cell.grads}

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> (B, [T,] 2·units | units)."""
        self._sync()
        fw, bw = self._cells()
        yf = fw.forward([x], training)
        yb = bw.forward([np.ascontiguousarray(x[:, ::-1])], training)
        if self.config["return_sequences"]:
            yb = yb[:, ::-1]
        if self.config["merge_mode"] == "concat":
            return np.concatenate([yf, yb], axis=-1)
        return yf + yb

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        self._sync()
        fw, bw = self._cells()
        units = self.config["units"]
        if self.config["merge_mode"] == "concat":
            gf, gb = grad_y[..., :units], grad_y[..., units:]
        else:
            gf = gb = grad_y
        if self.config["return_sequences"]:
            gb = gb[:, ::-1]
        dx = fw.backward(np.ascontiguousarray(gf))[0]
        return dx + bw.backward(np.ascontiguousarray(gb))[0][:, ::-1]

    def inspect(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for p, cell in zip(PREFIXES, self._cells()):
            out.update({p + k: v for k, v in cell.inspect().items()})
        return out


@register
class TimeDistributed(ActivatedLayer):
    kind = "TimeDistributed"
    display_name = "Dense per step"
    category = "Recurrent"
    icon = "dense"
    blurb = ("The same Dense layer applied at every time step: (T, F) becomes (T, units), e.g. "
             "a next-token prediction at each position.")
    regularized_params = ("kernel",)
    config_spec = (
        ParamSpec("units", "int", 8, "Outputs per time step", min=1, max=65536),
        ParamSpec("activation", "choice", "linear", "Applied at each step (softmax: over the "
                  "units of that step)", ACTIVATION_CHOICES),
        ParamSpec("use_bias", "bool", True, "Add a learned bias"),
        ParamSpec("kernel_initializer", "choice", "glorot_uniform", "How W starts",
                  tuple(INITIALIZER_NAMES)),
        ParamSpec("l1", "float", 0.0, "L1 penalty on W", min=0.0),
        ParamSpec("l2", "float", 0.0, "L2 penalty on W", min=0.0),
    )
    example = ({"units": 3, "activation": "softmax"}, [(2, 4)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        t, _ = expect_sequence(self, input_shapes[0])
        return (t, self.config["units"])

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        _, f = expect_sequence(self, input_shapes[0])
        shapes: dict[str, Shape] = {"kernel": (f, self.config["units"])}
        if self.config["use_bias"]:
            shapes["bias"] = (self.config["units"],)
        return shapes

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        if key == "bias":
            return np.zeros(shape)
        init = get_initializer(self.config["kernel_initializer"])
        return init(shape, shape[0], shape[1], rng)


    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> (B, T, units): one BLAS product over all B·T steps."""
        if x.ndim != 3:
            expect_sequence(self, x.shape[1:])
        b, t, f = x.shape
        self._x2 = np.ascontiguousarray(x.reshape(b * t, f))
        z = self._x2 @ self.params["kernel"]
        act = self.act
        if act.name == "linear":  # e.g. logits mode: add the bias in place, no second array
            if "bias" in self.params:
                pick(add_bias_inplace, add_bias_inplace_ref)(z, self.params["bias"])
            self._z = self._y = z
            return z.reshape(b, t, -1)
        bias = self.params.get("bias", np.zeros(z.shape[1], dtype=z.dtype))
        y = np.empty_like(z)
        pick(bias_act_forward, bias_act_forward_ref)(z, bias, act.act_id,
                                                     act.params.get("alpha", 0.0), y)
        self._z, self._y = z, y
        return y.reshape(b, t, -1)

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        act = self.act
        if not act.has_gradient:
            raise TrainingError(f"{self.describe()} uses the step activation, which has no "
                                "gradient: choose a differentiable activation.")
        b, t, units = grad_y.shape
        if act.name == "linear":  # e.g. logits mode: nothing to undo, no copy
            g = np.ascontiguousarray(grad_y.reshape(b * t, units), dtype=self._z.dtype)
        else:
            g = np.array(grad_y.reshape(b * t, units), dtype=self._z.dtype, order="C")
            pick(act_backward_inplace, act_backward_ref)(self._z, self._y, g, act.act_id,
                                                         act.params.get("alpha", 0.0))
        np.dot(self._x2.T, g, out=self.grads["kernel"])
        if "bias" in self.grads:
            column_sum(g, self.grads["bias"])
        return (g @ self.params["kernel"].T).reshape(b, t, -1)


@register
class SequencePooling(SingleInputLayer):
    kind = "SequencePooling"
    display_name = "Sequence pooling"
    category = "Recurrent"
    icon = "pool"
    blurb = ("Summarises a whole sequence (T, F) as one vector (F,): the mean or maximum over "
             "time, or the last step.")
    config_spec = (ParamSpec("mode", "choice", "mean", "How the steps are combined",
                             ("mean", "max", "last")),)
    example = ({"mode": "max"}, [(3, 2)])

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        return (expect_sequence(self, input_shapes[0])[1],)

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> (B, F)."""
        if x.ndim != 3:
            expect_sequence(self, x.shape[1:])
        self._shape = x.shape
        mode = self.config["mode"]
        if mode == "mean":  # (T,) weights 1/T @ (B, T, F): a batched GEMV, 8× x.mean(axis=1)
            return np.matmul(np.full(x.shape[1], 1.0 / max(x.shape[1], 1), dtype=x.dtype), x)
        if mode == "last":
            return x[:, -1].copy()
        self._arg = np.argmax(x, axis=1)  # (B, F): the step that wins (first on ties)
        return np.take_along_axis(x, self._arg[:, None, :], axis=1)[:, 0]

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        b, t, f = self._shape
        mode = self.config["mode"]
        if mode == "mean":
            dx = np.empty(self._shape, dtype=grad_y.dtype)
            np.multiply(grad_y[:, None, :], grad_y.dtype.type(1.0 / t), out=dx)
            return dx
        dx = np.zeros(self._shape, dtype=grad_y.dtype)
        if mode == "last":
            dx[:, -1] = grad_y
        else:
            np.put_along_axis(dx, self._arg[:, None, :], grad_y[:, None, :], axis=1)
        return dx

    def inspect(self) -> dict[str, np.ndarray]:
        arg = getattr(self, "_arg", None)
        return {} if arg is None or self.config["mode"] != "max" else {"argmax_step": arg}
