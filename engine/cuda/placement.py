"""Which parts of a network can train on the GPU under the ``cuda`` backend, and why not.

``gpu_obstacles`` lists, in plain sentences, everything that keeps a model on the CPU engine:
layers whose family has no CUDA kernels yet (Conv1D and transposed convolutions, global max
pooling and upsampling, OneHot, Bidirectional, scaled dot-product attention, spatial dropout,
Reshape, PReLU), the step activation (no gradient), other layers with several input wires
than Add, Concatenate, MultiHeadAttention and Sampling, the options a GPU twin does not copy
(``sequence_obstacles``: padding masks, dropout inside the cell, truncated BPTT, initial
states, the original GRU; dropout on multi-head attention's weights), losses and options the
GPU path does not do yet (class weights, augmentation, float64). Recipes whose steps have no
GPU path (GAN, perceptron, VAE) are said by ``engine.cuda.report``.
Dense, Conv2D, MaxPool2D, AvgPool2D, GlobalAveragePool2D, BatchNormalization,
LayerNormalization, Activation, LeakyReLU, ELU, Flatten, Dropout, Add, Concatenate,
Embedding, PositionalEncoding, MultiHeadAttention, Sampling, SimpleRNN, LSTM, GRU and
TimeDistributed train on the GPU (``engine.cuda.graph``). An empty
list means the whole training step runs on the GPU (``engine.cuda.stepper.CudaStepper``). It
imports no ``numba.cuda``, so the window or CLI can ask before anything is compiled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import activations
from engine.fused_mlp import _loss_kind
from engine.kernels.activations import (
    ELU,
    GELU,
    HARD_SIGMOID,
    LEAKY_RELU,
    LINEAR,
    RELU,
    SELU,
    SIGMOID,
    SILU,
    SOFTMAX,
    SOFTPLUS,
    TANH,
)
from engine.kernels.fused_mlp import LOSS_MSE, LOSS_SIGMOID_BCE, LOSS_SOFTMAX_CE
from engine.layers.activation_layers import ELU as EluLayer
from engine.layers.activation_layers import Activation, LeakyReLU
from engine.layers.base import Layer
from engine.layers.conv import Conv2D
from engine.layers.core import Dense
from engine.layers.sequence import TimeDistributed
from engine.losses import Loss
from engine.model import Model
from engine.optimizers import Optimizer

# the layer kinds with GPU twins (engine.cuda.device_layers; Flatten is the identity there)
GPU_KINDS = ("Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "Flatten",
             "GlobalAveragePool2D", "BatchNormalization", "LayerNormalization", "Activation",
             "LeakyReLU", "ELU", "Add", "Concatenate", "Embedding", "PositionalEncoding",
             "MultiHeadAttention", "Sampling", "SimpleRNN", "LSTM", "GRU", "TimeDistributed")
GPU_KINDS_TEXT = ("Dense, Conv2D, max/average/global-average pooling, batch and layer "
                  "normalization, activations, Flatten, Dropout, Add, Concatenate, Embedding, "
                  "positional encoding, multi-head attention, VAE sampling, SimpleRNN, LSTM, "
                  "GRU and Dense per step do")
# the layers that may take several input wires on the GPU (recurrent ones: said apart)
MULTI_INPUT_KINDS = ("Add", "Concatenate", "MultiHeadAttention", "Sampling")
RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU")
GPU_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
                  "adamw")
# the activations with CUDA versions (engine.cuda.kernels_dense): all but step
GPU_ACTIVATIONS = (LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SELU, SOFTPLUS, SILU, GELU,
                   HARD_SIGMOID, SOFTMAX)
LOSS_NAMES = {LOSS_MSE: "mse", LOSS_SOFTMAX_CE: "softmax_ce", LOSS_SIGMOID_BCE: "sigmoid_bce"}
_FAMILY = {
    **dict.fromkeys(("Conv1D", "Conv2DTranspose"), "convolution"),
    **dict.fromkeys(("GlobalMaxPool2D", "Upsample2D", "SequencePooling"), "pooling"),
    "OneHot": "embedding",
    **dict.fromkeys(("SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"),
                    "recurrent"),
    "ScaledDotProductAttention": "attention",
    "SpatialDropout2D": "spatial dropout",
    "PReLU": "learned-slope activation",
    "Reshape": "reshaping",
}


def _activation_id(layer: Layer) -> int:
    """The activation kernel id a layer applies (LINEAR for layers without one)."""
    if isinstance(layer, Dense | Conv2D | TimeDistributed):
        return int(layer.act.act_id)
    if isinstance(layer, Activation | LeakyReLU | EluLayer):
        name = "linear" if layer.skip_activation else layer.activation_name()
        return int(activations.get(name).act_id)
    return LINEAR


def gpu_loss_kind(loss: Loss, model: Model) -> str | None:
    """"mse", "softmax_ce", "sigmoid_bce" when the GPU has this loss, else None."""
    return LOSS_NAMES.get(_loss_kind(loss, model))


def sequence_obstacles(model: Model, name: str) -> list[str]:
    """What keeps one Embedding or recurrent layer on the CPU (the options the GPU kernels,
    ``engine.cuda.kernels_recurrent``, do not copy); [] when it trains on the GPU."""
    layer, out = model.layers[name], []
    where = f"layer '{name}' ({layer.kind}): "
    if layer.kind == "Embedding" and model.sources[name] != [model.order[0]]:
        out.append(where + "on the GPU an Embedding reads its token ids straight from the "
                   "Input layer")
    if layer.kind not in RECURRENT_KINDS:
        return out
    cfg = layer.config
    if len(model.sources[name]) > 1:
        out.append(where + "initial states wired into a recurrent layer run on the CPU only "
                   "(the GPU starts every sequence from a zero state)")
    if cfg["mask_padding"]:
        out.append(where + "skipping padded steps (Skip padding) runs on the CPU only")
    if cfg["dropout"] or cfg["recurrent_dropout"]:
        out.append(where + "dropout inside a recurrent layer (dropout, recurrent_dropout) "
                   "runs on the CPU only")
    if cfg["bptt_steps"]:
        out.append(where + "truncated backpropagation through time (bptt_steps) runs on the "
                   "CPU only")
    if layer.kind == "GRU" and not cfg["reset_after"]:
        out.append(where + "the original GRU (reset_after off) runs on the CPU only")
    return out


def gpu_obstacles(model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> list[str]:
    """Why this model/loss/optimizer/config cannot train on the GPU; [] when it can."""
    out: list[str] = []
    names = list(model.order)
    for name in names[1:]:
        layer = model.layers[name]
        if layer.kind == "Input":  # a second input: said once below
            continue
        if layer.kind not in GPU_KINDS:
            family = _FAMILY.get(layer.kind, layer.kind)
            known = "" if out else f" ({GPU_KINDS_TEXT})"  # the list once, on the first
            out.append(f"layer '{name}' ({layer.kind}): {family} layers have no GPU kernels "
                       f"yet{known}")
        elif layer.kind in ("Embedding", *RECURRENT_KINDS):
            out += sequence_obstacles(model, name)
        elif layer.kind == "MultiHeadAttention" and layer.config["dropout"]:
            out.append(f"layer '{name}' (MultiHeadAttention): dropout on the attention "
                       "weights runs on the CPU only")
        elif _activation_id(layer) not in GPU_ACTIVATIONS:
            out.append(f"layer '{name}': the step activation has no gradient, so it cannot "
                       "be trained by backpropagation on any backend")
    if not names or model.layers[names[0]].kind != "Input" or model.layout is not None:
        out.append("the network does not start with a single Input layer")
    if any(len(model.sources[n]) > 1 and model.layers[n].kind not in (
            *MULTI_INPUT_KINDS, *RECURRENT_KINDS) for n in names):
        out.append("a layer other than Add, Concatenate, MultiHeadAttention or Sampling has "
                   "several inputs (the GPU runs chains, residual merges with Add, joins with "
                   "Concatenate, cross-attention and a VAE's code)")
    if np.dtype(model.dtype) != np.float32:
        out.append("the network uses float64 numbers; the GPU kernels are float32")
    if gpu_loss_kind(loss, model) is None or getattr(loss, "reduction", "mean") != "mean":
        out.append(f"the loss '{loss.name}' in this form has no GPU kernel (mean-reduced MSE, "
                   "softmax cross-entropy and sigmoid binary cross-entropy do)")
    if loss.class_weights is not None or loss.options.get("class_weight", "none") != "none":
        out.append("class weights on the loss run on the CPU only")
    if optimizer.name not in GPU_OPTIMIZERS:
        out.append(f"the optimizer '{optimizer.name}' has no GPU kernel")
    if getattr(config, "augment", None):
        out.append("image augmentation runs on the CPU only")
    return out


def placement_lines(obstacles: list[str], n_layers: int, device: str) -> list[str]:
    """What to print before training starts under the ``cuda`` backend."""
    if not obstacles:
        return [f"CUDA backend: all {n_layers} layers train on the GPU ({device}); losses, "
                "weights and probes come back at each live update."]
    return ["CUDA backend: this network trains on the CPU engine, because:",
            *(f"  - {reason}" for reason in obstacles)]
