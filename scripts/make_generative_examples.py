"""Regenerate the generative example projects in assets/examples/ (run from the repo root).

Lessons of issue 7: an autoencoder and a VAE on the 8×8 digits with a 2-D code (so the latent
space can be drawn as it is), a GAN on a ring of 8 Gaussians (GAN Lab's classic) and a GAN
that draws digits. Settings were checked with ``main.py train`` (see each lesson).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.graph import Graph  # noqa: E402
from engine.project import Project, save_project  # noqa: E402
from engine.training import TrainConfig  # noqa: E402

OUT = "assets/examples"
LATENT_PROBES = ["latent_codes", "latent_grid", "reconstructions", "interpolation"]
GAN_PROBES = ["gan_samples", "gan_surface", "mode_coverage"]
Layer = tuple[str, str, dict, tuple[float, float]]


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


def autoencoder_digits() -> Project:
    layers, wires = chain([("Input", "pixels", {"shape": [64]}), dense("encoder", 32, "relu"),
                           dense("code", 2), dense("decoder", 32, "relu"),
                           dense("reconstruction", 64, "sigmoid")])
    return Project(
        build(layers, wires), {"name": "digits"},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.003},
                    batch_size=32, epochs=60, probes=LATENT_PROBES, snapshot_every=20,
                    recipe_options={"reconstruction_loss": "bce"}),
        recipe="autoencoder", name="Autoencoder — digits through 2 numbers",
        description="64 pixels squeezed through a 2-unit code and rebuilt.",
        lesson="The network's target is its own input. Every digit must pass through the "
               "2-unit 'code' layer, so the encoder learns to place similar digits close "
               "together: watch the latent space sort itself into clusters. Walk the latent "
               "grid: between and outside the clusters the decoder makes blurry non-digits — a "
               "plain autoencoder does not fill its latent space. Compare with the VAE example.")


def vae_digits() -> Project:
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


def gan_ring() -> Project:
    graph = gan_nets(4, [dense("sample", 2)], [("Input", "point", {"shape": [2]})], 32)
    return Project(
        graph, {"name": "gaussian_ring", "noise": 0.05},
        TrainConfig(optimizer="adam", optimizer_options={"learning_rate": 0.001, "beta_1": 0.5},
                    batch_size=64, epochs=80, probes=GAN_PROBES, snapshot_every=5,
                    max_steps_per_second=200.0),
        recipe="gan", name="GAN — a ring of 8 Gaussians",
        description="A generator learns to hit 8 blobs; a discriminator tries to tell them apart.",
        lesson="Two networks play a game. The top one (generator) turns random noise into "
               "points; the bottom one (discriminator) sees real and generated points and says "
               "which is which — its verdict is the shading. Watch the purple points follow "
               "the green gradient towards the real data. Count the covered modes: when the "
               "generator finds only a few blobs it has 'collapsed'. Try a D learning rate 5× "
               "larger, or k = 5 discriminator steps, while it trains.")


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


def examples() -> dict[str, Project]:
    return {"autoencoder_digits": autoencoder_digits(), "vae_digits": vae_digits(),
            "gan_ring": gan_ring(), "gan_digits": gan_digits()}


def main() -> None:
    for name, project in examples().items():
        save_project(project, f"{OUT}/{name}.layerlab.json")
        print(f"wrote {OUT}/{name}.layerlab.json")


if __name__ == "__main__":
    main()
