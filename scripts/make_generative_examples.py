"""Regenerate the generative example projects in assets/examples/ (run from the repo root).

Lessons of issue 7: an autoencoder and a VAE on the 8×8 digits with a 2-D code (so the latent
space can be drawn as it is), a denoising autoencoder, a GAN on a ring of 8 Gaussians (GAN
Lab's classic, with the setting that makes it collapse), a GAN that draws digits and a
conditional GAN whose label chooses the digit. Settings were checked with ``main.py train``
(numbers in the examples' test and the issue report).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.graph import Graph  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.training import TrainConfig  # noqa: E402
from scripts.example_layout import save_examples  # noqa: E402

OUT = "assets/examples"
LATENT_PROBES = ["latent_codes", "latent_grid", "reconstructions", "interpolation"]
GAN_PROBES = ["gan_samples", "gan_surface", "mode_coverage"]
Layer = tuple[str, str, dict, tuple[float, float]]
RING_LESSON = (
    "Two networks play a game. The top one (generator) turns random noise into points; the "
    "bottom one (discriminator) sees real and generated points and says which is which — its "
    "verdict is the shading. Watch the purple points follow the green gradient towards the "
    "real data, and read the mode coverage: how many of the 8 blobs get generated points. "
    "With the defaults (both networks learn at 0.001) the points spread over all 8 blobs. "
    "Mode collapse is the classic failure: the generator finds that one spot fools the "
    "discriminator and sends all its points there; the discriminator then learns to reject "
    "that spot and the generator jumps to another, so the points hop around the ring in one "
    "clump instead of covering it. Reproduce it: in the recipe options set the generator "
    "learning rate (g_learning_rate) to 0.01, ten times the discriminator's, and train again "
    "— the points shrink to a clump and the coverage falls to 0–2 of 8 modes.")


def build(layers: list[Layer], wires: list[tuple[str, str]]) -> Graph:
    """Layers (kind, name, options, canvas position) joined by ``wires`` (from, to)."""
    graph = Graph()
    for kind, name, options, pos in layers:
        graph.add_node(kind, name, options, pos)
    for a, b in wires:
        graph.connect(a, b)
    return graph


def chain(layers: list[tuple[str, str, dict]], y: float = 0.0) -> tuple[list[Layer], list]:
    """A left-to-right chain at height ``y``: (layers with positions, wires)."""
    placed = [(k, n, o, (250.0 * i, y)) for i, (k, n, o) in enumerate(layers)]
    return placed, [(a[1], b[1]) for a, b in zip(layers, layers[1:])]


def dense(name: str, units: int, activation: str = "linear") -> tuple[str, str, dict]:
    return ("Dense", name, {"units": units, "activation": activation})


def ae_digits_2d() -> Project:
    layers, wires = chain([("Input", "pixels", {"shape": [64]}), dense("encoder", 64, "relu"),
                           dense("code", 2), dense("decoder", 64, "relu"),
                           dense("reconstruction", 64, "sigmoid")])
    return Project(
        build(layers, wires), {"name": "digits"},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=60, probes=LATENT_PROBES, snapshot_every=20,
                    recipe_options={"reconstruction_loss": "bce"}),
        recipe="autoencoder", name="Autoencoder — digits through 2 numbers",
        description="64 pixels squeezed through a 2-unit code and rebuilt; the code is a map.",
        lesson="The network's target is its own input: no labels are used. Every digit must "
               "pass through the 2-unit 'code' layer, so the encoder has to place digits that "
               "look alike close together — watch the latent space sort itself into coloured "
               "clusters within the first few seconds (the colours are the labels the network "
               "never saw). Walk the latent grid: between and outside the clusters the decoder "
               "makes blurry non-digits, because a plain autoencoder does not fill its latent "
               "space. Compare with vae_digits_2d.")


def denoising_ae() -> Project:
    layers, wires = chain([("Input", "pixels", {"shape": [64]}), dense("encoder", 64, "relu"),
                           dense("code", 16, "relu"), dense("decoder", 64, "relu"),
                           dense("reconstruction", 64, "sigmoid")])
    return Project(
        build(layers, wires), {"name": "digits"},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=60, probes=["reconstructions", "latent_codes"],
                    snapshot_every=20,
                    recipe_options={"reconstruction_loss": "bce", "input_noise": "masking",
                                    "noise_level": 0.3}),
        recipe="autoencoder", name="Denoising autoencoder — repairing damaged digits",
        description="30% of the pixels are wiped from every training input; the target is the "
                    "clean digit.",
        lesson="During training each input digit has 30% of its pixels set to 0 (masking "
               "noise), but the target is the undamaged digit. To succeed the network cannot "
               "just copy pixels through its 16-unit code: it must learn what digits look like "
               "and fill in the missing strokes. Compare inputs and reconstructions. Try "
               "Gaussian noise instead, or raise the noise level towards 0.6. Set it to 0 (a "
               "plain autoencoder) and it rebuilds clean digits a little better but repairs "
               "damaged ones about twice as badly (measured: damaged input MSE 0.070, repaired "
               "by the denoising net 0.021, by the plain one 0.047).")


def vae_digits_2d() -> Project:
    layers = [("Input", "pixels", {"shape": [64]}, (0.0, 0.0)),
              ("Dense", "encoder", {"units": 64, "activation": "relu"}, (250.0, 0.0)),
              ("Dense", "mu", {"units": 2}, (500.0, -110.0)),
              ("Dense", "log_var", {"units": 2}, (500.0, 110.0)),
              ("Sampling", "z", {}, (750.0, 0.0)),
              ("Dense", "decoder", {"units": 64, "activation": "relu"}, (1000.0, 0.0)),
              ("Dense", "reconstruction", {"units": 64, "activation": "sigmoid"}, (1250.0, 0.0))]
    wires = [("pixels", "encoder"), ("encoder", "mu"), ("encoder", "log_var"), ("mu", "z"),
             ("log_var", "z"), ("z", "decoder"), ("decoder", "reconstruction")]
    return Project(
        build(layers, wires), {"name": "digits"},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=60, probes=LATENT_PROBES, snapshot_every=20,
                    recipe_options={"reconstruction_loss": "bce", "beta": 1.0,
                                    "kl_warmup_epochs": 5.0}),
        recipe="vae", name="VAE — a 2-D latent space of digits",
        description="A variational autoencoder with a 2-D code: every point decodes to a digit.",
        lesson="The encoder gives a mean μ and a log-variance for each digit; the Sampling layer "
               "draws a code near μ, and the KL term pulls all codes towards N(0, 1). The "
               "latent space becomes a smooth map: drag the cross and every point decodes to "
               "something digit-like. Change β while it trains: β = 0 gives an autoencoder "
               "again (gaps appear), β = 4 squeezes the clusters together (blurrier digits).")


def gan_nets(noise: int, g_out: list, d_in: list, hidden: int) -> Graph:
    """Generator on the top row, discriminator on the bottom row, no wire between them."""
    g_layers = [("Input", "noise", {"shape": [noise]}), dense("g_hidden1", hidden, "relu"),
                dense("g_hidden2", hidden, "relu"), *g_out]
    d_layers = [*d_in, dense("d_hidden1", hidden, "relu"), dense("d_hidden2", hidden, "relu"),
                dense("real_or_fake", 1, "sigmoid")]
    g_placed, g_wires = chain(g_layers, 0.0)
    d_placed, d_wires = chain(d_layers, 260.0)
    return build(g_placed + d_placed, g_wires + d_wires)


def gan_ring_of_gaussians() -> Project:
    graph = gan_nets(4, [dense("sample", 2)], [("Input", "point", {"shape": [2]})], 32)
    return Project(
        graph, {"name": "gaussian_ring", "noise": 0.05},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.001, "beta_1": 0.5},
                    batch_size=64, epochs=80, probes=GAN_PROBES, snapshot_every=5,
                    max_steps_per_second=200.0),
        recipe="gan", name="GAN — a ring of 8 Gaussians",
        description="A generator learns to hit 8 blobs; a discriminator tries to tell them apart.",
        lesson=RING_LESSON)


def gan_digits() -> Project:
    g_out = [dense("pixels", 64, "sigmoid"), ("Reshape", "image", {"target_shape": [1, 8, 8]})]
    d_in = [("Input", "digit", {"shape": [1, 8, 8]}), ("Flatten", "flat", {})]
    return Project(
        gan_nets(16, g_out, d_in, 128), {"name": "digits", "as_image": True},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.0005,
                                                         "beta_1": 0.5},
                    batch_size=64, epochs=150, probes=["gan_samples"], snapshot_every=10),
        recipe="gan", name="GAN — drawing 8×8 digits",
        description="A generator learns to draw handwritten digits from 16 random numbers.",
        lesson="The grid shows what the generator draws from the same 64 noise vectors as "
               "training goes on: blobs first, then strokes, then digits. D(x) and D(G(z)) "
               "near 0.5 mean the discriminator is unsure — the game is balanced. If every "
               "sample looks alike the generator has collapsed onto one digit.")


def cgan_digits() -> Project:
    noise, classes = 16, 10
    g_layers = [("Input", "noise_and_label", {"shape": [noise + classes]}),
                dense("g_hidden1", 128, "relu"), dense("g_hidden2", 128, "relu"),
                dense("pixels", 64, "sigmoid")]
    d_layers = [("Input", "digit_and_label", {"shape": [64 + classes]}),
                dense("d_hidden1", 128, "relu"), dense("d_hidden2", 128, "relu"),
                dense("real_or_fake", 1, "sigmoid")]
    g_placed, g_wires = chain(g_layers, 0.0)
    d_placed, d_wires = chain(d_layers, 260.0)
    return Project(
        build(g_placed + d_placed, g_wires + d_wires), {"name": "digits"},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.0005,
                                                         "beta_1": 0.5},
                    batch_size=64, epochs=150, probes=["gan_samples"], snapshot_every=10,
                    recipe_options={"conditional": True}),
        recipe="gan", name="Conditional GAN — ask for a digit",
        description="Both networks also get the digit's label: the label chooses what the "
                    "generator draws.",
        lesson="A conditional GAN appends the one-hot label (10 values) to the generator's "
               "noise and to the discriminator's input. The discriminator now asks 'is this a "
               "real 3?', not just 'is this a real digit?', so the generator can only fool it "
               "by drawing the digit it was asked for. The sample grid asks for 0, 1, 2, …, 9, 0, "
               "1, … in reading order, each with its own noise: the noise changes the "
               "handwriting, the label the digit. Compare with "
               "gan_digits, where you cannot choose which digit comes out.")


def examples() -> dict[str, Project]:
    return {"ae_digits_2d": ae_digits_2d(), "denoising_ae": denoising_ae(),
            "vae_digits_2d": vae_digits_2d(), "gan_ring_of_gaussians": gan_ring_of_gaussians(),
            "gan_digits": gan_digits(), "cgan_digits": cgan_digits()}


def main() -> None:
    save_examples(examples(), OUT)


if __name__ == "__main__":
    main()
