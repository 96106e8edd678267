"""Write a project as one readable NumPy script (``numpy_script(plan)`` -> source text).

The script holds the building blocks the network uses (``numpy_blocks``), ``forward`` (one
commented line per canvas layer, named after it), ``predict``, the loss and — when every layer
has a backward template — ``backward`` and a training loop with the project's optimizer,
learning-rate schedule, batch size, epochs and seed. It reads the weights from
``<name>_weights.npz`` (keys ``"layer/param"``, as LayerLab saves them) and the data from
``<name>_data.npz`` beside it, and imports nothing but numpy. Autoencoders and VAEs add the
parts of ``numpy_recipe``; a GAN is written by ``numpy_gan`` from ``_forward`` / ``_backward``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine.export import (
    numpy_blocks,
    numpy_losses,
    numpy_more_blocks,
    numpy_recipe,
    numpy_regularize,
    numpy_seq_blocks,
    numpy_train_blocks,
)
from engine.export.code_text import (
    batch_size_expr,
    header,
    indent,
    input_line,
    schedule_source,
    shape_text,
)
from engine.export.numpy_order import epoch_order_parts, weighted_sampling
from engine.export.numpy_templates import NUMPY_TEMPLATES
from engine.export.plan import ExportError, Plan, Step, unsupported

LOSSES = {"categorical_crossentropy": "softmax_cross_entropy",
          "binary_crossentropy": "sigmoid_cross_entropy", "mse": "mean_squared_error",
          "mae": "mean_absolute_error"}
RECON_WORDS = {"binary_crossentropy": "binary cross-entropy of the sigmoid",
               "mse": "mean squared error", "mae": "mean absolute error"}


BLOCK_MODULES = (numpy_blocks, numpy_seq_blocks, numpy_more_blocks, numpy_train_blocks,
                 numpy_recipe, numpy_losses)
# block -> the blocks it calls
NEEDS = {**numpy_blocks.NEEDS, **numpy_seq_blocks.NEEDS, **numpy_more_blocks.NEEDS}


def _block(name: str) -> Callable[..., Any]:
    """The building-block function ``name`` (its source is pasted into the script)."""
    found: Callable[..., Any] = next(getattr(m, name) for m in BLOCK_MODULES if hasattr(m, name))
    return found


def check_supported(plan: Plan) -> None:
    """ExportError naming the first layer kind without a template."""
    for step in plan.steps:
        if step.kind != "Input" and step.kind not in NUMPY_TEMPLATES:
            raise unsupported(step.kind, "NumPy", list(NUMPY_TEMPLATES), f"'{step.name}'")


def can_train(plan: Plan) -> bool:
    return all(s.kind == "Input" or NUMPY_TEMPLATES[s.kind].backward is not None
               for s in plan.steps)


def numpy_script(plan: Plan, stem: str) -> str:
    """The script's source for ``plan``; ``stem`` names its weights and data files."""
    check_supported(plan)
    if plan.loss not in LOSSES or (not plan.logits_mode and plan.loss != "mse"
                                   and plan.loss != "mae"):
        raise ExportError(f"The loss {plan.loss.replace('_', ' ')} is not written by the NumPy "
                          f"export yet; supported: {', '.join(LOSSES)}.")
    trains = can_train(plan)
    forward_lines = _forward(plan)
    parts = [header(plan, "NumPy", stem, trains), "import argparse\nimport math\n"
             "from pathlib import Path\n\nimport numpy as np\n",
             "SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, "
             "1.0507009873554804934193349852946\n",
             "\n# ---- building blocks " + "-" * 60]
    for name in _blocks(plan, trains):
        parts.append(inspect.getsource(_block(name)))
    parts.append("# ---- the network " + "-" * 64)
    parts.append(forward_lines)
    parts.append(_predict(plan))
    loss = LOSSES[plan.loss]
    parts.append(numpy_losses.loss_block(plan, loss) if plan.reconstruction is None else
                 numpy_recipe.loss_block(plan, loss, RECON_WORDS[plan.loss]))
    if trains:
        parts.append(_backward(plan))
        parts.append(schedule_source(plan.training))
        parts += numpy_recipe.vae_parts(plan)
        parts += epoch_order_parts(plan)
        parts += [c for c in [numpy_regularize.constants(plan)] if c]
        parts += numpy_recipe.recipe_constants(plan)
        parts.append(_train(plan))
    parts.append(_main(plan, stem, trains))
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _blocks(plan: Plan, trains: bool) -> list[str]:
    """The building blocks ``plan``'s script calls, each after those it calls."""
    wanted = ["activate"]
    for step in plan.steps:
        if step.kind == "Input":
            continue
        for block in NUMPY_TEMPLATES[step.kind].blocks_for(step):
            if block.endswith("_backward") and not trains:
                continue
            wanted += NEEDS.get(block, []) + [block]
    if trains:
        wanted.append("activate_backward")
    # a GAN's loss blocks: in its steps
    wanted += numpy_losses.loss_blocks(plan, LOSSES[plan.loss]) if plan.loss in LOSSES else []
    if trains:
        wanted.append("adam_step" if plan.training.optimizer in ("adam", "adamw") else "sgd_step")
        wanted += numpy_regularize.blocks(plan) + numpy_recipe.recipe_blocks(plan)
    return list(dict.fromkeys(wanted))


def _describe(step: Step) -> str:
    ins = ", ".join(shape_text(s) for s in step.in_shapes)
    extra = "" if step.activation in ("", "linear") or "activation" not in step.options else (
        f", {step.activation}")
    return f"# {step.name}: {step.kind}{extra}    {ins} -> {shape_text(step.out_shape)}"


def _forward(plan: Plan, name: str = "forward") -> str:
    lines = [f"def {name}(P, x, training=False, rng=None):",
             f'    """x: {shape_text(plan.input_shape)} -> {_output_words(plan)}.',
             "",
             "    P holds the weights by name ('layer/param'); ``cache`` keeps what backward "
             "needs.\"\"\"",
             "    cache = {}"]
    for step in plan.steps:
        if step.kind == "Input":
            lines.append("    " + input_line(plan, step))
            continue
        lines.append("    " + _describe(step))
        lines += indent(NUMPY_TEMPLATES[step.kind].forward(step))
        lines += indent(numpy_recipe.code_cache_line(plan, step))
    lines.append(f"    return {plan.output_var}, cache")
    return "\n".join(lines)


def _output_words(plan: Plan) -> str:
    out = next(s for s in plan.steps if s.var == plan.output_var)
    shape = shape_text(out.out_shape)
    if plan.logits_mode:
        return (f"{shape} scores (logits); the {plan.final_activation} that turns them into "
                "probabilities is applied by predict() and, fused, by the loss")
    return shape


def _predict(plan: Plan) -> str:
    final = plan.final_activation if plan.logits_mode else "linear"
    return "\n".join([
        "def predict(P, x):",
        '    """The network\'s answers with its final activation applied (no dropout)."""',
        "    out, _ = forward(P, x)",
        f'    return activate(out, "{final}")'])


def _backward(plan: Plan, name: str = "backward", input_grad: bool = False) -> str:
    """``backward(P, cache, d_out) -> G``; with ``input_grad`` (a GAN's discriminator, whose
    input gradient trains the generator) ``-> (G, dLoss/d(input))``."""
    consumers: dict[str, int] = {}
    for step in plan.steps:
        for var in step.inputs:
            consumers[var] = consumers.get(var, 0) + 1
    vae = bool(numpy_recipe.sampling_names(plan))
    lines = [f"def {name}(P, cache, d_out{', kl_weight=1.0' if vae else ''}):",
             '    """dLoss/d(output) -> dLoss/d(every weight), by the chain rule from the last '
             'layer back.' + ("\n\n    kl_weight: the weight of the Sampling layers' KL term "
                              "(its gradient joins theirs).\n    " if vae else "") + '"""',
             "    G = {}",
             f"    d_{plan.output_var} = d_out"]
    assigned: set[str] = set()
    data = set() if input_grad else {s.var for s in plan.steps if s.kind == "Input"}
    for step in reversed(plan.steps):
        if step.kind == "Input":
            continue
        targets, after = [], []
        for i, var in enumerate(step.inputs):
            if var in data:
                targets.append("_")
            elif var in assigned:
                targets.append(f"d_{var}_{i}")
                after.append(f"d_{var} = d_{var} + d_{var}_{i}")
            else:
                targets.append(f"d_{var}")
                assigned.add(var)
        lines.append(f"    # {step.name}: {step.kind}")
        lines += indent(numpy_recipe.sparsity_grad_line(plan, step))
        lines += indent(NUMPY_TEMPLATES[step.kind].backward(step, targets))  # type: ignore[misc]
        lines += indent(after)
    lines.append(f"    return G, d_{plan.input_var}" if input_grad else "    return G")
    return "\n".join(lines)


def _optimizer_step(plan: Plan) -> tuple[str, str]:
    """(the training loop's optimizer call, a note when the script substitutes SGD)."""
    opt = plan.training.optimizer
    from engine.optimizers import get_optimizer

    hyper = get_optimizer(opt, **plan.training.optimizer_options).hyper
    if opt in ("adam", "adamw"):
        return (f"adam_step(P, G, state, lr, step + 1, beta_1={hyper['beta_1']!r}, "
                f"beta_2={hyper['beta_2']!r}, epsilon={hyper['epsilon']!r}, "
                f"weight_decay={hyper['weight_decay']!r}, decoupled={opt == 'adamw'})"), ""
    step = (f"sgd_step(P, G, state, lr, momentum={hyper.get('momentum', 0.0)!r}, "
            f"nesterov={hyper.get('nesterov', False)!r}, "
            f"weight_decay={hyper.get('weight_decay', 0.0)!r})")
    return step, ("" if opt in ("sgd", "momentum", "nesterov") else
                  f"    # NOTE: LayerLab trains this project with {opt}; this script uses SGD.\n")


def _train(plan: Plan) -> str:
    t = plan.training
    step, note = _optimizer_step(plan)
    weighted = weighted_sampling(plan)
    order_arg = "y if labels is None else labels" if weighted else "len(x)"
    loop = numpy_recipe.loop_parts(plan)
    return (
        f"def train(P, x, y, epochs, seed{', labels=None' if weighted else ''}):\n"
        '    """Mini-batch training: forward, loss, backward, one optimizer step per batch.'
        + ("\n\n    labels: the class of each sample (data['labels_train']; default y), which "
           'weighted sampling draws by."""\n' if weighted else '"""\n')
        + f"{note}"
        "    order_rng = np.random.default_rng(seed)  # draws the sample order, as LayerLab does\n"
        "    rng = np.random.default_rng(seed + 1)  # draws the dropout masks\n"
        f"{loop.setup}"
        "    state, step = {}, 0\n"
        f"    batch = {batch_size_expr(t, 'len(x)')}\n"
        "    for epoch in range(epochs):\n"
        f"        order = epoch_order(order_rng, {order_arg})\n"
        "        losses = []\n"
        "        for start in range(0, len(x), batch):\n"
        "            idx = order[start:start + batch]\n"
        f"            out, cache = forward(P, {loop.batch}, training=True, rng=rng)\n"
        "            value, d_out = loss_fn(out, y[idx])\n"
        f"{loop.value}"
        f"            G = backward(P, cache, d_out{loop.backward})\n"
        f"{numpy_regularize.penalty_line(plan)}{_frozen_filter(plan)}"
        f"{numpy_regularize.clip_line(plan)}"
        "            lr = learning_rate(step)\n"
        f"            {step}\n"
        "            step += 1\n"
        "            losses.append(value)\n"
        "        print(f\"epoch {epoch + 1}/{epochs}  loss {np.mean(losses):.4f}\")\n"
        "    return P")


def _frozen_filter(plan: Plan) -> str:
    """The training loop's line that drops the gradients of frozen layers (or nothing)."""
    names = tuple(s.name for s in plan.frozen)
    return ("" if not names else
            f"            # frozen on the canvas, never updated: {', '.join(names)}\n"
            f"            G = {{k: g for k, g in G.items()\n"
            f"                 if k.split('/')[0] not in {names!r}}}\n")


def _main(plan: Plan, stem: str, trains: bool) -> str:
    train_part = (
        "    if args.train:\n"
        f"        train(P, data['x_train'], data['y_train'], args.epochs, {plan.training.seed}"
        f"{', labels=data[' + repr('labels_train') + ']' if weighted_sampling(plan) else ''})\n"
        f"        np.savez(here / '{stem}_numpy_trained.npz', **P)\n"
    ) if trains else ""
    return (
        "def main():\n"
        "    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])\n"
        + ("    parser.add_argument('--train', action='store_true', help='train further')\n"
           f"    parser.add_argument('--epochs', type=int, default={plan.training.epochs})\n"
           if trains else "")
        + "    args = parser.parse_args()\n"
        "    here = Path(__file__).resolve().parent\n"
        f"    P = dict(np.load(here / '{stem}_weights.npz'))\n"
        f"    data = np.load(here / '{stem}_data.npz')\n"
        + train_part
        + "    x_val, y_val = data['x_val'], data['y_val']\n"
        "    if len(x_val):\n"
        "        value, _ = loss_fn(forward(P, x_val)[0], y_val)\n"
        "        print(f'validation loss {value:.4f}')\n"
        "\n\nif __name__ == '__main__':\n"
        "    main()")
