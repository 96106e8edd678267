"""PyTorch as the oracle of MultiHeadAttention: copied weights, same forward, same gradients.

``torch.nn.MultiheadAttention(batch_first=True)`` stores ``W`` as (out, in) — the transpose of
ours — and needs ``num_heads · key_dim`` equal to the query's feature size; a general
``value_dim`` is checked against hand-written torch ops.
"""

import numpy as np
import pytest

from engine.layers import create_layer

torch = pytest.importorskip("torch")


def build(shapes, **options):
    layer = create_layer({"kind": "MultiHeadAttention", "name": "mha", **options})
    layer.build(shapes, np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    for value in layer.params.values():
        value[...] = rng.normal(0.0, 0.5, value.shape)
    return layer


def t(a):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=True)


def copy_into_torch(layer, embed, heads, kdim):
    mha = torch.nn.MultiheadAttention(embed, heads, batch_first=True, kdim=kdim, vdim=kdim,
                                      dtype=torch.float64)
    p = {k: torch.tensor(v) for k, v in layer.params.items()}
    with torch.no_grad():
        if mha._qkv_same_embed_dim:
            mha.in_proj_weight.copy_(torch.cat([p["query_kernel"].T, p["key_kernel"].T,
                                                p["value_kernel"].T]))
        else:
            mha.q_proj_weight.copy_(p["query_kernel"].T)
            mha.k_proj_weight.copy_(p["key_kernel"].T)
            mha.v_proj_weight.copy_(p["value_kernel"].T)
        mha.in_proj_bias.copy_(torch.cat([p["query_bias"], p["key_bias"], p["value_bias"]]))
        mha.out_proj.weight.copy_(p["output_kernel"].T)
        mha.out_proj.bias.copy_(p["output_bias"])
    return mha


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("cross", [False, True])
def test_forward_backward_match_torch_multihead_attention(causal, cross):
    heads, embed, kdim, t_q = 2, 6, 4, 5
    t_k = 3 if cross else t_q
    shapes = [(t_q, embed), (t_k, kdim)] if cross else [(t_q, embed)]
    layer = build(shapes, num_heads=heads, key_dim=embed // heads, use_causal_mask=causal)
    rng = np.random.default_rng(2)
    inputs = [rng.normal(size=(3, *s)) for s in shapes]
    y = layer.forward(inputs, training=False)
    w_out = rng.normal(size=y.shape)
    grads_x = layer.backward(w_out)

    mha = copy_into_torch(layer, embed, heads, kdim if cross else embed)
    tq = t(inputs[0])
    tc = t(inputs[1]) if cross else tq
    mask = torch.triu(torch.ones(t_q, t_k, dtype=torch.bool), 1) if causal else None
    ty, tw = mha(tq, tc, tc, attn_mask=mask, need_weights=True, average_attn_weights=False)
    (ty * torch.tensor(w_out)).sum().backward()

    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.inspect()["attention_weights"], tw.detach().numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(grads_x[0], tq.grad.numpy(), rtol=1e-9, atol=1e-11)
    if cross:
        np.testing.assert_allclose(grads_x[1], tc.grad.numpy(), rtol=1e-9, atol=1e-11)
    g = layer.grads
    np.testing.assert_allclose(g["output_kernel"], mha.out_proj.weight.grad.numpy().T, atol=1e-10)
    np.testing.assert_allclose(g["output_bias"], mha.out_proj.bias.grad.numpy(), atol=1e-10)
    bias = np.concatenate([g["query_bias"], g["key_bias"], g["value_bias"]])
    np.testing.assert_allclose(bias, mha.in_proj_bias.grad.numpy(), atol=1e-10)
    torch_q = (mha.q_proj_weight if cross else mha.in_proj_weight).grad.numpy()[:embed]
    np.testing.assert_allclose(g["query_kernel"], torch_q.T, atol=1e-10)
    torch_v = mha.v_proj_weight.grad.numpy() if cross else mha.in_proj_weight.grad[2 * embed:]
    np.testing.assert_allclose(g["value_kernel"], np.asarray(torch_v).T, atol=1e-10)


def test_general_value_dim_matches_hand_written_torch_ops():
    heads, key_dim, value_dim, t_q, t_k = 3, 2, 4, 4, 6
    layer = build([(t_q, 5), (t_k, 3)], num_heads=heads, key_dim=key_dim, value_dim=value_dim)
    rng = np.random.default_rng(3)
    xq, xc = rng.normal(size=(2, t_q, 5)), rng.normal(size=(2, t_k, 3))
    y = layer.forward([xq, xc], training=False)
    w_out = rng.normal(size=y.shape)
    gq, gc = layer.backward(w_out)

    p = {k: t(v) for k, v in layer.params.items()}
    tq, tc = t(xq), t(xc)

    def heads_of(x, part, size):  # (B, T, F) -> (B, H, T, size)
        z = x @ p[f"{part}_kernel"] + p[f"{part}_bias"]
        return z.reshape(x.shape[0], x.shape[1], heads, size).transpose(1, 2)

    q, k, v = heads_of(tq, "query", key_dim), heads_of(tc, "key", key_dim), heads_of(
        tc, "value", value_dim)
    att = torch.softmax(q @ k.transpose(-1, -2) / key_dim**0.5, dim=-1)  # (B, H, T_q, T_k)
    out = (att @ v).transpose(1, 2).reshape(2, t_q, heads * value_dim)
    ty = out @ p["output_kernel"] + p["output_bias"]
    (ty * torch.tensor(w_out)).sum().backward()

    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gq, tq.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(gc, tc.grad.numpy(), rtol=1e-9, atol=1e-11)
    for key, value in layer.grads.items():
        np.testing.assert_allclose(value, p[key].grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=key)


def test_benchmark_workload_g_matches_its_torch_reference_with_copied_weights():
    from engine.bench.torch_reference import attention_classifier
    from engine.bench.workloads import build_engine, get_workload

    wl = get_workload("g")
    x, y = wl.make_data()
    x, y = x[:8], y[:8]
    run = build_engine(wl, dtype=np.float64)
    by_kind = {layer.kind: layer for layer in run.model.layers.values()}
    emb, pos = by_kind["Embedding"].params, by_kind["PositionalEncoding"].params
    mha, dense = by_kind["MultiHeadAttention"].params, by_kind["Dense"].params
    net = attention_classifier(wl).double()
    with torch.no_grad():
        net.emb.weight.copy_(torch.tensor(emb["embeddings"]))
        net.pos.copy_(torch.tensor(pos["embeddings"]))
        net.qkv.weight.copy_(torch.tensor(np.concatenate(
            [mha["query_kernel"], mha["key_kernel"], mha["value_kernel"]], axis=1).T))
        net.qkv.bias.copy_(torch.tensor(np.concatenate(
            [mha["query_bias"], mha["key_bias"], mha["value_bias"]])))
        net.o.weight.copy_(torch.tensor(mha["output_kernel"].T))
        net.o.bias.copy_(torch.tensor(mha["output_bias"]))
        net.head.weight.copy_(torch.tensor(dense["kernel"].T))
        net.head.bias.copy_(torch.tensor(dense["bias"]))
    out = run.model.forward(x.astype(np.float64), training=True)
    value, grad = run.loss.value_and_grad(out, y)
    run.model.backward(grad)
    t_loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
    t_loss.backward()
    assert value == pytest.approx(float(t_loss.detach()), rel=1e-10)
    grads = {layer.kind: layer.grads for layer in run.model.layers.values()}
    np.testing.assert_allclose(grads["Embedding"]["embeddings"], net.emb.weight.grad.numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(grads["PositionalEncoding"]["embeddings"], net.pos.grad.numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(grads["MultiHeadAttention"]["query_kernel"],
                               net.qkv.weight.grad.numpy()[:32].T, atol=1e-12)
    np.testing.assert_allclose(grads["Dense"]["kernel"], net.head.weight.grad.numpy().T,
                               atol=1e-12)
