"""The two networks of a GAN canvas: ``split_gan`` tells the generator from the
discriminator (how, in ``engine.generative.gan``'s docstring), ``GANPair`` shows both behind
one Model-like face (``Prepared.model`` of a GAN). Re-exported by ``engine.generative.gan``."""

from __future__ import annotations

from typing import Any

from engine.generative.graph_tools import components
from engine.graph import Graph
from engine.model import Model
from engine.types import GraphError, format_shape


def split_gan(graph: Graph, d_input: tuple[int, ...]) -> tuple[Graph, Graph]:
    """(generator graph, discriminator graph) of a GAN canvas; see the module docstring."""
    parts = components(graph)
    if len(parts) != 2:
        raise GraphError(
            f"A GAN needs two separate networks on the canvas — a generator (noise → sample) and "
            f"a discriminator (sample → 1 unit) — but the canvas has {len(parts)} connected "
            f"part(s). Draw both, with no wire between them.")
    shapes = []
    for part in parts:
        report = part.validate()
        ins, outs = part.input_nodes(), part.output_nodes()
        if len(ins) != 1 or len(outs) != 1:
            raise GraphError(f"Each GAN network needs exactly one Input and one output layer; "
                             f"the one with {', '.join(list(part.nodes)[:3])}… has {len(ins)} "
                             f"Input(s) and {len(outs)} output(s).")
        shapes.append((report.shapes[ins[0]], report.shapes[outs[0]]))
    is_d = [tuple(i) == d_input and tuple(o) == (1,) for i, o in shapes]
    if not any(is_d):
        raise GraphError(
            f"Neither network can be the discriminator: it must take a sample "
            f"{format_shape(d_input)} and end in 1 unit (the probability that the sample is "
            f"real). Set its Input shape and give its last Dense 1 unit.")
    d_index = 1 if is_d[1] else 0  # both fit: the first part is the generator
    return parts[1 - d_index], parts[d_index]


class GANPair:
    """``Prepared.model`` of a GAN: both networks behind one Model-like face. ``n_params``,
    ``get_weights`` and ``set_weights`` cover both (layer names are unique on one canvas);
    everything else (``forward``, ``predict``, shapes) is the generator's."""

    def __init__(self, generator: Model, discriminator: Model) -> None:
        self.generator, self.discriminator = generator, discriminator

    @property
    def n_params(self) -> int:
        return self.generator.n_params + self.discriminator.n_params

    def get_weights(self) -> dict[str, Any]:
        return {**self.generator.get_weights(), **self.discriminator.get_weights()}

    def set_weights(self, weights: dict[str, Any], strict: bool = False) -> list[str]:
        return (self.generator.set_weights(weights, strict)
                + self.discriminator.set_weights(weights, strict))

    def __getattr__(self, key: str) -> Any:
        return getattr(self.__dict__["generator"], key)
