"""The contract every recipe's trainer keeps, so the app never probes trainers with getattr.

Implemented by ``engine.training.Trainer`` (supervised), ``engine.generative.autoencoder.
AutoencoderTrainer`` (autoencoder / VAE), ``engine.generative.gan.GANTrainer`` and
``engine.perceptron.PerceptronTrainer``; ``engine.recipes.prepare`` returns one as
``Prepared.trainer`` (each recipe's module in ``engine/recipes/`` builds its own). Members
are read-only properties here so each trainer may hold a more specific type (``ProbeSet``,
``GANPair``...).

A capability a recipe lacks is explicit, never a missing attribute: ``probe_grid`` is None when
the recipe has no live probes; ``supervision`` is None when it fits no targets (perceptron,
GAN); ``check_replacement`` raises ``LayerLabError`` with the learner's message when it cannot
take new data.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine.datasets.base import Dataset
from engine.snapshots import Snapshot
from engine.supervision import Supervision
from engine.training import TrainConfig


class ProbeGrid(Protocol):
    """Probes of one trainer on its current weights: ``compute(names) -> {name: array}``."""

    def compute(self, names: list[str]) -> dict[str, Any]: ...


@runtime_checkable
class RecipeTrainer(Protocol):
    """One run of one recipe: its settings, data, counters, history and snapshot generator."""

    @property
    def config(self) -> TrainConfig: ...

    @property
    def data(self) -> Dataset: ...

    @property
    def history(self) -> dict[str, list[float]]:
        """Per-epoch values by name (``train_loss``, ``val_loss``, ``epoch_time``, ...)."""
        ...

    @property
    def step(self) -> int: ...

    @property
    def epoch(self) -> int: ...

    @property
    def time_to_first_step(self) -> float | None: ...

    @property
    def probe_grid(self) -> ProbeGrid | None:
        """The live probes (decision map, latent space, GAN samples...); None: none."""
        ...

    def run(self, should_stop: Callable[[], bool] | None = None) -> Generator[Snapshot, None, None]:
        """Train, yielding snapshots; the last one is final (finished, stopped, diverged...)."""
        ...

    def check_replacement(self, data: Dataset) -> None:
        """Raise ``LayerLabError`` (plain message) when ``data`` cannot replace the data."""
        ...

    def replace_data(self, data: Dataset) -> None:
        """Train on ``data`` from the next pull on; raises as ``check_replacement``."""
        ...

    def learning_rate(self) -> float:
        """The learning rate the next step uses (after any schedule)."""
        ...

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` from the next step on (the GAN: the generator's)."""
        ...

    def final_metrics(self, data: Dataset) -> dict[str, Any]:
        """The report's final numbers on ``data`` (validation split, else training split)."""
        ...

    @property
    def supervision(self) -> Supervision | None:
        """The loss, target coder and encoded targets (supervised, autoencoder, VAE); None:
        the recipe fits no targets (perceptron, GAN)."""
        ...


if TYPE_CHECKING:  # mypy checks here that every recipe's trainer keeps the contract
    from engine.generative.autoencoder import AutoencoderTrainer
    from engine.generative.gan import GANTrainer
    from engine.perceptron import PerceptronTrainer
    from engine.training import Trainer

    def _every_recipe(supervised: Trainer, perceptron: PerceptronTrainer,
                      autoencoder: AutoencoderTrainer, gan: GANTrainer) -> list[RecipeTrainer]:
        return [supervised, perceptron, autoencoder, gan]
