"""The benchmark's workload registry: data, network, loss, optimizer and targets per id.

Each workload is one ``Workload`` entry in ``WORKLOADS`` (ids ``a``–``g``). A workload names
its network as the engine's own layer configs (``Graph.sequential``), so the engine side is
built and trained exactly as a user's project is: ``Model`` + ``get_loss`` + ``get_optimizer`` +
``make_stepper`` (which picks ``FusedMLPStepper`` for plain Dense chains); an autoencoder
workload (f) through the autoencoder recipe's own trainer and stepper. The competitors read
the same entry: plain numpy (``numpy_reference``) for Dense chains, PyTorch
(``torch_reference``). Data generators are compact copies of the shared reference ones
(fixed seeds): ``x: (N, features)`` float32, ``y: (N, 1)`` float32 ±1 targets for (a), ``y`` is
``x`` for (f), ``y: (N,)`` int64 labels otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.types import ConfigError

SEED = 0
Data = tuple[np.ndarray, np.ndarray]


# -- data (same numbers as the shared reference generators) ----------------------------------
def spiral(n: int = 1000) -> Data:
    """TF-Playground 2-class spiral, no noise: x: (n, 2) scaled by 1/6, y: (n, 1) in {-1, +1}."""
    half = n // 2
    i = np.arange(half)
    r = i / half * 5.0
    pts, lab = [], []
    for cls, delta in ((1.0, 0.0), (-1.0, math.pi)):
        t = 1.75 * i / half * 2 * math.pi + delta
        pts.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))  # (half, 2)
        lab.append(np.full(half, cls))
    x = np.concatenate(pts).astype(np.float32) / 6.0
    y = np.concatenate(lab).astype(np.float32)[:, None]
    return x, y


def teacher_classification(n: int, d: int, ncls: int, seed: int = SEED) -> Data:
    """x: (n, d) uniform [0, 1]; y: (n,) int64 = argmax((x - 0.5) @ W) for a fixed random W."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, d), dtype=np.float32)
    w = rng.standard_normal((d, ncls)).astype(np.float32)  # (d, ncls)
    return x, np.argmax((x - 0.5) @ w, axis=1).astype(np.int64)


def teacher_images(n: int) -> Data:
    """(d): ``teacher_classification(n, 784, 10)`` as images x: (n, 1, 28, 28), y: (n,)."""
    x, y = teacher_classification(n, 784, 10)
    return x.reshape(-1, 1, 28, 28), y


def digits() -> Data:
    """scikit-learn's bundled digits: x: (1797, 64) in [0, 1] (pixels / 16), y: (1797,)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)


# -- the registry ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """One benchmark workload; ``layers`` are ``Graph.sequential`` configs.

    ``loss``: "mse" (elementwise mean), "softmax_ce" (logits + integer labels) or "bce"
    (sigmoid output, binary cross-entropy against targets in [0, 1]).
    ``targets``: competitor -> largest allowed ratio engine s/epoch ÷ competitor s/epoch.
    ``torch_reference_s``: PyTorch's s/epoch measured on a 2 vCPU Zen 4 (shared README).
    """

    id: str
    title: str
    layers: tuple[dict[str, Any], ...]
    loss: str
    optimizer: str
    learning_rate: float
    batch: int
    make_data: Callable[[], Data]
    fwd_macs: int
    targets: dict[str, float] = field(default_factory=dict)
    torch_reference_s: float | None = None
    # extra wires (source name, target name, port) beyond the chain, e.g. a residual Add
    skips: tuple[tuple[str, str, int], ...] = ()
    # "supervised" or "autoencoder" (the engine trains it as an autoencoder project: y is x)
    recipe: str = "supervised"

    @property
    def mlp_sizes(self) -> list[int] | None:
        """[in, hidden..., out] when the network is Input + a chain of Dense layers, else None."""
        if self.layers[0]["kind"] != "Input" or len(self.layers[0]["shape"]) != 1:
            return None
        if any(cfg["kind"] != "Dense" for cfg in self.layers[1:]):
            return None
        return [int(self.layers[0]["shape"][0])] + [int(c["units"]) for c in self.layers[1:]]

    @property
    def activations(self) -> list[str]:
        """Activation of each Dense layer (hidden ones first, the output's last)."""
        return [str(c.get("activation", "linear")) for c in self.layers[1:]]

    def n_params(self) -> int:
        sizes = self.mlp_sizes
        if sizes is None:
            raise ConfigError(f"Workload ({self.id}) is not a Dense chain; build it to count.")
        return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def mlp(sizes: list[int], hidden: str, output: str) -> tuple[dict[str, Any], ...]:
    """Layer configs for Input(sizes[0]) -> Dense(...) with ``hidden`` then ``output``."""
    layers: list[dict[str, Any]] = [{"kind": "Input", "shape": [sizes[0]]}]
    for k, units in enumerate(sizes[1:]):
        act = output if k == len(sizes) - 2 else hidden
        layers.append({"kind": "Dense", "units": units, "activation": act})
    return tuple(layers)


def _macs(sizes: list[int]) -> int:
    return sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))


WORKLOADS: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    WORKLOADS[workload.id] = workload
    return workload


register(Workload(
    "a", "MLP 2-8-8-1 tanh, spiral 1000 points, batch 10, SGD lr 0.03, MSE",
    mlp([2, 8, 8, 1], "tanh", "tanh"), "mse", "sgd", 0.03, 10, spiral,
    _macs([2, 8, 8, 1]), {"torch": 0.10}, 0.0256))
register(Workload(
    "b", "MLP 784-128-64-10 ReLU, 60000 teacher samples, batch 64, Adam 1e-3, softmax CE",
    mlp([784, 128, 64, 10], "relu", "softmax"), "softmax_ce", "adam", 1e-3, 64,
    lambda: teacher_classification(60000, 784, 10), _macs([784, 128, 64, 10]),
    {"torch": 0.85, "numpy": 1.0}, 0.72))
register(Workload(
    "c", "MLP 64-32-10 ReLU, sklearn digits 1797, batch 32, Adam 1e-3, softmax CE",
    mlp([64, 32, 10], "relu", "softmax"), "softmax_ce", "adam", 1e-3, 32, digits,
    _macs([64, 32, 10]), {"torch": 0.30}, 0.0155))
register(Workload(  # (d): the shared reference's CNN on 28×28 teacher images
    "d", "CNN conv 1→8 3×3 pad 1 + pool, conv 8→16 3×3 + pool, dense 576→10; 10000 teacher "
    "images 1×28×28, batch 64, Adam 1e-3, softmax CE",
    ({"kind": "Input", "shape": [1, 28, 28]},
     {"kind": "Conv2D", "filters": 8, "kernel_size": [3, 3], "padding": "1", "activation": "relu"},
     {"kind": "MaxPool2D", "pool_size": [2, 2]},
     {"kind": "Conv2D", "filters": 16, "kernel_size": [3, 3], "activation": "relu"},
     {"kind": "MaxPool2D", "pool_size": [2, 2]},
     {"kind": "Flatten"},
     {"kind": "Dense", "units": 10, "activation": "softmax"}),
    "softmax_ce", "adam", 1e-3, 64,
    lambda: teacher_images(10000),
    8 * 28 * 28 * 9 + 16 * 12 * 12 * 72 + 576 * 10, {"torch": 0.80, "probes": 1.15}, 0.62))


def majority_tokens(n: int = 5000, length: int = 16, vocab: int = 50, ncls: int = 4) -> Data:
    """x: (n, length) int64 token ids; y: (n,) = the most frequent bucket of ids // 13."""
    x = np.random.default_rng(SEED).integers(0, vocab, size=(n, length)).astype(np.int64)
    hist = np.stack([(x // 13 == b).sum(1) for b in range(ncls)], 1)  # (n, ncls)
    return x, hist.argmax(1).astype(np.int64)


register(Workload(  # (g): the shared reference's single-head self-attention classifier
    "g", "Embedding(50, 32) + learned positions, single-head self-attention d=32 + residual, "
    "mean-pool, Dense 32→4; 5000×16 tokens, batch 32, Adam 3e-3, softmax CE",
    ({"kind": "Input", "shape": [16]},
     {"kind": "Embedding", "input_dim": 50, "output_dim": 32},
     {"kind": "PositionalEncoding", "name": "pos", "mode": "learned"},
     {"kind": "MultiHeadAttention", "num_heads": 1, "key_dim": 32},
     {"kind": "Add", "name": "residual"},
     {"kind": "SequencePooling", "mode": "mean"},
     {"kind": "Dense", "units": 4, "activation": "softmax"}),
    "softmax_ce", "adam", 3e-3, 32, majority_tokens,
    4 * 16 * 32 * 32 + 2 * 16 * 16 * 32 + 32 * 4, {"torch": 0.5}, 0.14,
    skips=(("pos", "residual", 1),)))


def markov_next_token(n: int = 5000, length: int = 33, vocab: int = 50) -> Data:
    """Sparse Markov chain (3 likely successors per token): x (n, length-1) int64 token ids,
    y (n, length-1) int64 = the next token at every position."""
    rng = np.random.default_rng(SEED)
    succ = rng.integers(0, vocab, size=(vocab, 3))
    seq = np.empty((n, length), dtype=np.int64)
    seq[:, 0] = rng.integers(0, vocab, n)
    choice = rng.integers(0, 3, size=(n, length))
    for t in range(1, length):
        seq[:, t] = succ[seq[:, t - 1], choice[:, t]]
    return seq[:, :-1].copy(), seq[:, 1:].copy()


register(Workload(  # (e): the shared reference's LSTM language model, CE at every position
    "e", "Embedding(50, 16) + LSTM(16→64) + Dense 64→50 at every position; 5000 Markov "
    "sequences of 33 tokens, batch 32, Adam 3e-3, softmax CE",
    ({"kind": "Input", "shape": [32]},
     {"kind": "Embedding", "input_dim": 50, "output_dim": 16},
     {"kind": "LSTM", "units": 64, "return_sequences": True},
     {"kind": "TimeDistributed", "units": 50, "activation": "softmax"}),
    "softmax_ce", "adam", 3e-3, 32, markov_next_token,
    32 * (4 * 64 * (16 + 64) + 64 * 50), {"torch": 0.8}, 0.37))


def lowrank_images(n: int = 10000, d: int = 784, rank: int = 2) -> Data:
    """Images in (0, 1) on a 2-D manifold, sigmoid(z @ B) with z: (n, 2), B: (2, d) ·2 (the
    shared generator): x: (n, d) float32; the target of an autoencoder is x itself (y is x)."""
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((n, rank)).astype(np.float32)
    b = rng.standard_normal((rank, d)).astype(np.float32) * 2.0
    x = (1.0 / (1.0 + np.exp(-(z @ b)))).astype(np.float32)
    return x, x


register(Workload(  # (f): the shared reference's autoencoder; targets = inputs, sigmoid-BCE
    "f", "Autoencoder 784-128-2-128-784, ReLU hidden, linear code, sigmoid out; 10000×784 "
    "images on a 2-D manifold, batch 128, Adam 1e-3, BCE",
    ({"kind": "Input", "shape": [784]},
     {"kind": "Dense", "units": 128, "activation": "relu"},
     {"kind": "Dense", "units": 2, "activation": "linear"},
     {"kind": "Dense", "units": 128, "activation": "relu"},
     {"kind": "Dense", "units": 784, "activation": "sigmoid"}),
    "bce", "adam", 1e-3, 128, lowrank_images,
    _macs([784, 128, 2, 128, 784]), {"torch": 0.80}, 0.20, recipe="autoencoder"))


def get_workload(workload_id: str) -> Workload:
    """The registered workload, or ConfigError listing the supported ids."""
    key = str(workload_id).strip().lower()
    if key not in WORKLOADS:
        raise ConfigError(
            f"Unknown benchmark workload '{workload_id}'. Supported workloads: "
            f"{', '.join(WORKLOADS)} (e.g. `python main.py bench --only a c`)."
        )
    return WORKLOADS[key]


def epoch_batches(n: int, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A fresh shuffle: index arrays of ``batch`` rows (the last one may be shorter)."""
    perm = rng.permutation(n)
    return [perm[i : i + batch] for i in range(0, n, batch)]


# -- the engine side ------------------------------------------------------------------------
@dataclass
class EngineRun:
    """A built engine network for one workload and the stepper that trains it."""

    model: Any
    loss: Any
    optimizer: Any
    stepper: Any

    @property
    def stepper_name(self) -> str:
        return str(getattr(self.stepper, "name", type(self.stepper).__name__))


def build_engine(workload: Workload, seed: int = SEED, dtype: Any = np.float32,
                 backend: str = "auto") -> EngineRun:
    """Model + loss + optimizer + ``make_stepper``, exactly as a project trains."""
    from engine.graph import Graph
    from engine.losses import get_loss
    from engine.model import Model
    from engine.optimizers import get_optimizer
    from engine.stepper import make_stepper
    from engine.training import TrainConfig

    graph = Graph.sequential([dict(c) for c in workload.layers])
    for source, target, port in workload.skips:
        graph.connect(source, target, port)
    if workload.recipe == "autoencoder":
        return build_autoencoder(workload, graph, seed, dtype, backend)
    model = Model(graph, seed=seed, dtype=dtype)
    if workload.loss == "mse":
        loss = get_loss("mse")
    elif workload.loss == "softmax_ce":
        loss = get_loss("categorical_crossentropy", from_logits=True)
        model.set_logits_mode(True)
    else:
        raise ConfigError(f"Workload ({workload.id}): unknown loss '{workload.loss}'.")
    optimizer = get_optimizer(workload.optimizer, learning_rate=workload.learning_rate)
    config = TrainConfig(batch_size=workload.batch, backend=backend)
    return EngineRun(model, loss, optimizer, make_stepper(model, loss, optimizer, config))


def build_autoencoder(workload: Workload, graph: Any, seed: int, dtype: Any,
                      backend: str) -> EngineRun:
    """An autoencoder project's own trainer (``AutoencoderTrainer``) on the workload's data."""
    from engine.datasets.base import REGRESSION, Dataset
    from engine.generative.autoencoder import AutoencoderTrainer
    from engine.model import Model
    from engine.training import TrainConfig

    if workload.loss not in ("bce", "mse"):
        raise ConfigError(f"Workload ({workload.id}): an autoencoder uses 'bce' or 'mse'.")
    x = np.zeros((1, *workload.layers[0]["shape"]), dtype=np.float32)  # the stepper gets x
    data = Dataset(f"bench-{workload.id}", x, x, x[:0], x[:0], REGRESSION, 0,
                   tuple(x.shape[1:]), int(x[0].size), [], [], "benchmark workload")
    config = TrainConfig(optimizer=workload.optimizer, batch_size=workload.batch, seed=seed,
                         optimizer_options={"learning_rate": workload.learning_rate},
                         backend=backend, recipe_options={"reconstruction_loss": workload.loss})
    model = Model(graph, seed=seed, dtype=dtype)
    trainer = AutoencoderTrainer(model, data, config, "autoencoder")
    return EngineRun(model, trainer.loss, trainer.optimizer, trainer.stepper)


def engine_epoch(run: EngineRun, x: np.ndarray, y: np.ndarray, batch: int,
                 rng: np.random.Generator) -> tuple[float, int]:
    """One shuffled epoch through the stepper -> (last batch loss, steps); BLAS threads per
    the engine's policy, as the trainer applies it (``engine.threads.training``)."""
    from engine import threads

    with threads.training(run.model, batch):
        losses = run.stepper.run(x, y, epoch_batches(len(x), batch, rng))
    return float(losses[-1]), len(losses)
