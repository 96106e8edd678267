"""Ready-made blocks for the palette: each expands on the canvas into ordinary layers.

A ``Composite`` has a key, a name, a one-line blurb, a palette category and its options (as
``ParamSpec``s, so the inspector can draw a form); ``Composite.build(options, input_shapes)``
returns a ``SubGraph``: ``Node``s with block-local names and positions relative to the block's
top-left corner, the ``Edge``s between them, and for each *block input* the ``(node, port)``
pairs it feeds (a residual block's input feeds the first layer *and* the skip ``Add``). The
``exit`` node is the block's output. ``place(graph, sub, origin)`` gives the nodes unique
names in a graph and moves them to ``origin`` without touching the graph (so the app can wrap
the insertion in one undo command); ``insert_block`` does it all and wires given sources.

``input_shapes`` (the shapes of the layers that will feed the block, when known) let a block
size itself: a transformer block projects its feed-forward output back to the input's width,
a residual block adds a 1×1 projection when the channel counts differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.graph import Edge, Graph, Node
from engine.layers import create_layer
from engine.params import ParamSpec, validate_options
from engine.types import ConfigError, Shape

Port = tuple[str, int]  # (node name, input port)
ROW, COL = 110.0, 230.0  # canvas spacing between stacked / side-by-side layers
UNWIRED_WIDTH = 32  # the width a block takes when it is placed before it is wired


@dataclass
class SubGraph:
    """Nodes + edges of one block; ``inputs[i]``: the ports block input ``i`` feeds."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    inputs: list[list[Port]] = field(default_factory=list)
    exit: str = ""

    def add(self, name: str, kind: str, row: float, col: float = 0.0,
            sources: tuple[str, ...] = (), **options: Any) -> str:
        """Add a layer (options validated now) fed by ``sources`` on ports 0, 1, ..."""
        layer = create_layer({"kind": kind, "name": name, **options})
        self.nodes.append(Node(name, kind, layer.get_config_options(), (col * COL, row * ROW)))
        self.edges.extend(Edge(src, name, port) for port, src in enumerate(sources))
        return name

    @property
    def entries(self) -> list[str]:
        """The first node each block input feeds (where the canvas draws the wire to)."""
        return [ports[0][0] for ports in self.inputs]

    def to_graph(self) -> Graph:
        """The block alone as a Graph (entries still need inputs)."""
        graph = Graph()
        for node in self.nodes:
            graph.insert_node(Node(node.name, node.kind, dict(node.options), node.position))
        graph.edges.extend(self.edges)
        return graph


@dataclass(frozen=True)
class Composite:
    """One palette block: ``build(options, input_shapes)`` -> ``SubGraph``."""

    key: str
    name: str
    blurb: str
    category: str
    config_spec: tuple[ParamSpec, ...]
    make: Callable[[dict[str, Any], list[Shape] | None], SubGraph]
    input_names: tuple[str, ...] = ("input",)
    prefix: str = "block"  # placed layers are named prefix_N_local

    def build(self, options: dict[str, Any] | None = None,
              input_shapes: list[Shape] | None = None) -> SubGraph:
        config = validate_options(self.config_spec, dict(options or {}), f"Block '{self.name}'")
        return self.make(config, input_shapes)


COMPOSITES: dict[str, Composite] = {}


def register_composite(block: Composite) -> Composite:
    COMPOSITES[block.key] = block
    return block


def get_composite(key: str) -> Composite:
    if key not in COMPOSITES:
        raise ConfigError(f"Unknown block '{key}'. Known blocks: {', '.join(COMPOSITES)}.")
    return COMPOSITES[key]


# -- placing a block into a graph ---------------------------------------------------------
def place(graph: Graph, sub: SubGraph, origin: tuple[float, float] = (0.0, 0.0),
          prefix: str = "block") -> tuple[list[Node], list[Edge], dict[str, str]]:
    """New nodes/edges with names unique in ``graph`` (``prefix_N_local``), moved to origin.

    Returns (nodes, edges, local name -> graph name); the graph itself is not changed.
    """
    n = 1
    while any(name.startswith(f"{prefix}_{n}_") for name in graph.nodes):
        n += 1
    names = {node.name: f"{prefix}_{n}_{node.name}" for node in sub.nodes}
    nodes = [Node(names[node.name], node.kind, dict(node.options),
                  (origin[0] + node.position[0], origin[1] + node.position[1]))
             for node in sub.nodes]
    edges = [Edge(names[e.source], names[e.target], e.port) for e in sub.edges]
    return nodes, edges, names


def insert_block(graph: Graph, key: str, options: dict[str, Any] | None = None,
                 sources: list[str] | None = None,
                 origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, str]:
    """Build block ``key`` sized for ``sources``' shapes, add it, wire sources to its inputs.

    Returns local name -> graph name; the block's output is ``names[sub.exit]``.
    """
    block = get_composite(key)
    sources = list(sources or [])
    shapes = None
    if sources:
        report = graph.infer_shapes()
        if all(s in report.shapes for s in sources):
            shapes = [report.shapes[s] for s in sources]
    sub = block.build(options, shapes)
    nodes, edges, names = place(graph, sub, origin, prefix=block.prefix)
    for node in nodes:
        graph.insert_node(node)
    graph.edges.extend(edges)
    for source, ports in zip(sources, sub.inputs):
        for local, port in ports:
            graph.edges.append(Edge(source, names[local], port))
    return names


# -- the blocks ----------------------------------------------------------------------------
def _width(options: dict[str, Any], shapes: list[Shape] | None, what: str) -> int:
    """The feature/channel size the block must give back for its residual Add."""
    if options[what]:
        return int(options[what])
    if shapes and len(shapes[0]) >= 1:
        return int(shapes[0][-1] if what == "d_model" else shapes[0][0])
    # dropped on an empty spot: a classroom-sized default; wiring a different size later shows
    # a shape problem on the residual Add that names the option to change
    return UNWIRED_WIDTH


def _ffn(sub: SubGraph, row: float, source: str, options: dict[str, Any], width: int,
         tag: str = "") -> str:
    """Position-wise feed-forward: Dense per step (ff_units, act) -> Dense per step (width)."""
    sub.add(f"ffn{tag}_1", "TimeDistributed", row, sources=(source,), units=options["ff_units"],
            activation=options["activation"])
    out = sub.add(f"ffn{tag}_2", "TimeDistributed", row + 1, sources=(f"ffn{tag}_1",),
                  units=width)
    if options["dropout"] > 0:
        out = sub.add(f"ffn{tag}_dropout", "Dropout", row + 1.5, sources=(out,),
                      rate=options["dropout"])
    return out


def _attention(sub: SubGraph, name: str, row: float, sources: tuple[str, ...],
               options: dict[str, Any], causal: bool = False) -> str:
    return sub.add(name, "MultiHeadAttention", row, sources=sources,
                   num_heads=options["num_heads"], key_dim=options["key_dim"],
                   dropout=options["dropout"], use_causal_mask=causal)


TRANSFORMER_SPEC = (
    ParamSpec("num_heads", "int", 2, "Attention heads", min=1, max=64),
    ParamSpec("key_dim", "int", 8, "Size of each head's queries and keys", min=1, max=1024),
    ParamSpec("ff_units", "int", 64, "Width of the feed-forward hidden layer", min=1, max=65536),
    ParamSpec("activation", "choice", "relu", "Feed-forward activation", ("relu", "gelu", "tanh")),
    ParamSpec("dropout", "float", 0.0, "Dropout on attention weights and the feed-forward output",
              min=0.0, max=0.9),
    ParamSpec("d_model", "int", 0, "Feature size of the input; 0 = read it from the wire",
              min=0, max=65536),
)


def transformer_encoder(options: dict[str, Any], shapes: list[Shape] | None) -> SubGraph:
    """x -> MHA(x) -> Add(·, x) -> LayerNorm -> FFN -> Add -> LayerNorm (post-norm, 2017)."""
    width, sub = _width(options, shapes, "d_model"), SubGraph()
    _attention(sub, "attention", 0, (), options)
    sub.add("add_1", "Add", 1, sources=("attention",))
    sub.add("norm_1", "LayerNormalization", 2, sources=("add_1",))
    ffn = _ffn(sub, 3, "norm_1", options, width)
    sub.add("add_2", "Add", 5, sources=(ffn, "norm_1"))
    sub.exit = sub.add("norm_2", "LayerNormalization", 6, sources=("add_2",))
    sub.inputs = [[("attention", 0), ("add_1", 1)]]
    return sub


def transformer_decoder(options: dict[str, Any], shapes: list[Shape] | None) -> SubGraph:
    """Causal self-attention, cross-attention to the encoder output, FFN; each + Add & Norm."""
    width, sub = _width(options, shapes, "d_model"), SubGraph()
    _attention(sub, "self_attention", 0, (), options, causal=True)
    sub.add("add_1", "Add", 1, sources=("self_attention",))
    sub.add("norm_1", "LayerNormalization", 2, sources=("add_1",))
    _attention(sub, "cross_attention", 3, ("norm_1",), options)  # port 1: encoder output
    sub.add("add_2", "Add", 4, sources=("cross_attention", "norm_1"))
    sub.add("norm_2", "LayerNormalization", 5, sources=("add_2",))
    ffn = _ffn(sub, 6, "norm_2", options, width)
    sub.add("add_3", "Add", 8, sources=(ffn, "norm_2"))
    sub.exit = sub.add("norm_3", "LayerNormalization", 9, sources=("add_3",))
    sub.inputs = [[("self_attention", 0), ("add_1", 1)], [("cross_attention", 1)]]
    return sub


def resnet_basic(options: dict[str, Any], shapes: list[Shape] | None) -> SubGraph:
    """x -> Conv-BN-ReLU-Conv-BN -> Add(·, shortcut(x)) -> ReLU (He et al. 2015, basic block)."""
    filters, sub = _width(options, shapes, "filters"), SubGraph()
    k, stride = options["kernel_size"], options["strides"]
    sub.add("conv_1", "Conv2D", 0, filters=filters, kernel_size=[k, k], strides=[stride, stride],
            padding="same", use_bias=False)
    sub.add("bn_1", "BatchNormalization", 1, sources=("conv_1",))
    sub.add("relu_1", "Activation", 2, sources=("bn_1",), activation="relu")
    sub.add("conv_2", "Conv2D", 3, sources=("relu_1",), filters=filters, kernel_size=[k, k],
            padding="same", use_bias=False)
    sub.add("bn_2", "BatchNormalization", 4, sources=("conv_2",))
    sub.add("add", "Add", 5, sources=("bn_2",))
    sub.exit = sub.add("relu_2", "Activation", 6, sources=("add",), activation="relu")
    channels = shapes[0][0] if shapes and len(shapes[0]) == 3 else filters
    if channels != filters or stride != 1:  # the skip must match the main path's shape
        sub.add("shortcut", "Conv2D", 2.5, col=1, filters=filters, kernel_size=[1, 1],
                strides=[stride, stride], padding="same", use_bias=False)
        sub.edges.append(Edge("shortcut", "add", 1))
        sub.inputs = [[("conv_1", 0), ("shortcut", 0)]]
    else:
        sub.inputs = [[("conv_1", 0), ("add", 1)]]
    return sub


def inception(options: dict[str, Any], shapes: list[Shape] | None) -> SubGraph:
    """Parallel 1×1, 3×3, 5×5 convolutions and a 3×3 max-pool (+1×1), joined channel-wise."""
    sub, act = SubGraph(), options["activation"]
    for col, (size, key) in enumerate(((1, "filters_1x1"), (3, "filters_3x3"),
                                       (5, "filters_5x5"))):
        sub.add(f"conv_{size}x{size}", "Conv2D", 0, col=col - 1.5, filters=options[key],
                kernel_size=[size, size], padding="same", activation=act)
    sub.add("pool", "MaxPool2D", 0, col=1.5, pool_size=[3, 3], strides=[1, 1], padding="same")
    sub.add("pool_proj", "Conv2D", 1, col=1.5, sources=("pool",), filters=options["pool_proj"],
            kernel_size=[1, 1], padding="same", activation=act)
    sub.exit = sub.add("concat", "Concatenate", 2, sources=(
        "conv_1x1", "conv_3x3", "conv_5x5", "pool_proj"), axis=0)  # (C, H, W): join channels
    sub.inputs = [[("conv_1x1", 0), ("conv_3x3", 0), ("conv_5x5", 0), ("pool", 0)]]
    return sub


register_composite(Composite(
    "transformer_encoder", "Transformer encoder block",
    "Self-attention and a per-step feed-forward net, each wrapped in a residual Add and "
    "LayerNormalization: (T, d) in, (T, d) out.", "Blocks", TRANSFORMER_SPEC,
    transformer_encoder, prefix="encoder"))
register_composite(Composite(
    "transformer_decoder", "Transformer decoder block",
    "Causal self-attention, cross-attention to an encoder's output, then a feed-forward net; "
    "each with a residual Add and LayerNormalization.", "Blocks", TRANSFORMER_SPEC,
    transformer_decoder, ("target sequence", "encoder output"), "decoder"))
register_composite(Composite(
    "resnet_basic", "ResNet basic block",
    "Two 3×3 convolutions with batch normalization; the input skips around them and is "
    "added back, so the block only has to learn a correction.", "Blocks", (
        ParamSpec("filters", "int", 0, "Output channels; 0 = same as the input", min=0,
                  max=4096),
        ParamSpec("kernel_size", "int", 3, "Height and width of each filter", min=1, max=15),
        ParamSpec("strides", "int", 1, "Stride of the first conv (2 halves the image)", min=1,
                  max=4),
    ), resnet_basic, prefix="resblock"))
register_composite(Composite(
    "inception", "Inception-style block",
    "Looks at the image with 1×1, 3×3 and 5×5 filters and a max-pool side by side and stacks "
    "all the results as channels.", "Blocks", (
        ParamSpec("filters_1x1", "int", 8, "Channels from the 1×1 branch", min=1, max=1024),
        ParamSpec("filters_3x3", "int", 8, "Channels from the 3×3 branch", min=1, max=1024),
        ParamSpec("filters_5x5", "int", 4, "Channels from the 5×5 branch", min=1, max=1024),
        ParamSpec("pool_proj", "int", 4, "Channels from the pool branch (1×1 after the pool)",
                  min=1, max=1024),
        ParamSpec("activation", "choice", "relu", "Applied after each convolution",
                  ("relu", "elu", "tanh", "linear")),
    ), inception, prefix="inception"))
