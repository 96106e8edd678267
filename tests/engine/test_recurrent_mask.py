"""``mask_padding`` of SimpleRNN, LSTM, GRU (Keras masking): all-zero steps are skipped, so
pre- and post-padded sequences end in the state of the unpadded one; finite differences,
numba == numpy, the PyTorch oracle with ``pack_padded_sequence``.
"""

import numpy as np
import pytest

from engine import backend
from engine.layers import create_layer
from tests.engine.gradcheck import assert_backends_agree, assert_close, numeric_grad
from tests.engine.test_recurrent import B, F, H, T, make, torch_module, torch_order
from tests.engine.test_recurrent_state import states

KINDS = ["SimpleRNN", "LSTM", "GRU"]
LENGTHS = (3, 5)  # real steps per sample (T = 5)


def padded(x, lengths=LENGTHS, pre=False):
    """Each sample's first n steps, at the end (pre-padding) or at the start (post-padding)
    of T steps; zeros (padding) elsewhere."""
    out = np.zeros_like(x)
    for b, n in enumerate(lengths):
        if pre:
            out[b, T - n :] = x[b, :n]
        else:
            out[b, :n] = x[b, :n]
    return out


def sequence_data(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(B, T, F)), rng


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("pre", [False, True])
def test_gradients_with_padding_match_finite_differences(kind, seq, pre):
    layer = make(kind, return_sequences=seq, mask_padding=True, recurrent_dropout=0.3)
    x, rng = sequence_data(1)
    x = padded(x, pre=pre)
    inputs = [x, *states(kind)]
    w = rng.normal(size=(B, T, H) if seq else (B, H))

    def loss() -> float:
        layer._rng = np.random.default_rng(5)
        return float(np.sum(layer.forward(inputs, True) * w))

    loss()
    grads = layer.backward(w)
    pgrads = {k: g.copy() for k, g in layer.grads.items()}
    real = np.any(x != 0, axis=2)  # (B, T)
    assert not real.all()
    np.testing.assert_array_equal(grads[0][~real], 0.0)  # padding gets no gradient
    gx = np.zeros_like(x)
    for b, t in zip(*np.nonzero(real)):  # perturbing a padded step would make it real
        gx[b, t] = numeric_grad(loss, x[b, t])
    assert_close(grads[0], gx, rtol=1e-6, atol=1e-8, what="x")
    for i, s in enumerate(inputs[1:], start=1):
        assert_close(grads[i], numeric_grad(loss, s), rtol=1e-6, atol=1e-8, what=f"state {i}")
    for key, value in layer.params.items():
        assert_close(pgrads[key], numeric_grad(loss, value), rtol=1e-6, atol=1e-8, what=key)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_kernels_equal_numpy_twins_with_padding(kind, dtype):
    x, rng = sequence_data(2)
    x = padded(x, (2, 4), pre=True)
    x[1, 3] = 0.0  # a gap inside a sequence too
    inputs = [x.astype(dtype), *states(kind, dtype)]
    w = rng.normal(size=(B, T, H)).astype(dtype)
    results = []
    for name in ("numba", "numpy"):
        with backend.using(name):
            layer = make(kind, dtype, mask_padding=True, bptt_steps=2, recurrent_dropout=0.3)
            layer._rng = np.random.default_rng(5)
            y = layer.forward(inputs, True)
            grads = layer.backward(w)
            results.append((y, grads, {k: g.copy() for k, g in layer.grads.items()}))
    assert_backends_agree(results, dtype)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pre", [False, True])
def test_padded_sequences_end_in_the_state_of_the_unpadded_ones(kind, pre):
    """The learner-visible point: padding no longer changes the sequence's summary."""
    x, _ = sequence_data(3)
    layer = make(kind, return_sequences=False, mask_padding=True)
    y = layer.forward([padded(x, pre=pre)], False)
    grad_out = np.random.default_rng(4).normal(size=(B, H))
    layer.backward(grad_out)
    total = {k: g.copy() for k, g in layer.grads.items()}
    alone = {k: np.zeros_like(g) for k, g in total.items()}
    for b, n in enumerate(LENGTHS):
        unpadded = make(kind, return_sequences=False)
        np.testing.assert_allclose(y[b], unpadded.forward([x[b : b + 1, :n]], False)[0],
                                   rtol=1e-12, atol=1e-14)
        unpadded.backward(grad_out[b : b + 1])
        for k, g in unpadded.grads.items():
            alone[k] += g
    for k in total:  # the weights learn the same as from the unpadded sequences
        np.testing.assert_allclose(total[k], alone[k], rtol=1e-10, atol=1e-12, err_msg=k)
    plain = make(kind, return_sequences=False)  # without the option, padding counts as input
    assert not np.allclose(plain.forward([padded(x, pre=True)], False), y)


def test_output_at_a_padded_step_repeats_the_previous_state():
    layer = make("LSTM", mask_padding=True)
    x = padded(sequence_data(5)[0])
    h = layer.forward([x], False)
    np.testing.assert_array_equal(h[0, 3], h[0, 2])  # Keras: zero_output_for_mask=False
    np.testing.assert_array_equal(h[0, 4], h[0, 2])
    assert not np.allclose(h[1, 3], h[1, 2])
    np.testing.assert_array_equal(layer.inspect()["forget_gate"][0, 3:], 0.0)


def test_embedding_mask_zero_then_skip_padding():
    """Token ids with 0 as padding: the Embedding outputs zero vectors there, the GRU skips
    them, so [5, 2, 7, 0, 0] and [0, 0, 5, 2, 7] end where [5, 2, 7] does."""
    emb = create_layer({"kind": "Embedding", "name": "e", "input_dim": 9, "output_dim": F,
                        "mask_zero": True})
    emb.build([(T,)], np.random.default_rng(0), np.float64)
    gru = make("GRU", return_sequences=False, mask_padding=True)
    ids = np.array([[5, 2, 7, 0, 0], [0, 0, 5, 2, 7]], dtype=np.float64)
    last = gru.forward([emb.forward([ids], False)], False)
    alone = make("GRU", return_sequences=False)
    want = alone.forward([emb.forward([np.array([[5.0, 2.0, 7.0]])], False)], False)
    np.testing.assert_allclose(last, np.repeat(want, 2, axis=0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_padding_matches_torch_packed_sequences(kind):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence

    layer = make(kind, return_sequences=False, mask_padding=True)
    mod = torch_module(kind, layer)
    x, rng = sequence_data(6)
    x = padded(x)
    given = states(kind)
    w = rng.normal(size=(B, H))
    y = layer.forward([x, *given], False)
    grads = layer.backward(w)
    tx, *ts = (torch.tensor(a, requires_grad=True) for a in (x, *given))
    packed = pack_padded_sequence(tx, torch.tensor(LENGTHS), batch_first=True,
                                  enforce_sorted=False)
    start = tuple(s[None] for s in ts)
    _, last = mod(packed, start if kind == "LSTM" else start[0])
    th = (last[0] if kind == "LSTM" else last)[0]  # (B, H): each sample's last real state
    (th * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(y, th.detach().numpy(), rtol=1e-10, atol=1e-12)
    for name, ours, theirs in zip(("x", "h0", "c0"), grads, (tx, *ts)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_allclose(torch_order(kind, layer.grads["recurrent_kernel"].T),
                               mod.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_bidirectional_skip_padding_matches_the_unpadded_sequence():
    from engine.layers import create_layer

    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 3))
    padded = np.concatenate([x, np.zeros((2, 3, 3))], axis=1)  # post-padding
    outs = []
    for data in (x, padded):
        layer = create_layer({"kind": "Bidirectional", "name": "bi", "cell": "LSTM",
                              "units": 5, "mask_padding": True})
        layer.build([data.shape[1:]], np.random.default_rng(0), np.float64)
        outs.append(layer.forward([data], False))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)
