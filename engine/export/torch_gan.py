"""Write a GAN project as a PyTorch script (``torch_gan_script(plan, stem)`` -> source text).

The script defines ``Generator`` and ``Discriminator`` (one ``nn.Module`` each, written like the
supervised export's ``Network``; the discriminator returns a logit, its sigmoid fused into the
losses), ``GAN`` holding both (its ``state_dict`` is what ``<stem>_weights.npz`` holds),
``noise``, the two losses and optimizers, and ``d_step`` / ``g_step`` in the engine's order
(``engine.generative.gan.GANTrainer``): every mini-batch of real samples one discriminator
step on ``−log D(x) − log(1 − D(G(z)))``, every ``D_STEPS``-th batch also one generator step
with fresh noise on the non-saturating ``−log D(G(z))``. A conditional GAN appends the one-hot
class to the noise and to every discriminator input (``with_labels``), the fakes taking the real
batch's classes, as the engine does. The epochs' orders come from a numpy generator seeded like
the trainer's (LayerLab's very orders). Like the supervised script it runs on one process or
under ``torchrun --nproc_per_node=N``: every process draws the same global batch and noise and
takes every N-th row from its rank on, both networks are wrapped in
``DistributedDataParallel`` (gloo on CPUs, nccl on GPUs), and the losses are sums over the
process's rows divided by the global batch size, times N (DDP averages the N gradients), so
each step equals the one-process step. Each step adds its network's weight penalties and clips
its gradients as the engine does (``torch_gan_regularize``).
"""

from __future__ import annotations

from typing import Any

from engine.export import torch_gan_regularize
from engine.export.code_text import batch_size_expr, header, shape_text, torch_script_ends
from engine.export.plan import Plan
from engine.export.torch_templates import code_for


def torch_gan_script(plan: Plan, stem: str) -> str:
    from engine.export.torch_script import COMPOSITES, _network

    spec = plan.gan
    assert spec is not None
    d_plan = spec.discriminator
    g_codes = {s.name: code_for(s) for s in plan.steps if s.kind != "Input"}
    d_codes = {s.name: code_for(s) for s in d_plan.steps if s.kind != "Input"}
    classes = dict.fromkeys(c for codes in (g_codes, d_codes) for code in codes.values()
                            for c in code.classes)
    top = header(plan, "PyTorch", stem, True).replace(
        f"{stem}_weights.npz (the weights", f"{stem}_weights.npz (the GAN's state_dict; weights")
    d_layers = "\n".join(f"    {s.name:<20} {s.kind:<20} {shape_text(s.out_shape)}"
                         for s in d_plan.steps)
    top = top.replace("\n\nFiles beside", f"\nThe discriminator:\n{d_layers}\n\nFiles beside", 1)
    noise = ("torch.randn(n, NOISE_DIM, dtype=dtype)" if spec.noise_distribution == "normal"
             else "torch.rand(n, NOISE_DIM, dtype=dtype) * 2.0 - 1.0")
    parts = [top, IMPORTS,
             f"HERE = Path(__file__).resolve().parent\nSEED = {plan.training.seed}\n"
             f"EPOCHS = {plan.training.epochs}\nSHUFFLE = {bool(plan.training.shuffle)}\n"
             f"NOISE_DIM = {spec.noise_dim}\nD_STEPS = {spec.d_steps}  "
             "# discriminator steps per generator step\n"
             f"N_CLASSES = {spec.n_classes}  # conditional GAN: the one-hot class joins both "
             "inputs (0: unconditional)",
             *(COMPOSITES[c] for c in classes),
             _network(plan, g_codes, "Generator"), _network(d_plan, d_codes, "Discriminator"),
             GAN_CLASS,
             "def noise(n, dtype=torch.float32):\n"
             f'    """(n, NOISE_DIM) generator input: {spec.noise_distribution}."""\n'
             f"    return {noise}",
             WITH_LABELS, LOSSES, *[c for c in [torch_gan_regularize.source(plan)] if c],
             _optimizer("make_g_optimizer", "generator", *spec.g_optimizer),
             _optimizer("make_d_optimizer", "discriminator", *spec.d_optimizer),
             TRAIN.format(stem=stem, batch=batch_size_expr(plan.training, "len(x)"),
                          **torch_gan_regularize.step_parts(plan, "d"),
                          **torch_gan_regularize.step_parts(plan, "g"),
                          **torch_script_ends("gan", stem))]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _optimizer(function: str, who: str, name: str, hyper: dict[str, Any]) -> str:
    from engine.export.torch_script import OPTIMIZERS

    values = dict(hyper)
    values["lr"] = values.pop("learning_rate")
    call = OPTIMIZERS[name].format(**{k: repr(v) for k, v in values.items()})
    return (f"def {function}(params):\n"
            f'    """The {who}\'s optimizer: {name} with the project\'s settings."""\n'
            f"    return {call}")


IMPORTS = ("import argparse\nimport math\nimport os\nfrom pathlib import Path\n"
           "from types import SimpleNamespace\n\n"
           "import numpy as np\nimport torch\nimport torch.distributed as dist\n"
           "import torch.nn.functional as F\nfrom torch import nn\n"
           "from torch.nn.parallel import DistributedDataParallel")

GAN_CLASS = '''class GAN(nn.Module):
    """Both networks; the exported weights are this module's state_dict."""

    def __init__(self):
        super().__init__()
        self.generator = Generator()
        self.discriminator = Discriminator()'''


WITH_LABELS = '''def with_labels(x, labels):
    """A conditional GAN's network input: x (n, ...) flattened, then the one-hot class of each
    row (n, N_CLASSES); an unconditional GAN's: x as it is."""
    if not N_CLASSES:
        return x
    onehot = F.one_hot(labels.long(), N_CLASSES).to(x.dtype)
    return torch.cat([x.reshape(len(x), -1), onehot], dim=1)'''

LOSSES = '''def d_loss_fn(real_logits, fake_logits, n=None):
    """Discriminator: −log D(x) − log(1 − D(G(z))), D = sigmoid(logit): summed over the rows
    and divided by n, the global batch size (default: these rows alone, a batch mean)."""
    n = len(real_logits) if n is None else n
    return (F.softplus(-real_logits).sum() + F.softplus(fake_logits).sum()) / n


def g_loss_fn(fake_logits, n=None):
    """Generator, non-saturating: −log D(G(z)), summed and divided by n (as d_loss_fn)."""
    n = len(fake_logits) if n is None else n
    return F.softplus(-fake_logits).sum() / n'''

TRAIN = '''{load_weights}

def d_step(gan, optimizer, xb, z, yb=None, n=None, world=1):
    """One discriminator update on real samples xb (classes yb) and fakes G(z) -> its loss.
    n: the global batch size when this process holds part of it, world: the process count."""
    with torch.no_grad():  # the generator is not updated here
        fake = gan.generator(with_labels(z, yb))
    optimizer.zero_grad()
    loss = d_loss_fn(gan.discriminator(with_labels(xb, yb)),
                     gan.discriminator(with_labels(fake, yb)), n){d_pen}
    # DDP averages over the processes: × world gives the sum (a penalty counts once)
    (loss * world{d_plus}).backward(){d_clip}
    optimizer.step()
    return loss{d_plus}


def g_step(gan, optimizer, z, yb=None, n=None, world=1):
    """One generator update through the discriminator (only the generator moves)."""
    optimizer.zero_grad()
    fake = gan.generator(with_labels(z, yb))
    loss = g_loss_fn(gan.discriminator(with_labels(fake, yb)), n){g_pen}
    (loss * world{g_plus}).backward(){g_clip}
    optimizer.step()
    return loss{g_plus}


def train(epochs, weights, out, dtype=torch.float32):
    """Train on one process, or on N under torchrun (WORLD_SIZE, RANK set by torchrun)."""
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{{int(os.environ.get('LOCAL_RANK', '0'))}}" if cuda else "cpu")
    torch.manual_seed(SEED)  # the same noise in every process
    gan = GAN().to(dtype)
    load_weights(gan, weights)
    gan = gan.to(device)
    nets = gan if world == 1 else SimpleNamespace(
        generator=DistributedDataParallel(gan.generator),
        discriminator=DistributedDataParallel(gan.discriminator))
    g_opt = make_g_optimizer([p for p in gan.generator.parameters() if p.requires_grad])
    d_opt = make_d_optimizer([p for p in gan.discriminator.parameters() if p.requires_grad])
    with np.load(HERE / "{stem}_data.npz") as data:
        x, y = torch.from_numpy(data["x_train"]).to(dtype), torch.from_numpy(data["labels_train"])
    rng = np.random.default_rng(SEED)  # seeded like LayerLab's trainer: its epoch orders
    batch, d_count = {batch}, 0
    gan.train()
    for epoch in range(epochs):
        order = rng.permutation(len(x)) if SHUFFLE else np.arange(len(x))
        d_losses, g_losses = [], []
        for start in range(0, len(x), batch):
            rows = order[start:start + batch]  # the global batch; this process: every world-th
            mine, n = torch.from_numpy(rows[rank::world]), len(rows)
            xb, yb = x[mine].to(device), y[mine].to(device)
            z = noise(n, dtype)[rank::world].to(device)
            d_losses.append(d_step(nets, d_opt, xb, z, yb, n, world).item())
            d_count += 1
            if d_count % D_STEPS == 0:
                z = noise(n, dtype)[rank::world].to(device)
                g_losses.append(g_step(nets, g_opt, z, yb, n, world).item())
        if rank == 0:  # this process's part of the losses (all of them on one process)
            print(f"epoch {{epoch + 1}}/{{epochs}}  d_loss {{np.mean(d_losses):.4f}}  "
                  f"g_loss {{np.mean(g_losses) if g_losses else float('nan'):.4f}}", flush=True)
{save_and_main}'''
