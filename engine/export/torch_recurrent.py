"""PyTorch templates of the recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

Each direction is one ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (``batch_first``). LayerLab keeps
one bias (torch's ``bias_hh`` is created, set to zero and frozen; the GRU keeps both) and its
GRU's gate blocks are z, r, n where torch's are r, z, n. An initial state wired into the layer
(its second input ``h0: (B, units)``, an LSTM's third ``c0``) is handed to the module as
``(1, B, units)``; an LSTM given only ``h0`` starts its cell state at zero, as the engine does.
With "skip padding" (``mask_padding``) the script runs the module one step at a time
(``run_masked``): at a step whose input is all zeros the state is carried over and the output
repeats it, as ``engine.layers.recurrent`` does. Input dropout, recurrent dropout, truncated
BPTT (``bptt_steps`` shorter than the sequence), cell activations torch lacks and the original
GRU (``reset_after`` off: ``nn.GRU`` holds its weights, ``bias_hh`` kept at zero) run the
explicit loop ``run_cells`` (``torch_recurrent_cells``). Bidirectional
(``engine.layers.sequence``) is the ``Bidirectional`` composite: a ``forwards`` module on the
sequence, a ``backwards`` one on the reversed sequence (its outputs reversed back with
``return_sequences``), merged by concatenation or sum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.export.plan_steps import Step
from engine.export.torch_recurrent_cells import CELL_STEPS, RUN_CELLS, loop_options
from engine.export.torch_template_base import COMPOSITE_SOURCES, Arrays, TorchCode, template

MODULES = {"SimpleRNN": "nn.RNN", "LSTM": "nn.LSTM", "GRU": "nn.GRU"}

COMPOSITE_SOURCES["run_masked"] = '''def run_masked(rnn, x, h0=None, c0=None):
    """Run rnn (nn.RNN, nn.GRU or nn.LSTM, batch_first) over x (B, T, F) one step at a time,
    skipping padding as LayerLab does: at a step whose input is all zeros the state is carried
    over unchanged and the output repeats it. h0, c0: (B, H) starting states (zeros when None)
    -> outputs (B, T, H)."""
    keep = (x != 0).any(dim=2, keepdim=True)  # (B, T, 1): False at padded steps
    lstm = isinstance(rnn, nn.LSTM)
    h = x.new_zeros(x.shape[0], rnn.hidden_size) if h0 is None else h0
    c = torch.zeros_like(h) if c0 is None else c0
    outputs = []
    for t in range(x.shape[1]):
        _, state = rnn(x[:, t:t + 1], (h[None], c[None]) if lstm else h[None])
        if lstm:
            c = torch.where(keep[:, t], state[1][0], c)
            state = state[0]
        h = torch.where(keep[:, t], state[0], h)
        outputs.append(h)
    return torch.stack(outputs, dim=1)'''

COMPOSITE_SOURCES["run_cells"] = CELL_STEPS + "\n\n\n" + RUN_CELLS

COMPOSITE_SOURCES["Bidirectional"] = '''class Bidirectional(nn.Module):
    """LayerLab's Bidirectional: ``forwards`` reads x (B, T, F) left to right, ``backwards``
    reads it right to left; with sequences=True the backward outputs are reversed back so
    step t sees both directions. merge "concat" -> (B, [T,] 2·H), "sum" -> (B, [T,] H).
    masked: skip all-zero (padding) steps in both directions (``run_masked``)."""

    def __init__(self, forwards, backwards, merge, sequences, masked):
        super().__init__()
        self.forwards, self.backwards = forwards, backwards
        self.merge, self.sequences, self.masked = merge, sequences, masked

    def run(self, rnn, x):
        return run_masked(rnn, x) if self.masked else rnn(x)[0]

    def forward(self, x):
        fw, bw = self.run(self.forwards, x), self.run(self.backwards, x.flip(1))
        fw, bw = (fw, bw.flip(1)) if self.sequences else (fw[:, -1], bw[:, -1])
        return torch.cat([fw, bw], dim=-1) if self.merge == "concat" else fw + bw'''


def _gru_order(w: np.ndarray) -> np.ndarray:
    """Gate blocks along axis 0: LayerLab z, r, n <-> torch r, z, n (its own inverse)."""
    z, r, n = np.split(w, 3, axis=0)
    return np.concatenate([r, z, n], axis=0)


def _nonlinearity(kind: str, options: dict) -> str:
    """The extra constructor argument of an ``nn.RNN`` whose cell torch runs with ReLU; any
    other activation is written out by ``run_cells`` (``cell_step``)."""
    return ", nonlinearity='relu'" if kind == "SimpleRNN" and options["activation"] == "relu" \
        else ""


def _module(kind: str, path: str, fan_in: int, units: int, bias: bool, extra: str,
            one_bias: bool = True) -> list[str]:
    """Lines creating ``self.<path>`` (and zeroing and freezing the unused ``bias_hh``; a GRU
    uses it unless it is the original one, ``one_bias``)."""
    lines = [f"self.{path} = {MODULES[kind]}({fan_in}, {units}, batch_first=True, "
             f"bias={bias}{extra})"]
    if bias and (kind != "GRU" or one_bias):
        lines += [f"with torch.no_grad():  # LayerLab's {kind} has one bias: keep this at 0",
                  f"    self.{path}.bias_hh_l0.zero_()",
                  f"self.{path}.bias_hh_l0.requires_grad_(False)"]
    return lines


def _maps(kind: str, classic: bool = False
          ) -> tuple[Callable[[Arrays], Arrays], Callable[[Arrays], Arrays]]:
    """(LayerLab -> torch, torch -> LayerLab) names and layouts of one direction (classic:
    the original GRU, one bias)."""
    gru = kind == "GRU" and not classic
    order = _gru_order if kind == "GRU" else (lambda w: w)

    def to(a: Arrays) -> Arrays:
        out = {"weight_ih_l0": order(a["kernel"].T), "weight_hh_l0": order(a["recurrent_kernel"].T)}
        if "bias" in a:
            out["bias_ih_l0"] = order(a["bias"])
            out["bias_hh_l0"] = order(a["recurrent_bias"]) if gru else np.zeros_like(a["bias"])
        return out

    def back(t: Arrays) -> Arrays:
        out = {"kernel": order(t["weight_ih_l0"]).T,
               "recurrent_kernel": order(t["weight_hh_l0"]).T}
        if "bias_ih_l0" in t:
            hh = t.get("bias_hh_l0", np.zeros_like(t["bias_ih_l0"]))
            if gru:
                out["bias"], out["recurrent_bias"] = order(t["bias_ih_l0"]), order(hh)
            else:
                out["bias"] = order(t["bias_ih_l0"] + hh)
        return out
    return to, back


@template("SimpleRNN", "LSTM", "GRU")
def _recurrent(step: Step) -> TorchCode:
    o = step.options
    units, fan_in = int(o["units"]), step.in_shapes[0][-1]
    classic = step.kind == "GRU" and not o.get("reset_after", True)
    init = _module(step.kind, step.var, fan_in, units, "bias" in step.params,
                   _nonlinearity(step.kind, o), one_bias=classic)
    to, back = _maps(step.kind, classic)
    x, states = step.inputs[0], step.inputs[1:]
    pick = "" if o["return_sequences"] else "[:, -1]"
    loop = loop_options(step)
    if loop:  # dropout, recurrent dropout or truncated BPTT: the explicit time loop
        states_in = "".join(f", {name}={s}" for name, s in zip(("h0", "c0"), states))
        return TorchCode(init, f"run_cells(self.{step.var}, {x}{states_in}, {loop}){pick}",
                         to, back, classes=("run_cells",))
    if o.get("mask_padding"):
        args = "".join(f", {s}" for s in states)
        return TorchCode(init, f"run_masked(self.{step.var}, {x}{args}){pick}", to, back,
                         classes=("run_masked",))
    if not states:
        return TorchCode(init, f"self.{step.var}({x})[0]{pick}", to, back)
    h0 = f"{states[0]}[None]"
    if step.kind == "LSTM":
        c0 = f"{states[1]}[None]" if len(states) > 1 else f"torch.zeros_like({h0})"
        h0 = f"({h0}, {c0})"
    return TorchCode(init, f"self.{step.var}({x}, {h0})[0]{pick}", to, back)


@template("Bidirectional")
def _bidirectional(step: Step) -> TorchCode:
    o = step.options
    kind, units, fan_in = str(o["cell"]), int(o["units"]), step.in_shapes[0][-1]
    bias = "forward_bias" in step.params  # its cells have the default options (tanh, sigmoid)
    init = [f"self.{step.var} = Bidirectional({MODULES[kind]}({fan_in}, {units}, "
            f"batch_first=True, bias={bias}), {MODULES[kind]}({fan_in}, {units}, "
            f"batch_first=True, bias={bias}), merge='{o['merge_mode']}', "
            f"sequences={bool(o['return_sequences'])}, masked={bool(o.get('mask_padding'))})"]
    if bias and kind != "GRU":
        for way in ("forwards", "backwards"):
            init += _module(kind, f"{step.var}.{way}", fan_in, units, True, "")[1:]
    to_one, back_one = _maps(kind)
    ways = (("forward_", "forwards."), ("backward_", "backwards."))

    def to(a: Arrays) -> Arrays:
        out: Arrays = {}
        for ours, theirs in ways:
            mine = {k[len(ours):]: v for k, v in a.items() if k.startswith(ours)}
            out.update({theirs + k: v for k, v in to_one(mine).items()})
        return out

    def back(t: Arrays) -> Arrays:
        out: Arrays = {}
        for ours, theirs in ways:
            mine = {k[len(theirs):]: v for k, v in t.items() if k.startswith(theirs)}
            out.update({ours + k: v for k, v in back_one(mine).items()})
        return out
    return TorchCode(init, f"self.{step.var}({step.inputs[0]})", to, back,
                     classes=("run_masked", "Bidirectional"))
