"""PyTorch templates of MultiHeadAttention and ScaledDotProductAttention (registered into
``torch_template_base``; ``torch_templates`` imports this module), with the engine's scaling
and masks written out.

Both layers compute ``softmax(Q·Kᵀ/√d_k)·V`` (``engine.kernels.attention.attend``): ``causal``
hides the keys after each query (``j > i``), ``mask_padding`` hides the key positions whose
*input* vector is all zeros (for MultiHeadAttention the context wire before its projections,
for ScaledDotProductAttention the key wire). A query row whose keys are all hidden attends to
nothing (all-zero weights, output 0) where ``F.scaled_dot_product_attention`` would give NaN,
so the script writes the masked softmax out (``attend``) instead of calling it.
ScaledDotProductAttention has no weights: one wire is Q = K = V, two are Q and K = V.
"""

from __future__ import annotations

from engine.export.plan_steps import ExportError, Step
from engine.export.torch_template_base import COMPOSITE_SOURCES, Arrays, TorchCode, template

COMPOSITE_SOURCES["attend"] = '''def keys_kept(x):
    """x (B, T, F) -> (B, T) bool: False at the padding steps (all-zero feature vectors)."""
    return (x != 0).any(dim=-1)


def attend(q, k, v, causal=False, keep=None, dropout=0.0, training=False):
    """softmax(q·kᵀ/√d)·v as LayerLab computes it.

    q (B, H, Tq, d), k (B, H, Tk, d), v (B, H, Tk, dv) -> (B, H, Tq, dv). causal hides the
    keys after each query (j > i); keep (B, Tk) bool marks the keys that are not padding.
    A query whose keys are all hidden gets all-zero weights (F.scaled_dot_product_attention
    would give NaN there), so the masked softmax is written out."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])  # (B, H, Tq, Tk)
    visible = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device)  # (Tq, Tk)
    if causal:
        visible = visible.tril()
    visible = visible.expand(scores.shape)
    if keep is not None:
        visible = visible & keep[:, None, None, :]
    z = scores.masked_fill(~visible, -math.inf)
    top = z.amax(dim=-1, keepdim=True).detach()  # subtracted for a stable exp
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    e = torch.exp(z - top)  # 0 at the hidden keys
    total = e.sum(dim=-1, keepdim=True)
    weights = e / torch.where(total > 0, total, torch.ones_like(total))  # (B, H, Tq, Tk)
    weights = F.dropout(weights, dropout, training)
    return weights @ v'''

COMPOSITE_SOURCES["MultiHeadAttention"] = '''class MultiHeadAttention(nn.Module):
    """LayerLab's (Keras-style) multi-head attention: queries from xq (B, Tq, d_query), keys
    and values from xc (B, Tk, d_context), any key/value sizes -> (B, Tq, d_query)."""

    def __init__(self, d_query, d_context, heads, key_dim, value_dim, causal, dropout, bias,
                 mask_padding=False):
        super().__init__()
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.mask_padding = mask_padding  # ignore the all-zero steps of the context
        self.query = nn.Linear(d_query, heads * key_dim, bias=bias)
        self.key = nn.Linear(d_context, heads * key_dim, bias=bias)
        self.value = nn.Linear(d_context, heads * value_dim, bias=bias)
        self.output = nn.Linear(heads * value_dim, d_query, bias=bias)

    def forward(self, xq, xc):
        def split(v):  # (B, T, heads·d) -> (B, heads, T, d)
            return v.reshape(v.shape[0], v.shape[1], self.heads, -1).transpose(1, 2)

        q, k, v = split(self.query(xq)), split(self.key(xc)), split(self.value(xc))
        keep = keys_kept(xc) if self.mask_padding else None  # read before the projections
        heads = attend(q, k, v, self.causal, keep, self.dropout, self.training)
        joined = heads.transpose(1, 2).reshape(xq.shape[0], xq.shape[1], -1)
        return self.output(joined)'''


@template("MultiHeadAttention")
def _attention(step: Step) -> TorchCode:
    o = step.options
    d_q, d_c = step.in_shapes[0][-1], step.in_shapes[-1][-1]
    heads, kd = int(o["num_heads"]), int(o["key_dim"])
    vd = int(o.get("value_dim") or kd)
    parts = ("query", "key", "value", "output")

    def to(a: Arrays) -> Arrays:
        out = {f"{p}.weight": a[f"{p}_kernel"].T for p in parts}
        out.update({f"{p}.bias": a[f"{p}_bias"] for p in parts if f"{p}_bias" in a})
        return out

    def back(t: Arrays) -> Arrays:
        out = {f"{p}_kernel": t[f"{p}.weight"].T for p in parts}
        out.update({f"{p}_bias": t[f"{p}.bias"] for p in parts if f"{p}.bias" in t})
        return out
    mask = ", mask_padding=True" if o.get("mask_padding") else ""
    return TorchCode([f"self.{step.var} = MultiHeadAttention({d_q}, {d_c}, heads={heads}, "
                      f"key_dim={kd}, value_dim={vd}, causal={bool(o['use_causal_mask'])}, "
                      f"dropout={float(o['dropout'])!r}, bias={bool(o['use_bias'])}{mask})"],
                     f"self.{step.var}({step.inputs[0]}, {step.inputs[-1]})", to, back,
                     classes=("attend", "MultiHeadAttention"))


@template("ScaledDotProductAttention")
def _dot_attention(step: Step) -> TorchCode:
    """q (B, Tq, d), k (B, Tk, d), v (B, Tk, dv) -> (B, Tq, dv): one head, no weights."""
    if not 1 <= len(step.inputs) <= 3:
        raise ExportError(f"The attention layer '{step.name}' needs one to three wires.")
    q, k, v = step.inputs[0], step.inputs[min(1, len(step.inputs) - 1)], step.inputs[-1]
    causal = bool(step.options.get("use_causal_mask"))
    keep = f", keep=keys_kept({k})" if step.options.get("mask_padding") else ""
    return TorchCode([], f"attend({q}[:, None], {k}[:, None], {v}[:, None], "
                         f"causal={causal}{keep})[:, 0]", classes=("attend",))
