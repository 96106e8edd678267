"""Which recurrent layers read their input projection from an Embedding's table.

``link_token_tables`` finds the Embedding → recurrent pairs that ``engine.layers.token_fusion``
fuses (see there for the arithmetic). It lives apart from ``token_fusion`` because it needs
``RecurrentLayer`` and ``recurrent_base`` imports ``token_fusion``: here the imports run one way.
"""

from __future__ import annotations

from typing import Any

from engine.layers.embedding import Embedding
from engine.layers.recurrent_base import RecurrentLayer


def link_token_tables(model: Any) -> dict[str, str]:
    """{recurrent layer name: Embedding name} for every recurrent layer whose only input is an
    Embedding (no ``mask_zero``) fed by an Input and read by nothing else; sets each such
    layer's ``token_source``."""
    readers: dict[str, int] = {}
    for sources in model.sources.values():
        for s in sources:
            readers[s] = readers.get(s, 0) + 1
    links = {}
    for name in model.order:
        layer, sources = model.layers[name], model.sources[name]
        if not isinstance(layer, RecurrentLayer) or len(sources) != 1:
            continue
        emb = model.layers[sources[0]]
        if (type(emb) is Embedding and not emb.config["mask_zero"] and readers[emb.name] == 1
                and emb.name in model.input_fed):
            layer.token_source = emb
            links[name] = emb.name
    return links
