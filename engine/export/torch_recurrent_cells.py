"""The PyTorch script's explicit time loop (``run_cells``) for what torch's recurrent modules do
not offer: LayerLab's input dropout and recurrent dropout (Keras' rule: one input mask
``(B, F)`` and one state mask ``(B, units)`` per batch, the same at every step, the state mask
on ``h_(t-1)`` where it meets the recurrent kernel), truncated backpropagation through time
(``bptt_steps = k``: the state is ``detach()``ed after steps k, 2k, …, so no gradient crosses
into the previous chunk — ``engine.layers.recurrent``'s rule), cell activations torch's modules
lack (a ReLU LSTM, hard-sigmoid gates, …) and the original GRU (``reset_after`` off).

With torch's own activations the loop runs the layer's ``nn.RNN`` / ``nn.LSTM`` one step at a
time (the state handed in is ``h ⊙ mask``, which is what both cells multiply with the recurrent
kernel; the LSTM's cell state is not masked). With other activations the step is written out
from the module's weights (``rnn_step``, ``lstm_step``: torch's gate order, which is
LayerLab's i, f, g, o). A GRU's update ``z·h_(t-1)`` uses the unmasked state, which ``nn.GRU``
cannot be told, so its step is always written out (``gru_step``, torch's gate order r, z, n;
``gru_classic_step`` for ``reset_after`` off, whose ``nn.GRU`` keeps its ``bias_hh`` at zero).
``padding`` skips all-zero steps as ``run_masked`` does.
"""

from __future__ import annotations

from engine.export.plan_steps import Step
from engine.export.torch_template_base import ACTIVATIONS

CELL_STEPS = '''def rnn_step(rnn, x_t, h_masked, act):
    """One SimpleRNN step written out: act(x_t W_ih + b_ih + h W_hh + b_hh) -> (B, H)."""
    return act(F.linear(x_t, rnn.weight_ih_l0, getattr(rnn, "bias_ih_l0", None))
               + F.linear(h_masked, rnn.weight_hh_l0, getattr(rnn, "bias_hh_l0", None)))


def lstm_step(rnn, x_t, h_masked, c, act, gate_act):
    """One LSTM step written out, gate blocks i, f, g, o: c = f·c + i·act(g),
    h = o·act(c) -> (h, c), each (B, H)."""
    gates = (F.linear(x_t, rnn.weight_ih_l0, getattr(rnn, "bias_ih_l0", None))
             + F.linear(h_masked, rnn.weight_hh_l0, getattr(rnn, "bias_hh_l0", None)))
    i, f, g, o = gates.chunk(4, dim=1)
    c = gate_act(f) * c + gate_act(i) * act(g)
    return gate_act(o) * act(c), c


def gru_step(rnn, x_t, h, h_masked, act=torch.tanh, gate_act=torch.sigmoid):
    """One GRU step with the state mask on the recurrent product only (as LayerLab and Keras):
    r, z, n gates (torch's order), n = act(x W_n + b_n + r·(h U_n + b_hn)) -> the new state
    (B, H)."""
    gi = F.linear(x_t, rnn.weight_ih_l0, getattr(rnn, "bias_ih_l0", None))
    gh = F.linear(h_masked, rnn.weight_hh_l0, getattr(rnn, "bias_hh_l0", None))
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r, z = gate_act(i_r + h_r), gate_act(i_z + h_z)
    n = act(i_n + r * h_n)
    return z * h + (1.0 - z) * n


def gru_classic_step(rnn, x_t, h, h_masked, act=torch.tanh, gate_act=torch.sigmoid):
    """One step of the original GRU (Cho et al. 2014; LayerLab's reset_after off): the reset
    gate acts on the state before the product, n = act(x W_n + b_n + (r·h) U_n). One bias
    (the module's bias_hh stays 0 and is not used) -> the new state (B, H)."""
    gi = F.linear(x_t, rnn.weight_ih_l0, getattr(rnn, "bias_ih_l0", None))
    u_rz, u_n = rnn.weight_hh_l0.split([2 * rnn.hidden_size, rnn.hidden_size])
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z = F.linear(h_masked, u_rz).chunk(2, dim=1)
    r, z = gate_act(i_r + h_r), gate_act(i_z + h_z)
    n = act(i_n + F.linear(r * h_masked, u_n))
    return z * h + (1.0 - z) * n


def cell_step(rnn, x_t, h, h_masked, c, act=None, gate_act=None, classic=False):
    """One step of rnn from the state h (h_masked: what meets the recurrent kernel) and an
    LSTM's c -> (h, c). act, gate_act None: torch's activations (nn.RNN / nn.LSTM run the
    step themselves); given: the step is written out with them."""
    if isinstance(rnn, nn.GRU):
        step = gru_classic_step if classic else gru_step
        return step(rnn, x_t, h, h_masked, act or torch.tanh, gate_act or torch.sigmoid), c
    if isinstance(rnn, nn.LSTM):
        if act is None:
            _, (new_h, new_c) = rnn(x_t[:, None], (h_masked[None], c[None]))
            return new_h[0], new_c[0]
        return lstm_step(rnn, x_t, h_masked, c, act, gate_act)
    if act is None:
        return rnn(x_t[:, None], h_masked[None])[1][0], c
    return rnn_step(rnn, x_t, h_masked, act), c'''

RUN_CELLS = '''def dropout_mask(shape, rate, like):
    """(B, n) Keras-style dropout mask: 0 with probability rate, else 1 / (1 − rate)."""
    keep = 1.0 - rate
    return torch.bernoulli(torch.full(shape, keep, dtype=like.dtype, device=like.device)) / keep


def run_cells(rnn, x, h0=None, c0=None, padding=False, bptt=0, dropout=0.0,
              recurrent_dropout=0.0, **cell):
    """Run rnn (nn.RNN, nn.GRU or nn.LSTM, batch_first) over x (B, T, F) one step at a time
    -> outputs (B, T, H). h0, c0: (B, H) starting states (zeros when None). While training:
    input dropout (one (B, F) mask for every step) and recurrent dropout (one (B, H) mask on
    h_(t-1) where it meets the recurrent kernel); ``rnn.fixed_masks = (input mask, state
    mask)`` uses given masks instead of fresh draws (None: no mask). bptt = k > 0: the state
    is detached after every k steps (truncated backpropagation through time). padding: an
    all-zero step carries the state over and repeats it as output. cell: ``cell_step``'s
    act, gate_act and classic (activations torch's modules lack, the original GRU)."""
    batch, steps, features = x.shape
    keep = (x != 0).any(dim=2, keepdim=True) if padding else None  # (B, T, 1)
    h = x.new_zeros(batch, rnn.hidden_size) if h0 is None else h0
    c = torch.zeros_like(h) if c0 is None else c0
    in_mask = state_mask = None
    if rnn.training:
        fixed = getattr(rnn, "fixed_masks", None)
        if fixed is not None:
            in_mask, state_mask = fixed
        else:
            in_mask = dropout_mask((batch, features), dropout, x) if dropout else None
            state_mask = (dropout_mask((batch, rnn.hidden_size), recurrent_dropout, x)
                          if recurrent_dropout else None)
    if in_mask is not None:
        x = x * in_mask[:, None, :]
    outputs = []
    for t in range(steps):
        h_masked = h if state_mask is None else h * state_mask
        new_h, new_c = cell_step(rnn, x[:, t], h, h_masked, c, **cell)
        if keep is not None:
            new_h, new_c = torch.where(keep[:, t], new_h, h), torch.where(keep[:, t], new_c, c)
        h, c = new_h, new_c
        outputs.append(h)
        if bptt and (t + 1) % bptt == 0 and t + 1 < steps:
            h, c = h.detach(), c.detach()  # the next chunk's gradient stops here
    return torch.stack(outputs, dim=1)'''

TORCH_CELL = {"SimpleRNN": ("tanh", "relu"), "LSTM": ("tanh",), "GRU": ("tanh",)}


def function(name: str) -> str:
    """The script's callable for an activation: ``F.relu``, ``lambda v: F.leaky_relu(v, 0.01)``."""
    expr = ACTIVATIONS[name]
    return expr[:-len("({x})")] if expr.endswith("({x})") else f"lambda v: {expr.format(x='v')}"


def cell_options(step: Step) -> list[str]:
    """``cell_step``'s arguments for a cell torch's module cannot run itself: activations
    other than torch's (tanh and sigmoid gates; a SimpleRNN's tanh or relu) and the original
    GRU (``classic=True``); [] for torch's own cell."""
    o = step.options
    act, gate = str(o.get("activation", "tanh")), str(o.get("recurrent_activation", "sigmoid"))
    args = []
    if step.kind == "SimpleRNN":
        args += [] if act in TORCH_CELL["SimpleRNN"] else [f"act={function(act)}"]
    elif (act, gate) != ("tanh", "sigmoid"):
        args += [f"act={function(act)}", f"gate_act={function(gate)}"]
    if step.kind == "GRU" and not o.get("reset_after", True):
        args.append("classic=True")
    return args


def loop_options(step: Step) -> str:
    """``run_cells``' keyword arguments for ``step``'s settings, or "" when torch's module can
    run the whole sequence itself (torch's own cell, no dropout of either kind, no truncation
    shorter than the sequence)."""
    o = step.options
    steps = int(step.in_shapes[0][0])
    k = int(o.get("bptt_steps", 0) or 0)
    k = k if 0 < k < steps else 0
    rate, recurrent = float(o.get("dropout", 0.0)), float(o.get("recurrent_dropout", 0.0))
    args = [f"bptt={k}"] if k else []
    args += [f"dropout={rate!r}"] if rate else []
    args += [f"recurrent_dropout={recurrent!r}"] if recurrent else []
    args += cell_options(step)
    if args and o.get("mask_padding"):
        args.insert(0, "padding=True")
    return ", ".join(args)
