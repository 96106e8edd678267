"""The layer contract (DESIGN.md §3): one class per layer kind, registry-driven.

A layer knows its configuration (a JSON-safe dict described by ``config_spec``), computes its
output shape from input shapes without arrays, allocates its parameters in ``build`` and runs
``forward``/``backward`` on batches. Shapes exclude the batch axis; arrays carry it first.
Parameters live in ``params`` (float32; float64 in gradient checks) and their gradients in
``grads`` with the same keys. ``backward`` *accumulates nothing*: it overwrites ``grads``.
Non-trainable state (BatchNormalization's running mean/variance) lives in ``state``: allocated
in ``build`` from ``state_shapes``, updated by the layer itself during training, never seen by
the optimizer and not counted in ``param_count`` (Keras shows it as "non-trainable").

Every layer with parameters (a class that overrides ``param_shapes``) gets the option
``trainable`` (bool, default true; ``TRAINABLE`` is appended to its ``config_spec`` by
``__init_subclass__``). A frozen layer (``trainable: false``) keeps its parameters while
training (the steppers skip them, ``engine.frozen``) but still passes gradients to earlier
layers. The option is left out of saved configs while it is true, so older files and files
without the key load as trainable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from engine.params import ParamSpec, validate_options
from engine.types import Shape, ShapeError, format_shape

TRAINABLE = ParamSpec(
    "trainable", "bool", True,
    "Off: the layer is frozen — training leaves its weights as they are (gradients still "
    "pass through it to the layers before it)", label="Trainable")


class Layer:
    """Base class of every layer. Subclasses set the class attributes and override the hooks."""

    kind: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    category: ClassVar[str] = "Core"
    icon: ClassVar[str] = "layer"
    blurb: ClassVar[str] = ""
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int] = 1
    # what each input port means when a layer has several ("query", "key/value"); the canvas
    # writes it on the wire
    port_names: ClassVar[tuple[str, ...]] = ()
    config_spec: ClassVar[tuple[ParamSpec, ...]] = ()
    regularized_params: ClassVar[tuple[str, ...]] = ()
    # (options, input shapes) the generic contract test builds this layer with.
    example: ClassVar[tuple[dict[str, Any], list[Shape]]] = ({}, [(5,)])
    # Set by the model on its output layer when the loss applies the final activation itself.
    skip_activation: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        has_params = cls.param_shapes is not Layer.param_shapes
        if has_params and all(spec.name != "trainable" for spec in cls.config_spec):
            cls.config_spec = (*cls.config_spec, TRAINABLE)

    def __init__(self, name: str = "", **config: Any) -> None:
        self.name = name or self.kind.lower()
        self.config = self._validated(config)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}  # non-trainable arrays (running statistics)
        self.input_shapes: list[Shape] = []
        self.dtype: np.dtype = np.dtype(np.float32)

    # -- configuration ---------------------------------------------------------------------
    def _validated(self, config: dict[str, Any]) -> dict[str, Any]:
        options = validate_options(self.config_spec, config, self.describe())
        if options.get("trainable") is True:
            del options["trainable"]  # the default is implied: configs stay as before
        return options

    def describe(self) -> str:
        """``"Dense 'hidden1'"``: how messages name this layer."""
        return f"{self.display_name or self.kind} '{getattr(self, 'name', '?')}'"

    def get_config(self) -> dict[str, Any]:
        """JSON-safe config: ``{"kind", "name", **options}``; ``from_config`` inverts it."""
        return {"kind": self.kind, "name": self.name, **self.get_config_options()}

    def get_config_options(self) -> dict[str, Any]:
        """The options alone (no kind/name), with every default filled in — except
        ``trainable``, kept only when false (a file without it loads as trainable)."""
        return _json_safe(self.config)

    @property
    def trainable(self) -> bool:
        """False when the learner froze this layer (its parameters stay as they are)."""
        return bool(self.config.get("trainable", True))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        options = {k: v for k, v in config.items() if k not in ("kind", "name")}
        return cls(name=config.get("name", ""), **options)

    # -- shapes -----------------------------------------------------------------------------
    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        """Shape of the output without the batch axis; raise ShapeError when impossible."""
        return input_shapes[0]

    def param_count(self, input_shapes: list[Shape]) -> int:
        """Number of trainable scalars, computed from shapes alone (no arrays)."""
        return sum(math.prod(s) for s in self.param_shapes(input_shapes).values())  # exact

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        """Shapes of each parameter for these inputs (empty for parameter-free layers)."""
        return {}

    def state_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        """Shapes of each non-trainable state array (empty for most layers)."""
        return {}

    def state_count(self, input_shapes: list[Shape]) -> int:
        """Number of non-trainable scalars (Keras: "non-trainable params")."""
        return sum(math.prod(s) for s in self.state_shapes(input_shapes).values())

    def expect_flat(self, shape: Shape) -> int:
        """Return the feature count of a flat ``(F,)`` input or explain how to fix it."""
        if len(shape) != 1:
            raise ShapeError(
                f"{self.describe()} expects a flat vector per sample but receives "
                f"{format_shape(shape)} — insert a Flatten layer before it."
            )
        return shape[0]

    # -- arrays -----------------------------------------------------------------------------
    def build(self, input_shapes: list[Shape], rng: np.random.Generator, dtype: Any = np.float32):
        """Allocate ``params`` (and zeroed ``grads``) for these input shapes."""
        self.input_shapes = list(input_shapes)
        self.dtype = np.dtype(dtype)
        self.params = {
            key: self.init_param(key, shape, rng).astype(self.dtype)
            for key, shape in self.param_shapes(input_shapes).items()
        }
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.state = {
            key: np.asarray(self.init_state(key, shape), dtype=self.dtype)
            for key, shape in self.state_shapes(input_shapes).items()
        }

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(shape)

    def init_state(self, key: str, shape: Shape) -> np.ndarray:
        return np.zeros(shape)

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """inputs: one ``(B, *in_shape)`` array per input port -> ``(B, *out_shape)``."""
        raise NotImplementedError

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        """grad_y: ``(B, *out_shape)`` -> one gradient per input; fills ``self.grads``."""
        raise NotImplementedError

    def inspect(self) -> dict[str, np.ndarray]:
        """Intermediates worth showing to a learner (masks, gates, maps)."""
        return {}

    @property
    def has_gradient(self) -> bool:
        return True


class SingleInputLayer(Layer):
    """Convenience base: subclasses implement ``call(x, training)`` and ``grad(grad_y)``."""

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        return self.call(inputs[0], training)

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        return [self.grad(grad_y)]

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        raise NotImplementedError

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class LayerSummary:
    """What the canvas shows on a layer: its output shape and parameter count."""

    name: str
    kind: str
    output_shape: Shape | None
    params: int
    error: str | None = None
    input_shapes: list[Shape] = field(default_factory=list)
