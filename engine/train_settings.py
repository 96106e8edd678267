"""Checks of a ``TrainConfig``'s settings: one ``ParamSpec`` per scalar setting, so a value
from a project file, the CLI (``--epochs``, ``--seed``) or the training panel goes through the
same ``ParamSpec.validate`` (``engine.validation``) and gets the same message.

Limits: epochs ``MAX_EPOCHS``, batch size ``MAX_BATCH``, seed 0..``MAX_SEED``; options of the
loss, optimizer and schedule are checked by building them once (cheap, no arrays).
"""

from __future__ import annotations

from typing import Any

from engine import validation as v
from engine.params import ParamSpec
from engine.types import ConfigError

WHERE = "Training settings"

SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("batch_mode", "choice", "mini", choices=("mini", "full", "single")),
    ParamSpec("batch_size", "int", 32, min=1, max=v.MAX_BATCH),
    ParamSpec("epochs", "int", 50, min=0, max=v.MAX_EPOCHS),
    ParamSpec("shuffle", "bool", True),
    ParamSpec("weighted_sampling", "bool", False),
    ParamSpec("seed", "int", 0, min=0, max=v.MAX_SEED),
    ParamSpec("early_stopping", "bool", False),
    ParamSpec("patience", "int", 10, min=0, max=v.MAX_EPOCHS),
    ParamSpec("restore_best_weights", "bool", True),
    ParamSpec("clip_value", "float", 0.0, min=0.0, max=1e12),
    ParamSpec("clip_norm", "float", 0.0, min=0.0, max=1e12),
    ParamSpec("snapshot_every", "int", 0, min=0, max=10_000_000),
    ParamSpec("backend", "choice", "auto", choices=("auto", "numba", "numpy", "cuda")),
    ParamSpec("max_steps_per_second", "float", 0.0, min=0.0, max=1e9),
)
WORDS = {"max_steps_per_second": "the speed limit in steps per second",
         "snapshot_every": "steps between live updates", "clip_value": "gradient clip value",
         "clip_norm": "gradient clip norm",
         "weighted_sampling": "weighted sampling (rare classes drawn more often)"}
DICTS = ("loss_options", "optimizer_options", "augment", "recipe_options")


def check_settings(config: Any) -> None:
    """Validate (and coerce in place: ``3.0`` -> ``3``) every setting of ``config``, a
    ``TrainConfig``; raise a ``ConfigError`` naming the setting, its limit and the value."""
    for spec in SPECS:
        try:
            setattr(config, spec.name, spec.validate(getattr(config, spec.name), WHERE))
        except ConfigError as err:  # say what the setting is, as the training panel does
            words = f"{WORDS[spec.name]} ('{spec.name}')" if spec.name in WORDS else (
                f"'{spec.name}'")
            raise ConfigError(str(err).replace(f"option '{spec.name}'", words, 1)) from None
    for name in DICTS:
        v.mapping(getattr(config, name), f"{WHERE}: '{name}'")
    for name in ("loss", "optimizer"):
        v.text(getattr(config, name), f"{WHERE}: '{name}'")
    if config.schedule is not None:
        v.mapping(config.schedule, f"{WHERE}: 'schedule'")
    probes = v.sequence(config.probes, f"{WHERE}: 'probes'", 100)
    for probe in probes:
        v.text(probe, f"{WHERE}: a probe name")
    _build_once(config)


def _build_once(config: Any) -> None:
    """Build the optimizer, schedule and (chosen) loss once so a wrong option is refused here
    and not in the middle of a run."""
    from engine.losses import get_loss
    from engine.optimizers import get_optimizer
    from engine.schedules import schedule_from_config

    try:
        get_optimizer(config.optimizer, **config.optimizer_options)
        schedule_from_config(config.schedule)
        if config.loss != "auto":
            options = {k: val for k, val in config.loss_options.items() if k != "from_logits"}
            get_loss(config.loss, **options)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        raise ConfigError(f"{WHERE}: the options of the loss, optimizer or learning-rate "
                          "schedule have a wrong name or type; reset them in the training "
                          "panel.") from None
