"""Bidirectional, TimeDistributed and SequencePooling: worked values, torch oracles, errors."""

import numpy as np
import pytest

from engine.layers import create_layer
from engine.types import ShapeError

B, T, F, H = 2, 4, 3, 5


def build(config, shape=(T, F), dtype=np.float64):
    layer = create_layer({"name": "under_test", **config})
    layer.build([shape], np.random.default_rng(0), dtype)
    rng = np.random.default_rng(1)
    for value in layer.params.values():
        value[...] = rng.normal(0.0, 0.5, value.shape)
    return layer


@pytest.mark.parametrize("merge", ["concat", "sum"])
@pytest.mark.parametrize("seq", [True, False])
def test_bidirectional_is_a_forward_and_a_reversed_rnn(merge, seq):
    bi = build({"kind": "Bidirectional", "cell": "LSTM", "units": H, "merge_mode": merge,
                "return_sequences": seq})
    fw = build({"kind": "LSTM", "units": H, "return_sequences": seq})
    bw = build({"kind": "LSTM", "units": H, "return_sequences": seq})
    for key in fw.params:
        fw.params[key][...] = bi.params["forward_" + key]
        bw.params[key][...] = bi.params["backward_" + key]
    x = np.random.default_rng(2).normal(size=(B, T, F))
    yf, yb = fw.forward([x], False), bw.forward([x[:, ::-1]], False)
    if seq:
        yb = yb[:, ::-1]  # aligned with the input positions, as Keras does
    want = np.concatenate([yf, yb], -1) if merge == "concat" else yf + yb
    y = bi.forward([x], False)
    np.testing.assert_allclose(y, want, rtol=1e-12)
    assert y.shape == (B, *bi.output_shape([(T, F)]))


def test_bidirectional_matches_torch_bidirectional_lstm():
    torch = pytest.importorskip("torch")
    bi = build({"kind": "Bidirectional", "cell": "LSTM", "units": H, "return_sequences": True})
    mod = torch.nn.LSTM(F, H, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        for ours, theirs in (("forward_", ""), ("backward_", "_reverse")):
            p = bi.params
            getattr(mod, f"weight_ih_l0{theirs}").copy_(torch.from_numpy(p[ours + "kernel"].T))
            getattr(mod, f"weight_hh_l0{theirs}").copy_(
                torch.from_numpy(p[ours + "recurrent_kernel"].T))
            getattr(mod, f"bias_ih_l0{theirs}").copy_(torch.from_numpy(p[ours + "bias"]))
            getattr(mod, f"bias_hh_l0{theirs}").zero_()
    x = np.random.default_rng(3).normal(size=(B, T, F))
    w = np.random.default_rng(4).normal(size=(B, T, 2 * H))
    y = bi.forward([x], False)
    gx = bi.backward(w)[0]
    tx = torch.tensor(x, requires_grad=True)
    ty = mod(tx)[0]
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bi.grads["backward_recurrent_kernel"].T,
                               mod.weight_hh_l0_reverse.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_time_distributed_is_dense_at_every_step():
    td = build({"kind": "TimeDistributed", "units": 2, "activation": "tanh"})
    x = np.random.default_rng(5).normal(size=(B, T, F))
    y = td.forward([x], False)
    want = np.tanh(x @ td.params["kernel"] + td.params["bias"])
    np.testing.assert_allclose(y, want, rtol=1e-12)
    td.skip_activation = True  # logits mode: the loss applies softmax/sigmoid itself
    np.testing.assert_allclose(td.forward([x], False), x @ td.params["kernel"] + td.params["bias"])
    with pytest.raises(ShapeError, match="Embedding"):
        td.output_shape([(7,)])


def test_sequence_pooling_worked_example():
    x = np.array([[[1.0, 5.0], [3.0, -1.0], [2.0, 4.0]]])  # (1, T=3, F=2)
    g = np.array([[10.0, 20.0]])
    for mode, y_want, dx_want in (
        ("mean", [[2.0, 8 / 3]], [[[10 / 3, 20 / 3]] * 3]),
        ("max", [[3.0, 5.0]], [[[0, 20], [10, 0], [0, 0]]]),
        ("last", [[2.0, 4.0]], [[[0, 0], [0, 0], [10, 20]]]),
    ):
        pool = build({"kind": "SequencePooling", "mode": mode}, (3, 2))
        np.testing.assert_allclose(pool.forward([x], False), y_want)
        np.testing.assert_allclose(pool.backward(g)[0], dx_want)
        assert pool.output_shape([(3, 2)]) == (2,)
    with pytest.raises(ShapeError, match="sequence"):
        pool.output_shape([(6,)])
