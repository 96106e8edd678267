"""Built-in layer families. Importing this package registers every layer kind."""

from engine.layers import activation_layers, core, shape_ops  # noqa: F401
from engine.layers.base import Layer, ParamSpec
from engine.layers.registry import LAYERS, categories, create_layer, layer_class, register

__all__ = ["LAYERS", "Layer", "ParamSpec", "categories", "create_layer", "layer_class", "register"]
