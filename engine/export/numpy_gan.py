"""Write a GAN project as one NumPy script (``numpy_gan_script(plan, stem)`` -> source text),
mirroring ``torch_gan``: the generator and the discriminator as two forward/backward pairs
(``generator_forward``, ``discriminator_forward`` — a logit, its sigmoid fused into the losses
— ``generator_backward``, ``discriminator_backward``, which also returns the gradient of its
input, the path by which the generator learns), ``noise``, ``with_labels`` (a conditional GAN
appends the one-hot class to the noise and to every discriminator input) and ``d_step`` /
``g_step`` in the engine's order (``engine.generative.gan.GANTrainer``): every batch of real
samples one discriminator step on ``−log D(x) − log(1 − D(G(z)))``, every ``D_STEPS``-th batch
also one generator step with fresh noise on the non-saturating ``−log D(G(z))``; each with
its network's weight penalties, frozen layers, gradient clipping and optimizer.

One weights dict ``P`` holds both networks (LayerLab's ``layer/param`` names; the canvas names
are distinct); the epoch orders come from a generator seeded like the trainer's and the noise
from one seeded like its noise generator (``[seed, 11]``).
"""

from __future__ import annotations

import inspect
from typing import Any

from engine.export import numpy_regularize
from engine.export.code_text import batch_size_expr, header, shape_text
from engine.export.plan import ExportError, Plan


def numpy_gan_script(plan: Plan, stem: str) -> str:
    from engine.export.numpy_script import _backward, _block, _forward

    spec = plan.gan
    assert spec is not None
    d_plan = spec.discriminator
    noise = ("rng.standard_normal((n, NOISE_DIM))" if spec.noise_distribution == "normal"
             else "rng.uniform(-1.0, 1.0, (n, NOISE_DIM))")
    parts = [*_top(plan, stem),
             "# ---- building blocks " + "-" * 60,
             *(inspect.getsource(_block(n)) for n in _block_names(plan)),
             "# ---- the two networks " + "-" * 58,
             _forward(plan, "generator_forward"), _forward(d_plan, "discriminator_forward"),
             _backward(plan, "generator_backward"),
             _backward(d_plan, "discriminator_backward", input_grad=True),
             "# ---- how they play " + "-" * 61,
             "def noise(rng, n):\n"
             f'    """(n, NOISE_DIM) generator input: {spec.noise_distribution}."""\n'
             f"    return {noise}",
             WITH_LABELS, *_constants(plan),
             _step("d", plan, *spec.d_optimizer), _step("g", plan, *spec.g_optimizer),
             TRAIN.format(stem=stem, batch=batch_size_expr(plan.training, "len(x)"))]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _block_names(plan: Plan) -> list[str]:
    """The blocks both networks' forward and backward passes, both optimizers and the
    regularizers call (ExportError for a layer without a backward template)."""
    from engine.export.numpy_script import _blocks, can_train, check_supported

    assert plan.gan is not None
    spec, d_plan = plan.gan, plan.gan.discriminator
    for net in (plan, d_plan):
        check_supported(net)
        if not can_train(net):  # every template has a backward today; a new kind may not
            raise ExportError(f"A layer of the {net.title} has no backward pass in the NumPy "
                              "export, so the GAN could not train there; export it as a "
                              "PyTorch script instead.")
    names = [b for net in (plan, d_plan) for b in _blocks(net, True)
             if b not in ("softmax_cross_entropy", "sigmoid_cross_entropy", "mean_squared_error",
                          "mean_absolute_error")]
    names += [_optimizer_block(spec.g_optimizer[0]), _optimizer_block(spec.d_optimizer[0])]
    names += numpy_regularize.blocks(plan) + numpy_regularize.blocks(d_plan)
    return list(dict.fromkeys(names))


def _top(plan: Plan, stem: str) -> list[str]:
    """The docstring (both networks' layers), the imports and the GAN's constants."""
    assert plan.gan is not None
    spec = plan.gan
    top = header(plan, "NumPy", stem, True).replace(
        f"{stem}_weights.npz (the weights", f"{stem}_weights.npz (both networks' weights")
    d_layers = "\n".join(f"    {s.name:<20} {s.kind:<20} {shape_text(s.out_shape)}"
                         for s in spec.discriminator.steps)
    top = top.replace("\n\nFiles beside", f"\nThe discriminator:\n{d_layers}\n\nFiles beside", 1)
    return [top, "import argparse\nimport math\nfrom pathlib import Path\n\nimport numpy as np\n",
            "SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, "
            "1.0507009873554804934193349852946\n"
            f"SEED = {plan.training.seed}\nEPOCHS = {plan.training.epochs}\n"
            f"SHUFFLE = {bool(plan.training.shuffle)}\nNOISE_DIM = {spec.noise_dim}\n"
            f"D_STEPS = {spec.d_steps}  # discriminator steps per generator step\n"
            f"N_CLASSES = {spec.n_classes}  # conditional GAN: the one-hot class joins both "
            "inputs (0: unconditional)"]


def _optimizer_block(name: str) -> str:
    return "adam_step" if name in ("adam", "adamw") else "sgd_step"


def _optimizer_call(name: str, hyper: dict[str, Any], state: str, t: str) -> tuple[str, str]:
    """(the optimizer's update line, a note when the script substitutes SGD)."""
    lr = hyper["learning_rate"]
    if name in ("adam", "adamw"):
        return (f"adam_step(P, G, {state}, {lr!r}, {t}, beta_1={hyper['beta_1']!r}, "
                f"beta_2={hyper['beta_2']!r}, epsilon={hyper['epsilon']!r}, "
                f"weight_decay={hyper['weight_decay']!r}, decoupled={name == 'adamw'})"), ""
    call = (f"sgd_step(P, G, {state}, {lr!r}, momentum={hyper.get('momentum', 0.0)!r}, "
            f"nesterov={hyper.get('nesterov', False)!r}, "
            f"weight_decay={hyper.get('weight_decay', 0.0)!r})")
    note = ("" if name in ("sgd", "momentum", "nesterov") else
            f"    # NOTE: LayerLab trains this network with {name}; this script uses SGD.\n")
    return call, note


def _constants(plan: Plan) -> list[str]:
    """``G_PENALTIES`` / ``D_PENALTIES`` (each network's penalised weights) when any."""
    assert plan.gan is not None
    tables = [(name, numpy_regularize.penalties(net)) for name, net in
              (("G_PENALTIES", plan), ("D_PENALTIES", plan.gan.discriminator))]
    if not any(found for _, found in tables):
        return []
    text = "# weight penalties from the canvas: layer/weight -> (l1, l2)\n"
    for name, found in tables:
        rows = "".join(f"    {k!r}: ({l1!r}, {l2!r}),\n" for k, (l1, l2) in found.items())
        text += f"{name} = {{\n{rows}}}\n"
    return [text]


def _step(who: str, plan: Plan, name: str, hyper: dict[str, Any]) -> str:
    """``d_step`` or ``g_step``: losses and gradients, penalties, frozen layers, clipping, the
    optimizer's update."""
    assert plan.gan is not None
    net = plan if who == "g" else plan.gan.discriminator
    call, note = _optimizer_call(name, hyper, "state", "t")
    tail = []
    if numpy_regularize.penalties(plan) or numpy_regularize.penalties(plan.gan.discriminator):
        tail.append(f"    loss += add_penalties(P, G, {who.upper()}_PENALTIES)  # L1/L2")
    frozen = tuple(s.name for s in net.frozen)
    if frozen:
        tail.append(f"    G = {{k: g for k, g in G.items() if k.split('/')[0] not in {frozen!r}}}"
                    "  # frozen")
    value, norm = numpy_regularize.clipping(plan)
    if value or norm:
        tail.append(f"    G = clip_gradients(G, clip_value={value!r}, clip_norm={norm!r})")
    tail += [f"    {call}", "    return loss"]
    return (D_HEAD if who == "d" else G_HEAD) + note + "\n".join(tail)


WITH_LABELS = '''def with_labels(x, labels):
    """A conditional GAN's network input: x (n, ...) flattened, then the one-hot class of each
    row (n, N_CLASSES); an unconditional GAN's: x as it is."""
    if not N_CLASSES:
        return x
    return np.concatenate([x.reshape(len(x), -1), np.eye(N_CLASSES)[labels]], axis=1)


def sigmoid(v):
    """1 / (1 + e^−v), written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * v))


def softplus(v):
    """log(1 + e^v), stable: −log D = softplus(−logit), −log(1 − D) = softplus(logit)."""
    return np.logaddexp(0.0, v)'''

D_HEAD = '''def d_step(P, state, t, xb, z, yb, rng):
    """The discriminator's t-th update (t = 1, 2, …) on real samples xb (classes yb) and
    fakes G(z) -> its loss −log D(x) − log(1 − D(G(z))), averaged over the n rows."""
    n = len(xb)
    fake, _ = generator_forward(P, with_labels(z, yb), training=True, rng=rng)  # not trained here
    real, real_cache = discriminator_forward(P, with_labels(xb, yb), training=True, rng=rng)
    real = real.reshape(n)
    G, _ = discriminator_backward(P, real_cache, ((sigmoid(real) - 1.0) / n).reshape(n, 1))
    faked, fake_cache = discriminator_forward(P, with_labels(fake, yb), training=True, rng=rng)
    faked = faked.reshape(n)
    G_fake, _ = discriminator_backward(P, fake_cache, (sigmoid(faked) / n).reshape(n, 1))
    G = {k: g + G_fake[k] for k, g in G.items()}
    loss = softplus(-real).mean() + softplus(faked).mean()
'''

G_HEAD = '''def g_step(P, state, t, z, yb, rng):
    """The generator's t-th update through the discriminator (only the generator moves) ->
    its non-saturating loss −log D(G(z)), averaged over the rows."""
    n = len(z)
    fake, g_cache = generator_forward(P, with_labels(z, yb), training=True, rng=rng)
    faked, d_cache = discriminator_forward(P, with_labels(fake, yb), training=True, rng=rng)
    faked = faked.reshape(n)
    _, d_input = discriminator_backward(P, d_cache, ((sigmoid(faked) - 1.0) / n).reshape(n, 1))
    d_fake = d_input[:, :fake[0].size] if N_CLASSES else d_input  # the class part: not G's
    G = generator_backward(P, g_cache, d_fake.reshape(fake.shape))
    loss = softplus(-faked).mean()
'''

TRAIN = '''def train(P, x, labels, epochs, seed):
    """Train both networks on the real samples x (classes ``labels``) as LayerLab does."""
    order_rng = np.random.default_rng(seed)  # the epoch orders, as LayerLab draws them
    noise_rng = np.random.default_rng([seed, 11])  # the noise, seeded as LayerLab seeds it
    rng = np.random.default_rng(seed + 1)  # dropout masks and the like
    d_state, g_state, d_count, g_count = {{}}, {{}}, 0, 0
    batch = {batch}
    for epoch in range(epochs):
        order = order_rng.permutation(len(x)) if SHUFFLE else np.arange(len(x))
        d_losses, g_losses = [], []
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            d_count += 1
            z = noise(noise_rng, len(idx))
            d_losses.append(d_step(P, d_state, d_count, x[idx], z, labels[idx], rng))
            if d_count % D_STEPS == 0:
                g_count += 1
                z = noise(noise_rng, len(idx))
                g_losses.append(g_step(P, g_state, g_count, z, labels[idx], rng))
        print(f"epoch {{epoch + 1}}/{{epochs}}  d_loss {{np.mean(d_losses):.4f}}  "
              f"g_loss {{np.mean(g_losses) if g_losses else float('nan'):.4f}}")
    return P


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    P = dict(np.load(here / "{stem}_weights.npz"))
    with np.load(here / "{stem}_data.npz") as data:
        x, labels = data["x_train"], data["labels_train"]
    train(P, x, labels, args.epochs, SEED)
    np.savez(here / "{stem}_numpy_trained.npz", **P)
    rng = np.random.default_rng(0)
    samples, _ = generator_forward(P, with_labels(noise(rng, 8), labels[:8]))
    print("eight generated samples:", np.round(samples.reshape(8, -1)[:, :4], 3))


if __name__ == "__main__":
    main()'''
