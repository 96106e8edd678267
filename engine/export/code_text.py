"""Pieces of text both exported scripts share: the docstring header, shape comments, the
learning-rate schedule as a plain function, the batch size and the loss function."""

from __future__ import annotations

from typing import Any

from engine.export.plan import Plan, Step
from engine.schedules import schedule_from_config
from engine.types import Shape


def shape_text(shape: Shape) -> str:
    """``(1, 28, 28)`` -> ``"(B, 1, 28, 28)"``."""
    return "(" + ", ".join(["B", *(str(d) for d in shape)]) + ")"


def indent(lines: list[str], level: int = 1) -> list[str]:
    return ["    " * level + line for line in lines]


def input_line(plan: Plan, step: Step) -> str:
    """``var = x`` or, with several Inputs, its slice of the packed sample (as the engine's
    ``Model.split_inputs`` cuts it)."""
    comment = f"# {step.name}: {shape_text(step.out_shape)}"
    part = next((p for p in plan.input_layout or [] if p[0] == step.var), None)
    if part is None:
        return f"{step.var} = x  {comment}"
    _, start, size, shape = part
    dims = ", ".join(str(d) for d in shape)
    return (f"{step.var} = x[:, {start}:{start + size}].reshape(-1, {dims})  "
            f"{comment}, its part of the packed sample")


def header(plan: Plan, target: str, stem: str, trains: bool) -> str:
    layers = "\n".join(f"    {s.name:<20} {s.kind:<20} {shape_text(s.out_shape)}"
                       for s in plan.steps)
    usage = (f"    python {stem}_{target.lower()}.py            evaluate the weights on the "
             "validation data\n"
             f"    python {stem}_{target.lower()}.py --train    train, then save the weights")
    if not trains:
        usage = (f"    python {stem}_{target.lower()}.py    evaluate the weights on the "
                 "validation data\n(this network has layers written forward-only here, so the "
                 "script does not train)")
    return (f'"""{plan.title} — a LayerLab network written out in {target}.\n\n'
            f"Dataset: {plan.dataset} ({plan.task}). Layers, from the canvas:\n{layers}\n\n"
            f"Files beside this script: {stem}_weights.npz (the weights as LayerLab trained "
            f"them) and {stem}_data.npz (the dataset: x_train, y_train, x_val, y_val).\n\n"
            f"Run:\n{usage}\n" + '"""')


def batch_size_expr(config: Any, n: str) -> str:
    """The batch size as code (full batch: every sample, single: 1)."""
    if config.batch_mode == "full":
        return n
    if config.batch_mode == "single":
        return "1"
    return str(int(config.batch_size))


def schedule_source(config: Any) -> str:
    """``def learning_rate(step)``: the project's base rate and schedule as plain Python."""
    from engine.optimizers import get_optimizer

    base = float(get_optimizer(config.optimizer, **config.optimizer_options).learning_rate)
    body = _schedule_expr(config.schedule, "base", "step")
    return (f"def learning_rate(step):\n"
            f'    """The learning rate of optimizer step ``step`` (0, 1, 2, …)."""\n'
            f"    base = {base!r}\n"
            f"    return {body}")


def _schedule_expr(cfg: dict[str, Any] | None, base: str, step: str) -> str:
    schedule = schedule_from_config(cfg)
    if schedule is None or schedule.name == "constant":
        return base
    o = schedule.options
    if schedule.name == "step_decay":
        return f"{base} * {o['gamma']!r} ** ({step} // {o['step_size']})"
    if schedule.name == "exponential":
        return f"{base} * {o['gamma']!r} ** {step}"
    if schedule.name == "inverse_time":
        return f"{base} / (1.0 + {o['k']!r} * {step})"
    if schedule.name == "cosine":
        return (f"{o['min_lr']!r} + ({base} - {o['min_lr']!r}) * (1.0 + math.cos(math.pi * "
                f"min({step}, {o['t_max']}) / {o['t_max']})) / 2.0")
    if schedule.name == "warmup":
        w = o["warmup_steps"]
        after = _schedule_expr(getattr(schedule, "after", None) and
                               schedule.after.get_config(),  # type: ignore[attr-defined]
                               base, f"({step} - {w})")
        return f"({base} * ({step} + 1) / {w} if {step} < {w} else {after})"
    return base


def loss_block(plan: Plan, function: str) -> str:
    """``def loss_fn(out, y)`` calling the loss block the plan needs."""
    what = {"softmax_cross_entropy": "cross-entropy of the softmax of the scores (labels y)",
            "sigmoid_cross_entropy": "binary cross-entropy of the sigmoid of the scores",
            "mean_squared_error": "mean squared error", "mean_absolute_error":
            "mean absolute error"}[function]
    return (f"def loss_fn(out, y):\n"
            f'    """The loss LayerLab trains this project with: {what}."""\n'
            f"    return {function}(out, y)")


# The ends every exported PyTorch training script shares (supervised and GAN): ``model`` is the
# script's variable for the trained module; ``.format`` them before pasting into a template.
TORCH_LOAD_WEIGHTS = '''def load_weights({model}, path):
    """Load a state dict saved as .npz (names -> arrays)."""
    with np.load(path) as saved:
        state = {{k: torch.from_numpy(saved[k]) for k in saved.files}}
    {model}.load_state_dict(state)
'''

TORCH_SAVE_AND_MAIN = '''    if rank == 0:
        state = {{k: v.detach().cpu().numpy() for k, v in {model}.state_dict().items()}}
        np.savez(out, **state)
        torch.save({model}.state_dict(), Path(out).with_suffix(".pt"))
        print(f"weights saved to {{out}}")
    if world > 1:
        dist.destroy_process_group()
    return {model}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--weights", default=str(HERE / "{stem}_weights.npz"))
    parser.add_argument("--out", default=str(HERE / "{stem}_torch_trained.npz"))
    parser.add_argument("--float64", action="store_true", help="train in double precision")
    args = parser.parse_args()
    train(args.epochs, args.weights, args.out, torch.float64 if args.float64 else torch.float32)


if __name__ == "__main__":
    main()'''


def torch_script_ends(model: str, stem: str) -> dict[str, str]:
    """``load_weights`` and ``save_and_main`` for a TRAIN template (see the constants above)."""
    return {"load_weights": TORCH_LOAD_WEIGHTS.format(model=model),
            "save_and_main": TORCH_SAVE_AND_MAIN.format(model=model, stem=stem)}
