"""Capacity sweeps: train variants of a project and compare training with validation error.

``run_sweep(project, SweepSpec(param, values))`` trains one variant per value (each exactly
as ``main.py train`` would: ``engine.recipes.prepare`` with the project's seed) and returns a
``SweepResult`` with the training and validation error per value — the bias–variance U when
the validation error falls and rises again. Swept settings (``PARAMS``):

- ``width``: units of one hidden Dense layer (``layer``; default the first hidden Dense);
- ``depth``: number of hidden Dense layers of a chain Input → Dense… → output (copies of
  ``layer``);
- ``degree``: polynomial features of the inputs (1-D: x…x^d; 2-D: every x₁ⁱx₂ʲ with
  1 ≤ i + j ≤ d), each column standardized with training statistics; the Input's shape follows
  (``engine.datasets.polynomial``: the dataset option ``poly_degree`` gives the same columns,
  so ``applied_dataset`` can apply a degree; a project that has the option is swept from its
  inputs before the expansion);
- ``train_size``: the first n training samples (a value ≤ 1 is a share of them);
- ``l2``: the L2 penalty of every Dense layer.

Error is ``1 − accuracy`` (classification) or the mean squared error (regression), on the
whole training and validation parts after the last epoch. With ``folds = k ≥ 2`` training and
validation samples are pooled and split into k folds (fixed by the seed); each value is
trained k times (one fold held out each time) and reported as mean ± standard deviation.

Jobs (value × fold) run in a thread pool of ``default_workers()`` = cores − 1 (at least 1)
threads — numpy's BLAS and the numba kernels release the GIL — with ``progress(done, total)``
after each job and ``should_stop()`` checked between training steps (cancel: the result has
``cancelled`` set and NaN where a job did not finish).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from threading import Lock

import numpy as np

from engine.datasets.base import Dataset
from engine.datasets.polynomial import check_degree, fit_polynomial, poly_size
from engine.datasets.registry import dataset_options, load_dataset
from engine.graph import Graph
from engine.metrics import accuracy, per_position
from engine.project import Project
from engine.recipes import prepare
from engine.types import ConfigError, format_shape

PARAMS: dict[str, str] = {
    "width": "units of a hidden layer", "depth": "number of hidden layers",
    "degree": "polynomial degree of the inputs", "train_size": "training samples",
    "l2": "L2 penalty (regularization strength)"}
MAX_VALUES = 40
MAX_FOLDS = 10


@dataclass
class SweepSpec:
    """What to sweep: ``param`` (one of ``PARAMS``), its ``values``, the Dense ``layer`` it
    acts on (width, depth; None = the first hidden Dense), ``epochs`` (None = the project's)
    and ``folds`` (0 or 1: the project's own validation split; k ≥ 2: k-fold)."""

    param: str
    values: Sequence[float]
    layer: str | None = None
    epochs: int | None = None
    folds: int = 0

    def check(self) -> None:
        if self.param not in PARAMS:
            raise ConfigError(f"A sweep can vary {', '.join(PARAMS)}; not '{self.param}'.")
        if not 1 <= len(self.values) <= MAX_VALUES:
            raise ConfigError(f"Give between 1 and {MAX_VALUES} values to sweep.")
        whole = self.param in ("width", "depth", "degree")
        for v in self.values:
            if not math.isfinite(v) or v < 0 or (
                    whole and (v != int(v) or v < (0 if self.param == "depth" else 1))):
                raise ConfigError(f"The {PARAMS[self.param]} cannot be {v:g}: use "
                                  + ("whole numbers of at least 1." if whole else
                                     "numbers of at least 0."))
        if self.folds < 0 or self.folds > MAX_FOLDS:
            raise ConfigError(f"Use between 2 and {MAX_FOLDS} folds, or 0 for no "
                              "cross-validation.")


@dataclass
class SweepResult:
    """Per value: mean and spread (std over folds; 0 without folds) of the errors."""

    param: str
    values: list[float]
    train_mean: np.ndarray
    train_std: np.ndarray
    val_mean: np.ndarray
    val_std: np.ndarray
    metric: str  # "error rate" or "mean squared error"
    folds: int = 0
    cancelled: bool = False
    runs: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)

    @property
    def best_index(self) -> int | None:
        """The value with the lowest validation error (None when none finished)."""
        finite = np.isfinite(self.val_mean)
        if not finite.any():
            return None
        return int(np.nanargmin(np.where(finite, self.val_mean, np.nan)))

    @property
    def best_value(self) -> float | None:
        i = self.best_index
        return None if i is None else self.values[i]


def default_workers() -> int:
    """Threads for a sweep: cores − 1, at least 1."""
    return max(1, (os.cpu_count() or 2) - 1)


# -- variants ---------------------------------------------------------------------------------
def dense_chain(graph: Graph) -> list[str]:
    """Names of a chain Input → Dense → … → Dense in order, or a ConfigError."""
    order = graph.topological_order()
    kinds = [graph.nodes[n].kind for n in order]
    chained = all(graph.inputs_of(order[i]) == [order[i - 1]] for i in range(1, len(order)))
    if not order or kinds[0] != "Input" or any(k != "Dense" for k in kinds[1:]) or not chained:
        raise ConfigError("Sweeping the depth needs a plain chain of layers: one Input, then "
                          "Dense layers one after the other.")
    return order


def hidden_layer(graph: Graph, layer: str | None) -> str:
    """The Dense layer a width/depth sweep acts on (the first hidden Dense by default)."""
    dense = [n for n in graph.topological_order() if graph.nodes[n].kind == "Dense"]
    if layer is not None:
        if layer not in graph.nodes or graph.nodes[layer].kind != "Dense":
            raise ConfigError(f"There is no Dense layer '{layer}' to sweep.")
        return layer
    if len(dense) < 2:
        raise ConfigError("Sweeping a width needs a hidden Dense layer (one before the "
                          "output); add one.")
    return dense[0]


def with_depth(graph: Graph, depth: int, template: str) -> Graph:
    """A chain with ``depth`` hidden layers configured like ``template``, same Input/output."""
    order = dense_chain(graph)
    hidden_opts = dict(graph.nodes[template].options)
    configs = [{"kind": "Input", "name": order[0], **graph.nodes[order[0]].options}]
    configs += [{"kind": "Dense", "name": f"hidden_{i + 1}", **hidden_opts}
                for i in range(depth)]
    configs.append({"kind": "Dense", "name": order[-1], **graph.nodes[order[-1]].options})
    return Graph.sequential(configs)


def polynomial_data(data: Dataset, degree: int) -> Dataset:
    """``data`` (before any polynomial features of its own) with inputs replaced by their
    monomials up to ``degree``, standardized with training statistics
    (``engine.datasets.polynomial``). x: (N, D) with D ≤ 2 -> (N, P)."""
    data = data.without_poly()
    if len(data.input_shape) != 1 or data.input_shape[0] > 2:
        raise ConfigError("A polynomial-degree sweep needs data with 1 or 2 inputs.")
    poly = fit_polynomial(data.x_train, degree, list(data.feature_names))
    return replace(data, x_train=poly.apply(data.x_train), x_val=poly.apply(data.x_val),
                   input_shape=(len(poly.terms),), feature_names=poly.names, poly=poly,
                   x_train_base=data.x_train, x_val_base=data.x_val)


def variant_graph(graph: Graph, spec: SweepSpec, value: float) -> Graph:
    """A copy of ``graph`` with a width, depth or l2 at ``value`` (others: a plain copy)."""
    graph = copy.deepcopy(graph)
    if spec.param == "width":
        name = hidden_layer(graph, spec.layer)
        graph.set_options(name, {**graph.nodes[name].options, "units": int(value)})
    elif spec.param == "depth":
        graph = with_depth(graph, int(value), hidden_layer(graph, spec.layer))
    elif spec.param == "l2":
        for name, node in graph.nodes.items():
            if node.kind == "Dense":
                graph.set_options(name, {**node.options, "l2": float(value)})
    return graph


def variant(project: Project, data: Dataset, spec: SweepSpec, value: float
            ) -> tuple[Project, Dataset]:
    """A deep copy of the project (and data) with the swept setting at ``value``."""
    p = copy.deepcopy(project)
    if spec.epochs is not None:
        p.training.epochs = int(spec.epochs)
    p.graph = variant_graph(p.graph, spec, value)
    if spec.param == "degree":
        data = polynomial_data(data, int(value))
        inputs = [n for n, node in p.graph.nodes.items() if node.kind == "Input"]
        if len(inputs) != 1:
            raise ConfigError("A polynomial-degree sweep needs a network with one Input.")
        p.graph.set_options(inputs[0], {**p.graph.nodes[inputs[0]].options,
                                        "shape": [data.input_shape[0]]})
    elif spec.param == "train_size":
        n = len(data.x_train)
        keep = int(round(value * n)) if value <= 1 else int(value)
        if keep < 2:
            raise ConfigError(f"A training set of {keep} samples is too small; use at least 2.")
        keep = min(keep, n)
        data = replace(data, x_train=data.x_train[:keep], y_train=data.y_train[:keep],
                       x_train_raw=None if data.x_train_raw is None
                       else data.x_train_raw[:keep],
                       x_train_base=None if data.x_train_base is None
                       else data.x_train_base[:keep])
    return p, data


def folded(data: Dataset, folds: int, fold: int, seed: int) -> Dataset:
    """Fold ``fold`` of ``folds`` held out from the pooled training + validation samples
    (inputs as the network receives them; a degree sweep passes its data before the
    polynomial features, expanded per fold with that fold's statistics)."""
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    order = np.random.default_rng([seed, 13]).permutation(len(x))
    held = np.array_split(order, folds)[fold]
    rest = np.setdiff1d(order, held, assume_unique=True)
    return replace(data, x_train=x[rest], y_train=y[rest], x_val=x[held], y_val=y[held],
                   x_train_raw=None, x_val_raw=None, poly=None, x_train_base=None,
                   x_val_base=None)


# -- training ---------------------------------------------------------------------------------
def errors(project: Project, data: Dataset,
           should_stop: Callable[[], bool] | None = None) -> tuple[float, float]:
    """Train one variant; ``(training error, validation error)`` after the last epoch (NaN
    when stopped early by ``should_stop`` or when a part is empty)."""
    prepared = prepare(project, data)
    for _ in prepared.trainer.run(should_stop):
        pass
    if should_stop is not None and should_stop():
        return math.nan, math.nan
    model = prepared.model
    sup = prepared.trainer.supervision
    coder = None if sup is None else sup.coder
    out = []
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val)):
        if len(x) == 0:
            out.append(math.nan)
            continue
        probs = model.predict(x)
        if data.task == "classification" and coder is not None:
            truth, scores = per_position(y, coder.scores(probs))
            out.append(1.0 - accuracy(truth, scores))
        else:
            diff = probs.reshape(len(x), -1).astype(np.float64) - np.asarray(
                y, dtype=np.float64).reshape(len(x), -1)
            out.append(float(np.mean(diff * diff)))
    return out[0], out[1]


def run_sweep(project: Project, spec: SweepSpec, data: Dataset | None = None,
              progress: Callable[[int, int], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              workers: int | None = None) -> SweepResult:
    """Train every (value, fold) job, at most ``workers`` at once; see the module doc."""
    spec.check()
    data = data if data is not None else load_dataset(project.dataset)
    if spec.param == "degree":  # each degree expands the inputs before the project's own
        data = data.without_poly()
    folds = spec.folds if spec.folds >= 2 else 1
    jobs = []
    for i, value in enumerate(spec.values):
        for f in range(folds):
            base = folded(data, folds, f, project.training.seed) if folds > 1 else data
            jobs.append(((i, f), *variant(project, base, spec, value)))  # errors raise here
    runs: dict[tuple[int, int], tuple[float, float]] = {}
    lock, stop = Lock(), should_stop or (lambda: False)

    def job(key: tuple[int, int], p: Project, d: Dataset) -> None:
        if stop():
            return
        result = errors(p, d, stop)
        with lock:
            runs[key] = result
            done = len(runs)
        if progress is not None:
            progress(done, len(jobs))

    with ThreadPoolExecutor(max_workers=max(1, workers or default_workers())) as pool:
        for future in [pool.submit(job, *j) for j in jobs]:
            future.result()  # re-raises a job's error
    return _collect(spec, runs, folds, data.task, stop())


def _collect(spec: SweepSpec, runs: dict[tuple[int, int], tuple[float, float]], folds: int,
             task: str, cancelled: bool) -> SweepResult:
    n = len(spec.values)
    table = np.full((n, folds, 2), np.nan)
    for (i, f), pair in runs.items():
        table[i, f] = pair
    with np.errstate(invalid="ignore"):
        complete = np.all(np.isfinite(table), axis=(1, 2))  # (n,)
        mean = np.where(complete[:, None], table.mean(axis=1), np.nan)  # (n, 2)
        std = np.where(complete[:, None], table.std(axis=1), np.nan)
    metric = "error rate" if task == "classification" else "mean squared error"
    return SweepResult(spec.param, [float(v) for v in spec.values], mean[:, 0], std[:, 0],
                       mean[:, 1], std[:, 1], metric, spec.folds if folds > 1 else 0,
                       cancelled, runs)


def applicable(param: str) -> bool:
    """Whether a swept value can be applied to the project: width and l2 as layer options,
    depth by reshaping the chain (``app.depth_edit``), degree as the dataset option
    ``poly_degree`` with the Input's shape (``applied_dataset``); train_size belongs to the
    sweep only."""
    return param in ("width", "l2", "depth", "degree")


def applied_graph(project: Project, spec: SweepSpec, value: float) -> Graph:
    """The project's graph with ``value`` applied (for the document's undoable command)."""
    if spec.param == "degree":
        raise ConfigError("A polynomial degree is applied to the dataset (its 'poly_degree' "
                          "option) and the Input together: use applied_dataset.")
    if not applicable(spec.param):
        raise ConfigError(f"The {PARAMS.get(spec.param, spec.param)} belongs to the sweep "
                          "only; it cannot be applied to the network.")
    return variant_graph(project.graph, spec, value)


def applied_dataset(project: Project, data: Dataset, degree: int
                    ) -> tuple[dict[str, object], str, dict[str, object]]:
    """Applying a swept degree: ``(dataset spec with poly_degree, Input name, its new
    options)`` — the project then loads the columns the sweep trained on (``data``: the
    project's loaded data, whose inputs before any polynomial features give their count)."""
    name = str(project.dataset.get("name", ""))
    if "poly_degree" not in dataset_options(name):
        raise ConfigError(f"The dataset '{name}' has no 'Polynomial features' option, so a "
                          "degree cannot be applied to it; it stays a result of the sweep.")
    base = data.without_poly()
    shape = tuple(int(d) for d in base.input_shape)
    n_inputs = shape[0] if len(shape) == 1 else 0
    check_degree(degree, n_inputs, name, format_shape(shape))
    inputs = project.graph.input_nodes()
    if len(inputs) != 1:
        raise ConfigError("A polynomial degree can be applied to a network with one Input.")
    node = project.graph.nodes[inputs[0]]
    spec = {**project.dataset, "poly_degree": int(degree)}
    return spec, node.name, {**node.options, "shape": [poly_size(n_inputs, int(degree))]}
