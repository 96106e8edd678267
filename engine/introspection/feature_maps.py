"""Looking inside a CNN: its filters, its feature maps for one sample, a kernel playground.

- ``conv_filters(model)``: ``{layer: (filters, C, kh, kw)}`` copies of every 2-D convolution
  kernel (Conv2DTranspose's ``(C, filters, kh, kw)`` is swapped to the same layout).
- ``feature_maps(model, x)``: one inference pass of one sample ``x: (C, H, W)`` ->
  ``{layer: (C', H', W')}`` for every layer whose output is an image (conv, pooling,
  normalization, activation...), in network order; the Input layer itself is left out.
- ``misclassified_examples(model, x, labels)``: the wrong predictions on ``x: (N, C, H, W)``,
  most confident first (``engine.introspection.curves.misclassified``) with their images.
- ``apply_kernel(image (H, W), kernel (kh, kw))``: the cross-correlation a Conv2D computes
  (zero padding, stride 1), and ``PRESETS`` of classic hand-made kernels for the playground.
- ``cnn_probes(...)``: the snapshot probe dicts the CNN views read (keys in ``PROBE_KEYS``).
- ``CNN_RUNNERS``: the same as runners for ``engine.introspection.compute_probes``
  (``RUNNERS.update(CNN_RUNNERS)``; results in ``"introspection:cnn_filters"`` etc.).

No function here touches ``model.grads_flat`` or the parameters; they run between training
chunks on the training thread (a forward pass overwrites the layers' work arrays, which the
next training step recomputes anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np

from engine.introspection.curves import misclassified
from engine.model import Model
from engine.types import ConfigError

CONV_KINDS = ("Conv2D", "Conv2DTranspose")
MAX_EVAL_SAMPLES = 500  # misclassified_examples looks at most at this many samples by default
PROBE_KEYS = ("cnn_filters", "cnn_maps", "cnn_misclassified")


# -- filters and feature maps ------------------------------------------------------------------
def conv_filters(model: Model) -> dict[str, np.ndarray]:
    """``{layer name: (filters, C, kh, kw) float32 copy}`` for every 2-D convolution, in network
    order; ``{}`` when the network has none."""
    out: dict[str, np.ndarray] = {}
    for name in model.order:
        layer = model.layers[name]
        kernel = layer.params.get("kernel")
        if layer.kind not in CONV_KINDS or kernel is None or kernel.ndim != 4:
            continue
        k = kernel.transpose(1, 0, 2, 3) if layer.kind == "Conv2DTranspose" else kernel
        out[name] = np.array(k, dtype=np.float32, copy=True)
    return out


@contextmanager
def _one_thread() -> Iterator[None]:
    """numba kernels of this thread on one thread. Probe batches are small: on a busy 2-core
    machine the parallel kernels' start-up cost 25–60 ms a call against 0.05–1 ms on one
    thread (one sample, 256 digits)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)  # thread-local in numba: training threads are not affected
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _sample_image(model: Model, x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=model.dtype)
    if x.shape != tuple(model.input_shape):
        raise ConfigError(f"The sample has shape {x.shape} but the network expects "
                          f"{tuple(model.input_shape)}.")
    return x


def feature_maps(model: Model, x: Any) -> dict[str, np.ndarray]:
    """x: one sample ``(C, H, W)`` (the network's input shape) -> ``{layer: (C', H', W')}``
    float32 copies for every non-Input layer with an image output, in network order.

    One ``model.forward(x[None], training=False)``: dropout is off, batch normalization uses its
    running statistics and updates nothing, no gradient is computed."""
    x = _sample_image(model, x)
    with _one_thread():
        model.forward(x[None], training=False)
    values = model.activations_of()
    out: dict[str, np.ndarray] = {}
    for name in model.order:
        value = values.get(name)
        if name == model.input_name or value is None or value.ndim != 4:
            continue
        out[name] = np.array(value[0], dtype=np.float32, copy=True)
    return out


def misclassified_examples(model: Model, x: Any, labels: Any, coder: Any = None,
                           limit: int = 32, max_samples: int = MAX_EVAL_SAMPLES,
                           ids: Any = None) -> dict[str, Any]:
    """Wrong predictions on the first ``max_samples`` of ``x: (N, *input_shape)`` with
    ``labels: (N,)`` class ints: ``index (M,)`` into ``x``, ``true``, ``predicted``,
    ``confidence`` (probability of the predicted class, descending), ``images (M, ...)``, and
    ``n_wrong``/``n_total``: mistakes among / number of the samples looked at.

    ``coder`` (``engine.targets.TargetCoder``, e.g. ``trainer.coder``) turns network outputs
    into class scores; without it the outputs must already be class probabilities. ``ids
    (N,)``: what ``index`` reports for each sample (e.g. positions in ``x_val`` when ``x`` is a
    subset of it); default ``0..N-1``. Cost: one
    inference pass over the samples (``model.predict``), the dearest probe here."""
    x = np.asarray(x)[:max_samples]
    if len(x) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return {"index": empty, "true": empty, "predicted": empty, "confidence": np.zeros(0),
                "n_wrong": np.int64(0), "n_total": np.int64(0),
                "images": np.zeros((0, *model.input_shape), np.float32)}
    truth = np.asarray(labels)[: len(x)].reshape(len(x), -1)[:, 0]
    with _one_thread():
        outputs = model.predict(np.asarray(x, dtype=model.dtype), batch_size=256)
    scores = coder.scores(outputs) if coder is not None else outputs
    every = misclassified(truth.astype(np.int64), scores)
    out: dict[str, Any] = {key: value[:limit] for key, value in every.items()}
    out["n_wrong"], out["n_total"] = np.int64(len(every["index"])), np.int64(len(x))
    out["images"] = np.array(x[out["index"]], dtype=np.float32, copy=True)
    if ids is not None:
        out["index"] = np.asarray(ids, dtype=np.int64)[out["index"]]
    return out


def cnn_probes(model: Model, x_sample: Any = None, index: int = 0, split: str = "val",
               images: Any = None, labels: Any = None, coder: Any = None,
               limit: int = 32, max_samples: int = MAX_EVAL_SAMPLES) -> dict[str, Any]:
    """The probes the CNN views read, for ``Snapshot.probes``:

    - ``"cnn_filters"``: ``conv_filters(model)`` (FilterGridView);
    - ``"cnn_maps"`` when ``x_sample (C, H, W)`` is given: ``{"index": index, "split": split,
      "input": x_sample, "layers": feature_maps(model, x_sample)}`` (FeatureMapView);
    - ``"cnn_misclassified"`` when ``images (N, C, H, W)`` and ``labels (N,)`` are given:
      ``misclassified_examples(...)`` plus ``"split"`` (MisclassifiedGallery).
    """
    out: dict[str, Any] = {"cnn_filters": conv_filters(model)}
    if x_sample is not None:
        x = _sample_image(model, x_sample)
        out["cnn_maps"] = {"index": int(index), "split": split, "input": x.astype(np.float32),
                           "layers": feature_maps(model, x)}
    if images is not None and labels is not None:
        out["cnn_misclassified"] = {**misclassified_examples(model, images, labels, coder, limit,
                                                           max_samples),
                                    "split": split}
    return out


# -- kernel playground -------------------------------------------------------------------------
def apply_kernel(image: Any, kernel: Any, padding: str = "same") -> np.ndarray:
    """Cross-correlate ``image (H, W)`` with ``kernel (kh, kw)`` as a Conv2D does (stride 1).

    ``padding="same"``: zeros around the border, output ``(H, W)`` (the extra row/column of an
    even kernel goes at the bottom/right, as in Keras); ``"valid"``: only whole windows,
    output ``(H - kh + 1, W - kw + 1)``. Returns float64."""
    img = np.asarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    if img.ndim != 2 or k.ndim != 2 or k.size == 0:
        raise ConfigError("apply_kernel needs a 2-D image and a 2-D kernel.")
    kh, kw = k.shape
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        img = np.pad(img, ((top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid":
        raise ConfigError(f"Unknown padding '{padding}': choose 'same' or 'valid'.")
    if img.shape[0] < kh or img.shape[1] < kw:
        raise ConfigError(f"The kernel {kh}×{kw} is larger than the image.")
    windows = np.lib.stride_tricks.sliding_window_view(img, (kh, kw))  # (OH, OW, kh, kw)
    return np.einsum("ijkl,kl->ij", windows, k)


def _gaussian(size: int, sigma: float) -> np.ndarray:
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-(t**2) / (2 * sigma**2))
    k = np.outer(g, g)
    return k / k.sum()


_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
_PREWITT_X = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float64)

# name -> (kernel, what it does). 3×3 unless the name says 5×5.
PRESETS: dict[str, tuple[np.ndarray, str]] = {
    "Identity": (np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64),
                 "Copies the image: only the centre pixel counts."),
    "Sobel x (vertical edges)": (_SOBEL_X, "Right minus left: positive on the left edge "
                                 "of a stroke, negative on its right edge."),
    "Sobel y (horizontal edges)": (_SOBEL_X.T.copy(), "Below minus above: positive on the top "
                                   "edge of a stroke, negative on its bottom edge."),
    "Prewitt x (vertical edges)": (_PREWITT_X, "Like Sobel x without the extra weight on the "
                                   "middle row."),
    "Prewitt y (horizontal edges)": (_PREWITT_X.T.copy(), "Like Sobel y without the extra "
                                     "weight on the middle column."),
    "Sharpen": (np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64),
                "The pixel minus its neighbours, added back: edges stand out."),
    "Box blur": (np.full((3, 3), 1 / 9), "Average of the 3×3 neighbourhood."),
    "Box blur 5×5": (np.full((5, 5), 1 / 25), "Average of the 5×5 neighbourhood: blurrier."),
    "Gaussian blur": (_gaussian(3, 0.85), "Weighted average, nearer pixels count more."),
    "Gaussian blur 5×5": (_gaussian(5, 1.0), "A wider Gaussian: smoother."),
    "Laplacian (edges)": (np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64),
                          "Neighbours minus the centre: responds to edges in every direction."),
    "Edge detect (8-neighbour)": (np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
                                           dtype=np.float64),
                                  "The centre minus all 8 neighbours: outlines shapes."),
}


def preset_kernel(name: str, size: int | None = None) -> np.ndarray:
    """The preset ``name`` as a ``(size, size)`` array (a smaller kernel is centred in zeros;
    ``None``: its own size). Raises ConfigError for an unknown name or a too small size."""
    if name not in PRESETS:
        raise ConfigError(f"Unknown kernel preset '{name}': choose one of {', '.join(PRESETS)}.")
    k = PRESETS[name][0]
    if size is None or size == k.shape[0]:
        return k.copy()
    if size < k.shape[0] or (size - k.shape[0]) % 2:
        raise ConfigError(f"The preset '{name}' is {k.shape[0]}×{k.shape[0]}; it does not fit "
                          f"a {size}×{size} kernel.")
    pad = (size - k.shape[0]) // 2
    return np.pad(k, pad)


# -- runners for engine.introspection.compute_probes ------------------------------------------
# Signature (model, batch: ProbeBatch, options, state) -> result dict, as its RUNNERS; register
# them with ``RUNNERS.update(CNN_RUNNERS)`` and results arrive as
# ``snapshot.probes["introspection:cnn_filters"]`` etc. (the CNN views read both spellings).
def run_cnn_filters(model: Model, batch: Any, opts: dict[str, Any], state: Any
                    ) -> dict[str, Any]:
    """No options -> ``conv_filters(model)``."""
    return conv_filters(model)


def run_cnn_maps(model: Model, batch: Any, opts: dict[str, Any], state: Any) -> dict[str, Any]:
    """Options: ``sample`` (an image ``(C, H, W)`` the GUI took from its dataset) and ``index``
    (its position, echoed back), or only ``index`` into the probe batch [0]."""
    index = int(opts.get("index", 0))
    sample = opts.get("sample")
    if sample is None:
        if not 0 <= index < len(batch.x):
            raise ConfigError(f"Sample {index} is not in the probe batch "
                              f"(0 to {len(batch.x) - 1}).")
        sample = batch.x[index]
    x = _sample_image(model, sample)
    return {"index": index, "split": opts.get("split", "val" if "sample" in opts else "probe"),
            "input": x.astype(np.float32), "layers": feature_maps(model, x)}


def run_cnn_misclassified(model: Model, batch: Any, opts: dict[str, Any], state: Any
                          ) -> dict[str, Any]:
    """Options: ``limit`` [32]. The probe batch's mistakes, images included; ``index`` are
    positions in the probe batch (``split`` = "probe")."""
    if batch.task != "classification" or batch.labels is None:
        raise ConfigError("Misclassified images need a classification task with labels.")
    labels = np.asarray(batch.labels)
    if labels.ndim >= 2 and labels[0].size > 1 and np.issubdtype(labels.dtype, np.integer):
        raise ConfigError("The mistakes gallery shows one class per sample; this network "
                          "predicts a class at every position of a sequence.")
    out = misclassified_examples(model, batch.x, batch.labels, batch.coder,
                                 int(opts.get("limit", 32)), len(batch.x))
    return {**out, "split": "probe"}


CNN_RUNNERS = {"cnn_filters": run_cnn_filters, "cnn_maps": run_cnn_maps,
               "cnn_misclassified": run_cnn_misclassified}
