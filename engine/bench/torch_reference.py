"""The PyTorch competitor: eager mode on CPU, float32, built from a workload's layer configs.

Optional: the benchmark skips it when torch is not importable (``available()``). A Dense chain
becomes ``nn.Sequential(nn.Linear, activation, ...)`` with torch's default initialisation
(``torch.manual_seed(0)``); a softmax output is left to ``F.cross_entropy`` (logits), as
PyTorch users write it. Variants: ``"default"`` (torch's default optimizer implementation) and
``"fused"`` (``fused=True``, Adam only). An autoencoder workload (f) passes y = x: the
``"bce"`` loss is ``F.binary_cross_entropy`` after the ``nn.Sigmoid`` output, as the shared
reference writes it. The epoch loop is the shared reference's: a
``torch.randperm`` shuffle, gather, slices, ``zero_grad(set_to_none=True)``, backward, step.
Later workloads whose layers are not Dense add a builder to ``BUILDERS`` (one entry each).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

VARIANTS = ("default", "fused")


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def variants_for(workload: Any) -> list[str]:
    """"fused" only exists (and only matters) for Adam."""
    return ["default", "fused"] if workload.optimizer in ("adam", "adamw") else ["default"]


def _activation(name: str) -> Any:
    import torch.nn as nn

    table = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if name in ("linear", "softmax"):  # softmax: F.cross_entropy applies it
        return None
    if name not in table:
        raise ValueError(f"torch reference: unsupported activation '{name}'")
    return table[name]()


def dense_chain(workload: Any) -> Any:
    """nn.Sequential for an Input + Dense chain workload."""
    import torch.nn as nn

    sizes = workload.mlp_sizes
    if sizes is None:
        raise ValueError(f"workload ({workload.id}): no torch builder for its layers")
    modules: list[Any] = []
    for (fi, fo), act in zip(zip(sizes[:-1], sizes[1:]), workload.activations):
        modules.append(nn.Linear(fi, fo))
        module = _activation(act)
        if module is not None:
            modules.append(module)
    return nn.Sequential(*modules)


def _torch_layer(cfg: dict[str, Any], in_shape: tuple[int, ...]) -> Any:
    """The torch module for one engine layer config (Conv2D, MaxPool2D, Flatten, Dense)."""
    import torch.nn as nn

    kind = cfg["kind"]
    if kind == "Conv2D":
        pad = cfg.get("padding", "valid")
        return nn.Conv2d(in_shape[0], cfg["filters"], tuple(cfg["kernel_size"]),
                         tuple(cfg.get("strides", (1, 1))),
                         0 if pad == "valid" else pad if pad == "same" else int(pad),
                         tuple(cfg.get("dilation_rate", (1, 1))))
    if kind == "MaxPool2D":
        strides = cfg.get("strides") or [-1]
        return nn.MaxPool2d(tuple(cfg["pool_size"]),
                            tuple(cfg["pool_size"] if strides == [-1] else strides))
    if kind == "Flatten":
        return nn.Flatten()
    if kind == "Dense":
        return nn.Linear(in_shape[0], cfg["units"])
    raise ValueError(f"torch reference: unsupported layer '{kind}'")


def layer_chain(workload: Any) -> Any:
    """nn.Sequential for an Input + (Conv2D | MaxPool2D | Flatten | Dense) chain."""
    import torch.nn as nn

    from engine.layers import create_layer

    shape = tuple(workload.layers[0]["shape"])
    modules: list[Any] = []
    for cfg in workload.layers[1:]:
        modules.append(_torch_layer(cfg, shape))
        act = _activation(cfg.get("activation", "linear"))
        modules += [act] if act is not None else []
        shape = create_layer(dict(cfg)).output_shape([shape])
    return nn.Sequential(*modules)


BUILDERS: dict[str, Callable[[Any], Any]] = {"d": layer_chain}  # workload id -> builder


def attention_classifier(workload: Any) -> Any:
    """(g): Embedding + learned positions, single-head self-attention + residual, mean-pool,
    Linear; attention written out as softmax(QKᵀ/√d)V, as the shared reference does."""
    import math

    import torch
    import torch.nn as nn

    emb = next(c for c in workload.layers if c["kind"] == "Embedding")
    vocab, d, length = emb["input_dim"], emb["output_dim"], workload.layers[0]["shape"][0]
    ncls = workload.layers[-1]["units"]

    class AttnClassifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(vocab, d)
            self.pos = nn.Parameter(torch.randn(length, d) * 0.02)
            self.qkv, self.o, self.head = nn.Linear(d, 3 * d), nn.Linear(d, d), nn.Linear(d, ncls)

        def forward(self, x: Any) -> Any:
            h = self.emb(x) + self.pos  # (B, T, d)
            q, k, v = self.qkv(h).chunk(3, dim=-1)
            att = torch.softmax(q @ k.transpose(1, 2) * (1.0 / math.sqrt(d)), dim=-1)
            return self.head((h + self.o(att @ v)).mean(1))

    return AttnClassifier()


BUILDERS["g"] = attention_classifier


def sequence_chain(workload: Any) -> Any:
    """(e): Input + Embedding / SimpleRNN|LSTM|GRU / TimeDistributed configs -> a torch module
    (``batch_first`` RNNs; a TimeDistributed Dense is an ``nn.Linear`` on the last axis)."""
    import torch.nn as nn

    class SequenceNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            mods: list[Any] = []
            self.keep_seq: list[bool] = []
            width = 0
            for cfg in workload.layers[1:]:
                kind = cfg["kind"]
                if kind == "Embedding":
                    mods.append(nn.Embedding(cfg["input_dim"], cfg["output_dim"]))
                    width = cfg["output_dim"]
                elif kind in ("SimpleRNN", "LSTM", "GRU"):
                    rnn = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
                    mods.append(rnn(width, cfg["units"], batch_first=True))
                    width = cfg["units"]
                elif kind in ("TimeDistributed", "Dense"):
                    mods.append(nn.Linear(width, cfg["units"]))
                    width = cfg["units"]
                else:
                    raise ValueError(f"torch reference: unsupported layer '{kind}'")
                self.keep_seq.append(cfg.get("return_sequences", True))
                act = _activation(cfg.get("activation", "linear"))
                if act is not None and kind not in ("SimpleRNN", "LSTM", "GRU"):
                    mods.append(act)
                    self.keep_seq.append(True)
            self.mods = nn.ModuleList(mods)

        def forward(self, x: Any) -> Any:
            for mod, keep in zip(self.mods, self.keep_seq):
                if isinstance(mod, nn.RNNBase):
                    x = mod(x)[0]
                    x = x if keep else x[:, -1]
                else:
                    x = mod(x)
            return x

    return SequenceNet()


BUILDERS["e"] = sequence_chain


def _cross_entropy(logits: Any, labels: Any) -> Any:
    """F.cross_entropy over the last axis; (B, T, K) logits with (B, T) labels as in the shared
    reference: every position is a sample."""
    import torch.nn.functional as F

    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


def build(workload: Any, variant: str = "default") -> dict[str, Any]:
    """-> dict(model, opt, loss) for the workload; ``variant`` in VARIANTS."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = BUILDERS.get(workload.id, dense_chain)(workload)
    kw: dict[str, Any] = {"fused": True} if variant == "fused" else {}
    lr = workload.learning_rate
    opt: Any
    if workload.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    elif workload.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, **kw)
    else:
        raise ValueError(f"torch reference: unsupported optimizer '{workload.optimizer}'")
    losses = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}  # bce: after nn.Sigmoid
    loss = losses.get(workload.loss, _cross_entropy)
    model.train()
    return {"model": model, "opt": opt, "loss": loss}


def make_epoch(workload: Any, x: Any, y: Any, variant: str = "default",
               device: str = "cpu") -> Callable[[], tuple[float, int]]:
    """x, y: numpy arrays -> a function that trains one shuffled epoch -> (last loss, steps);
    ``device`` "cuda": model, data and shuffling on the GPU (``engine.cuda.bench``)."""
    import torch

    parts = build(workload, variant)
    model, opt, lossf = parts["model"].to(device), parts["opt"], parts["loss"]
    tx, ty = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    gen = torch.Generator(device=device).manual_seed(0)
    n, bs = len(x), workload.batch

    def epoch() -> tuple[float, int]:  # the float() of the last loss synchronises a GPU
        perm = torch.randperm(n, generator=gen, device=device)
        xs, ys = tx[perm], ty[perm]
        last, steps = None, 0
        for i in range(0, n, bs):
            opt.zero_grad(set_to_none=True)
            value = lossf(model(xs[i : i + bs]), ys[i : i + bs])
            value.backward()
            opt.step()
            last, steps = value, steps + 1
        return float(last.detach()), steps  # type: ignore[union-attr]

    return epoch
