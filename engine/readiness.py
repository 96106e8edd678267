"""Is the project ready to train? One check for the Problems panel and for Play.

``check_ready(project, data, report, data_error)`` returns every ``Problem`` that would stop a
run — the graph (empty canvas, loops, layers not wired, shape errors, Inputs and outputs),
the data fit (``engine.readiness_data``: Input vs samples or parts, output vs classes, targets
and the loss), the recipe's own needs (``engine.readiness_recipes``: perceptron, autoencoder,
VAE, GAN) and training settings that would be refused. Play refuses exactly when it returns
an error, with the same words. It only reads shapes (``Graph.infer_shapes``, reused when the
caller already has the ``ShapeReport``) and the loaded dataset's metadata: no weights are
built and no data is copied, so it can run on every edit.

Besides errors it gives warnings (``level`` "warning"): the project trains, but probably not
as the learner hopes — hidden layers with no activation function at all
(``engine.readiness_linear``). Play ignores them; the panel shows them apart.

A ``Problem`` may carry a ``Fix``: edits a learner applies with one click (new options for a
layer, or a layer inserted on the wire into one), which the app turns into undoable commands.
These types live in ``engine.readiness_types`` (re-exported here) so the check modules this one
calls import them without importing this module back.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.datasets import augment as augment_lib
from engine.datasets.base import Dataset
from engine.graph import Graph, ShapeReport
from engine.layers import layer_class
from engine.optimizers import get_optimizer
from engine.project import Project
from engine.readiness_types import Context, Fix, InsertLayer, Problem, SetOptions
from engine.schedules import schedule_from_config
from engine.types import LayerLabError

__all__ = ["Context", "Fix", "InsertLayer", "Problem", "SetOptions", "check_ready", "errors",
           "refusal"]

GRAPH_KEY = "(graph)"
FLATTEN_HINT = "insert a Flatten layer before it"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


def refusal(problems: list[Problem]) -> str:
    """The words Play says when it refuses: the first error, and how many more there are."""
    errs = errors(problems)
    if not errs:
        return ""
    more = len(errs) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''} in the Problems panel.)" \
        if more else ""
    return errs[0].message + tail


def check_ready(project: Project, data: Dataset | None, report: ShapeReport | None = None,
                data_error: str = "") -> list[Problem]:
    """Every problem that would stop ``project`` from training on ``data`` (see module doc).

    ``report``: the graph's current ``ShapeReport`` (computed when None). ``data`` None with
    ``data_error`` says why the dataset could not be loaded."""
    from engine.readiness_recipes import check_recipe

    ctx = Context(project, report if report is not None else project.graph.infer_shapes(),
                  data)
    if data is None:
        ctx.add(data_error or "The dataset cannot be loaded: choose another one in the "
                              "Dataset panel.")
    if _check_graph(ctx) and data is not None:
        check_recipe(ctx)
        _check_linear(ctx, data)
    _check_settings(ctx)
    return ctx.problems


# -- the graph ------------------------------------------------------------------------------
def _check_graph(ctx: Context) -> bool:
    """Empty canvas, loops, wires, shape errors; True when shapes are known everywhere."""
    graph, report = ctx.graph, ctx.report
    if not graph.nodes:
        ctx.add("The canvas is empty: drag an Input layer from the Layers palette, add layers "
                "after it and wire them, ending with the output layer.")
        return False
    before = len(ctx.problems)
    if GRAPH_KEY in report.errors:
        ctx.add(report.errors[GRAPH_KEY])
        return False
    for name, node in graph.nodes.items():
        wires = graph.in_edges(name)
        most = layer_class(node.kind).max_inputs
        if most and len(wires) > most:
            ctx.add(f"'{name}' takes {most} input(s) but {len(wires)} wires lead into it — "
                    f"remove one, or merge the branches with Add or Concatenate first.", name)
        elif node.kind == "Input" and not graph.out_edges(name) and len(graph.nodes) > 1:
            ctx.add(f"The Input layer '{name}' is not connected to anything — drag a wire "
                    f"from its output to the next layer, or delete it.", name)
    for name, text in report.errors.items():
        ctx.add(text if name in text else f"{name}: {text}", name, _flatten_fix(graph, name,
                                                                                 text))
    if len(ctx.problems) > before:
        return False
    if ctx.project.recipe != "gan":
        _check_ends(ctx)
    return len(ctx.problems) == before


def _flatten_fix(graph: Graph, name: str, text: str) -> Fix | None:
    wires = graph.in_edges(name)
    if FLATTEN_HINT not in text or len(wires) != 1:
        return None
    return Fix(f"Insert a Flatten before '{name}'", (InsertLayer("Flatten", name,
                                                                 wires[0].port),))


def _check_ends(ctx: Context) -> None:
    """One Input (or several, each receiving a part) and exactly one output layer."""
    graph = ctx.graph
    inputs, outputs = graph.input_nodes(), graph.output_nodes()
    if not inputs:
        ctx.add("The network has no Input layer: drag one from the palette and wire it to the "
                "first layer.")
    if len(outputs) > 1:
        ctx.add(f"The network must end in one output layer, but {len(outputs)} layers have no "
                f"wire leaving them ({', '.join(outputs)}) — connect them onward or delete the "
                f"extra ones.")
    elif not outputs and inputs:
        ctx.add("The network has no layer after its Input: add layers and wire them, ending "
                "with the output layer.")
    if len(inputs) > 1:
        from engine.model import check_input_parts

        try:
            check_input_parts(graph, inputs)
        except LayerLabError as err:
            ctx.add(str(err))


def _check_linear(ctx: Context, data: Dataset) -> None:
    """A warning (Play still starts) for hidden layers without any non-linearity."""
    from engine.readiness_linear import linear_warning

    if ctx.project.recipe == "supervised":
        warning = linear_warning(ctx.graph, data.task)
        if warning is not None:
            ctx.problems.append(warning)


# -- training settings ----------------------------------------------------------------------
def _check_settings(ctx: Context) -> None:
    """Settings the trainer would refuse: batch, epochs, optimizer, schedule, augmentation."""
    cfg, recipe = ctx.project.training, ctx.project.recipe
    checks: list[Callable[[], object]] = [cfg.check]
    if recipe in ("supervised", "autoencoder", "vae"):  # the perceptron and GAN pick their own
        checks += [lambda: get_optimizer(cfg.optimizer, **cfg.optimizer_options),
                   lambda: schedule_from_config(cfg.schedule)]
    for check in checks:
        try:
            check()
        except LayerLabError as err:
            ctx.add(str(err))
    data = ctx.data
    if data is None:
        return
    if len(data.x_train) == 0:
        ctx.add("The training set is empty: add data or lower the validation split.")
    if recipe == "supervised":
        try:
            if augment_lib.is_active(cfg.augment):
                augment_lib.make_augmenter(cfg.augment, tuple(data.input_shape), cfg.seed)
        except LayerLabError as err:
            ctx.add(str(err))
