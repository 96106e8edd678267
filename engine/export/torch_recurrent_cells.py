"""The PyTorch script's explicit time loop (``run_cells``) for what torch's recurrent modules do
not offer: LayerLab's input dropout and recurrent dropout (Keras' rule: one input mask
``(B, F)`` and one state mask ``(B, units)`` per batch, the same at every step, the state mask
on ``h_(t-1)`` where it meets the recurrent kernel) and truncated backpropagation through time
(``bptt_steps = k``: the state is ``detach()``ed after steps k, 2k, …, so no gradient crosses
into the previous chunk — ``engine.layers.recurrent``'s rule).

The loop runs the layer's own ``nn.RNN`` / ``nn.LSTM`` one step at a time (the state handed in
is ``h ⊙ mask``, which is what both cells multiply with the recurrent kernel; the LSTM's cell
state is not masked). A GRU's update ``z·h_(t-1)`` uses the unmasked state, which ``nn.GRU``
cannot be told, so its step is written out from the module's weights (``gru_step``, torch's
gate order r, z, n). ``padding`` skips all-zero steps as ``run_masked`` does.
"""

from __future__ import annotations

from engine.export.plan_steps import Step

RUN_CELLS = '''def dropout_mask(shape, rate, like):
    """(B, n) Keras-style dropout mask: 0 with probability rate, else 1 / (1 − rate)."""
    keep = 1.0 - rate
    return torch.bernoulli(torch.full(shape, keep, dtype=like.dtype, device=like.device)) / keep


def gru_step(rnn, x_t, h, h_masked):
    """One GRU step with the state mask on the recurrent product only (as LayerLab and Keras):
    r, z, n gates (torch's order) -> the new state (B, H)."""
    gi = F.linear(x_t, rnn.weight_ih_l0, getattr(rnn, "bias_ih_l0", None))
    gh = F.linear(h_masked, rnn.weight_hh_l0, getattr(rnn, "bias_hh_l0", None))
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return z * h + (1.0 - z) * n


def run_cells(rnn, x, h0=None, c0=None, padding=False, bptt=0, dropout=0.0,
              recurrent_dropout=0.0):
    """Run rnn (nn.RNN, nn.GRU or nn.LSTM, batch_first) over x (B, T, F) one step at a time
    -> outputs (B, T, H). h0, c0: (B, H) starting states (zeros when None). While training:
    input dropout (one (B, F) mask for every step) and recurrent dropout (one (B, H) mask on
    h_(t-1) where it meets the recurrent kernel); ``rnn.fixed_masks = (input mask, state
    mask)`` uses given masks instead of fresh draws (None: no mask). bptt = k > 0: the state
    is detached after every k steps (truncated backpropagation through time). padding: an
    all-zero step carries the state over and repeats it as output."""
    batch, steps, features = x.shape
    lstm, gru = isinstance(rnn, nn.LSTM), isinstance(rnn, nn.GRU)
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
        if gru:
            new_h, new_c = gru_step(rnn, x[:, t], h, h_masked), c
        elif lstm:
            _, (new_h, new_c) = rnn(x[:, t:t + 1], (h_masked[None], c[None]))
            new_h, new_c = new_h[0], new_c[0]
        else:
            new_h, new_c = rnn(x[:, t:t + 1], h_masked[None])[1][0], c
        if keep is not None:
            new_h, new_c = torch.where(keep[:, t], new_h, h), torch.where(keep[:, t], new_c, c)
        h, c = new_h, new_c
        outputs.append(h)
        if bptt and (t + 1) % bptt == 0 and t + 1 < steps:
            h, c = h.detach(), c.detach()  # the next chunk's gradient stops here
    return torch.stack(outputs, dim=1)'''


def loop_options(step: Step) -> str:
    """``run_cells``' keyword arguments for ``step``'s settings, or "" when torch's module can
    run the whole sequence itself (no dropout of either kind, no truncation shorter than
    the sequence)."""
    o = step.options
    steps = int(step.in_shapes[0][0])
    k = int(o.get("bptt_steps", 0) or 0)
    k = k if 0 < k < steps else 0
    rate, recurrent = float(o.get("dropout", 0.0)), float(o.get("recurrent_dropout", 0.0))
    args = [f"bptt={k}"] if k else []
    args += [f"dropout={rate!r}"] if rate else []
    args += [f"recurrent_dropout={recurrent!r}"] if recurrent else []
    if args and o.get("mask_padding"):
        args.insert(0, "padding=True")
    return ", ".join(args)
