"""How a convolution's im2col + BLAS passes are run: in cache-sized chunks, optionally threaded.

A batch's whole im2col matrix (``C·kh·kw × B·OH·OW``) is megabytes; written once and read back
by BLAS it streams through memory twice. ``plan`` cuts the batch into runs of samples whose
im2col block is about ``chunk_bytes`` (default 256 KiB, well inside a core's L2 cache), so each
block is built, multiplied and (in the backward pass) turned back into an input gradient while
it is still cached. Every chunk's block is a contiguous ``(C·kh·kw, b·OH·OW)`` matrix inside the
layer's one flat ``cols`` buffer, kept for the backward pass.

Threads: with ``threads > 1`` and a batch worth at least ``MIN_PARALLEL_MACS`` multiply-adds,
the chunks are shared between the calling thread and ``threads − 1`` plain Python worker
threads. The numba kernels are ``nogil`` and numpy releases the GIL inside BLAS, so the chunks
really run side by side; no numba threading layer (``parallel=True``) is involved. The thread
count is the engine's thread budget (``engine.threads.budget()``: ``--threads``,
``LAYERLAB_THREADS`` or the usable cores − 1), or ``LAYERLAB_CONV_THREADS`` when the
environment sets it; ``set_threads(n)`` overrides both at run time (``set_threads(1)`` switches
threading off, ``set_threads(None)`` follows the budget again). Results do not depend on the
thread count: the chunks do not, and the weight gradients' per-chunk partial sums are
added in chunk order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from engine.threads import budget

CHUNK_BYTES = 256 * 1024
MIN_PARALLEL_MACS = 2_000_000  # below this a thread hand-off costs more than it saves
Chunk = tuple[int, int]  # samples [start, stop)
Chunks = tuple[Chunk, ...]
Groups = tuple[tuple[int, ...], ...]  # per worker: the numbers of its chunks


def _env_threads() -> int | None:
    """LAYERLAB_CONV_THREADS when the environment sets a whole number ≥ 1, else None."""
    try:
        wanted = int(os.environ.get("LAYERLAB_CONV_THREADS", "").strip())
    except ValueError:
        return None
    return wanted if wanted >= 1 else None


_settings: dict[str, int | None] = {"threads": _env_threads(), "chunk_bytes": CHUNK_BYTES}
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def threads() -> int:
    """Threads a large convolution pass may use (1 = the calling thread only)."""
    n = _settings["threads"]
    return budget() if n is None else n


def set_threads(n: int | None) -> None:
    """Use up to ``n`` threads per convolution pass; 1 switches threading off, None follows
    the engine's thread budget."""
    _settings["threads"] = None if n is None else max(1, int(n))


def chunk_bytes() -> int:
    return int(_settings["chunk_bytes"] or 0)


def set_chunk_bytes(n: int) -> None:
    """Target size of one chunk's im2col block; 0 = never split the batch."""
    _settings["chunk_bytes"] = max(0, int(n))


def plan(nb: int, sample_bytes: int, macs: int) -> tuple[Chunks, Groups]:
    """The batch's chunks and, per worker, the indices of the chunks it runs.

    nb: batch size; sample_bytes: one sample's im2col bytes; macs: the pass's multiply-adds.
    The chunks never depend on the thread count (an even number of them when the batch is
    split, so two threads share evenly), hence neither do the results. Plans are cached.
    """
    return _plan(nb, sample_bytes, macs >= MIN_PARALLEL_MACS, threads(), chunk_bytes())


@lru_cache(maxsize=256)
def _plan(nb: int, sample_bytes: int, parallel: bool, threads: int,
          limit: int) -> tuple[Chunks, Groups]:
    per = nb if limit <= 0 else max(1, limit // max(sample_bytes, 1))
    n_chunks = -(-nb // per)
    if n_chunks > 1:
        n_chunks = min(n_chunks + n_chunks % 2, nb)
    edges = [nb * i // n_chunks for i in range(n_chunks + 1)]
    chunks = tuple((edges[i], edges[i + 1]) for i in range(n_chunks))
    workers = max(1, min(threads if parallel else 1, n_chunks))
    per_worker = -(-n_chunks // workers)
    groups = (tuple(range(w * per_worker, min((w + 1) * per_worker, n_chunks)))
              for w in range(workers))
    return chunks, tuple(g for g in groups if g)


def largest(chunks: Chunks) -> int:
    """Samples in the largest chunk (sizes the per-worker scratch arrays)."""
    return max(b - a for a, b in chunks)


@lru_cache(maxsize=1024)
def bounds(chunks: Chunks, mine: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, stops, ids) of the chunks numbered ``mine``: int64 arrays for the kernels
    (cached and shared: never write to them)."""
    return (np.array([chunks[c][0] for c in mine], dtype=np.int64),
            np.array([chunks[c][1] for c in mine], dtype=np.int64),
            np.array(mine, dtype=np.int64))


def run(work: Callable[[int, tuple[int, ...]], None], groups: Groups) -> None:
    """Call ``work(w, groups[w])`` for every worker ``w``: the first on this thread, the
    others on the pool's threads; returns when all are done and re-raises their errors."""
    if len(groups) == 1:
        work(0, groups[0])
        return
    pool = _get_pool(len(groups) - 1)
    futures: list[Future[None]] = [pool.submit(work, w, g) for w, g in enumerate(groups)
                                   if w > 0]
    try:
        work(0, groups[0])
    finally:
        for fut in futures:
            fut.result()


def _get_pool(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size < size:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="layerlab-conv")
        _pool_size = size
    return _pool
