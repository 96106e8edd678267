"""The engine's thread budget: how many cores one training call may use, applied per call.

``budget()`` is ``set_budget(n)`` when the app (the window's *Threads for training*, a saved
preference: ``widgets/panels/thread_choice.py``) or the CLI (``--threads N``) set one, else the
environment's ``LAYERLAB_THREADS`` (a whole number ≥ 1), else the usable cores − 1 (at least
1): one core stays with the window's GUI thread. Nothing here sets a process-wide environment
variable; the budget is applied around each training call:

* **BLAS** (numpy's and scipy's OpenBLAS, which numba's ``np.dot`` calls) through
  threadpoolctl: ``blas(n)`` raises the BLAS libraries to ``n`` threads for the duration of a
  ``with`` block and puts the previous count back afterwards. Outside such blocks BLAS runs at
  its baseline: ``install()`` (called by the ``layerlab`` command for the window and the
  headless commands, instead of pinning ``OPENBLAS_NUM_THREADS``) makes that 1, so the GUI
  thread's small products and the probes never wake BLAS threads that would spin against the
  training thread.
* **Chunked numba kernels** split a large batch into parts run by ``budget()`` threads
  (``nogil`` kernels on a plain thread pool, no numba threading layer): the convolutions
  (``engine.layers.conv_exec``), the recurrent cells' time loops (LSTM, GRU, SimpleRNN) and
  attention (``batch_parts`` / ``run_parts``: each part runs every time step, or every head,
  for its own samples). Their results equal the one-thread run within float32 reduction order
  (bit-identical for the same thread count).

``training(model, batch)`` is the per-call policy the trainer and ``main.py bench`` use: BLAS
gets the budget when one step multiplies at least ``BLAS_MIN_MACS`` (parameters × batch, a
lower bound on the step's multiply-adds) and the model has no convolution (whose chunk threads
already use the budget: both at once would oversubscribe the cores); tiny networks (the
spiral's 2-8-8-1) stay on one thread, where a thread hand-off costs more than it saves. With
the default budget BLAS also stays off cores other programs are busy on
(``free_cores_for_blas``): spinning OpenBLAS threads on a loaded 2-core machine made workload
(b) 8× slower. A chosen count (``--threads``, ``LAYERLAB_THREADS``, ``set_budget``) is used as
it is.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from engine.thread_load import OthersMeter

ENV = "LAYERLAB_THREADS"
BLAS_MIN_MACS = 4_000_000  # params × batch below: one BLAS thread (bench a, c, e, g; b, f above)
PART_MIN_MACS = 2_000_000  # a batch-parallel kernel call below this runs on one thread
PART_MIN_SAMPLES = 8  # fewer samples per part and the per-step products get too thin
_state: dict[str, Any] = {"budget": None, "baseline": None, "controller": None, "pool": None,
                          "pool_size": 0}
_lock = threading.Lock()
_active: list[int] = []  # thread counts of the blas() blocks now open (any thread)
_meter = OthersMeter()  # other programs' CPU use, for the default budget's BLAS threads


class HasParams(Protocol):
    """What ``training`` reads of a model: the flat parameter buffer and the layers."""

    params_flat: Any
    layers: Any


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` elsewhere)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def parse_threads(text: str | int, source: str = "--threads") -> int:
    """A thread count from the command line or the environment; ValueError names the fix."""
    try:
        n = int(str(text).strip())
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{source} must be a whole number of threads, 1 or more "
                         f"(got '{text}'), e.g. {source}=2.")
    return n


def default_budget() -> int:
    """LAYERLAB_THREADS when set and valid, else usable cores − 1 (at least 1)."""
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            return parse_threads(text, ENV)
        except ValueError:
            pass  # an unusable value is ignored rather than stopping the app
    return max(1, available_cores() - 1)


def budget() -> int:
    """Threads one training call may use (the GUI thread keeps the rest)."""
    n = _state["budget"]
    return default_budget() if n is None else int(n)


def set_budget(n: int | None) -> None:
    """Use up to ``n`` threads per training call; ``None`` returns to ``default_budget()``."""
    _state["budget"] = None if n is None else max(1, int(n))


# -- BLAS through threadpoolctl ------------------------------------------------------------------
def _controller() -> Any:
    """threadpoolctl's view of the BLAS libraries (numpy's and scipy's OpenBLAS), built once
    after scipy's BLAS (the one numba's ``np.dot`` calls) is loaded; None without threadpoolctl."""
    ctl = _state["controller"]
    if ctl is None:
        try:
            import scipy.linalg.cython_blas  # noqa: F401
        except ImportError:  # pragma: no cover - scipy comes with scikit-learn
            pass
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a pinned dependency
            return None
        ctl = _state["controller"] = ThreadpoolController().select(user_api="blas")
        if _state["baseline"] is None:  # nobody called install(): the libraries' own count
            _state["baseline"] = max([lib.num_threads for lib in ctl.lib_controllers] or [1])
        elif not _active:
            _apply_to(ctl, int(_state["baseline"]))
    return ctl


def _apply_to(ctl: Any, n: int) -> None:
    """Set every BLAS library to ``n`` threads, from whichever thread calls (under ``_lock``).

    threadpoolctl ≥ 3.6 lets only the first thread that set OpenBLAS's (process-wide) count
    set it again, silently ignoring the others; here the training worker must be able to
    raise it after the GUI thread's ``install(1)``, and ``_lock`` with the largest-request
    rule already keeps threads from fighting, so the controlling thread is cleared first."""
    for lib in ctl.lib_controllers:
        clear = getattr(lib, "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)
        lib.set_num_threads(n)


def _apply(n: int) -> None:
    ctl = _controller()
    if ctl is not None:
        _apply_to(ctl, n)


def blas_threads() -> int:
    """The BLAS libraries' current thread count (the largest if they differ)."""
    ctl = _controller()
    if ctl is None:
        return 1
    return max([lib.get_num_threads() for lib in ctl.lib_controllers] or [1])


def install(baseline: int = 1) -> None:
    """BLAS threads outside ``blas()`` blocks: the app and the CLI make it 1. Called before
    numpy is loaded it only records the wish (cheap), applied when the BLAS libraries are
    first looked up (the first training call or ``blas()`` block)."""
    with _lock:
        _state["baseline"] = max(1, int(baseline))
        if "numpy" in sys.modules or _state["controller"] is not None:
            _controller()
            if not _active:
                _apply(_state["baseline"])


def _effective() -> int:
    return max(_active) if _active else int(_state["baseline"])


@contextmanager
def blas(n: int) -> Iterator[None]:
    """BLAS may use ``n`` threads inside the block (the largest request of the blocks open on
    any thread); afterwards the largest request still open, or the baseline when none is."""
    n = max(1, int(n))
    with _lock:
        _controller()
        before = _effective()
        _active.append(n)
        if _effective() != before:
            _apply(_effective())
    try:
        yield
    finally:
        with _lock:
            before = _effective()
            _active.remove(n)
            if _effective() != before:
                _apply(_effective())


# -- the per-call policy -------------------------------------------------------------------------
CHUNKED_KINDS = frozenset({"Conv1D", "Conv2D", "Conv2DTranspose"})  # engine.layers.conv


def has_chunked_layers(model: HasParams) -> bool:
    """True when a layer runs its own chunk threads (the convolutions: ``conv_exec``)."""
    return any(layer.kind in CHUNKED_KINDS for layer in model.layers.values())


def blas_threads_for(model: HasParams, batch: int) -> int:
    """BLAS threads for one step of ``model`` on ``batch`` samples (see the module notes)."""
    if budget() <= 1 or has_chunked_layers(model):
        return 1
    work = int(getattr(model.params_flat, "size", 0)) * max(1, int(batch))
    if work < BLAS_MIN_MACS:
        return 1
    return min(budget(), free_cores_for_blas())


def is_default_budget() -> bool:
    """True when nobody chose the thread count (no set_budget, --threads or LAYERLAB_THREADS)."""
    return _state["budget"] is None and not os.environ.get(ENV, "").strip()


def free_cores_for_blas() -> int:
    """With the default budget: the cores other programs leave free, less one for the GUI (at
    least 1; ``engine.thread_load``); a chosen thread count is used as it is (no limit here),
    so runs with the same count are reproducible."""
    if not is_default_budget():
        return budget()
    others = _meter.sample()
    if others is None:
        return budget()
    return max(1, int(available_cores() - others + 0.5) - 1)


@contextmanager
def training(model: HasParams, batch: int) -> Iterator[int]:
    """Around a stepper call: BLAS threads per ``blas_threads_for``; yields the count."""
    n = blas_threads_for(model, batch)
    _controller()  # applies a baseline install() left pending
    if n <= 1:
        yield 1
        return
    with blas(n):
        yield n


# -- batch-parallel kernels ----------------------------------------------------------------------
Part = tuple[int, int]  # samples [start, stop)


def batch_parts(nb: int, macs: int, min_work: int | None = None) -> list[Part]:
    """Sample ranges for one batch-parallel kernel call of ``macs`` multiply-adds (or other
    units of work, worth splitting from ``min_work``, default ``PART_MIN_MACS``): one per
    thread of the budget (contiguous, sizes differing by at most one, at least
    ``PART_MIN_SAMPLES`` samples each), or ``[(0, nb)]`` when the call is small or the budget
    is 1."""
    big = macs >= (PART_MIN_MACS if min_work is None else min_work)
    n = min(budget(), nb // PART_MIN_SAMPLES) if big else 1
    if n <= 1:
        return [(0, nb)]
    edges = [nb * i // n for i in range(n + 1)]
    return [(edges[i], edges[i + 1]) for i in range(n)]


def run_parts(work: Callable[[int, int], None], parts: list[Part]) -> None:
    """``work(b0, b1)`` for every part: the first on this thread, the others on the engine's
    pool; returns when all are done and re-raises their errors."""
    if len(parts) == 1:
        work(*parts[0])
        return
    pool = _pool(len(parts) - 1)
    futures: list[Future[None]] = [pool.submit(work, b0, b1) for b0, b1 in parts[1:]]
    try:
        work(*parts[0])
    finally:
        for fut in futures:
            fut.result()


def _pool(size: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _state["pool"]
        if pool is None or _state["pool_size"] < size:
            if pool is not None:
                pool.shutdown(wait=False)
            pool = _state["pool"] = ThreadPoolExecutor(max_workers=size,
                                                       thread_name_prefix="layerlab-part")
            _state["pool_size"] = size
        return pool
