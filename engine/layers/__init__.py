"""Built-in layer families. Importing this package registers every layer kind."""

from engine.layers import (  # noqa: F401 - importing a family registers its layers
    activation_layers,
    attention,
    conv,
    conv_transpose,
    core,
    embedding,
    normalization,
    pooling,
    recurrent,
    sampling,
    sequence,
    shape_ops,
)
from engine.layers.base import Layer, ParamSpec
from engine.layers.registry import LAYERS, categories, create_layer, layer_class, register

__all__ = ["LAYERS", "Layer", "ParamSpec", "categories", "create_layer", "layer_class", "register"]
