"""Registry of layer kinds: the palette, inspector and file format are generated from it.

Layer modules register their classes with ``@register``; ``create_layer(config)`` builds a
layer from its JSON config. Importing ``engine.layers`` loads every built-in family.
"""

from __future__ import annotations

from typing import Any

from engine.layers.base import Layer
from engine.types import ConfigError

LAYERS: dict[str, type[Layer]] = {}


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: make ``cls`` available by its ``kind``."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    if cls.kind in LAYERS and LAYERS[cls.kind] is not cls:
        raise ValueError(f"layer kind {cls.kind!r} registered twice")
    LAYERS[cls.kind] = cls
    return cls


def layer_class(kind: str) -> type[Layer]:
    """The class for ``kind`` or a ConfigError that lists the known kinds."""
    try:
        return LAYERS[kind]
    except KeyError:
        raise ConfigError(
            f"Unknown layer type '{kind}'. Known types: {', '.join(sorted(LAYERS))}."
        ) from None


def create_layer(config: dict[str, Any]) -> Layer:
    """Build a layer from ``{"kind": ..., "name": ..., **options}``."""
    if "kind" not in config:
        raise ConfigError("A layer entry has no 'kind' (its type, such as 'Dense').")
    return layer_class(config["kind"]).from_config(config)


def categories() -> dict[str, list[type[Layer]]]:
    """Layer classes grouped by palette category, in registration order."""
    groups: dict[str, list[type[Layer]]] = {}
    for cls in LAYERS.values():
        groups.setdefault(cls.category, []).append(cls)
    return groups
