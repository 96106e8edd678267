"""Write a project as a PyTorch script (``torch_script(plan, stem)`` -> source text).

The script defines ``Network(nn.Module)`` (one attribute per canvas layer with parameters,
``forward`` one line per layer, named after it), ``loss_fn``, ``make_optimizer`` and
``learning_rate`` (the project's optimizer and schedule) and ``train``, which reads
``<stem>_data.npz`` and ``<stem>_weights.npz`` (torch layout) beside it. It runs unchanged on one
process or under ``torchrun --nproc_per_node=N``: each process reads its shard of every
epoch through a ``DistributedSampler`` (the same shuffled order everywhere, seeded by the
project's seed; with weighted sampling ``torch_sampling.WeightedSampler``, LayerLab's own
rule), the model is wrapped in ``DistributedDataParallel`` (gloo on CPUs, nccl on
GPUs), each process takes ``batch // N`` samples per step so a step sees the same global batch,
and process 0 saves the trained ``state_dict`` as ``.npz`` (numpy, loadable by LayerLab:
File → Import weights from PyTorch) and ``.pt``.
"""

from __future__ import annotations

from engine.export import torch_regularize
from engine.export.code_text import (
    batch_size_expr,
    header,
    indent,
    input_line,
    schedule_source,
    shape_text,
    torch_script_ends,
)
from engine.export.plan import ExportError, Plan
from engine.export.torch_class_weights import weighted_loss
from engine.export.torch_recipe import (
    SAMPLING,
    code_line,
    extra_loss,
    kl_method,
    noise_lines,
    recipe_sources,
    reconstruction_loss,
)
from engine.export.torch_sampling import sampler_parts
from engine.export.torch_templates import COMPOSITE_SOURCES, code_for
from engine.optimizers import get_optimizer

COMPOSITES = {
    "sinusoidal_positions": '''def sinusoidal_positions(steps, dim):
    """(steps, dim): PE[p, 2i] = sin(p / 10000^(2i/dim)), PE[p, 2i+1] = cos(same angle)."""
    pos = np.arange(steps, dtype=np.float64)[:, None]
    pair = (np.arange(dim) // 2) * 2
    angle = pos / np.power(10000.0, pair / dim)[None, :]
    return torch.from_numpy(np.where(np.arange(dim) % 2 == 0, np.sin(angle), np.cos(angle)))''',
    "Sampling": SAMPLING,
    **COMPOSITE_SOURCES,
}

LOSSES = {
    "categorical_crossentropy": ("F.cross_entropy(out.reshape(-1, out.shape[-1]), "
                                 "y.reshape(-1).long())", "cross-entropy of the softmax"),
    "binary_crossentropy": ("F.binary_cross_entropy_with_logits(out, y.to(out.dtype))",
                            "binary cross-entropy of the sigmoid"),
    "mse": ("F.mse_loss(out, y.to(out.dtype).reshape(out.shape))", "mean squared error"),
    "mae": ("F.l1_loss(out, y.to(out.dtype).reshape(out.shape))", "mean absolute error"),
}

OPTIMIZERS = {
    "sgd": "torch.optim.SGD(params, lr={lr}, momentum={momentum}, nesterov={nesterov}, "
           "weight_decay={weight_decay})",
    "adam": "torch.optim.Adam(params, lr={lr}, betas=({beta_1}, {beta_2}), eps={epsilon}, "
            "weight_decay={weight_decay})",
    "adamw": "torch.optim.AdamW(params, lr={lr}, betas=({beta_1}, {beta_2}), eps={epsilon}, "
             "weight_decay={weight_decay})",
    "rmsprop": "torch.optim.RMSprop(params, lr={lr}, alpha={rho}, eps={epsilon}, "
               "weight_decay={weight_decay})",
    "adagrad": "torch.optim.Adagrad(params, lr={lr}, eps={epsilon}, weight_decay="
               "{weight_decay}, initial_accumulator_value={initial_accumulator_value})",
    "adadelta": "torch.optim.Adadelta(params, lr={lr}, rho={rho}, eps={epsilon}, "
                "weight_decay={weight_decay})",
}
OPTIMIZERS["momentum"] = OPTIMIZERS["nesterov"] = OPTIMIZERS["sgd"]


def torch_script(plan: Plan, stem: str) -> str:
    if plan.loss not in LOSSES:
        raise ExportError(f"The loss {plan.loss.replace('_', ' ')} is not written by the PyTorch "
                          f"export yet; supported: {', '.join(LOSSES)}.")
    codes = {s.name: code_for(s) for s in plan.steps if s.kind != "Input"}
    sampling, sampler = sampler_parts(plan)
    classes = dict.fromkeys(c for code in codes.values() for c in code.classes)
    top = header(plan, "PyTorch", stem, True).replace(
        f"{stem}_weights.npz (the weights", f"{stem}_weights.npz (torch layout; the weights")
    noise_rng, noise = noise_lines(plan)
    parts = [top,
             "import argparse\nimport math\nimport os\nfrom pathlib import Path\n\n"
             "import numpy as np\nimport torch\nimport torch.distributed as dist\n"
             "import torch.nn.functional as F\nfrom torch import nn\n"
             "from torch.nn.parallel import DistributedDataParallel\n"
             "from torch.utils.data import DataLoader, DistributedSampler, TensorDataset",
             f"HERE = Path(__file__).resolve().parent\nSEED = {plan.training.seed}\n"
             f"EPOCHS = {plan.training.epochs}\nSHUFFLE = {bool(plan.training.shuffle)}",
             *(COMPOSITES[c] for c in classes), _network(plan, codes), _predict(plan),
             _loss(plan), *recipe_sources(plan),
             _optimizer(plan), schedule_source(plan.training), *sampling,
             *[c for c in [torch_regularize.source(plan)] if c],
             TRAIN.format(stem=stem, batch=batch_size_expr(plan.training, "len(dataset)"),
                          extra=extra_loss(plan), sampler=sampler,
                          penalty=torch_regularize.penalty_line(plan),
                          clip=torch_regularize.clip_lines(plan), noise_rng=noise_rng,
                          noise=noise, **torch_script_ends("net", stem))]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _network(plan: Plan, codes: dict, name: str = "Network") -> str:
    out = next(s for s in plan.steps if s.var == plan.output_var)
    init, forward = [], []
    for step in plan.steps:
        if step.kind == "Input":
            forward.append(input_line(plan, step))
            continue
        code = codes[step.name]
        ins = ", ".join(shape_text(s) for s in step.in_shapes)
        comment = f"# {step.name}: {step.kind}    {ins} -> {shape_text(step.out_shape)}"
        if code.init:
            init += [comment, *code.init]
            if step.params and not step.trainable:
                init.append(f"self.{step.var}.requires_grad_(False)  # frozen on the canvas")
        forward += [comment, f"{step.var} = {code.forward}",
                    *code_line(plan, step.name, step.var)]
    scores = " (logits: the loss applies the " + plan.final_activation + ")" \
        if plan.logits_mode else ""
    return "\n".join([
        f"class {name}(nn.Module):",
        f'    """{plan.title}: x {shape_text(plan.input_shape)} -> '
        f'{shape_text(out.out_shape)}{scores}."""', "",
        "    def __init__(self):", "        super().__init__()", *indent(init, 2), "",
        "    def forward(self, x):", *indent(forward, 2), f"        return {plan.output_var}",
        *kl_method(plan)])


def _predict(plan: Plan) -> str:
    final = {"softmax": "torch.softmax(out, dim=-1)", "sigmoid": "torch.sigmoid(out)"}.get(
        plan.final_activation if plan.logits_mode else "", "out")
    return ("@torch.no_grad()\ndef predict(net, x):\n"
            '    """The answers with the final activation applied (evaluation mode)."""\n'
            f"    net.eval()\n    out = net(x)\n    return {final}")


def _loss(plan: Plan) -> str:
    expr, words = LOSSES[plan.loss]
    if plan.reconstruction is not None:
        expr, words = reconstruction_loss(plan, expr, words)
    else:
        options = plan.training.loss_options or {}
        if plan.class_weights is not None:
            return weighted_loss(plan, words, options.get("reduction", "mean") == "sum")
        if options.get("reduction", "mean") == "sum":  # add the per-item losses up
            expr, words = expr[:-1] + ", reduction='sum')", words + ", summed over the items"
    return (f"def loss_fn(out, y):\n    \"\"\"The loss LayerLab trains this project with: "
            f"{words}.\"\"\"\n    return {expr}")


def _optimizer(plan: Plan) -> str:
    t = plan.training
    hyper = dict(get_optimizer(t.optimizer, **t.optimizer_options).hyper)
    hyper["lr"] = hyper.pop("learning_rate")
    call = OPTIMIZERS[t.optimizer].format(**{k: repr(v) for k, v in hyper.items()})
    return ("def make_optimizer(params):\n"
            f'    """{t.optimizer} with the project\'s settings."""\n'
            f"    return {call}")


TRAIN = '''{load_weights}

def train(epochs, weights, out, dtype=torch.float32):
    """Train on one process, or on N under torchrun (WORLD_SIZE, RANK set by torchrun)."""
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{{int(os.environ.get('LOCAL_RANK', '0'))}}" if cuda else "cpu")
    torch.manual_seed(SEED)
    net = Network().to(dtype)
    load_weights(net, weights)
    net = net.to(device)
    with np.load(HERE / "{stem}_data.npz") as data:
        x, y = torch.from_numpy(data["x_train"]).to(dtype), torch.from_numpy(data["y_train"])
        labels = data["labels_train"]
    dataset = TensorDataset(x, y)
    batch = {batch}
    # every process reads its own shard; together they see the same global batch per step
{sampler}
    loader = DataLoader(dataset, batch_size=max(1, batch // world), sampler=sampler)
    model = DistributedDataParallel(net) if world > 1 else net
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad])
    base = optimizer.defaults["lr"] or 1.0  # the schedule scales the base rate step by step
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: learning_rate(step) / base)
    step = 0  # optimizer steps so far{noise_rng}
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad(){noise}
            loss = loss_fn(model(xb.to(device)), yb.to(device)){extra}{penalty}
            loss.backward(){clip}
            optimizer.step()
            schedule.step()
            step += 1
            total, count = total + loss.item(), count + 1
        if rank == 0:
            print(f"epoch {{epoch + 1}}/{{epochs}}  loss {{total / max(count, 1):.4f}}", flush=True)
{save_and_main}'''
