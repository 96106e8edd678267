"""Embedding → recurrent layer: the input projection as a table lookup.

When a recurrent layer's only input is an Embedding's output ``X = E[ids]``, its input
projection ``XP = X W + b`` over all ``B·T`` steps equals ``(E W + b)[ids]``: a ``(V, G·H)``
table (V = vocabulary size) computed once per pass and gathered row by row, instead of a
``(B·T, F) @ (F, G·H)`` product. Backward, ``dTable = Σ`` of the ``dXP`` rows per id (a
scatter-add), ``dW = Eᵀ dTable``, ``db = Σ_rows dTable`` and — when nothing else needs the
Embedding's output gradient — ``dE = dTable Wᵀ`` goes straight into the Embedding's gradient
(``Model.backward``), skipping ``dX = dXP Wᵀ`` (B·T rows) and the Embedding's own scatter.
The numbers equal the unfused path's up to float rounding (tests/engine/test_token_fusion.py).

``Model`` links the pairs (``engine.layers.token_links.link_token_tables``: a module of its
own, as it needs ``RecurrentLayer``, whose module imports this one); a layer called on its own,
or on anything but the linked Embedding's latest output, or with input dropout, takes the
ordinary path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from engine.backend import pick
from engine.kernels.colsum import column_sum
from engine.layers.embedding import scatter_add_rows, scatter_add_rows_ref


@njit(cache=True, nogil=True)
def gather_rows(table, ids, out):
    """table: (V, D), ids: (N,) int64 -> out: (N, D) = table[ids]."""
    d = table.shape[1]
    for r in range(ids.shape[0]):
        src, dst = table[ids[r]], out[r]
        for c in range(d):
            dst[c] = src[c]


def gather_rows_ref(table: np.ndarray, ids: np.ndarray, out: np.ndarray) -> None:
    """Plain-numpy twin of ``gather_rows``."""
    np.take(table, ids, axis=0, out=out)


def token_rows(layer: Any, x: np.ndarray) -> np.ndarray | None:
    """The ids ``(B·T,)`` in the order of the layer's xp rows ((t, b) when time-major) when
    ``x`` is its linked Embedding's latest output, else None."""
    emb = layer.token_source
    if emb is None or x is not getattr(emb, "_out", None):
        return None
    ids = emb._ids.T if layer.time_major else emb._ids
    return np.ascontiguousarray(ids).reshape(-1)


def project_tokens(layer: Any, ids: np.ndarray,
                   reads_rows: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The table ``E W + b: (V, G·H)`` and ``ids`` (from ``token_rows``) for a kernel that
    reads the rows itself (``reads_rows``), else ``(xp, None)`` with xp: (B·T, G·H) filled
    with ``(E W + b)[ids]``."""
    emb_table = layer.token_source.params["embeddings"]  # (V, F)
    kernel = layer.params["kernel"]
    table = layer._scratch("token_table", (emb_table.shape[0], kernel.shape[1]))
    np.dot(emb_table, kernel, out=table)
    if "bias" in layer.params:
        table += layer.params["bias"]
    if reads_rows:
        return table, ids
    xp = layer._scratch("xp", (len(ids), kernel.shape[1]))
    pick(gather_rows, gather_rows_ref)(table, ids, xp)
    return xp, None


def table_grads(layer: Any, ids: np.ndarray, dxp: np.ndarray) -> np.ndarray:
    """dxp: (B·T, G·H) rows in ``ids`` order -> [dW; db]: (F + 1, G·H); keeps dTable for
    ``embedding_grad``."""
    emb_table = layer.token_source.params["embeddings"]  # (V, F)
    v, f = emb_table.shape
    dtable = layer._scratch("token_dtable", (v, dxp.shape[1]))
    pick(scatter_add_rows, scatter_add_rows_ref)(ids, np.ascontiguousarray(dxp), dtable)
    dwb = layer._scratch("token_dwb", (f + 1, dxp.shape[1]))
    np.dot(emb_table.T, dtable, out=dwb[:f])
    column_sum(dtable, dwb[f])
    layer._dtable = dtable
    return dwb


def embedding_grad(layer: Any) -> None:
    """dE = dTable Wᵀ into the linked Embedding's gradient (after ``table_grads``)."""
    np.dot(layer._dtable, layer.params["kernel"].T, out=layer.token_source.grads["embeddings"])
